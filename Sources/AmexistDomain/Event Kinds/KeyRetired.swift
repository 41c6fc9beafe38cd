/// An issuer key stops signing; what it signed before stays valid.
public struct KeyRetired: Hashable, Sendable {
  public let kid: String
  public let at: Instant
  /// Retirement of key `kid` at `at`; the key id form is checked.
  public init(kid: String, at: Instant) throws(DomainError) {
    self.kid = try Identifiers.keyID(kid)
    self.at = at
  }
}

extension KeyRetired: KeyEventPayload {
  public static let kind = EventKind.keyRetired

  public var event: Event { .keyRetired(self) }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("kid", kid)
    members.put("at", at.description)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(kid: try members.string("kid"), at: try members.instant("at"))
  }
}
