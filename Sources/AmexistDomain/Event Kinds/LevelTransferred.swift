/// A certifying body takes over a level another body decided (transfer between accredited
/// bodies): signed by the receiving body, it moves the level as it is, with its validity.
public struct LevelTransferred: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// The level transferred: the one in force.
  public let level: Level
  /// The first day the receiving body answers for the level.
  public let validFrom: CalendarDate
  /// The level's last day, unchanged by the transfer.
  public let validUntil: CalendarDate
  /// The receiving body's name, as registered.
  public let evaluator: String?
  /// The receiving body's reference for the file.
  public let reference: String?
  /// The body that decided the level until now.
  public let fromBody: String
  /// The receiving body's signed decision.
  public let signedBy: BodySignature

  /// A transfer; the values are checked against the registry when appended.
  public init(
    siret: SIRET, decided: CalendarDate, level: Level, validFrom: CalendarDate? = nil,
    validUntil: CalendarDate, evaluator: String? = nil, reference: String? = nil,
    fromBody: String, signedBy: BodySignature
  ) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.level = level
    self.validFrom = validFrom ?? decided
    self.validUntil = validUntil
    self.evaluator = try TextRules.optional(evaluator, field: "evaluator", maximumLength: 200)
    self.reference = try TextRules.optional(reference, field: "reference", maximumLength: 100)
    self.fromBody = try Identifiers.bodyID(fromBody)
    self.signedBy = signedBy
    guard fromBody != signedBy.body else {
      throw .invalidIdentifier(
        field: "fromBody", input: fromBody, reason: "a body cannot transfer a level to itself")
    }
  }
}

extension LevelTransferred: DecisionPayload {
  public static let kind = EventKind.levelTransferred

  public var event: Event { .levelTransferred(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put("level", Int64(level.rawValue))
    members.put("validFrom", validFrom.description)
    members.put("validUntil", validUntil.description)
    members.put("evaluator", evaluator)
    members.put("reference", reference)
    members.put("fromBody", fromBody)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    guard let level = Level(rawValue: Int(try members.integer("level"))) else {
      throw .malformedEvent(reason: "member \"level\" must be 1, 2 or 3")
    }
    guard let signature = try members.signature() else {
      throw .malformedEvent(reason: "a transfer needs the receiving body's signed decision")
    }
    try self.init(
      siret: try members.siret(), decided: try members.date("decided"), level: level,
      validFrom: try members.date("validFrom"), validUntil: try members.date("validUntil"),
      evaluator: try members.optionalString("evaluator"),
      reference: try members.optionalString("reference"),
      fromBody: try members.string("fromBody"), signedBy: signature)
  }
}
