/// A succession (cession d'activité): a service takes over another's activity and, for the
/// validity left, its level. It is logged as two entries of this kind in one batch, one in each
/// service's history, so that each service's state folds from its own events: first the
/// predecessor's (naming its successor), then the successor's (naming its predecessor and the
/// level it receives).
public struct ServiceSucceeded: Hashable, Sendable {
  /// The level a successor receives, as the predecessor held it.
  public struct CarriedLevel: Hashable, Sendable {
    public let level: Level
    /// The predecessor's first day (the period initially granted).
    public let validFrom: CalendarDate
    public let validUntil: CalendarDate
    public let evaluator: String?
    public let reference: String?
    /// The body that decided the level, which alone changes it, as before the succession.
    public let body: String?
    /// The log index of the predecessor's decision carried over.
    public let decisionIndex: Int64

    /// The level `decision` (the predecessor's, logged at `decision.latestIndex`) as carried.
    public init(_ decision: Decision) {
      level = decision.level
      validFrom = decision.validFrom
      validUntil = decision.validUntil
      evaluator = decision.evaluator
      reference = decision.reference
      body = decision.body
      decisionIndex = decision.latestIndex
    }

    init(
      level: Level, validFrom: CalendarDate, validUntil: CalendarDate, evaluator: String?,
      reference: String?, body: String?, decisionIndex: Int64
    ) {
      self.level = level
      self.validFrom = validFrom
      self.validUntil = validUntil
      self.evaluator = evaluator
      self.reference = reference
      self.body = body
      self.decisionIndex = decisionIndex
    }
  }

  /// Which side of the succession an entry records.
  public enum Side: Hashable, Sendable {
    /// The predecessor's entry: its activity goes to `successor`.
    case predecessor(successor: SIRET)
    /// The successor's entry: it takes over `predecessor`'s activity and level.
    case successor(predecessor: SIRET, carried: CarriedLevel)
  }

  /// The service whose history the entry belongs to.
  public let siret: SIRET
  /// The day the succession takes effect.
  public let decided: CalendarDate
  public let side: Side

  /// One side of a succession.
  public init(siret: SIRET, decided: CalendarDate, side: Side) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.side = side
    guard other != siret else { throw .ruleViolated(.successionToItself(siret)) }
  }

  /// The other service of the succession.
  public var other: SIRET {
    switch side {
    case .predecessor(let successor): successor
    case .successor(let predecessor, _): predecessor
    }
  }
}

extension ServiceSucceeded: DecisionPayload {
  public static let kind = EventKind.serviceSucceeded

  public var event: Event { .serviceSucceeded(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    switch side {
    case .predecessor(let successor):
      members.put("successor", successor.digits)
    case .successor(let predecessor, let carried):
      members.put("predecessor", predecessor.digits)
      members.put("level", Int64(carried.level.rawValue))
      members.put("validFrom", carried.validFrom.description)
      members.put("validUntil", carried.validUntil.description)
      members.put("evaluator", carried.evaluator)
      members.put("reference", carried.reference)
      members.put("body", carried.body)
      members.put("decisionIndex", carried.decisionIndex)
    }
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    let siret = try members.siret()
    let decided = try members.date("decided")
    if let successor = try members.optionalString("successor") {
      try self.init(
        siret: siret, decided: decided, side: .predecessor(successor: try SIRET(successor)))
      return
    }
    guard let level = Level(rawValue: Int(try members.integer("level"))) else {
      throw .malformedEvent(reason: "member \"level\" must be 1, 2 or 3")
    }
    let carried = CarriedLevel(
      level: level, validFrom: try members.date("validFrom"),
      validUntil: try members.date("validUntil"),
      evaluator: try TextRules.optional(
        try members.optionalString("evaluator"), field: "evaluator", maximumLength: 200),
      reference: try TextRules.optional(
        try members.optionalString("reference"), field: "reference", maximumLength: 100),
      body: try members.optionalString("body").map { id throws(DomainError) in
        try Identifiers.bodyID(id)
      }, decisionIndex: try members.integer("decisionIndex"))
    try self.init(
      siret: siret, decided: decided,
      side: .successor(predecessor: try SIRET(try members.string("predecessor")), carried: carried))
  }
}
