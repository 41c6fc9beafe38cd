public import AmexistDomain
public import TransparencyLog

/// An issuer key as the trust file publishes it.
public struct TrustedKey: Hashable, Sendable {
  public let kid: String
  public let publicKey: PublicKey
  /// The key signs attestations issued from this instant.
  public let validFrom: Instant
  /// The key signs nothing issued from this instant on (set when it is retired).
  public let validUntil: Instant?
  /// Nothing the key signed after this instant is valid.
  public let revokedAt: Instant?
  /// Log index of the revocation: an attestation the log proves it holds at a smaller index
  /// was logged before the revocation and stays valid.
  public let revocationIndex: Int64?

  /// A trusted key with its signing window and revocation time and log index.
  public init(
    kid: String, publicKey: PublicKey, validFrom: Instant, validUntil: Instant?,
    revokedAt: Instant?,
    revocationIndex: Int64? = nil
  ) {
    self.kid = kid
    self.publicKey = publicKey
    self.validFrom = validFrom
    self.validUntil = validUntil
    self.revokedAt = revokedAt
    self.revocationIndex = revokedAt == nil ? nil : revocationIndex
  }

  /// Whether an attestation issued at `instant` falls inside the key's signing window.
  public func signs(at instant: Instant) -> Bool {
    instant >= validFrom && (validUntil.map { instant < $0 } ?? true)
  }
}

/// `Keys/trust.json`: who issues attestations and with which keys. Public, meant to be published.
///
/// Format `amexist-trust/1`: `{"format", "issuer", ["issuerName",] ["scheme",] "keys": [{"kid", "alg", "jwk", "validFrom",
/// "validUntil", "revokedAt", "revocationIndex"}], "log": {"origin", "key"}}` with `null` for an
/// absent value; `log.key` is the log's note verifier key (`origin+hash+key`). Loading refuses
/// unknown members, another format (a newer file needs a newer amexist), duplicate key ids, keys
/// the registry cannot use (see ``JWK``), a JWK whose `kid` or `alg` disagree with its entry,
/// and a log key whose name is not the origin. `scheme` names the rules the registry applies
/// (absent in files written before schemes: `amexist`).
public struct TrustFile: Hashable, Sendable {
  /// The format this version reads and writes.
  public static let format = "amexist-trust/1"
  /// The largest trust file accepted, in bytes.
  public static let maximumSize = 1_048_576

  /// The issuer identifier written in every attestation.
  public let issuer: String
  /// The issuer's organisation name, printed on attestations; nil when the registry has none.
  public let issuerName: String?
  /// Issuer keys, oldest first.
  public let keys: [TrustedKey]
  /// The log's checkpoint verifier; its name is the log's origin.
  public let log: NoteVerifier
  /// The scheme whose rules the registry applies.
  public let scheme: SchemeName

  /// A trust file for `issuer` with `keys`, whose attestations are logged in `log` by a
  /// registry applying `scheme`.
  public init(
    issuer: String, issuerName: String? = nil, keys: [TrustedKey], log: NoteVerifier,
    scheme: SchemeName = .amexist
  ) {
    self.issuer = issuer
    self.issuerName = issuerName
    self.keys = keys
    self.log = log
    self.scheme = scheme
  }

  /// The key with exactly this id.
  public func key(_ kid: String) -> TrustedKey? { keys.first { $0.kid == kid } }

