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

  /// Whether a renewal extended the grant.
  public var isRenewed: Bool { latestIndex != grantIndex }
}

/// A suspension or withdrawal: when it was decided and why.
public struct StandingNote: Hashable, Sendable {
  public let decided: CalendarDate
  public let reason: String
}

/// An attestation recorded for the service.
public struct AttestationRecord: Hashable, Sendable {
  /// Log index of the `attestationIssued` event.
  public let index: Int64
  public let id: String
  /// Log index of the decision it attests.
  public let decisionIndex: Int64
  public let payloadSHA256: String
  public let recordedAt: Instant
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

  /// The level the service holds at ``asOf``, or nil unless the standing is active.
  public var heldLevel: Level? { standing == .active ? decision?.level : nil }

  /// Folds `events` (all about one service, in log order) at `instant`.
  ///
  /// - Returns: nil when the events do not include the service's registration.
  public static func fold(_ events: [LoggedEvent], at instant: Instant) -> ServiceState? {
    var builder: Builder?
    let day = CalendarDate(parisDayOf: instant)
    for logged in events {
      if let decided = logged.event.decisionDate, decided > day { continue }
      if logged.event.decisionDate == nil, logged.recordedAt > instant, builder != nil { continue }
      if case .serviceRegistered(let event) = logged.event {
        if builder == nil {
          builder = Builder(siret: event.siret, profile: event.profile, at: logged.recordedAt)
        }
      }
      builder?.apply(logged)
    }
    return builder?.state(at: instant, day: day)
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

    init(siret: SIRET, profile: ServiceProfile, at instant: Instant) {
      self.siret = siret
      self.profile = profile
      self.registeredAt = instant
    }

    mutating func apply(_ logged: LoggedEvent) {
      history.append(logged)
      if let decided = logged.event.decisionDate { lastDecisionDate = decided }
      switch logged.event {
      case .serviceRegistered, .keyAdded, .keyRetired, .keyRevoked, .registryConfigured,
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
      case .attestationIssued(let event):
        attestations.append(
          AttestationRecord(
            index: logged.index, id: event.attestationID, decisionIndex: event.decisionIndex,
            payloadSHA256: event.payloadSHA256, recordedAt: logged.recordedAt
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
        correctedIndexes: corrected
      )
    }
  }
}
