/// Where a service stands with its label at a given instant.
public enum Standing: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
  /// The level is held and in force.
  case active
  /// The level is suspended until reinstated, withdrawn or expired.
  case suspended
  /// The level was withdrawn; only a new grant gives one again.
  case withdrawn
  /// The level's last valid day has passed.
  case expired
  /// No level is held: never granted, or the decided level is not in force yet.
  case none

  public var description: String { rawValue }

  /// The standing in French, as shown to users.
  public var frenchName: String {
    switch self {
    case .active: return "en vigueur"
    case .suspended: return "suspendu"
    case .withdrawn: return "retiré"
    case .expired: return "expiré"
    case .none: return "aucun"
    }
  }
}

/// The decision in force for a service: the last grant, extended by any later renewals.
public struct Decision: Hashable, Sendable {
  public let level: Level
  /// Log index of the `levelGranted` event.
  public let grantIndex: Int64
  /// Log index of the latest grant or renewal: what an attestation attests.
  public let latestIndex: Int64
  /// Date of the latest grant or renewal.
  public let decided: CalendarDate
  /// Date of the grant itself.
  public let grantedOn: CalendarDate
  /// First day the level is held.
  public let validFrom: CalendarDate
  /// Last day the level is held (inclusive).
  public let validUntil: CalendarDate
  /// Who evaluated the service; nil means the federation.
  public let evaluator: String?
  /// Reference of the latest evaluation.
  public let reference: String?
  /// Last day of the grant itself, before any renewal.
  public let grantValidUntil: CalendarDate
  /// The certifying body that decided the level (and alone may renew, suspend, reinstate or
  /// withdraw it); nil when the federation decided.
  public let body: String?
  /// The body that held the level before a transfer to ``body``; nil without a transfer.
  public internal(set) var transferredFrom: String? = nil
  /// The service whose level this is, received by succession; nil otherwise.
  public internal(set) var succeeds: SIRET? = nil

  /// Whether a renewal extended the grant.
  public var isRenewed: Bool { latestIndex != grantIndex }
}

/// A suspension or withdrawal: when it was decided and why.
public struct StandingNote: Hashable, Sendable {
  public let decided: CalendarDate
  public let reason: String
}

/// Réserves a certifying body recorded on the level, open until it lifts them.
public struct Reserves: Hashable, Sendable {
  public let decided: CalendarDate
  /// What the service must correct.
  public let reservations: String
  /// The last day for the re-examination.
  public let deadline: CalendarDate
  /// The body that recorded them.
  public let body: String
  /// Log index of the `reservesRecorded` event.
  public let index: Int64
  /// The day the body lifted them; nil while open.
  public internal(set) var liftedOn: CalendarDate? = nil

  /// Whether the réserves are still open the day after their deadline ("réserves non levées").
  public func isOverdue(on day: CalendarDate) -> Bool { liftedOn == nil && day > deadline }
}

/// A certifying body's reasoned refusal of a level.
public struct Refusal: Hashable, Sendable {
  public let decided: CalendarDate
  public let reason: String
  public let body: String
  /// Log index of the `levelRefused` event.
  public let index: Int64
}

/// One end of a succession (cession d'activité): the other service and when.
public struct SuccessionLink: Hashable, Sendable {
  /// The other service: the successor, seen from the predecessor, and the reverse.
  public let siret: SIRET
  public let decided: CalendarDate
  /// Log index of this service's `serviceSucceeded` entry.
  public let index: Int64
}

/// An attestation recorded for the service.
public struct AttestationRecord: Hashable, Sendable {
  /// The UUID of an attestation id (`urn:uuid:…`), as its page's address uses it.
  public static func uuid(of id: String) -> String {
    id.hasPrefix("urn:uuid:") ? String(id.dropFirst(9)) : id
  }

  /// Log index of the `attestationIssued` event.
  public let index: Int64
  public let id: String
  /// Log index of the decision it attests.
  public let decisionIndex: Int64
  public let payloadSHA256: String
  public let recordedAt: Instant
  /// Its index in the Bitstring Status Lists; nil for attestations issued before them.
  public var statusIndex: Int64? = nil
}

