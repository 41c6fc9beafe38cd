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
  /// ``allServices(at:)`` returns for now, without histories (each state's `history` is empty:
  /// a list of every service would otherwise hold every event of the log; a service's history
  /// is read with its state alone).
  ///
  /// A service's state changes only with its own events and at Paris day boundaries (decision
  /// dates, validity and réserves deadlines are days), so after the first read only the services
  /// that new entries touch are folded again, the same day; a new day folds them all.
  /// Successive lists share the chunks a write did not touch (see ``ServiceStateList``).
  public func currentServices() async throws(RegistryError) -> ServiceStateList {
    let now = clock.now()
    let cache = serviceStates
    let (list, foldedAll) = try await read { snapshot in
      let size = try snapshot.count()
      let day = CalendarDate(parisDayOf: now)
      // Updated under the lock, copying only the chunks a write touched: a copy of every state
      // (many members, each retained) cost more than the folding after a write. Concurrent
      // reads wait here rather than fold the same services again.
      return try cache.state.withLock { known throws -> (ServiceStateList, foldedAll: Bool) in
        guard var cached = known.take(), cached.day == day, cached.size <= size else {
          let registered = try snapshot.registeredServices().count
          let states = try Self.foldEveryService(snapshot, at: now, keepingHistory: false)
          var position: [SIRET: Int] = [:]
          position.reserveCapacity(states.count)
          for (place, state) in states.enumerated() { position[state.siret] = place }
          let fresh = ServiceStatesCache.State(
            size: size, day: day, list: ServiceStateList(states), position: position,
            registered: registered)
          known = fresh
          return (fresh.list, foldedAll: true)
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
          if let state = ServiceState.fold(
            try snapshot.events(about: .service(siret)), at: now, keepingHistory: false)
          {
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
              let state = ServiceState.fold(
                try snapshot.events(about: .service(siret)), at: now, keepingHistory: false)
            else { continue }
            cached.position[siret] = cached.list.count + newcomers.count
            newcomers.append(state)
          }
          cached.list.append(contentsOf: newcomers)
          cached.registered = order.count
        }
        cached.size = size
        known = cached
        return (cached.list, foldedAll: false)
      }
    }
    // Folding every service held a fold per service and read every entry, more than what is
    // kept: the freed memory goes back to the system rather than staying in the process.
    if foldedAll { HeapTrim.releaseFreeMemory() }
    return list
  }

  /// Every registered service's state at `moment`, in registration order, from
  /// ``foldedServices(_:at:keepingHistory:)``; without histories unless `keepingHistory`.
  static func foldEveryService(
    _ snapshot: any RegistrySnapshot, at moment: Instant, keepingHistory: Bool = true
  ) throws -> [ServiceState] {
    var folded = try foldedServices(snapshot, at: moment, keepingHistory: keepingHistory)
    return try snapshot.registeredServices().compactMap { folded.removeValue(forKey: $0) }
  }

  /// Every service's state at `moment`, from one pass over the snapshot's entries, each folded
  /// as it is read: far fewer reads than one lookup per service, and one fold per service held
  /// rather than every event of the log.
  static func foldedServices(
    _ snapshot: any RegistrySnapshot, at moment: Instant, keepingHistory: Bool
  ) throws -> [SIRET: ServiceState] {
    var folds: [SIRET: ServiceState.Folding] = [:]
    folds.reserveCapacity(try snapshot.registeredServices().count)
    try snapshot.forEachEvent(from: 0) { logged in
      if case .service(let siret) = logged.event.subject {
        folds[siret, default: ServiceState.Folding(at: moment, keepingHistory: keepingHistory)]
          .add(logged)
      }
    }
    var states: [SIRET: ServiceState] = [:]
    states.reserveCapacity(folds.count)
    for (siret, folding) in folds {
      if let state = folding.state { states[siret] = state }
    }
    return states
  }
}
