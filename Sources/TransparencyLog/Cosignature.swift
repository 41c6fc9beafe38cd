public import Crypto

/// A witness's public key for C2SP `tlog-cosignature` (Ed25519 `cosignature/v1`): known by its
/// name and key ID `SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4]`, written as the verifier key
/// `name+hash+base64(0x04 ‖ key)`.
public struct CosignatureVerifier: Hashable, Sendable {
  /// The cosigner's name.
  public let name: String
  /// The key ID, big-endian.
  public let keyID: UInt32
  /// The Ed25519 public key.
  public let publicKeyBytes: [UInt8]

  /// The signature type byte of Ed25519 cosignatures in key IDs and verifier keys.
  static let signatureType: UInt8 = 0x04

  /// The verifier of `publicKey` under `name`.
  public init(name: String, publicKey: Curve25519.Signing.PublicKey) throws(NoteError) {
    try VerifierKeyText.checkName(name)
    self.name = name
    self.publicKeyBytes = Array(publicKey.rawRepresentation)
    self.keyID = VerifierKeyText.keyID(
      name: name, type: Self.signatureType, publicKey: publicKeyBytes)
  }

  /// Parses a cosigner verifier key `name+hash+base64(0x04 ‖ key)`, checking the hash.
  public init(verifierKey text: String) throws(NoteError) {
    let (name, id, key) = try VerifierKeyText.parse(
      text, type: Self.signatureType,
      expected: "a witness key is an Ed25519 cosignature key (type 0x04, 32 bytes)")
    try self.init(name: name, publicKey: key)
    guard keyID == id else { throw .invalidVerifierKey("the hash does not match the key") }
  }

  /// The verifier key text.
  public var verifierKey: String {
    VerifierKeyText.format(
      name: name, keyID: keyID, type: Self.signatureType, publicKey: publicKeyBytes)
  }

  /// The message a `cosignature/v1` at `timestamp` signs over the checkpoint note `text`.
  public static func message(text: String, timestamp: UInt64) -> [UInt8] {
    Array("cosignature/v1\ntime \(timestamp)\n\(text)".utf8)
  }

  /// The timestamp of `signature` when it is this cosigner's valid cosignature of the note
  /// text `text`; nil for another key's line or a signature that does not verify.
  public func timestamp(of signature: NoteSignature, on text: String) -> UInt64? {
    guard signature.name == name, signature.keyID == keyID, signature.signature.count == 72,
      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes)
    else { return nil }
    let timestamp = signature.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard timestamp <= UInt64(Int64.max),
      key.isValidSignature(
        signature.signature.dropFirst(8), for: Self.message(text: text, timestamp: timestamp))
    else { return nil }
    return timestamp
  }
}

/// A witness's signing key: makes timestamped `cosignature/v1` lines. Its description never
/// shows the key.
public struct Cosigner: Sendable, CustomStringConvertible {
  private let key: Curve25519.Signing.PrivateKey
  /// The matching verifier.
  public let verifier: CosignatureVerifier

  /// A cosigner with `key` under `name`.
  public init(name: String, key: Curve25519.Signing.PrivateKey) throws(NoteError) {
    self.key = key
    self.verifier = try CosignatureVerifier(name: name, publicKey: key.publicKey)
  }

  /// The cosignature of the checkpoint note text `text` at `timestamp` (POSIX seconds).
  public func cosign(_ text: String, at timestamp: UInt64) throws -> NoteSignature {
    let signature = try key.signature(
      for: CosignatureVerifier.message(text: text, timestamp: timestamp))
    let time = (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) }
    return NoteSignature(
      name: verifier.name, keyID: verifier.keyID, signature: time + Array(signature))
  }

  public var description: String { "Cosigner(\(verifier.verifierKey))" }
}
