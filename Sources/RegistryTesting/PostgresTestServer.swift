import Foundation
import Synchronization

/// A throw-away PostgreSQL server for tests: `initdb` and `pg_ctl` in a temporary folder,
/// listening only on a Unix socket in that folder (never on a network port), run as an
/// unprivileged user when the tests run as root (PostgreSQL refuses root). A watchdog stops the
/// server and removes its folder when the test process ends, however it ends.
///
/// The binaries come from `AMEXIST_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin` (Debian's
/// `postgresql` package, which `.ci/run` installs), else `PATH`. There is no silent skip: a test
/// that needs the server fails when it cannot be started.
public final class PostgresTestServer: Sendable {
  /// Why a server could not be started or used.
  public struct Failure: Error, CustomStringConvertible {
    public let description: String

    /// A failure described by `description`.
    public init(description: String) { self.description = description }
  }

  /// The folder holding the data directory, the socket and the log.
  public let folder: String
  /// The superuser that tests connect as (trust authentication, socket only).
  public let superuser = "amexist_admin"
  private let binaries: String
  private let runAs: String?
  private let databaseCounter = Mutex(0)

  /// The server every test of this process shares; each test makes its own database in it.
  public static func shared() async throws -> PostgresTestServer {
    try await Shared.instance.server()
  }

  private actor Shared {
    static let instance = Shared()
    private var starting: Task<PostgresTestServer, any Error>?

    func server() async throws -> PostgresTestServer {
      // One start for every caller: the actor is re-entered while the first start runs.
      if let starting { return try await starting.value }
      let task = Task { try await PostgresTestServer.start() }
      starting = task
      return try await task.value
    }
  }

  private init(folder: String, binaries: String, runAs: String?) {
    self.folder = folder
    self.binaries = binaries
    self.runAs = runAs
  }

  /// Starts a new server of its own (for tests that stop or crash it).
  public static func start() async throws -> PostgresTestServer {
    try await offPool {
      let binaries = try findBinaries()
      let runAs: String? = getuid() == 0 ? try unprivilegedUser() : nil
      var template = Array("/tmp/amexist-pg-XXXXXX".utf8CString)
      guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
      let folder = String(cString: made)
      let server = PostgresTestServer(folder: folder, binaries: binaries, runAs: runAs)
      if let runAs {
        try server.shell("chown \(runAs) '\(folder)'", asServerUser: false)
      }
      try server.shell(
        "'\(binaries)/initdb' -D '\(folder)/data' -U \(server.superuser) -A trust -E UTF8 --no-locale >'\(folder)/initdb.log' 2>&1"
      )
      try server.startProcess()
      try server.watch(parent: getpid())
      return server
    }
  }

  /// The `postgres://` URL of database `name` on this server.
  public func url(database name: String, user: String? = nil) -> String {
    "postgres://\(user ?? superuser)@/\(name)?host=\(folder)"
  }

  /// Creates a new database, empty or a copy of the database of `template` (a URL this server
  /// made, that nobody is connected to), and returns its URL.
  public func makeDatabase(_ prefix: String = "registry", copying template: String? = nil)
    async throws -> String
  {
    let number = databaseCounter.withLock { counter in
      counter += 1
      return counter
    }
    let name = "\(prefix)_\(getpid())_\(number)"
    let copied = template.map { " TEMPLATE \(Self.databaseName(of: $0))" } ?? ""
    _ = try await sql("CREATE DATABASE \(name)\(copied)", database: "postgres")
    return url(database: name)
  }

  /// The database name in a URL made by ``makeDatabase(_:)``.
  public static func databaseName(of url: String) -> String {
    String(url.split(separator: "?")[0].split(separator: "/").last ?? "")
  }

  /// Runs `statements` with psql as `user` (the superuser by default) and returns what psql
  /// printed (unaligned, tuples only); throws with psql's message when it fails.
  public func sql(_ statements: String, database: String, user: String? = nil) async throws
    -> String
  {
    let output = try await ExternalTool.run(
      "\(binaries)/psql",
      [
        "-h", folder, "-U", user ?? superuser, "-d", database, "-X", "-q", "-A", "-t",
        "-v", "ON_ERROR_STOP=1", "-c", statements,
      ])
    guard output.status == 0 else { throw Failure(description: output.stderr) }
    return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`).
  public func crash() async throws {
    try await offPool {
      try self.shell(
        "'\(self.binaries)/pg_ctl' -D '\(self.folder)/data' stop -m immediate >/dev/null")
    }
  }

  /// Starts the server again after ``crash()``.
  public func restart() async throws {
    try await offPool { try self.startProcess() }
  }

  private func startProcess() throws {
    try shell(
      "'\(binaries)/pg_ctl' -D '\(folder)/data' -l '\(folder)/server.log' -w -t 60 -o \"-c listen_addresses='' -k '\(folder)' -c max_connections=600 -c fsync=on\" start >/dev/null"
    )
  }

  /// Stops the server and removes its folder once process `parent` has ended (or is a zombie
  /// nobody reaps).
  private func watch(parent: Int32) throws {
    let stop = wrapped("'\(binaries)/pg_ctl' -D '\(folder)/data' stop -m immediate")
    let script =
      "while s=$(ps -o stat= -p \(parent)) && [ \"${s#Z}\" = \"$s\" ]; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf '\(folder)'"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
    process.arguments = ["/bin/bash", "-c", Self.closingInheritedDescriptors + script]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  /// A bash prefix that closes every descriptor above 2.
  private static let closingInheritedDescriptors =
    "for fd in $(ls /proc/$$/fd); do [ \"$fd\" -gt 2 ] && exec {fd}>&-; done 2>/dev/null; "

  private func wrapped(_ command: String) -> String {
    guard let runAs else { return command }
    return
      "runuser -u \(runAs) -- /bin/sh -c \"\(command.replacingOccurrences(of: "\"", with: "\\\""))\""
  }

  /// Runs `command` with its output in a file and no descriptor of this process but 0–2: the
  /// server that `pg_ctl start` leaves running would keep an inherited pipe (or the descriptor
  /// Foundation watches to see the shell end) open, and waiting for it would never end.
  private func shell(_ command: String, asServerUser: Bool = true) throws {
    let transcript = "\(folder).shell.log"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [
      "-c",
      Self.closingInheritedDescriptors
        + "(\(asServerUser ? wrapped(command) : command)) >'\(transcript)' 2>&1 </dev/null",
    ]
    process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
    try process.run()
    process.waitUntilExit()
    let message = (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: transcript)
    guard process.terminationStatus == 0 else {
      let log = (try? String(contentsOfFile: "\(folder)/server.log", encoding: .utf8)) ?? ""
      throw Failure(description: "\(command) failed: \(message) \(log.suffix(2000))")
    }
  }

  private static func findBinaries() throws -> String {
    if let given = ProcessInfo.processInfo.environment["AMEXIST_PG_BIN"] { return given }
    let root = "/usr/lib/postgresql"
    let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
      .compactMap(Int.init).sorted()
    if let newest = versions.last { return "\(root)/\(newest)/bin" }
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(folder)/initdb") {
      return String(folder)
    }
    throw Failure(
      description:
        "no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql package or set AMEXIST_PG_BIN"
    )
  }

  private static func unprivilegedUser() throws -> String {
    for candidate in ["postgres", "nobody"] where getpwnam(candidate) != nil { return candidate }
    throw Failure(description: "running as root and no unprivileged user to run PostgreSQL as")
  }
}
