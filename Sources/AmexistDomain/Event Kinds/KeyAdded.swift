/// What a registry key signs.
public enum KeyPurpose: String, Hashable, Sendable {
  /// Attestations (the issuer keys), or a certifying body's decisions (its keys).
  case attestations
  /// Status snapshots and status lists only (DESIGN, "Status"): losing the issuer key does
  /// not let anyone sign "all valid".
  case status
}

/// A key enters the trust history: an issuer key, or a certifying body's key (with its owner).
public struct KeyAdded: Hashable, Sendable {
  public let kid: String
  /// The certifying body whose key this is; nil for the registry's own issuer keys.
  public let owner: String?
  /// The JWS algorithm the key signs with (`EdDSA` or `ES256`).
  public let algorithm: String
  /// The public key as a JWK object.
  public let publicKey: JSONValue
  public let validFrom: Instant
  public let validUntil: Instant?
  /// What the key signs; a status key is the registry's and signs nothing else.
  public let purpose: KeyPurpose

  /// A key addition; the key id and algorithm forms are checked here, the key itself by the
  /// attestation layer.
  public init(
    kid: String, algorithm: String, publicKey: JSONValue, validFrom: Instant, validUntil: Instant?,
    owner: String? = nil, purpose: KeyPurpose = .attestations
  )
    throws(DomainError)
  {
    if purpose == .status, owner != nil { throw .ruleViolated(.statusKeyOwned(kid: kid)) }
    self.purpose = purpose
    self.kid = try Identifiers.keyID(kid)
    self.owner = try owner.map { id throws(DomainError) in try Identifiers.bodyID(id) }
    guard algorithm == "EdDSA" || algorithm == "ES256" else {
      throw .invalidIdentifier(
        field: "algorithm", input: algorithm, reason: "expected EdDSA or ES256")
    }
    guard case .object = publicKey else {
      throw .invalidIdentifier(
        field: "public key", input: algorithm, reason: "a JWK must be a JSON object")
    }
    self.algorithm = algorithm
    self.publicKey = publicKey
    self.validFrom = validFrom
    self.validUntil = validUntil
  }
}

extension KeyAdded: KeyEventPayload {
  public static let kind = EventKind.keyAdded

  public var event: Event { .keyAdded(self) }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("kid", kid)
    members.put("alg", algorithm)
    members.put("jwk", publicKey)
    members.put("validFrom", validFrom.description)
    members.put("validUntil", validUntil?.description)
    members.put("owner", owner)
    members.put("use", purpose == .status ? KeyPurpose.status.rawValue : nil)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      kid: try members.string("kid"), algorithm: try members.string("alg"),
      publicKey: try members.value("jwk"), validFrom: try members.instant("validFrom"),
      validUntil: try members.optionalString("validUntil").map { text throws(DomainError) in
        try Instant(parsing: text)
      }, owner: try members.optionalString("owner"),
      purpose: try Self.purpose(try members.optionalString("use")))
  }

  /// The purpose a `use` member names (absent: attestations).
  private static func purpose(_ use: String?) throws(DomainError) -> KeyPurpose {
    switch use {
    case nil: return .attestations
    case KeyPurpose.status.rawValue?: return .status
    case let other?:
      throw .malformedEvent(reason: "unknown key use \"\(other.prefix(20))\"")
    }
  }
}
