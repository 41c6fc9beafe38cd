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

/// A certifying body as the trust file publishes it: its accreditation (window, suspensions,
/// withdrawal) and its keys, with which it signs its own decisions.
public struct TrustedBody: Hashable, Sendable {
  /// The body's identifier in the registry.
  public let id: String
  /// Its name.
  public let name: String
  /// Its accreditation with every change the log recorded.
  public let accreditation: Accreditation
  /// Its keys, oldest first.
  public let keys: [TrustedKey]

  /// A published body.
  public init(id: String, name: String, accreditation: Accreditation, keys: [TrustedKey]) {
    self.id = id
    self.name = name
    self.accreditation = accreditation
    self.keys = keys
  }

  /// The body's key with exactly this id.
  public func key(_ kid: String) -> TrustedKey? { keys.first { $0.kid == kid } }
}

/// `Keys/trust.json`: who issues attestations and with which keys. Public, meant to be published.
///
/// Format `amexist-trust/2` (DESIGN, "The trust root"): `{"root": {"signed", "signatures"},
/// "registry": {"signed", "signatures"}}`, see ``SignedTrust``; loading verifies the root by the
/// threshold of its own keys and the registry list by a key the root delegates to (whether the
/// root is the one to trust is the pin's question). The values below are then read from the
/// two signed parts.
///
/// Format `amexist-trust/1`, unsigned, written by registries whose root is not yet published: `{"format", "issuer", ["issuerName",] ["scheme",] "keys": [{"kid", "alg", "jwk", "validFrom",
/// "validUntil", "revokedAt", "revocationIndex"}], "log": {"origin", "key"}}` with `null` for an
/// absent value; `log.key` is the log's note verifier key (`origin+hash+key`). Loading refuses
/// unknown members, another format (a newer file needs a newer amexist), duplicate key ids, keys
/// the registry cannot use (see ``JWK``), a JWK whose `kid` or `alg` disagree with its entry,
/// and a log key whose name is not the origin. `scheme` names the rules the registry applies
/// (absent in files written before schemes: `amexist`); `bodies` lists the certifying bodies
/// (`{"id", "name", "accreditation": {"accreditor", "number", "standard", "scope", "validFrom",
/// "validUntil", "suspensions": [{"from", "until"}], "withdrawnOn"}, "keys": [as above]}`;
/// absent when there are none); `bodySignedFrom` is the log index from which a level the
/// scheme reserves to a body must carry the body's signed decision (absent for a registry made
/// before bodies signed that has registered none yet).
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
  /// Status keys, oldest first: they sign status snapshots and status lists, nothing else
  /// (listed in `keys` with `"use": "status"`).
  public let statusKeys: [TrustedKey]
  /// The log's checkpoint verifier; its name is the log's origin.
  public let log: NoteVerifier
  /// The scheme whose rules the registry applies.
  public let scheme: SchemeName
  /// The certifying bodies, in registration order.
  public let bodies: [TrustedBody]
  /// The log index from which a level the scheme reserves to a certifying body carries the
  /// body's signed decision; nil when none is required (a registry made before bodies signed,
  /// with no body registered yet).
  public let bodySignedFrom: Int64?
  /// The signed parts of an `amexist-trust/2` file; nil for an unsigned `amexist-trust/1` file.
  public let signed: SignedTrust?

  /// The first instant from which the trust data has expired; nil for an unsigned file (which
  /// never expires, and is never pinned).
  public var expires: Instant? { signed?.expires }

  /// The witnesses and quorums the trust root sets; none for a trust file without a root.
  public var witnessPolicy: WitnessPolicy { signed?.root.witnessPolicy ?? .none }

  /// The format of the file.
  public var formatName: String { signed == nil ? Self.format : TrustRoot.format }

  /// The trust file of two verified signed parts: its values are the root's and the list's.
  public init(signed: SignedTrust) {
    self.signed = signed
    self.issuer = signed.root.issuer
    self.issuerName = signed.root.issuerName
    self.keys = signed.list.keys
    self.statusKeys = signed.list.statusKeys
    self.log = signed.root.log
    self.scheme = signed.root.scheme
    self.bodies = signed.list.bodies
    self.bodySignedFrom = signed.root.bodySignedFrom
  }

  /// An unsigned (`amexist-trust/1`) trust file for `issuer` with `keys`, whose attestations are logged in `log` by a
  /// registry applying `scheme`.
  public init(
    issuer: String, issuerName: String? = nil, keys: [TrustedKey], log: NoteVerifier,
    scheme: SchemeName = .amexist, bodies: [TrustedBody] = [], bodySignedFrom: Int64? = nil,
    statusKeys: [TrustedKey] = []
  ) {
    self.statusKeys = statusKeys
    self.bodySignedFrom = bodySignedFrom
    self.issuer = issuer
    self.issuerName = issuerName
    self.keys = keys
    self.log = log
    self.scheme = scheme
    self.bodies = bodies
    self.signed = nil
  }

  /// The body with exactly this id.
  public func body(_ id: String) -> TrustedBody? { bodies.first { $0.id == id } }

  /// The key with exactly this id.
  public func key(_ kid: String) -> TrustedKey? { keys.first { $0.kid == kid } }

  /// The status key with exactly this id.
  public func statusKey(_ kid: String) -> TrustedKey? { statusKeys.first { $0.kid == kid } }

  /// Reads the JSON of a trust file (`amexist-trust/2` or `/1`), or of a file holding only a
  /// root version (`{"root": …}`, as `/.well-known/amexist-trust/{N}.json` serves them).
  public static func json(bytes: [UInt8]) throws(AttestationError) -> JSONValue {
    guard bytes.count <= Self.maximumSize else { throw .invalidTrustFile("larger than 1 MiB") }
    do {
      return try StrictJSONParser(maximumSize: Self.maximumSize, maximumDepth: 8).parse(bytes)
    } catch {
      throw .invalidTrustFile("\(error)")
    }
  }

  /// The root part of a trust file or of a root version file, unverified (``TrustChain``
  /// verifies it against what the verifier trusts).
  public static func rootPart(bytes: [UInt8]) throws(AttestationError) -> SignedPart {
    guard case .object(let members) = try json(bytes: bytes), let root = members["root"],
      Set(members.keys).isSubset(of: ["root", "registry"])
    else {
      throw .invalidTrustFile(
        "not an amexist-trust/2 file ({\"root\": …, \"registry\": …}) nor a root version ({\"root\": …})"
      )
    }
    do { return try SignedPart(json: root) } catch { throw .invalidTrustFile("\(error)") }
  }

  /// Parses a trust file.
  public init(bytes: [UInt8]) throws(AttestationError) {
    let value = try Self.json(bytes: bytes)
    guard case .object(let members) = value else { throw .invalidTrustFile("not a JSON object") }
    if members["root"] != nil {
      guard Set(members.keys) == ["root", "registry"], let root = members["root"],
        let registry = members["registry"]
      else {
        throw .invalidTrustFile(
          members["registry"] == nil
            ? "this file holds a root version only, no registry list: use it with `amexist trust update`, and verify with the registry's /.well-known/amexist-trust.json"
            : "an amexist-trust/2 file is {\"root\": …, \"registry\": …}")
      }
      do {
        self.init(
          signed: try SignedTrust(
            root: try SignedPart(json: root), registry: try SignedPart(json: registry)))
      } catch {
        throw .invalidTrustFile("\(error)")
      }
      return
    }
    try self.init(unsigned: members)
  }

  /// Reads the members of an `amexist-trust/1` file.
  private init(unsigned members: [String: JSONValue]) throws(AttestationError) {
    guard members["format"] == .string(Self.format) else {
      if case .string(let other) = members["format"], other.hasPrefix("amexist-trust/") {
        throw .invalidTrustFile(
          "format \(other.prefix(32)) is newer than this amexist reads: upgrade amexist")
      }
      throw .invalidTrustFile("not an AMEXIST trust file")
    }
    if let unknown = Set(members.keys).subtracting([
      "format", "issuer", "issuerName", "keys", "log", "scheme", "bodies", "bodySignedFrom",
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
    switch members["bodySignedFrom"] {
    case nil: bodySignedFrom = nil
    case .integer(let index) where index >= 0: bodySignedFrom = index
    default: throw .invalidTrustFile("bodySignedFrom is not a log index")
    }
    guard case .array(let entries) = members["keys"], entries.count <= 256 else {
      throw .invalidTrustFile("keys must be a list of at most 256 keys")
    }
    let bodyEntries: [JSONValue]
    switch members["bodies"] {
    case nil: bodyEntries = []
    case .array(let entries) where entries.count <= 256: bodyEntries = entries
    default: throw .invalidTrustFile("bodies must be a list of at most 256 bodies")
    }
    let (keys, statusKeys, bodies) = try Self.keysAndBodies(keys: entries, bodies: bodyEntries)
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
    self.statusKeys = statusKeys
    self.log = verifier
    self.bodies = bodies
    self.signed = nil
  }

  /// The issuer keys, the status keys (`"use": "status"`) and the bodies of `keys` and
  /// `bodies` entries: no body twice, and no key id twice, whoever holds it.
  static func keysAndBodies(keys keyEntries: [JSONValue], bodies bodyEntries: [JSONValue])
    throws(AttestationError) -> ([TrustedKey], [TrustedKey], [TrustedBody])
  {
    var statusEntries: [JSONValue] = []
    var issuerEntries: [JSONValue] = []
    for entry in keyEntries {
      guard case .object(var members) = entry, let use = members.removeValue(forKey: "use") else {
        issuerEntries.append(entry)
        continue
      }
      guard use == .string(KeyPurpose.status.rawValue) else {
        throw .invalidTrustFile("a key's use is \"status\" or absent")
      }
      statusEntries.append(.object(members))
    }
    let statusKeys = try Self.keys(statusEntries)
    let keys = try Self.keys(issuerEntries)
    var bodies: [TrustedBody] = []
    for entry in bodyEntries {
      let body = try Self.body(entry)
      guard !bodies.contains(where: { $0.id == body.id }) else {
        throw .invalidTrustFile("body \"\(body.id)\" appears twice")
      }
      bodies.append(body)
    }
    let kids = (keys + statusKeys + bodies.flatMap(\.keys)).map(\.kid)
    guard Set(kids).count == kids.count else {
      throw .invalidTrustFile("a key id appears twice")
    }
    return (keys, statusKeys, bodies)
  }

  static func keys(_ entries: [JSONValue]) throws(AttestationError) -> [TrustedKey] {
    var keys: [TrustedKey] = []
    for entry in entries {
      let key = try Self.key(entry)
      guard !keys.contains(where: { $0.kid == key.kid }) else {
        throw .invalidTrustFile("key id \"\(key.kid)\" appears twice")
      }
      keys.append(key)
    }
    return keys
  }

  static func body(_ entry: JSONValue) throws(AttestationError) -> TrustedBody {
    guard case .object(let members) = entry,
      Set(members.keys) == ["id", "name", "accreditation", "keys"],
      case .string(let id) = members["id"], (try? Identifiers.bodyID(id)) == id,
      case .string(let name) = members["name"], !name.isEmpty,
      case .object(let accreditation) = members["accreditation"],
      case .array(let keyEntries) = members["keys"], keyEntries.count <= 64
    else {
      throw .invalidTrustFile(
        "a body must be {\"id\", \"name\", \"accreditation\", \"keys\"} with a valid id")
    }
    func text(_ name: String) throws(AttestationError) -> String {
      guard case .string(let value) = accreditation[name], !value.isEmpty else {
        throw .invalidTrustFile("body \(id): accreditation \(name) must be a non-empty string")
      }
      return value
    }
    func day(_ value: JSONValue?, _ name: String) throws(AttestationError) -> CalendarDate? {
      switch value {
      case .null: return nil
      case .string(let text):
        do { return try CalendarDate(parsing: text) } catch {
          throw .invalidTrustFile("body \(id): \(name): \(error)")
        }
      default: throw .invalidTrustFile("body \(id): \(name) must be a date or null")
      }
    }
    guard
      Set(accreditation.keys) == [
        "accreditor", "number", "standard", "scope", "validFrom", "validUntil", "suspensions",
        "withdrawnOn",
      ], case .array(let suspensionEntries) = accreditation["suspensions"],
      suspensionEntries.count <= 256
    else {
      throw .invalidTrustFile("body \(id): the accreditation's members are not the expected ones")
    }
    let scope: String?
    switch accreditation["scope"] {
    case .null: scope = nil
    default: scope = try text("scope")
    }
    guard let validFrom = try day(accreditation["validFrom"], "validFrom"),
      let validUntil = try day(accreditation["validUntil"], "validUntil"), validFrom < validUntil
    else {
      throw .invalidTrustFile("body \(id): the accreditation window is missing or inverted")
    }
    var suspensions: [Accreditation.Suspension] = []
    for entry in suspensionEntries {
      guard case .object(let period) = entry, Set(period.keys) == ["from", "until"],
        let from = try day(period["from"], "suspensions.from")
      else {
        throw .invalidTrustFile("body \(id): a suspension must be {\"from\", \"until\"}")
      }
      let until = try day(period["until"], "suspensions.until")
      if let until, until < from {
        throw .invalidTrustFile("body \(id): a suspension ends before it begins")
      }
      suspensions.append(.init(from: from, until: until))
    }
    return TrustedBody(
      id: id, name: name,
      accreditation: Accreditation(
        accreditor: try text("accreditor"), number: try text("number"),
        standard: try text("standard"), scope: scope, validFrom: validFrom,
        validUntil: validUntil, suspensions: suspensions,
        withdrawnOn: try day(accreditation["withdrawnOn"], "withdrawnOn")),
      keys: try keys(keyEntries))
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

  /// The file's JSON: the two signed parts as read or made, or the unsigned `/1` members.
  public var json: JSONValue {
    if let signed { return signed.json }
    var members: [String: JSONValue] = [
      "format": .string(Self.format), "issuer": .string(issuer),
      "keys": Self.json(keys, statusKeys: statusKeys),
      "log": .object(["origin": .string(log.name), "key": .string(log.verifierKey)]),
      "scheme": .string(scheme.rawValue),
    ]
    if let issuerName { members["issuerName"] = .string(issuerName) }
    if let bodySignedFrom { members["bodySignedFrom"] = .integer(bodySignedFrom) }
    if !bodies.isEmpty { members["bodies"] = Self.json(bodies) }
    return .object(members)
  }

  static func json(_ bodies: [TrustedBody]) -> JSONValue {
    .array(
      bodies.map { body in
        .object([
          "id": .string(body.id), "name": .string(body.name),
          "accreditation": body.accreditation.json, "keys": json(body.keys),
        ])
      })
  }

  /// The `keys` list: issuer keys, then status keys marked `"use": "status"`.
  static func json(_ keys: [TrustedKey], statusKeys: [TrustedKey]) -> JSONValue {
    guard case .array(let issuer) = json(keys), case .array(let status) = json(statusKeys) else {
      return json(keys)
    }
    return .array(
      issuer
        + status.map { entry in
          guard case .object(var members) = entry else { return entry }
          members["use"] = .string(KeyPurpose.status.rawValue)
          return .object(members)
        })
  }

  static func json(_ keys: [TrustedKey]) -> JSONValue {
    .array(
      keys.map { key in
        .object([
          "kid": .string(key.kid), "alg": .string(key.publicKey.algorithm.rawValue),
          "jwk": key.publicKey.jwk(kid: key.kid), "validFrom": .string(key.validFrom.description),
          "validUntil": key.validUntil.map { .string($0.description) } ?? .null,
          "revokedAt": key.revokedAt.map { .string($0.description) } ?? .null,
          "revocationIndex": key.revocationIndex.map { .integer($0) } ?? .null,
        ])
      })
  }
}
