public import AmexistDomain
import RegistryStore
import Synchronization

/// Every registered service's state as this process last folded it, by log size and Paris day
/// (shared by the service's copies), so that after a write only the services it touched are
/// folded again.
public final class ServiceStatesCache: Sendable {
  /// The states as of a log size and a Paris day.
  struct State: Sendable {
    var size: Int64
    var day: CalendarDate
    /// The services in registration order.
    var order: [SIRET]
    var states: [SIRET: ServiceState]
  }

  let state = Mutex<State?>(nil)

  /// Empty: the first read folds every service.
  public init() {}
}

extension RegistryService {
  /// The state of every registered service now, in registration order: what
  /// ``allServices(at:)`` returns for now.
  ///
  /// A service's state changes only with its own events and at Paris day boundaries (decision
  /// dates, validity and réserves deadlines are days), so after the first read only the services
  /// that new entries touch are folded again, the same day; a new day folds them all.
  public func currentServices() async throws(RegistryError) -> [ServiceState] {
    let now = clock.now()
    let cache = serviceStates
    return try await read { snapshot in
      let size = try snapshot.count()
      let day = CalendarDate(parisDayOf: now)
      let next: ServiceStatesCache.State
      if var known = cache.state.withLock({ $0 }), known.day == day, known.size <= size {
        var touched: Set<SIRET> = []
        try snapshot.forEachEvent(from: known.size) { logged in
          if case .service(let siret) = logged.event.subject { touched.insert(siret) }
        }
        for siret in touched {
          known.states[siret] = ServiceState.fold(
            try snapshot.events(about: .service(siret)), at: now)
        }
        if touched.contains(where: { !known.order.contains($0) }) {
          known.order = try snapshot.registeredServices()
        }
        known.size = size
        next = known
      } else {
        next = ServiceStatesCache.State(
          size: size, day: day, order: try snapshot.registeredServices(),
          states: try Self.foldEveryService(snapshot, at: now))
      }
      cache.state.withLock { $0 = next }
      return next.order.compactMap { next.states[$0] }
    }
  }

  /// Every service's state at `moment`, from ``serviceHistories(_:)``.
  static func foldEveryService(_ snapshot: any RegistrySnapshot, at moment: Instant) throws
    -> [SIRET: ServiceState]
  {
    try serviceHistories(snapshot).compactMapValues { ServiceState.fold($0, at: moment) }
  }

  /// Every service's history, from one pass over the snapshot's entries grouped by service:
  /// far fewer reads than one lookup per service.
  static func serviceHistories(_ snapshot: any RegistrySnapshot) throws -> [SIRET: [LoggedEvent]] {
    var histories: [SIRET: [LoggedEvent]] = [:]
    try snapshot.forEachEvent(from: 0) { logged in
      if case .service(let siret) = logged.event.subject {
        histories[siret, default: []].append(logged)
      }
    }
    return histories
  }
}