/// A service's state at an instant: a pure fold of its events.
///
/// Events are applied in log order. A decision counts from its decision date (in Paris), so the
/// state at an instant ignores decisions dated later; profile changes and attestations count from
/// the instant they were recorded. The standing is then read at the instant: withdrawn, else
/// expired once the last valid day has passed, else suspended, else none before the first valid
/// day, else active.
public struct ServiceState: Hashable, Sendable {
  public let siret: SIRET
  /// The profile as last registered or updated.
  public let profile: ServiceProfile
  /// When the service entered the registry.
  public let registeredAt: Instant
  /// The instant this state describes.
  public let asOf: Instant
  public let standing: Standing
  /// The decision in force or pending; nil before any grant.
  public let decision: Decision?
  /// Set while the level is suspended.
  public let suspension: StandingNote?
  /// Set once the level is withdrawn (until a new grant).
  public let withdrawal: StandingNote?
  /// Date of the latest decision of any kind.
  public let lastDecisionDate: CalendarDate?
  /// Every event of the service that counts at ``asOf``, in log order.
  public let history: [LoggedEvent]
  /// Attestations issued for the service, in log order.
  public let attestations: [AttestationRecord]
  /// Log indexes of decisions that a later decision corrects.
  public let correctedIndexes: Set<Int64>
  /// The réserves last recorded on the current level, open or lifted; nil when none.
  public internal(set) var reserves: Reserves? = nil
  /// Refusals by certifying bodies, in log order.
  public internal(set) var refusals: [Refusal] = []
  /// The service that took over this one's activity, once it did.
  public internal(set) var successor: SuccessionLink? = nil
  /// The service whose activity this one took over.
  public internal(set) var predecessor: SuccessionLink? = nil

  /// Whether réserves on the level held are past their deadline without being lifted
  /// ("réserves non levées").
  public var reservesOverdue: Bool {
    guard let reserves, standing == .active || standing == .suspended else { return false }
    return reserves.isOverdue(on: CalendarDate(parisDayOf: asOf))
  }

  /// The level the service holds at ``asOf``, or nil unless the standing is active.
  public var heldLevel: Level? { standing == .active ? decision?.level : nil }

  /// Folds `events` (all about one service, in log order) at `instant`.
  ///
  /// - Parameter keepingHistory: false for a state whose ``history`` is empty, everything else
  ///   the same: what lists of every service keep, which do not show histories and would
  ///   otherwise hold every event of the log.
  /// - Returns: nil when the events do not include the service's registration.
  public static func fold(
    _ events: [LoggedEvent], at instant: Instant, keepingHistory: Bool = true
  ) -> ServiceState? {
    var folding = Folding(at: instant, keepingHistory: keepingHistory)
    for logged in events { folding.add(logged) }
    return folding.state
  }

  /// A fold fed one event at a time, in log order: its ``state`` is what
  /// ``fold(_:at:keepingHistory:)`` gives for the events added, so that whoever folds every
  /// service in one pass over the log holds one fold per service rather than every event.
  public struct Folding {
    let instant: Instant
    let day: CalendarDate
    let keepingHistory: Bool
    private var builder: Builder?

    /// An empty fold at `instant` (see ``ServiceState/fold(_:at:keepingHistory:)``).
    public init(at instant: Instant, keepingHistory: Bool = true) {
      self.instant = instant
      self.day = CalendarDate(parisDayOf: instant)
      self.keepingHistory = keepingHistory
    }

    /// Adds the next event about the service.
    public mutating func add(_ logged: LoggedEvent) {
      if let decided = logged.event.decisionDate, decided > day { return }
      if logged.event.decisionDate == nil, logged.recordedAt > instant, builder != nil { return }
      if case .serviceRegistered(let event) = logged.event, builder == nil {
        builder = Builder(
          siret: event.siret, profile: event.profile, at: logged.recordedAt,
          keepsHistory: keepingHistory)
      }
      builder?.apply(logged)
    }

    /// The state of the events added, nil while they do not include the registration.
    public var state: ServiceState? { builder?.state(at: instant, day: day) }
  }

  /// Accumulates the fold.
  private struct Builder {
    let siret: SIRET
    var profile: ServiceProfile
    let registeredAt: Instant
    var decision: Decision?
    var suspension: StandingNote?
    var withdrawal: StandingNote?
    var lastDecisionDate: CalendarDate?
    var history: [LoggedEvent] = []
    var attestations: [AttestationRecord] = []
    var corrected: Set<Int64> = []
    var reserves: Reserves?
    var refusals: [Refusal] = []
    var successor: SuccessionLink?
    var predecessor: SuccessionLink?
    let keepsHistory: Bool

    init(siret: SIRET, profile: ServiceProfile, at instant: Instant, keepsHistory: Bool) {
      self.siret = siret
      self.profile = profile
      self.registeredAt = instant
      self.keepsHistory = keepsHistory
    }

