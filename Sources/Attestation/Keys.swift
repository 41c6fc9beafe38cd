public import AmexistDomain
public import Crypto
import CryptoExtras
import Foundation
public import TransparencyLog

/// The JWS algorithms the registry signs and verifies with. Nothing else is accepted.
public enum SigningAlgorithm: String, CaseIterable, Hashable, Sendable {
  /// Ed25519 (RFC 8037), the default.
  case edDSA = "EdDSA"
  /// ECDSA on P-256 with SHA-256, signatures as 64-byte `r‖s` (RFC 7518 §3.4).
  case es256 = "ES256"
}

/// A public key that verifies attestation signatures.
public enum PublicKey: Hashable, Sendable {
  case ed25519(Curve25519.Signing.PublicKey)
  case p256(P256.Signing.PublicKey)

  /// The only algorithm this key verifies: one algorithm per key.
  public var algorithm: SigningAlgorithm {
    switch self {
    case .ed25519: return .edDSA
    case .p256: return .es256
    }
  }

  /// An Ed25519 key from its 32-byte encoding, refusing the small-order points (which would
  /// let signatures verify for many messages).
  public init(ed25519 raw: [UInt8]) throws(AttestationError) {
    guard raw.count == 32 else {
      throw .invalidKey("an Ed25519 key has 32 bytes, not \(raw.count)")
    }
    var masked = raw
    masked[31] &= 0x7F
    guard !Self.smallOrderEd25519.contains(masked) else {
      throw .invalidKey("Ed25519 point of small order")
    }
    do {
      self = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: raw))
    } catch {
      throw .invalidKey("not an Ed25519 public key")
    }
  }

  /// A P-256 key from its affine coordinates, refusing points not on the curve.
  public init(p256x x: [UInt8], y: [UInt8]) throws(AttestationError) {
    guard x.count == 32, y.count == 32 else {
      throw .invalidKey("P-256 coordinates have 32 bytes each")
    }
    do {
      self = .p256(try P256.Signing.PublicKey(x963Representation: [0x04] + x + y))
    } catch {
      throw .invalidKey("not a point of P-256")
    }
  }

  /// Whether `signature` is a valid signature of `message` by this key.
  ///
  /// ES256 signatures must be exactly 64 bytes (`r‖s`, each below the group order; the library
  /// rejects zero and out-of-range values); Ed25519 signatures exactly 64 bytes with S < L.
  public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
    guard signature.count == 64 else { return false }
    switch self {
    case .ed25519(let key):
      return key.isValidSignature(signature, for: message)
    case .p256(let key):
      guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
        return false
      }
      return key.isValidSignature(parsed, for: SHA256.hash(data: message))
    }
  }

  /// The public JWK (RFC 7517), with `kid`, `alg` and `use` when given.
  public func jwk(kid: String? = nil) -> JSONValue {
    var members: [String: JSONValue] = ["alg": .string(algorithm.rawValue), "use": .string("sig")]
    switch self {
    case .ed25519(let key):
      members["kty"] = .string("OKP")
      members["crv"] = .string("Ed25519")
      members["x"] = .string(Base64URL.encode(key.rawRepresentation))
    case .p256(let key):
      let point = [UInt8](key.x963Representation)
      members["kty"] = .string("EC")
      members["crv"] = .string("P-256")
      members["x"] = .string(Base64URL.encode(point[1...32]))
      members["y"] = .string(Base64URL.encode(point[33...64]))
    }
    if let kid { members["kid"] = .string(kid) }
    return .object(members)
  }

  /// The RFC 7638 thumbprint (SHA-256 of the required members), base64url: a key id derived
  /// from the key itself.
  public var thumbprint: String {
    let required: JSONValue
    switch self {
    case .ed25519(let key):
      required = .object([
        "crv": .string("Ed25519"), "kty": .string("OKP"),
        "x": .string(Base64URL.encode(key.rawRepresentation)),
      ])
    case .p256(let key):
      let point = [UInt8](key.x963Representation)
      required = .object([
        "crv": .string("P-256"), "kty": .string("EC"),
        "x": .string(Base64URL.encode(point[1...32])),
        "y": .string(Base64URL.encode(point[33...64])),
      ])
    }
    return Base64URL.encode(SHA256.hash(data: CanonicalJSON.encode(required)))
  }

  /// The key id the registry gives this key: the curve and the RFC 7638 thumbprint, such as
  /// `ed25519-kPrK_qmx…`. Derived from the key, so anyone can check it; the prefix keeps it
  /// from starting with `-`, which a command line would read as an option.
  public var keyID: String {
    switch self {
    case .ed25519: return "ed25519-" + thumbprint
    case .p256: return "p256-" + thumbprint
    }
  }

  /// The public key in PEM (SubjectPublicKeyInfo), for tools such as `openssl`.
  public var pemRepresentation: String {
    switch self {
    case .ed25519(let key): return key.pemRepresentation
    case .p256(let key): return key.pemRepresentation
    }
  }

  public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
    switch (lhs, rhs) {
    case (.ed25519(let a), .ed25519(let b)): return a.rawRepresentation == b.rawRepresentation
    case (.p256(let a), .p256(let b)): return a.x963Representation == b.x963Representation
    default: return false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .ed25519(let key): hasher.combine(key.rawRepresentation)
    case .p256(let key): hasher.combine(key.x963Representation)
    }
  }

  /// Encodings of the Ed25519 points of small order, with the sign bit cleared (libsodium's list).
  private static let smallOrderEd25519: Set<[UInt8]> = {
    let high = [UInt8](repeating: 0xFF, count: 30) + [0x7F]
    return [
      [UInt8](repeating: 0, count: 32),
      [1] + [UInt8](repeating: 0, count: 31),
      [
        0x26, 0xE8, 0x95, 0x8F, 0xC2, 0xB2, 0x27, 0xB0, 0x45, 0xC3, 0xF4, 0x89, 0xF2, 0xEF, 0x98,
        0xF0,
        0xD5, 0xDF, 0xAC, 0x05, 0xD3, 0xC6, 0x33, 0x39, 0xB1, 0x38, 0x02, 0x88, 0x6D, 0x53, 0xFC,
        0x05,
      ],
      [
        0xC7, 0x17, 0x6A, 0x70, 0x3D, 0x4D, 0xD8, 0x4F, 0xBA, 0x3C, 0x0B, 0x76, 0x0D, 0x10, 0x67,
        0x0F,
        0x2A, 0x20, 0x53, 0xFA, 0x2C, 0x39, 0xCC, 0xC6, 0x4E, 0xC7, 0xFD, 0x77, 0x92, 0xAC, 0x03,
        0x7A,
      ],
      [0xEC] + high, [0xED] + high, [0xEE] + high,
    ]
  }()
}

