/// A decision to grant a level, replacing any earlier decision from the day it is decided.
public struct LevelGranted: Hashable, Sendable {
  public let siret: SIRET
  public let level: Level
  /// The day the decision was taken.
  public let decided: CalendarDate
  /// The first day the level is held.
  public let validFrom: CalendarDate
  /// The last day the level is held (inclusive).
  public let validUntil: CalendarDate
  /// Who evaluated the service; nil means the federation itself (levels 1 and 2 only).
  public let evaluator: String?
  /// The evaluation's reference (audit report, certificate number).
  public let reference: String?
  /// The log index of an earlier decision this one corrects, if it is a correction.
  public let corrects: Int64?
  /// The certifying body's signed decision; nil when the federation decided.
  public let signedBy: BodySignature?

  /// A grant decision; the values are checked against the registry when appended.
  public init(
    siret: SIRET, level: Level, decided: CalendarDate, validFrom: CalendarDate? = nil,
    validUntil: CalendarDate,
    evaluator: String? = nil, reference: String? = nil, corrects: Int64? = nil,
    signedBy: BodySignature? = nil
  ) throws(DomainError) {
    self.siret = siret
    self.level = level
    self.decided = decided
    self.validFrom = validFrom ?? decided
    self.validUntil = validUntil
    self.evaluator = try TextRules.optional(evaluator, field: "evaluator", maximumLength: 200)
    self.reference = try TextRules.optional(reference, field: "reference", maximumLength: 100)
    self.corrects = corrects
    self.signedBy = signedBy
  }
}

extension LevelGranted: DecisionPayload {
  public static let kind = EventKind.levelGranted

  public var event: Event { .levelGranted(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("level", Int64(level.rawValue))
    members.put("decided", decided.description)
    members.put("validFrom", validFrom.description)
    members.put("validUntil", validUntil.description)
    members.put("evaluator", evaluator)
    members.put("reference", reference)
    members.put("corrects", corrects)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    guard let level = Level(rawValue: Int(try members.integer("level"))) else {
      throw .malformedEvent(reason: "member \"level\" must be 1, 2 or 3")
    }
    try self.init(
      siret: try members.siret(), level: level, decided: try members.date("decided"),
      validFrom: try members.date("validFrom"), validUntil: try members.date("validUntil"),
      evaluator: try members.optionalString("evaluator"),
      reference: try members.optionalString("reference"),
      corrects: try members.optionalInteger("corrects"), signedBy: try members.signature())
  }
}
