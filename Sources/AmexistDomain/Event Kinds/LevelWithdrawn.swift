/// A decision to withdraw the level; only a new grant gives the service a level again.
public struct LevelWithdrawn: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  public let reason: String
  /// The certifying body's signed decision; nil when the federation decided.
  public let signedBy: BodySignature?

  /// A withdrawal; the reason is required and shown publicly.
  public init(
    siret: SIRET, decided: CalendarDate, reason: String, signedBy: BodySignature? = nil
  ) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
    self.signedBy = signedBy
  }
}

extension LevelWithdrawn: DecisionPayload {
  public static let kind = EventKind.levelWithdrawn

  public var event: Event { .levelWithdrawn(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put("reason", reason)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      siret: try members.siret(), decided: try members.date("decided"),
      reason: try members.string("reason"), signedBy: try members.signature())
  }
}
