public import Crypto

/// Why a signed note or a verifier key was refused.
public enum NoteError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The note is larger than ``SignedNote/maximumSize`` or has more than
  /// ``SignedNote/maximumSignatures`` signatures.
  case tooLarge
  /// The note does not follow C2SP `signed-note` (the reason says where).
  case malformed(String)
  /// A signature by a trusted key does not verify.
  case invalidSignature(keyName: String)
  /// No signature by a trusted key is on the note.
  case noTrustedSignature
  /// A verifier key (`name+hash+key`) is not usable.
  case invalidVerifierKey(String)

  public var description: String {
    switch self {
    case .tooLarge: return "the signed note is too large"
    case .malformed(let reason): return "malformed signed note: \(reason)"
    case .invalidSignature(let name):
      return "the signature of trusted key \(name.prefix(80)) does not verify"
    case .noTrustedSignature: return "the note is not signed by a trusted key"
    case .invalidVerifierKey(let reason): return "invalid note verifier key: \(reason)"
    }
  }
}

/// A signature line of a note: `— <key name> base64(key ID ‖ signature)`.
public struct NoteSignature: Hashable, Sendable {
  /// The key name.
  public let name: String
  /// The key ID: the first four bytes, big-endian.
  public let keyID: UInt32
  /// The signature bytes after the key ID.
  public let signature: [UInt8]

  /// The signature line, without its newline.
  public var line: String {
    let id = (0..<4).map { UInt8(truncatingIfNeeded: keyID >> (24 - 8 * UInt32($0))) }
    return "\u{2014} \(name) \(Base64.encode(id + signature))"
  }
}

extension NoteSignature {
  /// Parses one signature line (`— name base64`, without its newline), as a note holds it.
  public init(line: String) throws(NoteError) {
    self = try SignedNote.signature(line)
  }
}

/// A C2SP `signed-note`: text ending in a newline, a blank line, then signature lines.
///
/// Parsing checks the form only; nothing in the text may be used before ``verified(by:)``
/// succeeds.
public struct SignedNote: Hashable, Sendable {
  /// The largest note accepted, in bytes, checked before parsing.
  public static let maximumSize = 65_536
  /// The most signatures accepted on one note (C2SP asks verifiers to accept at least 16).
  public static let maximumSignatures = 16

  /// The signed text, with its final newline.
  public let text: String
  /// The signatures, in the order they appear.
  public let signatures: [NoteSignature]

  /// A note of `text` with `signatures`.
  public init(text: String, signatures: [NoteSignature]) {
    self.text = text
    self.signatures = signatures
  }

  /// The note as transmitted: text, blank line, one signature a line.
  public var serialized: String {
    text + "\n" + signatures.map { $0.line + "\n" }.joined()
  }

  /// Parses a signed note strictly: valid UTF-8 with no control character but newline, text
  /// ending in a newline, the last blank line separating one or more well-formed signature
  /// lines, a final newline.
  public init(parsing bytes: [UInt8]) throws(NoteError) {
    guard bytes.count <= Self.maximumSize else { throw .tooLarge }
    guard String(validating: bytes, as: UTF8.self) != nil else { throw .malformed("not UTF-8") }
    guard !bytes.contains(where: { $0 < 0x20 && $0 != 0x0A }) else {
      throw .malformed("control character")
    }
    guard bytes.last == 0x0A else { throw .malformed("no final newline") }
    // The text ends at the last blank line ("\n\n"): text keeps its newline, the rest is
    // signatures.
    var split: Int?
    for index in stride(from: bytes.count - 1, through: 1, by: -1)
    where bytes[index] == 0x0A && bytes[index - 1] == 0x0A {
      split = index
      break
    }
    guard let split else { throw .malformed("no blank line before the signatures") }
    let text = String(decoding: bytes[..<split], as: UTF8.self)
    let lines = bytes[(split + 1)...].split(separator: 0x0A, omittingEmptySubsequences: false)
      .dropLast()
    guard !lines.isEmpty else { throw .malformed("no signature") }
    guard lines.count <= Self.maximumSignatures else { throw .tooLarge }
    var signatures: [NoteSignature] = []
    for line in lines {
      signatures.append(try Self.signature(String(decoding: line, as: UTF8.self)))
    }
    self.init(text: text, signatures: signatures)
  }

  static func signature(_ line: String) throws(NoteError) -> NoteSignature {
    guard line.hasPrefix("\u{2014} ") else {
      throw .malformed("a signature line must start with —")
    }
    let parts = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 2, NoteKeyName.isValid(parts[0]) else {
      throw .malformed("bad signature line")
    }
    guard let bytes = Base64.decode(Array(parts[1].utf8)), bytes.count > 4 else {
      throw .malformed("bad signature encoding")
    }
    let keyID = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    return NoteSignature(name: String(parts[0]), keyID: keyID, signature: Array(bytes.dropFirst(4)))
  }

  /// The note's text once verified: every signature by a key of `verifiers` (same name and key
  /// ID) must verify, at least one must be present; signatures by other keys are ignored.
  ///
  /// - Returns: the verifiers whose signature is on the note, each once.
  public func verified(by verifiers: [NoteVerifier]) throws(NoteError) -> [NoteVerifier] {
    var verifiedBy: [NoteVerifier] = []
    let message = Array(text.utf8)
    for signature in signatures {
      guard
        let verifier = verifiers.first(where: {
          $0.name == signature.name && $0.keyID == signature.keyID
        })
      else { continue }
      guard verifier.isValidSignature(signature.signature, for: message) else {
        throw .invalidSignature(keyName: signature.name)
      }
      if !verifiedBy.contains(verifier) { verifiedBy.append(verifier) }
    }
    guard !verifiedBy.isEmpty else { throw .noTrustedSignature }
    return verifiedBy
  }
}

