/// A decision to extend the current level's validity, after a renewal evaluation.
public struct LevelRenewed: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// The new last day the level is held (inclusive).
  public let validUntil: CalendarDate
  public let evaluator: String?
  public let reference: String?
  /// The certifying body's signed decision; nil when the federation decided.
  public let signedBy: BodySignature?

  /// A renewal decision; the values are checked against the registry when appended.
  public init(
    siret: SIRET, decided: CalendarDate, validUntil: CalendarDate, evaluator: String? = nil,
    reference: String? = nil, signedBy: BodySignature? = nil
  ) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.validUntil = validUntil
    self.evaluator = try TextRules.optional(evaluator, field: "evaluator", maximumLength: 200)
    self.reference = try TextRules.optional(reference, field: "reference", maximumLength: 100)
    self.signedBy = signedBy
  }
}

extension LevelRenewed: DecisionPayload {
  public static let kind = EventKind.levelRenewed

  public var event: Event { .levelRenewed(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put("validUntil", validUntil.description)
    members.put("evaluator", evaluator)
    members.put("reference", reference)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      siret: try members.siret(), decided: try members.date("decided"),
      validUntil: try members.date("validUntil"),
      evaluator: try members.optionalString("evaluator"),
      reference: try members.optionalString("reference"), signedBy: try members.signature())
  }
}
