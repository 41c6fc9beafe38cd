public import AmexistDomain

/// The kinds of decision a certifying body signs (DESIGN, "Certifying bodies").
public enum DecisionKind: String, CaseIterable, Hashable, Sendable {
  case grant, renew, suspend, reinstate, withdraw, transfer, reserves, lift, refuse

  /// The members a payload of this kind carries besides those every decision carries.
  var ownMembers: Set<String> {
    switch self {
    case .grant, .renew: ["level", "validFrom", "validUntil", "reference"]
    case .transfer: ["level", "validFrom", "validUntil", "reference", "fromBody"]
    case .suspend, .withdraw, .refuse: ["reason"]
    case .reserves: ["reservations", "deadline"]
    case .reinstate, .lift: []
    }
  }
}

/// A certifying body's decision as it signs it: the payload of a compact JWS of `typ`
/// ``jwsType``. Its members are fixed per kind: always `aud`, `scheme`, `jti`, `iat`, `body`,
/// `decision`, `siret`, `decided`; then per kind (`level`, `validFrom`, `validUntil`, optional
/// `reference`; `fromBody`; `reason`; `reservations`, `deadline`). No other member is accepted.
public struct DecisionClaims: Hashable, Sendable {
  /// The JWS `typ` of a body's decision.
  public static let jwsType = "amexist-decision+jwt"

  /// The registry the decision is for: its log origin.
  public let audience: String
  /// The scheme the decision is taken under.
  public let scheme: SchemeName
  /// A UUID the body gives the decision (lower case).
  public let id: String
  /// When the body signed it, in seconds since 1970 (JWT NumericDate).
  public let issuedAt: Int64
  /// The body that decided.
  public let body: String
  public let kind: DecisionKind
  public let siret: SIRET
  public let decided: CalendarDate
  public let level: Level?
  public let validFrom: CalendarDate?
  public let validUntil: CalendarDate?
  public let reference: String?
  public let fromBody: String?
  public let reason: String?
  public let reservations: String?
  public let deadline: CalendarDate?

  /// A decision with the members its kind needs; the others must be nil.
  ///
  /// - Throws: ``DecisionError/malformed(_:)`` naming the first member missing or not allowed.
  public init(
    audience: String, scheme: SchemeName, id: String, issuedAt: Int64, body: String,
    kind: DecisionKind, siret: SIRET, decided: CalendarDate, level: Level? = nil,
    validFrom: CalendarDate? = nil, validUntil: CalendarDate? = nil, reference: String? = nil,
    fromBody: String? = nil, reason: String? = nil, reservations: String? = nil,
    deadline: CalendarDate? = nil
  ) throws(DecisionError) {
    self.audience = audience
    self.scheme = scheme
    self.id = id
    self.issuedAt = issuedAt
    self.body = body
    self.kind = kind
    self.siret = siret
    self.decided = decided
    self.level = level
    self.validFrom = validFrom
    self.validUntil = validUntil
    self.reference = reference
    self.fromBody = fromBody
    self.reason = reason
    self.reservations = reservations
    self.deadline = deadline
    guard !audience.isEmpty, audience.utf8.count <= 256 else {
      throw .malformed("aud must be the registry's log origin")
    }
    guard (try? Identifiers.attestationID("urn:uuid:" + id)) != nil else {
      throw .malformed("jti must be a lower-case UUID")
    }
    guard issuedAt > 0 else { throw .malformed("iat must be a positive NumericDate") }
    guard (try? Identifiers.bodyID(body)) != nil else { throw .malformed("body is not a body id") }
    let optional: [(String, Bool)] = [
      ("level", level != nil), ("validFrom", validFrom != nil), ("validUntil", validUntil != nil),
      ("reference", reference != nil), ("fromBody", fromBody != nil), ("reason", reason != nil),
      ("reservations", reservations != nil), ("deadline", deadline != nil),
    ]
    let present = Set(optional.filter(\.1).map(\.0))
    let required = kind.ownMembers.subtracting(["reference"])
    if let missing = required.subtracting(present).sorted().first {
      throw .malformed("a \(kind.rawValue) decision needs \(missing)")
    }
    if let extra = present.subtracting(kind.ownMembers).sorted().first {
      throw .malformed("a \(kind.rawValue) decision has no member \(extra)")
    }
  }

  static let commonMembers: Set<String> = [
    "aud", "scheme", "jti", "iat", "body", "decision", "siret", "decided",
  ]