    mutating func apply(_ logged: LoggedEvent) {
      if keepsHistory { history.append(logged) }
      if let decided = logged.event.decisionDate { lastDecisionDate = decided }
      switch logged.event {
      case .serviceRegistered, .keyAdded, .keyRetired, .keyRevoked, .registryConfigured,
        .witnessAdded, .witnessRemoved, .quorumSet, .statusPublished,
        .bodyRegistered, .bodyAccreditationChanged:
        break
      case .serviceUpdated(let event):
        profile = event.profile
      case .levelGranted(let event):
        decision = Decision(
          level: event.level, grantIndex: logged.index, latestIndex: logged.index,
          decided: event.decided,
          grantedOn: event.decided, validFrom: event.validFrom, validUntil: event.validUntil,
          evaluator: event.evaluator,
          reference: event.reference, grantValidUntil: event.validUntil,
          body: event.signedBy?.body
        )
        suspension = nil
        withdrawal = nil
        reserves = nil
        if let target = event.corrects { corrected.insert(target) }
      case .levelRenewed(let event):
        guard let current = decision else { break }
        decision = Decision(
          level: current.level, grantIndex: current.grantIndex, latestIndex: logged.index,
          decided: event.decided, grantedOn: current.grantedOn, validFrom: current.validFrom,
          validUntil: event.validUntil,
          evaluator: event.evaluator ?? current.evaluator, reference: event.reference,
          grantValidUntil: current.grantValidUntil, body: current.body
        )
      case .levelSuspended(let event):
        suspension = StandingNote(decided: event.decided, reason: event.reason)
      case .levelReinstated:
        suspension = nil
      case .levelWithdrawn(let event):
        withdrawal = StandingNote(decided: event.decided, reason: event.reason)
        suspension = nil
      case .levelTransferred(let event):
        guard let current = decision else { break }
        var moved = Decision(
          level: current.level, grantIndex: logged.index, latestIndex: logged.index,
          decided: event.decided, grantedOn: current.grantedOn, validFrom: current.validFrom,
          validUntil: event.validUntil, evaluator: event.evaluator ?? current.evaluator,
          reference: event.reference, grantValidUntil: current.grantValidUntil,
          body: event.signedBy.body)
        moved.transferredFrom = event.fromBody
        moved.succeeds = current.succeeds
        decision = moved
      case .reservesRecorded(let event):
        reserves = Reserves(
          decided: event.decided, reservations: event.reservations, deadline: event.deadline,
          body: event.signedBy.body, index: logged.index)
      case .reservesLifted(let event):
        reserves?.liftedOn = event.decided
      case .levelRefused(let event):
        refusals.append(
          Refusal(
            decided: event.decided, reason: event.reason, body: event.signedBy.body,
            index: logged.index))
      case .serviceSucceeded(let event):
        let link = SuccessionLink(siret: event.other, decided: event.decided, index: logged.index)
        switch event.side {
        case .predecessor:
          successor = link
          decision = nil
          suspension = nil
          withdrawal = nil
          reserves = nil
        case .successor(_, let carried):
          predecessor = link
          var received = Decision(
            level: carried.level, grantIndex: logged.index, latestIndex: logged.index,
            decided: event.decided, grantedOn: event.decided,
            validFrom: max(carried.validFrom, event.decided), validUntil: carried.validUntil,
            evaluator: carried.evaluator, reference: carried.reference,
            grantValidUntil: carried.validUntil, body: carried.body)
          received.succeeds = event.other
          decision = received
          suspension = nil
          withdrawal = nil
          reserves = nil
        }
      case .attestationIssued(let event):
        attestations.append(
          AttestationRecord(
            index: logged.index, id: event.attestationID, decisionIndex: event.decisionIndex,
            payloadSHA256: event.payloadSHA256, recordedAt: logged.recordedAt,
            statusIndex: event.statusIndex
          )
        )
      }
    }

    func state(at instant: Instant, day: CalendarDate) -> ServiceState {
      let standing: Standing
      if let decision {
        if withdrawal != nil {
          standing = .withdrawn
        } else if day > decision.validUntil {
          standing = .expired
        } else if suspension != nil {
          standing = .suspended
        } else if day < decision.validFrom {
          standing = .none
        } else {
          standing = .active
        }
      } else {
        standing = .none
      }
      return ServiceState(
        siret: siret, profile: profile, registeredAt: registeredAt, asOf: instant,
        standing: standing,
        decision: decision, suspension: standing == .suspended ? suspension : nil,
        withdrawal: withdrawal,
        lastDecisionDate: lastDecisionDate, history: history, attestations: attestations,
        correctedIndexes: corrected, reserves: reserves, refusals: refusals, successor: successor,
        predecessor: predecessor
      )
    }
  }
}
