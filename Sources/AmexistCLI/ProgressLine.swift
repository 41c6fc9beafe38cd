import Foundation
import RegistryService
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A progress line on standard error for operations over many items (`service import`, `log
/// audit`, `copy`, `export`), redrawn in place at most ten times a second and erased at the end.
/// Shown only when standard error is a terminal, without `--quiet`, and from 10,000 items:
/// scripts and logs never see it.
final class ProgressLine: Sendable {
  /// Fewer items than this finish too fast to need a progress line.
  static let threshold: Int64 = 10_000

  private let label: String
  private let unit: String
  private let enabled: Bool
  private let state = Mutex<(lastDrawn: ContinuousClock.Instant?, drawn: Bool)>((nil, false))

  /// A line saying `label: done / total unit`, shown when `global` allows it.
  init(_ label: String, unit: String, global: GlobalOptions) {
    self.label = label
    self.unit = unit
    self.enabled = !global.quiet && isatty(STDERR_FILENO) == 1
  }

  /// The handler to give the operation, nil when nothing will be shown.
  var handler: ProgressHandler? {
    guard enabled else { return nil }
    return { [self] done, total in update(done, total) }
  }

  private func update(_ done: Int64, _ total: Int64) {
    guard total >= Self.threshold else { return }
    let now = ContinuousClock.now
    let draw = state.withLock { state -> Bool in
      if done < total, let last = state.lastDrawn, now - last < .milliseconds(100) {
        return false
      }
      state = (now, true)
      return true
    }
    guard draw else { return }
    let percent = total > 0 ? done * 100 / total : 100
    FileHandle.standardError.write(
      Data("\r\u{1B}[2Kamexist: \(label): \(done) / \(total) \(unit) (\(percent) %)".utf8))
  }

  /// Erases the line, if one was drawn.
  func finish() {
    let drawn = state.withLock { state in
      defer { state = (nil, false) }
      return state.drawn
    }
    if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
  }
}
