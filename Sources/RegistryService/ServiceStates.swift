import AmexistDomain
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
    /// The registered services' states, in registration order (what ``RegistryService/currentServices()``
    /// returns).
    var list: ServiceStateList
    /// Each listed service's position in ``list``.
    var position: [SIRET: Int]
    /// The registered services counted so far (a registered service without a state is not
    /// listed).
    var registered: Int
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
  /// Successive lists share the chunks a write did not touch (see ``ServiceStateList``).
  public func currentServices() async throws(RegistryError) -> ServiceStateList {
    let now = clock.now()
    let cache = serviceStates
    return try await read { snapshot in
      let size = try snapshot.count()
      let day = CalendarDate(parisDayOf: now)
      // Updated under the lock, copying only the chunks a write touched: a copy of every state
      // (many members, each retained) cost more than the folding after a write. Concurrent
      // reads wait here rather than fold the same services again.
      return try cache.state.withLock { known throws -> ServiceStateList in
        guard var cached = known.take(), cached.day == day, cached.size <= size else {
          let order = try snapshot.registeredServices()
          let states = try Self.foldEveryService(snapshot, at: now)
          var position: [SIRET: Int] = [:]
          var list: [ServiceState] = []
          list.reserveCapacity(order.count)
          for siret in order {
            guard let state = states[siret] else { continue }
            position[siret] = list.count
            list.append(state)
          }
          let fresh = ServiceStatesCache.State(
            size: size, day: day, list: ServiceStateList(list), position: position,
            registered: order.count)
          known = fresh
          return fresh.list
        }
        var touched: Set<SIRET> = []
        var registrations = 0
        try snapshot.forEachEvent(from: cached.size) { logged in
          if case .service(let siret) = logged.event.subject { touched.insert(siret) }
          if case .serviceRegistered = logged.event { registrations += 1 }
        }
        var replacements: [Int: ServiceState] = [:]
        for siret in touched {
          guard let position = cached.position[siret] else { continue }
          if let state = ServiceState.fold(try snapshot.events(about: .service(siret)), at: now) {
            replacements[position] = state
          }
        }
        cached.list.replace(replacements)
        if registrations > 0 {
          // New services go after the others, in registration order.
          let order = try snapshot.registeredServices()
          var newcomers: [ServiceState] = []
          for siret in order.dropFirst(cached.registered) {
            guard
              let state = ServiceState.fold(try snapshot.events(about: .service(siret)), at: now)
            else { continue }
            cached.position[siret] = cached.list.count + newcomers.count
            newcomers.append(state)
          }
          cached.list.append(contentsOf: newcomers)
          cached.registered = order.count
        }
        cached.size = size
        known = cached
        return cached.list
      }
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
