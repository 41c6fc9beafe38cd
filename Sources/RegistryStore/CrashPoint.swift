#if DEBUG
  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Darwin)
    import Darwin
  #endif
  import Synchronization
#endif

/// Named moments of a write where the crash tests (catalogue F2) make the process die as
/// `kill -9` would, to prove that no such moment loses an acknowledged write or leaves half of
/// one.
///
/// Only debug builds listen: the test switch is the environment variable
/// `AMEXIST_TEST_CRASH_AT=<point>[:<n>]`, which kills the process the n-th time (1 by default)
/// the point is reached. Release builds compile the switch out.
public enum CrashPoint: String, Sendable, CaseIterable {
  /// A batch's checkpoint is signed but not yet stored: its transaction is open.
  case afterSign = "after-sign"
  /// An append is committed and nothing has been answered yet.
  case afterCommit = "after-commit"
  /// A schema migration has run its statements but its transaction is not committed.
  case midMigration = "mid-migration"

  /// Dies here (SIGKILL) when the test switch names this point and its count is reached;
  /// otherwise does nothing.
  public func reach() {
    #if DEBUG
      guard let target = Self.target, target.point == self else { return }
      if Self.reached.add(1, ordering: .sequentiallyConsistent).newValue >= target.count {
        kill(getpid(), SIGKILL)
      }
    #endif
  }

  #if DEBUG
    private static let target: (point: CrashPoint, count: Int)? = {
      guard let value = getenv("AMEXIST_TEST_CRASH_AT").map({ String(cString: $0) }) else {
        return nil
      }
      let parts = value.split(separator: ":", maxSplits: 1)
      guard let point = parts.first.flatMap({ CrashPoint(rawValue: String($0)) }) else {
        return nil
      }
      return (point, parts.count == 2 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let reached = Atomic<Int>(0)
  #endif
}
