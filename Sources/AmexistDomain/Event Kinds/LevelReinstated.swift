/// A decision to lift a suspension.
public struct LevelReinstated: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// The certifying body's signed decision; nil when the federation decided.
  public let signedBy: BodySignature?

  /// A reinstatement of a suspended level.
  public init(siret: SIRET, decided: CalendarDate, signedBy: BodySignature? = nil) {
    self.siret = siret
    self.decided = decided
    self.signedBy = signedBy
  }
}

extension LevelReinstated: DecisionPayload {
  public static let kind = EventKind.levelReinstated

  public var event: Event { .levelReinstated(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    self.init(
      siret: try members.siret(), decided: try members.date("decided"),
      signedBy: try members.signature())
  }
}
