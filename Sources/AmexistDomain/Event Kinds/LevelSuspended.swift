/// A decision to suspend the current level.
public struct LevelSuspended: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  public let reason: String
  /// The certifying body's signed decision; nil when the federation decided.
  public let signedBy: BodySignature?

  /// A suspension; the reason is required and shown publicly.
  public init(
    siret: SIRET, decided: CalendarDate, reason: String, signedBy: BodySignature? = nil
  ) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
    self.signedBy = signedBy
  }
}

extension LevelSuspended: DecisionPayload {
  public static let kind = EventKind.levelSuspended

  public var event: Event { .levelSuspended(self) }

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
