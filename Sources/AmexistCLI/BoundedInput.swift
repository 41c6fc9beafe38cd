import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file or standard input (`-`) with a size cap and a time cap, so that a huge file or
/// a pipe that never ends is refused instead of read forever.
enum BoundedInput {
  enum Failure: Error, CustomStringConvertible {
    case cannotOpen(String)
    case tooLarge(Int)
    case timedOut(Int)

    var description: String {
      switch self {
      case .cannotOpen(let reason): return reason
      case .tooLarge(let limit):
        return limit >= 1_048_576
          ? "is larger than \(limit / 1_048_576) MiB" : "is larger than \(limit / 1024) KiB"
      case .timedOut(let seconds): return "was not read within \(seconds) s"
      }
    }
  }

  /// ``read(_:limit:seconds:)`` for a command: a failure is one line naming the file, with
  /// `exitCode`.
  static func file(_ path: String, limit: Int, exitCode: Int32 = AmexistCLI.failure)
    throws(CLIError) -> [UInt8]
  {
    do {
      return try read(path, limit: limit)
    } catch {
      throw CLIError(
        error.description.hasPrefix("is ") ? "\(path) \(error)" : "cannot read \(path): \(error)",
        exitCode: exitCode)
    }
  }

  /// At most `limit` bytes of `path`; more is an error, and so is waiting longer than `seconds`.
  static func read(_ path: String, limit: Int, seconds: Int = 10) throws(Failure) -> [UInt8] {
    let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_NONBLOCK)
    guard descriptor >= 0 else { throw .cannotOpen(String(cString: strerror(errno))) }
    defer { if descriptor != STDIN_FILENO { close(descriptor) } }
    let deadline = Date().addingTimeInterval(TimeInterval(seconds))
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
      let remaining = Int(deadline.timeIntervalSinceNow * 1000)
      guard remaining > 0 else { throw .timedOut(seconds) }
      var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, Int32(min(remaining, 1000)))
      if ready < 0 && errno != EINTR { throw .cannotOpen(String(cString: strerror(errno))) }
      if ready <= 0 { continue }
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EAGAIN || errno == EINTR { continue }
        if errno == EISDIR { throw .cannotOpen("it is a folder") }
        throw .cannotOpen(String(cString: strerror(errno)))
      }
      if count == 0 { return bytes }
      bytes += chunk[0..<count]
      if bytes.count > limit { throw .tooLarge(limit) }
    }
  }
}