/// Reads public JWKs strictly.
public enum JWK {
  /// The members a public JWK may have; anything else (private `d`, `x5c`, `jku`…) is refused.
  static let allowedMembers: Set<String> = ["kty", "crv", "x", "y", "alg", "use", "key_ops", "kid"]

  /// Parses a public Ed25519 (`OKP`) or P-256 (`EC`) JWK.
  ///
  /// Refuses other key types and curves, private members, `alg` that does not match the curve,
  /// `use` other than `sig`, `key_ops` without `verify`, non-canonical base64url, points off the
  /// curve and small-order Ed25519 points.
  public static func publicKey(_ value: JSONValue) throws(AttestationError) -> PublicKey {
    guard case .object(let members) = value else { throw .invalidKey("a JWK is a JSON object") }
    if members["d"] != nil {
      throw .invalidKey("private key material where a public key is expected")
    }
    if let unknown = members.keys.sorted().first(where: { !allowedMembers.contains($0) }) {
      throw .invalidKey("unsupported JWK member \"\(unknown.prefix(32))\"")
    }
    if let use = members["use"], use != .string("sig") {
      throw .invalidKey("the key is not for signatures")
    }
    if let operations = members["key_ops"] {
      guard case .array(let list) = operations, list.contains(.string("verify")) else {
        throw .invalidKey("the key's operations do not include verify")
      }
    }
    func coordinate(_ name: String) throws(AttestationError) -> [UInt8] {
      guard case .string(let text) = members[name], let bytes = Base64URL.decode(text) else {
        throw .invalidKey("member \"\(name)\" is missing or not canonical base64url")
      }
      return bytes
    }
    let key: PublicKey
    switch (members["kty"], members["crv"]) {
    case (.string("OKP"), .string("Ed25519")):
      guard members["y"] == nil else { throw .invalidKey("an Ed25519 JWK has no y") }
      key = try PublicKey(ed25519: try coordinate("x"))
    case (.string("EC"), .string("P-256")):
      key = try PublicKey(p256x: try coordinate("x"), y: try coordinate("y"))
    default:
      throw .invalidKey("only Ed25519 (OKP) and P-256 (EC) keys are supported")
    }
    if let alg = members["alg"], alg != .string(key.algorithm.rawValue) {
      throw .invalidKey("the key's alg does not match its curve")
    }
    return key
  }
}

