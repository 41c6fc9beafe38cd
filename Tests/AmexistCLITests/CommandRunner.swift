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

  /// A runner in `folder`.
  init(folder: TemporaryFolder) {
    self.folder = folder
  }

  /// The executable SwiftPM built next to the test bundle.
  static let executable: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("amexist")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return URL(fileURLWithPath: Vectors.packageRoot).appendingPathComponent(".build/debug/amexist")
  }()

  /// Runs `amexist` with `arguments` in the folder and waits (at most a minute) for it to end,
  /// on a thread of its own: the tests' few concurrency threads stay free for the others.
  func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Output {
    let runner = self
    return try await Self.slots.withSlot {
      try await offPool {
        try runner.finishBlocking(runner.start(arguments, environment: environment))
      }
    }
  }

  /// At most as many commands run at once as the machine has cores, plus one: more only makes
  /// every test, and the servers under test, slower (measured on two cores).
  static let slots = Slots(ProcessInfo.processInfo.activeProcessorCount + 1)

  /// Runs `amexist` as another (unprivileged) `user`, which needs root.
  func run(asUser user: String, _ arguments: [String]) async throws -> Output {
    let runner = self
    return try await offPool {
      let process = runner.command(arguments, environment: [:])
      process.arguments = ["-u", user, "--", Self.executable.path] + arguments
      process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
      return try runner.finishBlocking(Self.launch(process))
    }
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
  /// any `AMEXIST_*` setting or switch of its own, its state under the folder) and
  /// `environment` over it; not started.
  private func command(_ arguments: [String], environment: [String: String]) -> Process {
    let process = Process()
    process.executableURL = Self.executable
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AMEXIST_") }
    // A verifier's pinned trust state stays in the test's folder, never the user's.
    env["XDG_STATE_HOME"] = folder.file("state")
    env.merge(environment) { $1 }
    process.environment = env
    return process
  }

  /// The entries and checkpoints `amexist log audit` counts.
  func audited(environment: [String: String] = [:]) async throws -> (
    entries: Int64, checkpoints: Int64
  ) {
    let audit = try await run(["log", "audit", "--json"], environment: environment)
    guard case .object(let report) = try json(audit),
      case .integer(let entries) = report["entries"],
      case .integer(let checkpoints) = report["checkpoints"]
    else { throw ServeFailure(description: "no audit: \(audit.stderr)") }
    return (entries, checkpoints)
  }

  /// Waits for a started command (on a thread of its own), killing it after a minute.
  func finish(_ started: (Process, Pipe, Pipe)) async throws -> Output {
    let runner = self
    return try await offPool { try runner.finishBlocking(started) }
  }

  /// Waits for a started command, blocking the calling thread, killing it after a minute.
  private func finishBlocking(_ started: (Process, Pipe, Pipe)) throws -> Output {
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
  /// that `ulimit -f`. Without `statusSnapshots`, the server publishes none (for tests that
  /// count the entries their own writes append).
  func serve(
    environment: [String: String] = [:], fileSizeLimit: Int? = nil, statusSnapshots: Bool = true
  ) async throws -> (Process, URL) {
    let runner = self
    let extra = statusSnapshots ? [] : ["--no-status-snapshots"]
    let started = try await offPool {
      Unchecked(
        try runner.serveBlocking(
          environment: environment, fileSizeLimit: fileSizeLimit, extra: extra))
    }
    return started.value
  }

  private func serveBlocking(environment: [String: String], fileSizeLimit: Int?, extra: [String])
    throws -> (Process, URL)
  {
    let process = command(["serve", "--port", "0"] + extra, environment: environment)
    if let fileSizeLimit {
      process.executableURL = URL(fileURLWithPath: "/bin/bash")
      process.arguments = [
        "-c",
        "ulimit -f \(fileSizeLimit) && exec \"$0\" serve --port 0 \(extra.joined(separator: " "))",
        Self.executable.path,
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

/// A counting semaphore for async code.
actor Slots {
  private var free: Int
  private var waiting: [CheckedContinuation<Void, Never>] = []

  init(_ count: Int) { free = count }

  /// Runs `body` once a slot is free, holding it meanwhile.
  nonisolated func withSlot<Result: Sendable>(_ body: () async throws -> Result) async throws
    -> Result
  {
    await acquire()
    do {
      let result = try await body()
      await release()
      return result
    } catch {
      await release()
      throw error
    }
  }

  private func acquire() async {
    if free > 0 {
      free -= 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  private func release() {
    if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
  }
}

/// A value handed across threads by its only user.
struct Unchecked<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
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

extension CommandRunner {
  /// A new folder holding a copy of the registry that `commands` make in an empty folder (each
  /// must succeed). The commands run once per test process and list of commands; every test
  /// then starts from its own copy, so that the setup many tests share costs one run.
  static func prepared(_ commands: [[String]]) async throws -> CommandRunner {
    let template = try await Prepared.shared.value("\(commands)") {
      let template = try CommandRunner.template()
      for arguments in commands { try await template.mustRun(arguments) }
      return template.folder.path
    }
    let cli = try CommandRunner()
    try cli.folder.copyContents(of: template)
    return cli
  }

  /// A runner in a folder kept until the test process exits, for registries that tests copy.
  static func template() throws -> CommandRunner {
    CommandRunner(folder: try TemporaryFolder.removedAtExit())
  }

  /// Runs `amexist` with `arguments` and throws with its message unless it succeeds.
  func mustRun(_ arguments: [String], environment: [String: String] = [:]) async throws {
    let output = try await run(arguments, environment: environment)
    guard output.status == 0 else {
      throw ServeFailure(description: "\(arguments) failed: \(output.stderr)")
    }
  }

}

/// Values made once per test process on first use (registries tests copy), by key.
actor Prepared {
  static let shared = Prepared()

  private var made: [String: Task<any Sendable, any Error>] = [:]

  /// The value `make` made for `key`, making it on first use.
  func value<Value: Sendable>(
    _ key: String, make: @escaping @Sendable () async throws -> Value
  ) async throws -> Value {
    let making = made[key] ?? Task { try await make() }
    made[key] = making
    guard let value = try await making.value as? Value else {
      throw CommandRunner.ServeFailure(description: "\(key) was prepared as another type")
    }
    return value
  }
}

/// Runs another program (an outside tool) in `folder` and waits for it.
func shell(_ arguments: [String], in folder: String) async throws -> CommandRunner.Output {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: folder)
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return .init(
    status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
    stderr: String(decoding: stderr, as: UTF8.self))
}
