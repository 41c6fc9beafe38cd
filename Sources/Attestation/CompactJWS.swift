import AmexistDomain

/// Why a compact JWS was refused. Each reason maps to one verifier verdict.
public enum JWSFailure: Error, Hashable, Sendable, CustomStringConvertible {
  /// Not a well-formed compact JWS (structure, base64url, header JSON).
  case malformed(String)
  /// Larger than the cap; refused before parsing.
  case tooLarge(Int)
  /// `alg` is not EdDSA or ES256 (`none`, HMAC, RSA… are never accepted).
  case unsupportedAlgorithm(String)
  /// A header parameter that is refused (`crit`, `b64`, `jku`, `x5u`, `jwk`, `x5c`, unknown ones).
  case forbiddenHeader(String)
  /// No trusted key has this `kid`, or `kid` is missing.
  case unknownKey(String)
  /// The header's `alg` is not the algorithm of the key named by `kid`.
  case algorithmMismatch
  /// `typ` is missing or not the expected one.
  case wrongType(String)
  /// The signature does not verify.
  case invalidSignature

  public var description: String {
    switch self {
    case .malformed(let reason): return "malformed JWS: \(reason)"
    case .tooLarge(let cap): return "the token is larger than \(cap) bytes"
    case .unsupportedAlgorithm(let alg): return "unsupported algorithm \"\(alg.prefix(20))\""
    case .forbiddenHeader(let name):
      return "header parameter \"\(name.prefix(32))\" is not accepted"
    case .unknownKey(let kid):
      return kid.isEmpty ? "the header names no key (kid)" : "unknown key id \"\(kid.prefix(64))\""
    case .algorithmMismatch: return "the header's algorithm is not the key's algorithm"
    case .wrongType(let found): return "wrong token type \"\(found.prefix(32))\""
    case .invalidSignature: return "the signature does not verify"
    }
  }
}

/// The protected header of a verified JWS.
public struct JWSHeader: Hashable, Sendable {
  public let algorithm: SigningAlgorithm
  public let kid: String
  public let type: String?
}

/// A JWS whose signature verified with a trusted key: its payload bytes are the only ones
/// claims may be read from.
public struct VerifiedJWS: Hashable, Sendable {
  public let header: JWSHeader
  /// The exact payload bytes that were signed.
  public let payload: [UInt8]
}

/// Compact JWS (RFC 7515 §7.1) with the strict rules of the registry.
///
/// Written on swift-crypto rather than taken from a JWT library because the one available
/// (jwt-kit 5.8.0) accepts `alg` none or HS256 beside a valid signature, a missing or unknown
/// `kid` (it falls back to a default key), unknown `crit`, `b64:false`, duplicate header names
/// and padded base64. Here: one algorithm per key, `kid` required and exact, compact
/// serialisation only, canonical base64url only, a fixed set of header parameters, duplicate
/// JSON members refused, and a size cap checked before anything is parsed.
public enum CompactJWS {
  /// The largest token accepted, in bytes.
  public static let maximumSize = 16_384

  /// Header parameters that are accepted; every other one is refused.
  static let acceptedHeaders: Set<String> = ["alg", "kid", "typ", "cty"]

  /// Signs `payload` with `key`, naming it `kid`, with `typ` when given.
  public static func sign(payload: [UInt8], key: SigningKey, kid: String, type: String?)
    throws(AttestationError)
    -> String
  {
    var header: [String: JSONValue] = ["alg": .string(key.algorithm.rawValue), "kid": .string(kid)]
    if let type { header["typ"] = .string(type) }
    let signingInput =
      Base64URL.encode(CanonicalJSON.encode(.object(header))) + "." + Base64URL.encode(payload)
    let signature = try key.signature(for: Array(signingInput.utf8))
    return signingInput + "." + Base64URL.encode(signature)
  }

  /// Verifies a compact JWS against trusted keys.
  ///
  /// - Parameters:
  ///   - token: the token bytes, exactly (no surrounding white space).
  ///   - key: looks up a trusted key by exact `kid`.
  ///   - expectedType: the required `typ`, or nil when any (or none) is accepted.
  ///   - maximumSize: the largest token accepted (documents larger than an attestation, such
  ///     as status snapshots, set their own).
  /// - Throws: ``JWSFailure`` with the first reason the token is refused.
  public static func verify(
    _ token: [UInt8], key: (String) -> PublicKey?, expectedType: String?,
    maximumSize: Int = Self.maximumSize
  ) throws(JWSFailure) -> VerifiedJWS {
    guard token.count <= maximumSize else { throw .tooLarge(maximumSize) }
    guard !token.isEmpty else { throw .malformed("empty token") }
    guard token.first != UInt8(ascii: "{") else {
      throw .malformed("only the compact serialisation is accepted")
    }
    let parts = token.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 3 else {
      throw .malformed("a compact JWS has three parts, this one has \(parts.count)")
    }
    guard !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
      throw .malformed("an empty part")
    }
    guard let headerBytes = Base64URL.decode(parts[0]) else {
      throw .malformed("header is not canonical base64url")
    }
    guard let payload = Base64URL.decode(parts[1]) else {
      throw .malformed("payload is not canonical base64url")
    }
    guard let signature = Base64URL.decode(parts[2]) else {
      throw .malformed("signature is not canonical base64url")
    }

    let header: JSONValue
    do {
      header = try StrictJSONParser(maximumSize: 4096, maximumDepth: 4).parse(headerBytes)
    } catch {
      throw .malformed("header: \(error)")
    }
    guard case .object(let members) = header else {
      throw .malformed("the header is not a JSON object")
    }
    if let refused = members.keys.sorted().first(where: { !acceptedHeaders.contains($0) }) {
      throw .forbiddenHeader(refused)
    }
    guard case .string(let algText) = members["alg"] else {
      throw .malformed("the header has no alg")
    }
    guard let algorithm = SigningAlgorithm(rawValue: algText) else {
      throw .unsupportedAlgorithm(algText)
    }
    guard case .string(let kid) = members["kid"], !kid.isEmpty else { throw .unknownKey("") }
    var type: String?
    if let typ = members["typ"] {
      guard case .string(let text) = typ else { throw .malformed("typ is not a string") }
      type = text
    }
    if let cty = members["cty"] {
      guard case .string = cty else { throw .malformed("cty is not a string") }
    }
    guard let publicKey = key(kid) else { throw .unknownKey(kid) }
    guard publicKey.algorithm == algorithm else { throw .algorithmMismatch }
    if let expectedType, type != expectedType { throw .wrongType(type ?? "") }

    let signingInput = Array(token[..<(parts[1].endIndex)])
    guard publicKey.isValidSignature(signature, for: signingInput) else { throw .invalidSignature }
    return VerifiedJWS(
      header: JWSHeader(algorithm: algorithm, kid: kid, type: type), payload: payload)
  }
}
