/// A service enters the registry.
public struct ServiceRegistered: Hashable, Sendable {
  public let siret: SIRET
  public let profile: ServiceProfile
  /// The event for `siret` with `profile`.
  public init(siret: SIRET, profile: ServiceProfile) {
    self.siret = siret
    self.profile = profile
  }
}

extension ServiceRegistered: ServiceEventPayload {
  public static let kind = EventKind.serviceRegistered

  public var event: Event { .serviceRegistered(self) }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put(siret: siret, profile: profile)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    self.init(siret: try members.siret(), profile: try members.profile())
  }
}
