/// Réserves a certifying body records on the level it decided: what must be corrected, and the
/// day by which the body re-examines it. Past that day without ``ReservesLifted``, the service
/// shows "réserves non levées".
public struct ReservesRecorded: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// What the service must correct (about the service, never about a person).
  public let reservations: String
  /// The last day for the re-examination.
  public let deadline: CalendarDate
  /// The body's signed decision.
  public let signedBy: BodySignature

  /// Réserves; the text is required and shown publicly, the deadline follows the decision.
  public init(
    siret: SIRET, decided: CalendarDate, reservations: String, deadline: CalendarDate,
    signedBy: BodySignature
  ) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.reservations = try TextRules.required(
      reservations, field: "reservations", maximumLength: 1000)
    self.deadline = deadline
    self.signedBy = signedBy
  }
}

extension ReservesRecorded: DecisionPayload {
  public static let kind = EventKind.reservesRecorded

  public var event: Event { .reservesRecorded(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put("reservations", reservations)
    members.put("deadline", deadline.description)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    guard let signature = try members.signature() else {
      throw .malformedEvent(reason: "réserves need the body's signed decision")
    }
    try self.init(
      siret: try members.siret(), decided: try members.date("decided"),
      reservations: try members.string("reservations"), deadline: try members.date("deadline"),
      signedBy: signature)
  }
}
