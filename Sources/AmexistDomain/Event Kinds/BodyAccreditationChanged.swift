/// A certifying body's accreditation is extended, suspended, reinstated or withdrawn by its
/// accreditor, from an effective day.
public struct BodyAccreditationChanged: Hashable, Sendable {
  /// What changed.
  public enum Change: Hashable, Sendable {
    /// The accreditation now ends on this day (inclusive).
    case extended(until: CalendarDate)
    case suspended
    case reinstated
    case withdrawn

    /// The change's name in the log.
    public var name: String {
      switch self {
      case .extended: "extended"
      case .suspended: "suspended"
      case .reinstated: "reinstated"
      case .withdrawn: "withdrawn"
      }
    }
  }

  /// The body.
  public let body: String
  public let change: Change
  /// The day the change takes effect.
  public let effective: CalendarDate
  /// Why, as the accreditor gave it (about the body, never a person).
  public let reason: String?

  /// A change of `body`'s accreditation from `effective`.
  public init(body: String, change: Change, effective: CalendarDate, reason: String? = nil)
    throws(DomainError)
  {
    self.body = try Identifiers.bodyID(body)
    self.change = change
    self.effective = effective
    self.reason = try TextRules.optional(reason, field: "reason", maximumLength: 500)
  }
}

extension BodyAccreditationChanged: BodyEventPayload {
  public static let kind = EventKind.bodyAccreditationChanged

  public var event: Event { .bodyAccreditationChanged(self) }

  public func encode(into members: inout EventMembers) {
    members.put("body", body)
    members.put("change", change.name)
    members.put("effective", effective.description)
    if case .extended(let until) = change { members.put("validUntil", until.description) }
    members.put("reason", reason)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    let name = try members.string("change")
    let change: Change
    switch name {
    case "extended": change = .extended(until: try members.date("validUntil"))
    case "suspended": change = .suspended
    case "reinstated": change = .reinstated
    case "withdrawn": change = .withdrawn
    default:
      throw .malformedEvent(
        reason: "member \"change\" must be extended, suspended, reinstated or withdrawn")
    }
    try self.init(
      body: try members.string("body"), change: change, effective: try members.date("effective"),
      reason: try members.optionalString("reason"))
  }
}
