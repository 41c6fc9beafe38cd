/// The certifying body lifts the réserves it recorded, after re-examining the service.
public struct ReservesLifted: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// The body's signed decision.
  public let signedBy: BodySignature

  /// A lifting of the open réserves.
  public init(siret: SIRET, decided: CalendarDate, signedBy: BodySignature) {
    self.siret = siret
    self.decided = decided
    self.signedBy = signedBy
  }
}

extension ReservesLifted: DecisionPayload {
  public static let kind = EventKind.reservesLifted

  public var event: Event { .reservesLifted(self) }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("decided", decided.description)
    members.put(signature: signedBy)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    guard let signature = try members.signature() else {
      throw .malformedEvent(reason: "lifting réserves needs the body's signed decision")
    }
    self.init(siret: try members.siret(), decided: try members.date("decided"), signedBy: signature)
  }
}
