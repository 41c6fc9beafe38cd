import Foundation
import Synchronization

/// Runs blocking work (a subprocess, a socket read) on a thread of its own, so that it never
/// holds one of Swift concurrency's few threads, which the in-process servers need to answer.
public func offPool<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws
  -> Result
{
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Swift.Result { try work() }) }.start()
  }
}

/// A third-party program (qrencode, zbarimg, the poppler tools, qpdf…) run as an outsider would.
public enum ExternalTool {
  /// What a finished program left.
  public struct Output: Sendable {
    /// The exit status.
    public let status: Int32
    /// Everything written to standard output.
    public let stdout: Data
    /// Everything written to standard error, as text.
    public let stderr: String
    /// Standard output as text.
    public var text: String { String(decoding: stdout, as: UTF8.self) }
  }

  /// Runs `program` (looked up on `PATH`) with `arguments` and waits for it.
  public static func run(_ program: String, _ arguments: [String]) async throws -> Output {
    try await offPool {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [program] + arguments
      let output = Pipe()
      let errors = Pipe()
      process.standardOutput = output
      process.standardError = errors
      process.standardInput = FileHandle.nullDevice
      try process.run()
      // Standard error is read on another thread so that neither pipe can fill and block.
      let errorText = Mutex("")
      let errorsRead = DispatchSemaphore(value: 0)
      Thread {
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        errorText.withLock { $0 = String(decoding: data, as: UTF8.self) }
        errorsRead.signal()
      }.start()
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      errorsRead.wait()
      return Output(
        status: process.terminationStatus, stdout: data, stderr: errorText.withLock { $0 })
    }
  }
}
