/// An issuer key is revoked: nothing it signed after `at` verifies.
public struct KeyRevoked: Hashable, Sendable {
  public let kid: String
  public let at: Instant
  public let reason: String
  /// Revocation of key `kid` from `at`; the reason is required.
  public init(kid: String, at: Instant, reason: String) throws(DomainError) {
    self.kid = try Identifiers.keyID(kid)
    self.at = at
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
  }
}

extension KeyRevoked: KeyEventPayload {
  public static let kind = EventKind.keyRevoked

  public var event: Event { .keyRevoked(self) }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("kid", kid)
    members.put("at", at.description)
    members.put("reason", reason)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      kid: try members.string("kid"), at: try members.instant("at"),
      reason: try members.string("reason"))
  }
}
