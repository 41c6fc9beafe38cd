/// A witness stops counting: its cosignatures made before `at` still count (its window ends
/// there), so bundles it cosigned keep verifying.
public struct WitnessRemoved: Hashable, Sendable {
  /// The witness's name.
  public let name: String
  /// From when its cosignatures no longer count.
  public let at: Instant

  /// The removal of witness `name` at `at`.
  public init(name: String, at: Instant) throws(DomainError) {
    self.name = try Identifiers.witnessName(name)
    self.at = at
  }
}

extension WitnessRemoved: EventPayload {
  public static let kind = EventKind.witnessRemoved

  public var event: Event { .witnessRemoved(self) }

  /// The registry's configuration.
  public var subject: EventSubject { .registry }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("name", name)
    members.put("at", at.description)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(name: try members.string("name"), at: try members.instant("at"))
  }
}