  /// Parses a trust file.
  public init(bytes: [UInt8]) throws(AttestationError) {
    guard bytes.count <= Self.maximumSize else { throw .invalidTrustFile("larger than 1 MiB") }
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: Self.maximumSize, maximumDepth: 6).parse(bytes)
    } catch {
      throw .invalidTrustFile("\(error)")
    }
    guard case .object(let members) = value else { throw .invalidTrustFile("not a JSON object") }
    guard members["format"] == .string(Self.format) else {
      if case .string(let other) = members["format"], other.hasPrefix("amexist-trust/") {
        throw .invalidTrustFile(
          "format \(other.prefix(32)) is newer than this amexist reads: upgrade amexist")
      }
      throw .invalidTrustFile("not an AMEXIST trust file")
    }
    if let unknown = Set(members.keys).subtracting([
      "format", "issuer", "issuerName", "keys", "log", "scheme",
    ]).sorted()
      .first
    {
      throw .invalidTrustFile("unknown member \"\(unknown.prefix(32))\"")
    }
    guard case .string(let issuer) = members["issuer"], !issuer.isEmpty else {
      throw .invalidTrustFile("no issuer")
    }
    switch members["issuerName"] {
    case nil: issuerName = nil
    case .string(let name):
      do {
        issuerName = try TextRules.required(name, field: "issuerName", maximumLength: 200)
      } catch {
        throw .invalidTrustFile("\(error)")
      }
    default: throw .invalidTrustFile("issuerName is not a string")
    }
    switch members["scheme"] {
    case nil: scheme = .amexist
    case .string(let name):
      guard let known = SchemeName(rawValue: name) else {
        throw .invalidTrustFile(
          "scheme \"\(name.prefix(32))\" is unknown to this amexist: upgrade amexist")
      }
      scheme = known
    default: throw .invalidTrustFile("scheme is not a string")
    }
    guard case .array(let entries) = members["keys"], entries.count <= 256 else {
      throw .invalidTrustFile("keys must be a list of at most 256 keys")
    }
    var keys: [TrustedKey] = []
    for entry in entries {
      let key = try Self.key(entry)
      guard !keys.contains(where: { $0.kid == key.kid }) else {
        throw .invalidTrustFile("key id \"\(key.kid)\" appears twice")
      }
      keys.append(key)
    }
    guard case .object(let log) = members["log"], Set(log.keys) == ["origin", "key"],
      case .string(let origin) = log["origin"], case .string(let verifierKey) = log["key"]
    else {
      throw .invalidTrustFile("log must be {\"origin\": …, \"key\": …}")
    }
    let verifier: NoteVerifier
    do {
      verifier = try NoteVerifier(verifierKey: verifierKey)
    } catch {
      throw .invalidTrustFile("log: \(error)")
    }
    guard verifier.name == origin else {
      throw .invalidTrustFile("log: the key's name is not the origin")
    }
    self.issuer = issuer
    self.keys = keys
    self.log = verifier
  }

  private static func key(_ entry: JSONValue) throws(AttestationError) -> TrustedKey {
    guard case .object(let members) = entry else {
      throw .invalidTrustFile("a key entry is not an object")
    }
    if let unknown = Set(members.keys).subtracting([
      "kid", "alg", "jwk", "validFrom", "validUntil", "revokedAt", "revocationIndex",
    ])
    .sorted().first {
      throw .invalidTrustFile("unknown key member \"\(unknown.prefix(32))\"")
    }
    guard case .string(let kid) = members["kid"], (try? Identifiers.keyID(kid)) != nil else {
      throw .invalidTrustFile("a key has no valid kid")
    }
    guard case .string(let alg) = members["alg"], let algorithm = SigningAlgorithm(rawValue: alg)
    else {
      throw .invalidTrustFile("key \(kid): alg must be EdDSA or ES256")
    }
    guard let jwk = members["jwk"] else { throw .invalidTrustFile("key \(kid) has no jwk") }
    let publicKey: PublicKey
    do {
      publicKey = try JWK.publicKey(jwk)
    } catch {
      throw .invalidTrustFile("key \(kid): \(error)")
    }
    guard publicKey.algorithm == algorithm else {
      throw .invalidTrustFile("key \(kid): alg does not match its key")
    }
    if let jwkKid = jwk["kid"], jwkKid != .string(kid) {
      throw .invalidTrustFile("key \(kid): the JWK names another kid")
    }
    func instant(_ name: String, required: Bool) throws(AttestationError) -> Instant? {
      switch members[name] {
      case .string(let text):
        do { return try Instant(parsing: text) } catch {
          throw .invalidTrustFile("key \(kid): \(name): \(error)")
        }
      case .null where !required, nil where !required:
        return nil
      default:
        throw .invalidTrustFile(
          "key \(kid): \(name) must be a timestamp\(required ? "" : " or null")")
      }
    }
    let validFrom = try instant("validFrom", required: true)!
    let validUntil = try instant("validUntil", required: false)
    if let validUntil, validUntil <= validFrom {
      throw .invalidTrustFile("key \(kid): validUntil is not after validFrom")
    }
    let revokedAt = try instant("revokedAt", required: false)
    let revocationIndex: Int64?
    switch members["revocationIndex"] {
    case .integer(let index) where index >= 0 && revokedAt != nil: revocationIndex = index
    case .null where revokedAt == nil, nil where revokedAt == nil: revocationIndex = nil
    default:
      throw .invalidTrustFile(
        "key \(kid): revocationIndex must be the log index of its revocation (null when not revoked)"
      )
    }
    return TrustedKey(
      kid: kid, publicKey: publicKey, validFrom: validFrom, validUntil: validUntil,
      revokedAt: revokedAt, revocationIndex: revocationIndex
    )
  }

  /// The file's JSON.
  public var json: JSONValue {
    var members: [String: JSONValue] = [
      "format": .string(Self.format), "issuer": .string(issuer),
      "keys": .array(
        keys.map { key in
          .object([
            "kid": .string(key.kid), "alg": .string(key.publicKey.algorithm.rawValue),
            "jwk": key.publicKey.jwk(kid: key.kid), "validFrom": .string(key.validFrom.description),
            "validUntil": key.validUntil.map { .string($0.description) } ?? .null,
            "revokedAt": key.revokedAt.map { .string($0.description) } ?? .null,
            "revocationIndex": key.revocationIndex.map { .integer($0) } ?? .null,
          ])
        }
      ),
      "log": .object(["origin": .string(log.name), "key": .string(log.verifierKey)]),
      "scheme": .string(scheme.rawValue),
    ]
    if let issuerName { members["issuerName"] = .string(issuerName) }
    return .object(members)
  }
}
