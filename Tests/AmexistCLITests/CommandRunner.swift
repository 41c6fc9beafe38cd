import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// Runs the built `amexist` executable in a temporary folder, as a user would.
struct CommandRunner {
  struct Output {
    let status: Int32
    let stdout: String
    let stderr: String
  }

  let folder: TemporaryFolder

  init() throws {
    folder = try TemporaryFolder()
  }

  /// The executable SwiftPM built next to the test bundle.
  static let executable: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("amexist")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return URL(fileURLWithPath: Vectors.packageRoot).appendingPathComponent(".build/debug/amexist")
  }()

  /// Runs `amexist` with `arguments` in the folder and waits (at most a minute) for it to end.
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
    let process = try start(arguments, environment: environment)
    return try finish(process)
  }

  /// Runs `amexist` as another (unprivileged) `user`, which needs root.
  func run(asUser user: String, _ arguments: [String]) throws -> Output {
    let process = command(arguments, environment: [:])
    process.arguments = ["-u", user, "--", Self.executable.path] + arguments
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
    return try finish(Self.launch(process))
  }

  /// Starts `amexist` without waiting.
  func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    Process, Pipe, Pipe
  ) {
    try Self.launch(command(arguments, environment: environment))
  }

  /// Starts `process` with pipes for its output and no input.
  static func launch(_ process: Process) throws -> (Process, Pipe, Pipe) {
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return (process, out, err)
  }

  /// `amexist` with `arguments`, in the folder, with the test process's environment (without
  /// its database URL or crash switch) and `environment` over it; not started.
  private func command(_ arguments: [String], environment: [String: String]) -> Process {
    let process = Process()
    process.executableURL = Self.executable
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "AMEXIST_DATABASE_URL")
    env.removeValue(forKey: "AMEXIST_TEST_CRASH_AT")
    env.merge(environment) { $1 }
    process.environment = env
    return process
  }

  /// The entries and checkpoints `amexist log audit` counts.
  func audited(environment: [String: String] = [:]) throws -> (entries: Int64, checkpoints: Int64) {
    let audit = try run(["log", "audit", "--json"], environment: environment)
    guard case .object(let report) = try json(audit),
      case .integer(let entries) = report["entries"],
      case .integer(let checkpoints) = report["checkpoints"]
    else { throw ServeFailure(description: "no audit: \(audit.stderr)") }
    return (entries, checkpoints)
  }

  /// Waits for a started command, killing it after a minute.
  func finish(_ started: (Process, Pipe, Pipe)) throws -> Output {
    let (process, out, err) = started
    let deadline = Date().addingTimeInterval(60)
    // Read while waiting so that a large output cannot fill the pipe and block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    while process.isRunning {
      if Date() > deadline {
        process.terminate()
        Issue.record("amexist \(process.arguments ?? []) did not finish within a minute")
        break
      }
      Thread.sleep(forTimeInterval: 0.01)
    }
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self)
    )
  }

  /// Starts `amexist serve --port 0` (its standard error into `serve.log` of the folder) and
  /// returns the process and its base URL once it listens; with `fileSizeLimit` (KiB), under
  /// that `ulimit -f`.
  func serve(environment: [String: String] = [:], fileSizeLimit: Int? = nil) throws -> (
    Process, URL
  ) {
    let process = command(["serve", "--port", "0"], environment: environment)
    if let fileSizeLimit {
      process.executableURL = URL(fileURLWithPath: "/bin/bash")
      process.arguments = [
        "-c", "ulimit -f \(fileSizeLimit) && exec \"$0\" serve --port 0", Self.executable.path,
      ]
    }
    let out = Pipe()
    process.standardOutput = out
    let log = path("serve.log")
    if !FileManager.default.fileExists(atPath: log) {
      _ = FileManager.default.createFile(atPath: log, contents: nil)
    }
    let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try errors.seekToEnd()
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try errors.close()
    var text = ""
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline, !text.contains("/ (Ctrl-C") {
      let data = out.fileHandleForReading.availableData
      if data.isEmpty { break }
      text += String(decoding: data, as: UTF8.self)
    }
    guard let start = text.range(of: "Serving the registry on "),
      let end = text.range(of: "/ (Ctrl-C", range: start.upperBound..<text.endIndex),
      let base = URL(string: String(text[start.upperBound..<end.lowerBound]))
    else {
      process.terminate()
      throw ServeFailure(description: "serve did not start: \(text)")
    }
    return (process, base)
  }

  /// `amexist serve` did not start.
  struct ServeFailure: Error, CustomStringConvertible {
    let description: String
  }

  /// The path of `name` in the folder.
  func path(_ name: String) -> String { folder.file(name) }
}

/// The JSON a command printed on standard output, parsed strictly.
func json(_ output: CommandRunner.Output) throws -> JSONValue {
  try StrictJSONParser(maximumSize: 10_000_000).parse(
    Array(output.stdout.trimmingCharacters(in: .newlines).utf8))
}

extension String {
  /// The first line, without its line end (the secret `amexist token create` prints first).
  var firstLine: String {
    split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
  }
}
