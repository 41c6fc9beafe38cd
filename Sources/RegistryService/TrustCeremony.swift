import AmexistDomain
public import Attestation
import Foundation
public import TransparencyLog

extension RegistryService {
  /// How long a root version is valid by default (its registry key's delegation ends with it).
  public static let rootLifetimeDays = 365

  /// The next root version, unsigned (`trust propose`): the current root's keys, threshold,
  /// issuer and scheme unless `roots` and `threshold` replace them, the log's key, the current
  /// `bodySignedFrom`, and the registry key of `folder` (created when missing) delegated until
  /// the root expires, `lifetimeDays` from now; its witnesses and quorums are the ones the log
  /// records.
  ///
  /// - Throws: ``RegistryError/invalidArgument(_:)`` for a first version without root keys, or a
  ///   threshold the keys cannot reach.
  ///
  /// With `rotatingRegistryKey`, the version delegates a new registry key instead (made as
  /// `Keys/private/registry-next.pem`, in use once the version is published): the way out
  /// when the online key may have been taken, or a list version was inflated with it
  /// (catalogue B7).
  public func proposeRoot(
    folder: KeyFolder, roots: [NoteVerifier]? = nil, threshold: Int? = nil,
    lifetimeDays: Int = rootLifetimeDays, rotatingRegistryKey: Bool = false
  ) async throws(RegistryError) -> SignedPart {
    guard let log = logVerifier else {
      throw .keys("the log key is not loaded, so the root cannot name it")
    }
    guard (1...3_660).contains(lifetimeDays) else {
      throw .invalidArgument("a root version lasts from 1 to 3660 days")
    }
    let current = try folder.newestRoot()?.root
    let published = try folder.loadTrust()
    guard let keys = roots ?? current?.roots, !keys.isEmpty else {
      throw .invalidArgument(
        "the first root version needs its root keys: --root-vkey VKEY (made offline by `amexist trust root-keygen`) and --threshold N"
      )
    }
    // How many keyholders must agree is said, never assumed, when the keys are first named.
    guard threshold != nil || current != nil || keys.count == 1 else {
      throw .invalidArgument(
        "say how many of the \(keys.count) root keys must sign each version: --threshold N")
    }
    let registryKey: SigningKey
    if rotatingRegistryKey && folder.hasRegistryKey {
      registryKey = try folder.nextRegistryKey()
    } else {
      registryKey =
        folder.hasRegistryKey ? try folder.loadRegistryKey() : try folder.createRegistryKey()
    }
    let expires = clock.now().adding(milliseconds: Int64(lifetimeDays) * 86_400_000)
    let root: TrustRoot
    do {
      root = try TrustRoot(
        version: (current?.version ?? 0) + 1, expires: expires, roots: keys,
        threshold: threshold ?? current?.threshold ?? 1, scheme: try await scheme(),
        bodySignedFrom: try await read { snapshot in try Self.bodySignedFrom(snapshot) },
        issuer: current?.issuer ?? published.issuer,
        issuerName: current?.issuerName ?? published.issuerName, log: log,
        registryKeys: [(try KeyFolder.registryVerifier(registryKey), expires)],
        witnessPolicy: try await loggedWitnessPolicy())
    } catch {
      throw .invalidArgument("\(error)")
    }
    return SignedPart(signed: root.json)
  }

  /// Installs `part` as the next root version (`trust publish`) once it is exactly the next
  /// version, signed by the threshold of the current roots and of its own, names this log, its
  /// scheme and this registry's key; then rewrites the trust file signed under it.
  ///
  /// - Returns: the root installed.
  @discardableResult
  public func publishRoot(_ part: SignedPart, folder: KeyFolder) async throws(RegistryError)
    -> TrustRoot
  {
    let current = try folder.newestRoot()?.root
    let root: TrustRoot
    do {
      root = try TrustRoot.verify(part, after: current)
    } catch {
      throw .untrusted("\(error)")
    }
    guard root.log == logVerifier else {
      throw .untrusted("root version \(root.version) names another log key than this registry's")
    }
    guard root.scheme == (try await scheme()) else {
      throw .untrusted("root version \(root.version) names another scheme than this registry's")
    }
    guard clock.now() < root.expires else {
      throw .untrusted("root version \(root.version) has already expired (\(root.expires))")
    }
    let rotating = try folder.registryKeyRotation(for: root)
    try folder.installRoot(part, version: root.version)
    if rotating { try folder.completeRegistryKeyRotation(retiredBy: root.version) }
    try await publishTrust(folder: folder, issuer: root.issuer, issuerName: root.issuerName)
    return root
  }
}
