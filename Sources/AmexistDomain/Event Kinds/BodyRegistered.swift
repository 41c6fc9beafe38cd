/// The federation registers a certifying body with its accreditation.
public struct BodyRegistered: Hashable, Sendable {
  /// The body's identifier in the registry.
  public let body: String
  /// Its name, as shown on pages and attestations.
  public let name: String
  /// Its accreditation when registered (no suspension, not withdrawn).
  public let accreditation: Accreditation

  /// A body's registration; identifier and text forms are checked here, the window when
  /// appended.
  public init(
    body: String, name: String, accreditor: String, number: String,
    standard: String? = nil, scope: String? = nil, validFrom: CalendarDate,
    validUntil: CalendarDate
  ) throws(DomainError) {
    self.body = try Identifiers.bodyID(body)
    self.name = try TextRules.required(name, field: "body name", maximumLength: 200)
    self.accreditation = Accreditation(
      accreditor: try TextRules.required(accreditor, field: "accreditor", maximumLength: 100),
      number: try TextRules.required(number, field: "accreditation number", maximumLength: 100),
      standard: try TextRules.optional(standard, field: "standard", maximumLength: 200)
        ?? Accreditation.defaultStandard,
      scope: try TextRules.optional(scope, field: "scope", maximumLength: 500),
      validFrom: validFrom, validUntil: validUntil)
  }
}

extension BodyRegistered: BodyEventPayload {
  public static let kind = EventKind.bodyRegistered

  public var event: Event { .bodyRegistered(self) }

  public func encode(into members: inout EventMembers) {
    members.put("body", body)
    members.put("name", name)
    members.put("accreditor", accreditation.accreditor)
    members.put("accreditationNumber", accreditation.number)
    members.put("standard", accreditation.standard)
    members.put("scope", accreditation.scope)
    members.put("validFrom", accreditation.validFrom.description)
    members.put("validUntil", accreditation.validUntil.description)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      body: try members.string("body"), name: try members.string("name"),
      accreditor: try members.string("accreditor"),
      number: try members.string("accreditationNumber"),
      standard: try members.string("standard"), scope: try members.optionalString("scope"),
      validFrom: try members.date("validFrom"), validUntil: try members.date("validUntil"))
  }
}
