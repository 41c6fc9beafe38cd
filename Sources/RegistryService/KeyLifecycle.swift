public import AmexistDomain
public import Attestation

extension RegistryService {
  /// Creates an issuer key of `algorithm`: its private file in `folder`, its `keyAdded` event
  /// (retiring the keys in `retiring` in the same batch), then the trust file for `issuer`
  /// (named `issuerName`).
  ///
  /// - Returns: the new key's id.
  public func createIssuerKey(
    _ algorithm: SigningAlgorithm, folder: KeyFolder, issuer: String, issuerName: String? = nil,
    retiring: [String] = []
  ) async throws(RegistryError) -> String {
    let key = SigningKey(generating: algorithm)
    let kid = key.publicKey.keyID
    try folder.writePrivateKey(key, kid: kid)
    _ = try await addKey(key, retiring: retiring)
    try await publishTrust(folder: folder, issuer: issuer, issuerName: issuerName)
    return kid
  }

  /// Adds a new key that signs from now on and retires every key that may sign now.
  ///
  /// - Returns: the new key's id and the retired ones.
  public func rotateIssuerKey(_ algorithm: SigningAlgorithm, folder: KeyFolder)
    async throws(RegistryError) -> (kid: String, retired: [String])
  {
    let trust = try folder.loadTrust()
    let now = clock.now()
    let active = try await keyRecords().filter { $0.maySign(at: now) }.map(\.kid)
    let kid = try await createIssuerKey(
      algorithm, folder: folder, issuer: trust.issuer, issuerName: trust.issuerName,
      retiring: active)
    return (kid, active)
  }

  /// Revokes `kid` at `instant` (now by default; earlier only with `backdating`, see
  /// ``revokeKey(_:at:reason:backdating:)``) and republishes the trust file.
  public func revokeIssuerKey(
    _ kid: String, at instant: Instant? = nil, reason: String, backdating: Bool = true,
    folder: KeyFolder
  ) async throws(RegistryError) {
    let trust = try folder.loadTrust()
    try await revokeKey(kid, at: instant, reason: reason, backdating: backdating)
    try await publishTrust(folder: folder, issuer: trust.issuer, issuerName: trust.issuerName)
  }

  /// Rewrites the trust file of `folder` from the log's keys and bodies (signed under the
  /// newest root when one is published).
  public func publishTrust(folder: KeyFolder, issuer: String, issuerName: String? = nil)
    async throws(RegistryError)
  {
    try folder.writeTrust(
      try await publishedTrust(folder: folder, issuer: issuer, issuerName: issuerName))
  }
}