  /// The payload's JSON (absent optional members are omitted).
  public var json: JSONValue {
    var members: [String: JSONValue] = [
      "aud": .string(audience), "scheme": .string(scheme.rawValue), "jti": .string(id),
      "iat": .integer(issuedAt), "body": .string(body), "decision": .string(kind.rawValue),
      "siret": .string(siret.digits), "decided": .string(decided.description),
    ]
    if let level { members["level"] = .integer(Int64(level.rawValue)) }
    if let validFrom { members["validFrom"] = .string(validFrom.description) }
    if let validUntil { members["validUntil"] = .string(validUntil.description) }
    if let reference { members["reference"] = .string(reference) }
    if let fromBody { members["fromBody"] = .string(fromBody) }
    if let reason { members["reason"] = .string(reason) }
    if let reservations { members["reservations"] = .string(reservations) }
    if let deadline { members["deadline"] = .string(deadline.description) }
    return .object(members)
  }

  /// Reads the claims from a verified payload, refusing unknown, missing or mistyped members.
  public init(verifiedPayload bytes: [UInt8]) throws(DecisionError) {
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: CompactJWS.maximumSize, maximumDepth: 2).parse(
        bytes)
    } catch {
      throw .malformed("the payload is not a JSON object: \(error)")
    }
    guard case .object(let members) = value else {
      throw .malformed("the payload is not an object")
    }
    func string(_ name: String) throws(DecisionError) -> String {
      guard case .string(let text) = members[name] else {
        throw .malformed("\(name) must be a string")
      }
      return text
    }
    func optionalString(_ name: String) throws(DecisionError) -> String? {
      members[name] == nil ? nil : try string(name)
    }
    func date(_ name: String) throws(DecisionError) -> CalendarDate? {
      guard let text = try optionalString(name) else { return nil }
      do { return try CalendarDate(parsing: text) } catch {
        throw .malformed("\(name): \(error)")
      }
    }
    guard let kind = DecisionKind(rawValue: try string("decision")) else {
      throw .malformed(
        "decision must be one of \(DecisionKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard let scheme = SchemeName(rawValue: try string("scheme")) else {
      throw .malformed("scheme is not one this amexist knows")
    }
    guard case .integer(let issuedAt) = members["iat"] else {
      throw .malformed("iat must be an integer NumericDate")
    }
    let siret: SIRET
    do { siret = try SIRET(try string("siret")) } catch { throw .malformed("siret: \(error)") }
    var level: Level?
    if let number = members["level"] {
      guard case .integer(let value) = number, let parsed = Level(rawValue: Int(value)) else {
        throw .malformed("level must be 1, 2 or 3")
      }
      level = parsed
    }
    guard let decided = try date("decided") else { throw .malformed("decided is missing") }
    if let unknown = Set(members.keys).subtracting(Self.commonMembers).subtracting(kind.ownMembers)
      .sorted().first
    {
      throw .malformed("a \(kind.rawValue) decision has no member \(unknown.prefix(32))")
    }
    try self.init(
      audience: try string("aud"), scheme: scheme, id: try string("jti"), issuedAt: issuedAt,
      body: try string("body"), kind: kind, siret: siret, decided: decided, level: level,
      validFrom: try date("validFrom"), validUntil: try date("validUntil"),
      reference: try optionalString("reference"), fromBody: try optionalString("fromBody"),
      reason: try optionalString("reason"), reservations: try optionalString("reservations"),
      deadline: try date("deadline"))
  }

  /// The compact JWS of these claims signed with `key` as `kid`.
  public func signed(with key: SigningKey, kid: String) throws(AttestationError) -> String {
    try CompactJWS.sign(payload: CanonicalJSON.encode(json), key: key, kid: kid, type: Self.jwsType)
  }
}

/// A body's decision whose signature verified with a key of the body's.
public struct VerifiedDecision: Hashable, Sendable {
  /// The token as given.
  public let token: String
  /// The key that signed it.
  public let kid: String
  public let claims: DecisionClaims
  /// SHA-256 (hex) of the signed payload: with `jti`, what identifies the decision (never the
  /// token text: ECDSA signatures are malleable).
  public let payloadSHA256: String

  /// Verifies `token` with the key `key` returns for its `kid`, then reads its claims.
  ///
  /// - Throws: ``DecisionError`` naming the first reason it is refused.
  public init(token: String, key: (String) -> PublicKey?) throws(DecisionError) {
    let verified: VerifiedJWS
    do {
      verified = try CompactJWS.verify(
        Array(token.utf8), key: key, expectedType: DecisionClaims.jwsType)
    } catch {
      throw .signature(error)
    }
    self.token = token
    self.kid = verified.header.kid
    self.claims = try DecisionClaims(verifiedPayload: verified.payload)
    self.payloadSHA256 = PayloadHash.hex(of: verified.payload)
  }
}

/// Why a body's signed decision was refused.
public enum DecisionError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The JWS itself: structure, header, key or signature.
  case signature(JWSFailure)
  /// The payload's members.
  case malformed(String)

  public var description: String {
    switch self {
    case .signature(let failure): return "signed decision: \(failure)"
    case .malformed(let reason): return "signed decision: \(reason)"
    }
  }
}