/// An issuer's private signing key. Its bytes are never printed: `description` shows the
/// algorithm only.
public struct SigningKey: Sendable, CustomStringConvertible {
  private enum Storage: Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
  }
  private let storage: Storage

  /// A new random key for `algorithm`.
  public init(generating algorithm: SigningAlgorithm) {
    switch algorithm {
    case .edDSA: storage = .ed25519(Curve25519.Signing.PrivateKey())
    case .es256: storage = .p256(P256.Signing.PrivateKey())
    }
  }

  /// A key from a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`).
  public init(pemRepresentation pem: String) throws(AttestationError) {
    if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
      storage = .ed25519(key)
    } else if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
      storage = .p256(key)
    } else {
      throw .invalidKey("not a PKCS#8 PEM Ed25519 or P-256 private key")
    }
  }

  /// The key as PKCS#8 PEM, for the key file.
  public var pemRepresentation: String {
    switch storage {
    case .ed25519(let key): return key.pemRepresentation
    case .p256(let key): return key.pemRepresentation
    }
  }

  /// The algorithm this key signs with.
  public var algorithm: SigningAlgorithm {
    switch storage {
    case .ed25519: return .edDSA
    case .p256: return .es256
    }
  }

  /// The matching public key.
  public var publicKey: PublicKey {
    switch storage {
    case .ed25519(let key): return .ed25519(key.publicKey)
    case .p256(let key): return .p256(key.publicKey)
    }
  }

  /// Signs `message`: Ed25519 (RFC 8032), or ECDSA P-256 as 64-byte `r‖s`.
  public func signature(for message: [UInt8]) throws(AttestationError) -> [UInt8] {
    do {
      switch storage {
      case .ed25519(let key): return [UInt8](try key.signature(for: message))
      case .p256(let key): return [UInt8](try key.signature(for: message).rawRepresentation)
      }
    } catch {
      throw .signingFailed("the cryptographic library refused to sign")
    }
  }

  public var description: String { "SigningKey(\(algorithm.rawValue), private)" }

  /// The log signer of `origin` with this key, which must be an Ed25519 key (C2SP notes).
  public func logSigner(origin: String) throws(AttestationError) -> LogSigner {
    guard case .ed25519(let key) = storage else {
      throw .invalidKey("the log key must be an Ed25519 key")
    }
    do {
      return try LogSigner(origin: origin, key: key)
    } catch {
      throw .invalidKey("log key: \(error)")
    }
  }

  /// This Ed25519 key as a witness's cosigner (C2SP `tlog-cosignature`) named `name`.
  public func cosigner(name: String) throws(AttestationError) -> Cosigner {
    guard case .ed25519(let key) = storage else {
      throw .invalidKey("a witness key must be an Ed25519 key")
    }
    do {
      return try Cosigner(name: name, key: key)
    } catch {
      throw .invalidKey("witness key: \(error)")
    }
  }
}

extension JWK {
  /// Parses a JWK Set (`{"keys": [...]}`) into keys by `kid`, refusing the whole set when any
  /// key is unusable, lacks a `kid`, or shares its `kid` with another.
  public static func keySet(_ value: JSONValue) throws(AttestationError) -> [String: PublicKey] {
    guard case .object(let members) = value, case .array(let entries) = members["keys"],
      !entries.isEmpty
    else {
      throw .invalidKey("a JWK Set is an object with a non-empty keys list")
    }
    var keys: [String: PublicKey] = [:]
    for entry in entries {
      guard case .string(let kid) = entry["kid"], !kid.isEmpty else {
        throw .invalidKey("a key of the set has no kid")
      }
      let key = try publicKey(entry)
      guard keys.updateValue(key, forKey: kid) == nil else {
        throw .invalidKey("kid \"\(kid.prefix(64))\" appears twice")
      }
    }
    return keys
  }
}