/// Key names of signed notes: non-empty, no Unicode space, no `+`.
enum NoteKeyName {
  static func isValid(_ name: some StringProtocol) -> Bool {
    !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace }
  }
}

/// An Ed25519 key that verifies note signatures, known by its name and key ID.
///
/// Its text form is the verifier key of golang.org/x/mod `sumdb/note`:
/// `<name>+<key ID, 8 hex digits>+base64(0x01 ‖ 32-byte public key)`.
public struct NoteVerifier: Hashable, Sendable {
  /// The key name (for a log, its origin).
  public let name: String
  /// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian.
  public let keyID: UInt32
  /// The Ed25519 public key.
  public let publicKeyBytes: [UInt8]

  /// The verifier of `publicKey` under `name`.
  public init(name: String, publicKey: Curve25519.Signing.PublicKey) throws(NoteError) {
    try VerifierKeyText.checkName(name)
    self.name = name
    self.publicKeyBytes = Array(publicKey.rawRepresentation)
    self.keyID = VerifierKeyText.keyID(name: name, type: 0x01, publicKey: publicKeyBytes)
  }

  /// Parses a verifier key `name+hash+key`, checking that the hash matches name and key.
  public init(verifierKey text: String) throws(NoteError) {
    let (name, id, key) = try VerifierKeyText.parse(
      text, type: 0x01, expected: "the key must be an Ed25519 key (type 0x01, 32 bytes)")
    try self.init(name: name, publicKey: key)
    guard keyID == id else { throw .invalidVerifierKey("the hash does not match the key") }
  }

  /// The verifier key text.
  public var verifierKey: String {
    VerifierKeyText.format(name: name, keyID: keyID, type: 0x01, publicKey: publicKeyBytes)
  }

  /// Whether `signature` is this key's Ed25519 signature of `message`.
  public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
    guard signature.count == 64,
      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes)
    else { return false }
    return key.isValidSignature(signature, for: message)
  }
}

/// The text form of C2SP `signed-note` verifier keys, `name+hash+base64(type ‖ key)`, for
/// Ed25519 note keys (type 0x01) and cosignature keys (type 0x04).
enum VerifierKeyText {
  /// Refuses an empty name, or one with a space or `+`.
  static func checkName(_ name: String) throws(NoteError) {
    guard NoteKeyName.isValid(name) else {
      throw .invalidVerifierKey("the key name must be non-empty, without spaces or +")
    }
  }

  /// SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4], big-endian.
  static func keyID(name: String, type: UInt8, publicKey: [UInt8]) -> UInt32 {
    var hasher = SHA256()
    hasher.update(data: Array(name.utf8) + [0x0A, type] + publicKey)
    return hasher.finalize().prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
  }

  /// The name, the key ID written and the Ed25519 key of `text` with key type `type`; the
  /// caller checks the key ID against its own.
  static func parse(_ text: String, type: UInt8, expected: String) throws(NoteError) -> (
    name: String, keyID: UInt32, key: Curve25519.Signing.PublicKey
  ) {
    // The base64 key may itself contain '+': only the first two separate the parts.
    let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, parts[1].utf8.count == 8,
      let id = UInt32(parts[1], radix: 16), parts[1] == parts[1].lowercased()
    else {
      throw .invalidVerifierKey("expected name+hash+key")
    }
    guard let bytes = Base64.decode(Array(parts[2].utf8)), bytes.count == 33, bytes[0] == type,
      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes.dropFirst())
    else {
      throw .invalidVerifierKey(expected)
    }
    return (String(parts[0]), id, key)
  }

  /// The text of a key.
  static func format(name: String, keyID: UInt32, type: UInt8, publicKey: [UInt8]) -> String {
    let hex = String(keyID, radix: 16)
    return "\(name)+\(String(repeating: "0", count: 8 - hex.count) + hex)+"
      + Base64.encode([type] + publicKey)
  }
}

/// An Ed25519 key that signs notes under a name. Its description never shows the key.
public struct NoteSigner: Sendable, CustomStringConvertible {
  private let key: Curve25519.Signing.PrivateKey
  /// The matching verifier.
  public let verifier: NoteVerifier

  /// A signer with `key` under `name`.
  public init(name: String, key: Curve25519.Signing.PrivateKey) throws(NoteError) {
    self.key = key
    self.verifier = try NoteVerifier(name: name, publicKey: key.publicKey)
  }

  /// Signs `text` (which must end in a newline) into a signed note.
  public func sign(_ text: String) throws -> SignedNote {
    precondition(text.hasSuffix("\n"), "a note text ends in a newline")
    let signature = try key.signature(for: Array(text.utf8))
    return SignedNote(
      text: text,
      signatures: [
        NoteSignature(name: verifier.name, keyID: verifier.keyID, signature: Array(signature))
      ]
    )
  }

  /// A secret only the holder of this key can compute, for `purpose` (HKDF-SHA256 of the
  /// private key with the purpose as its info): distinct purposes give unrelated secrets, and
  /// none of them reveals the key or can sign a note.
  public func derivedSecret(purpose: String) -> SymmetricKey {
    HKDF<SHA256>.deriveKey(
      inputKeyMaterial: SymmetricKey(data: key.rawRepresentation),
      salt: Array("amexist derived secret".utf8), info: Array(purpose.utf8), outputByteCount: 32)
  }

  public var description: String { "NoteSigner(\(verifier.verifierKey))" }
}
