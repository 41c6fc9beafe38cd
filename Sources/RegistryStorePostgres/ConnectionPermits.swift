import RegistryStore
import Synchronization

/// A bounded number of permits to use a database connection, with a bounded queue and a bounded
/// wait: when every connection is in use and the queue is full, or the wait runs out, the caller
/// is refused at once instead of queueing without end (F10: 503 fast, not unbounded queueing).
final class ConnectionPermits: Sendable {
  private struct Waiter {
    let id: UInt64
    let continuation: CheckedContinuation<Bool, Never>
  }

  private struct State {
    var available: Int
    var waiters: [Waiter] = []
    var nextID: UInt64 = 0
  }

  private let state: Mutex<State>
  private let total: Int
  private let queueLimit: Int
  private let maximumWait: Duration

  /// `permits` at once, at most `queueLimit` callers waiting, each at most `maximumWait`.
  init(permits: Int, queueLimit: Int, maximumWait: Duration) {
    state = Mutex(State(available: permits))
    total = permits
    self.queueLimit = queueLimit
    self.maximumWait = maximumWait
  }

  /// The permits in use, the callers waiting and the permits in all, as of now.
  var usage: ConnectionUsage {
    state.withLock { state in
      ConnectionUsage(inUse: total - state.available, waiting: state.waiters.count, limit: total)
    }
  }

  /// Takes a permit, waiting at most the maximum wait; false when none could be had.
  func acquire() async -> Bool {
    enum Immediate {
      case granted, refused
      case queued(UInt64)
    }
    let id: UInt64 = state.withLock { state in
      state.nextID += 1
      return state.nextID
    }
    return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
      let immediate: Immediate = state.withLock { state in
        if state.available > 0 {
          state.available -= 1
          return .granted
        }
        guard state.waiters.count < queueLimit else { return .refused }
        state.waiters.append(Waiter(id: id, continuation: continuation))
        return .queued(id)
      }
      switch immediate {
      case .granted: continuation.resume(returning: true)
      case .refused: continuation.resume(returning: false)
      case .queued(let id):
        let wait = maximumWait
        Task {
          try? await Task.sleep(for: wait)
          self.expire(id)
        }
      }
    }
  }

  /// Returns a permit, handing it to the longest waiter if any.
  func release() {
    let next: Waiter? = state.withLock { state in
      if state.waiters.isEmpty {
        state.available += 1
        return nil
      }
      return state.waiters.removeFirst()
    }
    next?.continuation.resume(returning: true)
  }

  /// Refuses the waiter `id` if it is still waiting.
  private func expire(_ id: UInt64) {
    let expired: Waiter? = state.withLock { state in
      guard let position = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
      return state.waiters.remove(at: position)
    }
    expired?.continuation.resume(returning: false)
  }
}
