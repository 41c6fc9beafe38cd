public import AmexistDomain

extension RegistryService {
  /// Records that `successor` takes over the activity of `predecessor` from `decided` (cession
  /// d'activité): both services' histories name each other, and the successor holds the
  /// predecessor's level, decided by the same body, for the validity left. The predecessor then
  /// holds no level and nothing more is decided for it.
  ///
  /// - Returns: the two entries, the predecessor's first.
  /// - Throws: ``RegistryError/refused(_:)`` when a service is unknown, the predecessor holds no
  ///   level in force, either service was already succeeded, or the predecessor's level changed
  ///   while this was being recorded.
  @discardableResult
  public func succeed(
    _ predecessor: SIRET, by successor: SIRET, decided: CalendarDate, dryRun: Bool = false
  ) async throws(RegistryError) -> [LoggedEvent] {
    let state = try await self.state(of: predecessor)
    guard let decision = state.decision, state.standing == .active else {
      throw .refused(.ruleViolated(.nothingToPassOn(predecessor, standing: state.standing)))
    }
    let events = try Self.refusing { () throws(DomainError) in
      [
        Event.serviceSucceeded(
          try ServiceSucceeded(
            siret: predecessor, decided: decided, side: .predecessor(successor: successor))),
        .serviceSucceeded(
          try ServiceSucceeded(
            siret: successor, decided: decided,
            side: .successor(
              predecessor: predecessor, carried: ServiceSucceeded.CarriedLevel(decision)))),
      ]
    }
    return try await append(events, dryRun: dryRun)
  }
}
