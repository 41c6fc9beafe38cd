/// The rules an event must meet, given what the registry recorded before it, to be appended.
public enum AppendRules {
  /// Checks that `event`, recorded at `instant`, may follow `history`: every logged event with
  /// the same subject, in log order.
  ///
  /// Decisions are also held to the table of `scheme`, the registry's scheme (earliest decision
  /// date, longest validity per level, renewable levels).
  ///
  /// `related` holds the history of each of ``Event/relatedSubjects`` (a body key's owner, …).
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` naming the rule, or a value error.
  public static func check(
    _ event: Event, recordedAt instant: Instant, history: [LoggedEvent],
    related: [EventSubject: [LoggedEvent]] = [:], scheme: Scheme = .amexist
  ) throws(DomainError) {
    switch event {
    case .keyAdded, .keyRetired, .keyRevoked:
      try checkKeyEvent(event, history: history, related: related, recordedAt: instant)
    case .bodyRegistered, .bodyAccreditationChanged:
      try checkBodyEvent(event, history: history, today: CalendarDate(parisDayOf: instant))
    case .registryConfigured:
      // The store's first entry is checked by the appender, which knows indexes.
      if let configured = history.lazy.compactMap(\.event.configuredScheme).first {
        throw .ruleViolated(.registryAlreadyConfigured(configured))
      }
    case .witnessAdded, .witnessRemoved, .quorumSet:
      try WitnessRoster(history: history).check(event)
    case .statusPublished(let publication):
      try publication.check(after: history)
    case .serviceRegistered(let registration):
      try registration.profile.checkPrintable()
      if history.contains(where: { if case .serviceRegistered = $0.event { true } else { false } })
      {
        throw .ruleViolated(.serviceAlreadyRegistered(registration.siret))
      }
    case .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended, .levelReinstated,
      .levelWithdrawn, .attestationIssued, .levelTransferred, .reservesRecorded, .reservesLifted,
      .levelRefused, .serviceSucceeded:
      guard case .service(let siret) = event.subject,
        let state = ServiceState.fold(history, at: instant)
      else {
        if case .service(let siret) = event.subject { throw .ruleViolated(.unknownService(siret)) }
        return
      }
      try checkServiceEvent(
        event, siret: siret, state: state, history: history,
        today: CalendarDate(parisDayOf: instant), scheme: scheme)
      if case .serviceSucceeded(let succession) = event {
        try checkSuccession(succession, state: state, related: related, at: instant)
      }
    }
  }

  private static func checkServiceEvent(
    _ event: Event, siret: SIRET, state: ServiceState, history: [LoggedEvent], today: CalendarDate,
    scheme: Scheme
  ) throws(DomainError) {
    if let decided = event.decisionDate {
      switch event {
      case .levelGranted(let grant):
        try scheme.check(level: grant.level, decided: decided, validUntil: grant.validUntil)
      case .levelRenewed(let renewal):
        if let level = state.decision?.level {
          try scheme.checkRenewal(of: level)
          try scheme.check(level: level, decided: decided, validUntil: renewal.validUntil)
        } else {
          try scheme.check(decided: decided)
        }
      case .levelTransferred(let transfer):
        try scheme.check(decided: decided)
        guard let current = state.decision,
          state.standing == .active || state.standing == .suspended
        else {
          throw .ruleViolated(.nothingToTransfer(siret, standing: state.standing))
        }
        try scheme.checkTransfer(
          of: current.level, validUntil: current.validUntil,
          suspended: state.standing == .suspended, decided: decided)
        guard current.body == transfer.fromBody else {
          throw .ruleViolated(
            .transferFromOtherBody(named: transfer.fromBody, holder: current.body))
        }
        guard transfer.level == current.level, transfer.validUntil == current.validUntil else {
          throw .ruleViolated(
            .transferChangesLevel(current: current.level, validUntil: current.validUntil))
        }
      case .levelSuspended, .levelReinstated, .levelWithdrawn, .serviceRegistered,
        .serviceUpdated, .attestationIssued, .keyAdded, .keyRetired, .keyRevoked,
        .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet, .statusPublished,
        .bodyRegistered,
        .bodyAccreditationChanged, .reservesRecorded,
        .reservesLifted, .levelRefused, .serviceSucceeded:
        try scheme.check(decided: decided)
      }
      guard decided <= today else {
        throw .ruleViolated(.decisionInFuture(decided: decided, today: today))
      }
      // Decision dates never decrease along a service's log, so the last one is the latest.
      if let previous = state.lastDecisionDate, decided < previous {
        throw .ruleViolated(.decisionBeforePrevious(decided: decided, previous: previous))
      }
    }
    // Once another service took over the activity, nothing more is decided for this one.
    if let successor = state.successor, event.decisionDate != nil {
      throw .ruleViolated(.serviceSucceeded(siret, successor: successor.siret))
    }
    // A level a body decided changes only by that body's own signed decision (a transfer is
    // signed by the receiving body; any accredited body may refuse a level after its audit).
    if let body = state.decision?.body, event.signedBy?.body != body {
      switch event {
      case .levelRenewed, .levelSuspended, .levelReinstated, .levelWithdrawn, .reservesRecorded,
        .reservesLifted:
        throw .ruleViolated(.decisionReservedToBody(body))
      case .serviceRegistered, .serviceUpdated, .levelGranted, .attestationIssued, .keyAdded,
        .keyRetired, .keyRevoked, .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet,
        .statusPublished,
        .bodyRegistered, .bodyAccreditationChanged,
        .levelTransferred, .levelRefused, .serviceSucceeded:
        break
      }
    }
    switch event {
    case .serviceUpdated(let update):
      try update.profile.checkPrintable()
      guard update.profile != state.profile else { throw .ruleViolated(.profileUnchanged(siret)) }
    case .levelGranted(let grant):
      try TextRules.checkPrintable(grant.evaluator, field: "evaluator")
      if grant.signedBy == nil { try scheme.checkFederationDecides(grant.level) }
      guard grant.validFrom >= grant.decided else {
        throw .ruleViolated(
          .validFromBeforeDecision(decided: grant.decided, validFrom: grant.validFrom))
      }
      guard grant.validUntil > grant.validFrom else {
        throw .ruleViolated(
          .validUntilNotAfterValidFrom(validFrom: grant.validFrom, validUntil: grant.validUntil))
      }
      if let target = grant.corrects {
        let isEarlierDecision = history.contains { logged in
          guard logged.index == target else { return false }
          switch logged.event {
          case .levelGranted, .levelRenewed: return true
          case .serviceRegistered, .serviceUpdated, .levelSuspended, .levelReinstated,
            .levelWithdrawn, .attestationIssued, .keyAdded, .keyRetired, .keyRevoked,
            .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet, .statusPublished,
            .bodyRegistered,
            .bodyAccreditationChanged, .levelTransferred,
            .reservesRecorded, .reservesLifted, .levelRefused, .serviceSucceeded:
            return false
          }
        }
        guard isEarlierDecision else {
          throw .ruleViolated(.correctionTargetInvalid(index: target))
        }
      }
    case .levelRenewed(let renewal):
      try TextRules.checkPrintable(renewal.evaluator, field: "evaluator")
      guard let decision = state.decision, state.standing == .active || state.standing == .none
      else {
        throw .ruleViolated(.nothingToRenew(siret, standing: state.standing))
      }
      if renewal.signedBy == nil { try scheme.checkFederationDecides(decision.level) }
      guard renewal.validUntil > decision.validUntil else {
        throw .ruleViolated(
          .renewalDoesNotExtend(
            currentValidUntil: decision.validUntil, requested: renewal.validUntil)
        )
      }
    case .levelSuspended:
      guard state.standing == .active else {
        throw .ruleViolated(.cannotSuspend(siret, standing: state.standing))
      }
    case .levelReinstated:
      guard state.standing == .suspended else {
        throw .ruleViolated(.cannotReinstate(siret, standing: state.standing))
      }
    case .levelWithdrawn:
      let withdrawable: Set<Standing> = [.active, .suspended, .none]
      guard state.decision != nil, withdrawable.contains(state.standing) else {
        throw .ruleViolated(.cannotWithdraw(siret, standing: state.standing))
      }
    case .attestationIssued(let issuance):
      guard state.standing == .active else {
        throw .ruleViolated(.attestationNeedsActiveLevel(siret, standing: state.standing))
      }
      guard issuance.decisionIndex == state.decision?.latestIndex else {
        throw .ruleViolated(
          .attestationForStaleDecision(
            requested: issuance.decisionIndex, current: state.decision?.latestIndex)
        )
      }
      guard !state.attestations.contains(where: { $0.id == issuance.attestationID }) else {
        throw .ruleViolated(.attestationAlreadyIssued(id: issuance.attestationID))
      }
    case .levelTransferred(let transfer):
      // Level, validity and the body giving it up are checked with the scheme's conditions.
      try TextRules.checkPrintable(transfer.evaluator, field: "evaluator")
    case .reservesRecorded(let reserves):
      guard state.decision?.body != nil, state.standing == .active || state.standing == .suspended
      else {
        throw .ruleViolated(.reservesNeedBodyLevel(siret))
      }
      guard reserves.deadline > reserves.decided else {
        throw .ruleViolated(
          .reservesDeadlineNotAfterDecision(decided: reserves.decided, deadline: reserves.deadline))
      }
      if let open = state.reserves, open.liftedOn == nil {
        throw .ruleViolated(.reservesAlreadyOpen(deadline: open.deadline))
      }
    case .reservesLifted:
      guard let open = state.reserves, open.liftedOn == nil else {
        throw .ruleViolated(.noReservesToLift(siret))
      }
    case .serviceRegistered, .keyAdded, .keyRetired, .keyRevoked, .registryConfigured,
      .witnessAdded, .witnessRemoved, .quorumSet, .statusPublished,
      .bodyRegistered, .bodyAccreditationChanged, .levelRefused, .serviceSucceeded:
      break
    }
  }

  /// A succession's two entries: the predecessor holds a level in force and passes it to a
  /// registered service; the successor's entry follows it and receives that level as it was.
  private static func checkSuccession(
    _ succession: ServiceSucceeded, state: ServiceState, related: [EventSubject: [LoggedEvent]],
    at instant: Instant
  ) throws(DomainError) {
    let otherHistory = related[.service(succession.other)] ?? []
    switch succession.side {
    case .predecessor(let successor):
      guard state.standing == .active, state.decision != nil else {
        throw .ruleViolated(.nothingToPassOn(state.siret, standing: state.standing))
      }
      guard let other = ServiceState.fold(otherHistory, at: instant) else {
        throw .ruleViolated(.unknownService(successor))
      }
      if let next = other.successor {
        throw .ruleViolated(.serviceSucceeded(successor, successor: next.siret))
      }
    case .successor(let predecessor, let carried):
      // The predecessor's own entry, naming this service, comes just before in the same batch.
      guard let last = otherHistory.last,
        case .serviceSucceeded(let before) = last.event,
        case .predecessor(let named) = before.side, named == state.siret,
        before.decided == succession.decided,
        let previous = ServiceState.fold(otherHistory.dropLast(), at: instant),
        let decision = previous.decision,
        ServiceSucceeded.CarriedLevel(decision) == carried
      else {
        throw .ruleViolated(.successionUnpaired(predecessor))
      }
    }
  }

  private static func checkBodyEvent(_ event: Event, history: [LoggedEvent], today: CalendarDate)
    throws(DomainError)
  {
    let record = BodyRecord.fold(history)
    switch event {
    case .bodyRegistered(let registration):
      guard record == nil else { throw .ruleViolated(.bodyAlreadyRegistered(registration.body)) }
      try TextRules.checkPrintable(registration.name, field: "body name")
      let accreditation = registration.accreditation
      guard accreditation.validUntil > accreditation.validFrom else {
        throw .ruleViolated(
          .accreditationWindowInverted(
            validFrom: accreditation.validFrom, validUntil: accreditation.validUntil))
      }
    case .bodyAccreditationChanged(let change):
      guard let record else { throw .ruleViolated(.unknownBody(change.body)) }
      let accreditation = record.accreditation
      if let withdrawn = accreditation.withdrawnOn {
        throw .ruleViolated(.accreditationWithdrawn(body: change.body, on: withdrawn))
      }
      guard change.effective <= today else {
        throw .ruleViolated(.decisionInFuture(decided: change.effective, today: today))
      }
      guard change.effective >= record.lastChange else {
        throw .ruleViolated(
          .accreditationChangeBeforePrevious(
            effective: change.effective, previous: record.lastChange))
      }
      switch change.change {
      case .extended(let until):
        guard until > accreditation.validUntil else {
          throw .ruleViolated(
            .accreditationNotExtended(current: accreditation.validUntil, requested: until))
        }
      case .suspended:
        guard !accreditation.isSuspended else {
          throw .ruleViolated(.accreditationAlreadySuspended(change.body))
        }
      case .reinstated:
        guard accreditation.isSuspended else {
          throw .ruleViolated(.accreditationNotSuspended(change.body))
        }
      case .withdrawn:
        break
      }
    case .serviceRegistered, .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended,
      .levelReinstated, .levelWithdrawn, .attestationIssued, .keyAdded, .keyRetired, .keyRevoked,
      .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet, .statusPublished,
      .levelTransferred,
      .reservesRecorded, .reservesLifted, .levelRefused,
      .serviceSucceeded:
      break
    }
  }

  private static func checkKeyEvent(
    _ event: Event, history: [LoggedEvent], related: [EventSubject: [LoggedEvent]],
    recordedAt instant: Instant
  ) throws(DomainError) {
    let added = history.contains { if case .keyAdded = $0.event { true } else { false } }
    let retired = history.contains { if case .keyRetired = $0.event { true } else { false } }
    let revoked = history.contains { if case .keyRevoked = $0.event { true } else { false } }
    switch event {
    case .keyAdded(let key):
      if let owner = key.owner {
        guard let body = BodyRecord.fold(related[.body(owner)] ?? []) else {
          throw .ruleViolated(.unknownBody(owner))
        }
        if let withdrawn = body.accreditation.withdrawnOn {
          throw .ruleViolated(.accreditationWithdrawn(body: owner, on: withdrawn))
        }
        // A body's key may be dated back (the body signed with it before the registry learned
        // it), but not before the body was accredited, nor into the future.
        let firstDay = CalendarDate(parisDayOf: key.validFrom)
        guard firstDay >= body.accreditation.validFrom else {
          throw .ruleViolated(
            .keyBeforeAccreditation(
              kid: key.kid, validFrom: firstDay, accreditedFrom: body.accreditation.validFrom))
        }
        guard key.validFrom <= instant else {
          throw .ruleViolated(.keyStartsInFuture(kid: key.kid, validFrom: key.validFrom))
        }
      }
      guard !added else { throw .ruleViolated(.keyAlreadyExists(kid: key.kid)) }
      if let until = key.validUntil, until <= key.validFrom {
        throw .ruleViolated(.keyValidityInverted(kid: key.kid))
      }
    case .keyRetired(let retirement):
      guard added else { throw .ruleViolated(.unknownKey(kid: retirement.kid)) }
      guard !revoked else { throw .ruleViolated(.keyAlreadyRevoked(kid: retirement.kid)) }
      guard !retired else { throw .ruleViolated(.keyAlreadyRetired(kid: retirement.kid)) }
    case .keyRevoked(let revocation):
      guard added else { throw .ruleViolated(.unknownKey(kid: revocation.kid)) }
      guard !revoked else { throw .ruleViolated(.keyAlreadyRevoked(kid: revocation.kid)) }
    case .serviceRegistered, .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended,
      .levelReinstated, .levelWithdrawn, .attestationIssued, .registryConfigured, .witnessAdded,
      .witnessRemoved, .quorumSet, .statusPublished,
      .bodyRegistered, .bodyAccreditationChanged, .levelTransferred, .reservesRecorded,
      .reservesLifted, .levelRefused, .serviceSucceeded:
      break
    }
  }
}
