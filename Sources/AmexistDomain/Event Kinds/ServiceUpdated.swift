/// A service's published profile changes; the new profile replaces the old one whole.
public struct ServiceUpdated: Hashable, Sendable {
  public let siret: SIRET
  public let profile: ServiceProfile
  /// The event for `siret` with `profile`.
  public init(siret: SIRET, profile: ServiceProfile) {
    self.siret = siret
    self.profile = profile
  }
}

extension ServiceUpdated: ServiceEventPayload {
  public static let kind = EventKind.serviceUpdated

  public var event: Event { .serviceUpdated(self) }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put(siret: siret, profile: profile)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    self.init(siret: try members.siret(), profile: try members.profile())
  }
}
