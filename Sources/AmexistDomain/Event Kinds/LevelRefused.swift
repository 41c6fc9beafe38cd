/// A certifying body refuses the level after its audit, with its reasons. The service keeps
/// whatever level it held; the refusal stays in its history.
public struct LevelRefused: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// Why (about the service, never about a person).
  public let reason: String
  /// The body's signed decision.
  public let signedBy: BodySignature

  /// A reasoned refusal; the reason is required and shown publicly.
  public init(siret: SIRET, decided: CalendarDate, reason: String, signedBy: BodySignature)
    throws(DomainError)
  {
    self.siret = siret
    self.decided = decided
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
    self.signedBy = signedBy
  }
}

extension LevelRefused: DecisionPayload {
  public static let kind = EventKind.levelRefused

  public var event: Event { .levelRefused(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put("reason", reason)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    guard let signature = try members.signature() else {
      throw .malformedEvent(reason: "a refusal needs the body's signed decision")
    }
    try self.init(
      siret: try members.siret(), decided: try members.date("decided"),
      reason: try members.string("reason"), signedBy: signature)
  }
}
