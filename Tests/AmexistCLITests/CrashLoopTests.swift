import AmexistDomain
import Foundation
import RegistryStore
import RegistryStorePostgres
import RegistryStoreSQLite
import RegistryTesting
import Synchronization
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Catalogue F1, F2, D9, D14: `amexist serve` issuing under several clients is killed (`kill -9`
/// at a random moment, or by the test switch at a named point of a write), again and again.
/// After each crash: the database passes its integrity check, the log audit passes (the root
/// recomputed from the stored leaves is the last signed checkpoint, every entry is sealed, one
/// checkpoint per size), and every write acknowledged so far is at the index it was given.
/// Writes that got no answer are retried with their idempotency key after the restart; at the
/// end the log holds exactly one entry per write.
///
/// Cycle counts: `AMEXIST_CRASH_CYCLES` (SQLite) and `AMEXIST_CRASH_CYCLES_POSTGRES`; by
/// default 8 and 4 (smoke: both named points on SQLite, one on PostgreSQL), 200 and 50 under `AMEXIST_FULL_TESTS=1` (`.ci/run`).
@Suite(
  "Crash loops: kill -9 during issuance",
  // One loop at a time at full size; at smoke size alongside each other and the other suites.
  TestScale.isFull ? ParallelizationTrait.serialized as any SuiteTrait : Tag.List.tags()
)
struct CrashLoopTests {

  @Test("F1, F2, D9, D14: SQLite survives kill -9 during issuance, at random and at named points")
  func sqlite() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let created = try await cli.run(["init"])
    #expect(created.status == 0, "\(created.stderr)")
    let path = cli.path("Registry/registry.sqlite")
    let harness = try await CrashHarness(cli: cli, environment: [:]) {
      try SQLiteRegistryStore(path: path)
    }
    try await harness.run(cycles: TestScale.count("AMEXIST_CRASH_CYCLES", smoke: 8, full: 200)) {
      let check = try await sqlite3([path, "PRAGMA integrity_check"])
      #expect(check == "ok", "F1 integrity")
    }
  }

  @Test("F1, F2, F10, D9, D14: PostgreSQL survives kill -9 of the server during issuance")
  func postgres() async throws {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase("crash")
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let environment = ["AMEXIST_DATABASE_URL": url]
    let created = try await cli.run(["init"], environment: environment)
    #expect(created.status == 0, "\(created.stderr)")
    let harness = try await CrashHarness(cli: cli, environment: environment) {
      try await PostgresRegistryStore.open(
        try PostgresLocation(url: url), options: .underTest, schema: .requireCurrent)
    }
    try await harness.run(
      cycles: TestScale.count("AMEXIST_CRASH_CYCLES_POSTGRES", smoke: 4, full: 50)
    ) {
      // A COMMIT the killed server had sent still completes in PostgreSQL after its connection
      // drops; the checks wait for it, or they read the log at two sizes (seen once in 50
      // cycles: the audit at 98 entries, the checkpoint read just after at 99).
      try await Task.sleep(for: .milliseconds(300))
    }
  }

  @Test("F2, F11: SQLite killed in the middle of a migration migrates whole on the next start")
  func sqliteMidMigration() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    _ = try await cli.run(["service", "add", "\(TestValues.generatedSIRET(1))", "--name", "S1"])
    let path = cli.path("Registry/registry.sqlite")
    // The registry as the previous version left it: without the last migration.
    _ = try await sqlite3([
      path,
      "DROP TABLE cosignatures; DELETE FROM grdb_migrations WHERE identifier = 'v5-cosignatures';",
    ])
    let killed = try await cli.run(
      ["service", "list"], environment: ["AMEXIST_TEST_CRASH_AT": "mid-migration"])
    #expect(killed.status != 0, "the switch must kill the process mid-migration")
    let tables = try await sqlite3([
      path, "SELECT count(*) FROM sqlite_master WHERE name = 'cosignatures'",
    ])
    #expect(tables == "0", "rolled back whole")
    let check = try await sqlite3([path, "PRAGMA integrity_check"])
    #expect(check == "ok")
    let listed = try await cli.run(["service", "list"])
    #expect(listed.status == 0, "\(listed.stderr)")
    #expect(listed.stdout.contains("S1"))
    let store = try SQLiteRegistryStore(path: path)
    #expect(try await store.settings().migrations.last == "v5-cosignatures")
    #expect(try await cli.run(["log", "audit"]).status == 0)
  }

  @Test("F2, F11: PostgreSQL migrate killed in the middle of a migration; servers refuse, then run")
  func postgresMidMigration() async throws {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase("midmig")
    let name = PostgresTestServer.databaseName(of: url)
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let environment = ["AMEXIST_DATABASE_URL": url]
    _ = try await cli.run(["init"], environment: environment)
    _ = try await server.sql(
      "DROP TABLE cosignatures; DELETE FROM amexist_migrations WHERE id = 'v5-cosignatures'",
      database: name)
    let killed = try await cli.run(
      ["migrate"],
      environment: environment.merging(["AMEXIST_TEST_CRASH_AT": "mid-migration"]) {
        $1
      })
    #expect(killed.status != 0, "the switch must kill the process mid-migration")
    let refused = try await cli.run(["service", "list"], environment: environment)
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("amexist migrate"), "\(refused.stderr)")
    let migrated = try await cli.run(["migrate"], environment: environment)
    #expect(migrated.status == 0, "\(migrated.stderr)")
    #expect(migrated.stdout.contains("v5-cosignatures"))
    #expect(try await cli.run(["log", "audit"], environment: environment).status == 0)
  }
}

/// What `sqlite3` prints for `sql` on the database at `path`, without the last newline.
func sqlite3(_ arguments: [String]) async throws -> String {
  let output = try await ExternalTool.run("sqlite3", arguments)
  return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs `sql` on the SQLite file at `path` with its triggers dropped, as whoever holds the file.
func sqlite3Tampering(_ path: String, _ sql: String) async throws {
  let triggers = try await sqlite3([path, "SELECT name FROM sqlite_master WHERE type = 'trigger'"])
    .split(separator: "\n")
  _ = try await sqlite3(["-bail", path, triggers.map { "DROP TRIGGER \($0);" }.joined() + sql])
}

/// One admin write a client sends, named by its idempotency key.
struct KeyedWrite: Sendable {
  let key: String
  let path: String
  let body: String
  let siret: String
  let kind: String
}

/// What a client got for a write.
enum WriteOutcome: Sendable {
  /// Acknowledged at `index` (first time or replayed).
  case acknowledged(Int64, replayed: Bool)
  /// No answer: the connection failed (the server died).
  case unanswered
  /// An answer that is not an acknowledgement.
  case refused(Int, String)
}

/// The crash loop: a registry, a token, clients that each issue register → grant → attest for
/// one service after another, and the record of every acknowledged write.
final class CrashHarness: Sendable {
  let cli: CommandRunner
  let environment: [String: String]
  let token: String
  let openStore: @Sendable () async throws -> any RegistryStore
  let clients = 3
  /// Writes acknowledged so far: key → (index, write).
  let acknowledged = Mutex<[String: (Int64, KeyedWrite)]>([:])
  /// Each client's writes still to send, the first possibly sent without an answer.
  let queues: Mutex<[[KeyedWrite]]>
  let services = Atomic<Int>(0)
  /// Writes that got no answer, and acknowledgements that were replays of an earlier write.
  let unanswered = Atomic<Int>(0)
  let replays = Atomic<Int>(0)

  init(
    cli: CommandRunner, environment: [String: String],
    openStore: @escaping @Sendable () async throws -> any RegistryStore
  ) async throws {
    self.cli = cli
    self.environment = environment
    self.openStore = openStore
    token = try await cli.run(
      [
        "token", "create", "--name", "crash", "--scope", "services", "--scope", "decisions",
        "--scope", "attestations",
      ], environment: environment
    ).stdout.firstLine
    queues = Mutex(Array(repeating: [], count: clients))
  }

  /// The writes for one more service.
  func nextService() -> [KeyedWrite] {
    let number = services.add(1, ordering: .relaxed).newValue
    let siret = TestValues.generatedSIRET(20_000 + number).description
    let key = "crash-\(number)-"
    return [
      KeyedWrite(
        key: key + "register", path: "admin/services",
        body: #"{"siret":"\#(siret)","name":"Service \#(number)"}"#, siret: siret,
        kind: "serviceRegistered"),
      KeyedWrite(
        key: key + "grant", path: "admin/services/\(siret)/decisions",
        body: #"{"decision":"grant","level":2,"decided":"2026-11-01","validUntil":"2029-11-01"}"#,
        siret: siret, kind: "levelGranted"),
      KeyedWrite(
        key: key + "attest", path: "admin/services/\(siret)/attestations", body: "{}",
        siret: siret, kind: "attestationIssued"),
    ]
  }

  /// Sends `write` once.
  func send(_ write: KeyedWrite, to base: URL) async -> WriteOutcome {
    var request = URLRequest(url: base.appendingPathComponent(write.path))
    request.httpMethod = "POST"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.setValue(write.key, forHTTPHeaderField: "Idempotency-Key")
    request.httpBody = Data(write.body.utf8)
    request.timeoutInterval = 20
    let data: Data
    let response: URLResponse
    do {
      (data, response) = try await URLSession.shared.data(for: request)
    } catch {
      return .unanswered
    }
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    let replayed = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Idempotent-Replayed")
    guard (200..<300).contains(status),
      case .object(let members) = try? StrictJSONParser().parse(Array(data)),
      case .integer(let index) = members["index"]
    else { return .refused(status, String(decoding: data, as: UTF8.self)) }
    return .acknowledged(index, replayed: replayed == "true")
  }

  /// Records `write`, the first of `client`'s queue, as acknowledged at `index`.
  func record(_ write: KeyedWrite, at index: Int64, replayed: Bool, client: Int) {
    if replayed { replays.add(1, ordering: .relaxed) }
    acknowledged.withLock { $0[write.key] = (index, write) }
    _ = queues.withLock { $0[client].removeFirst() }
  }

  /// One client: sends its queue's writes in order until the server stops answering or the
  /// cycle's time is up.
  func client(_ number: Int, base: URL, until deadline: ContinuousClock.Instant) async {
    while ContinuousClock.now < deadline {
      let write = queues.withLock { queues in
        if queues[number].isEmpty { queues[number] = nextService() }
        return queues[number][0]
      }
      switch await send(write, to: base) {
      case .acknowledged(let index, let replayed):
        record(write, at: index, replayed: replayed, client: number)
      case .unanswered:
        unanswered.add(1, ordering: .relaxed)
        return
      case .refused(let status, let body):
        // The server may be going down (503 while its store closes); anything else is a fault.
        if status != 503 {
          Issue.record("write \(write.key) refused with \(status): \(body)")
          _ = queues.withLock { $0[number].removeFirst() }
        }
        return
      }
    }
  }

  /// Runs `cycles` crash cycles then one clean cycle that settles every unanswered write, and
  /// checks the registry after each (with `engineCheck` for the engine's own integrity check).
  func run(cycles: Int, engineCheck: () async throws -> Void) async throws {
    let initial = try await cli.audited(environment: environment)
    var named = 0
    for cycle in 0..<cycles {
      // Every fourth cycle dies at a named point of a write, after 1 to 4 writes.
      var crash: [String: String] = [:]
      if cycle % 4 == 3 {
        let point: CrashPoint = named % 2 == 0 ? .afterSign : .afterCommit
        crash["AMEXIST_TEST_CRASH_AT"] = "\(point.rawValue):\(Int.random(in: 1...4))"
        named += 1
      }
      let (process, base) = try await cli.serve(
        environment: environment.merging(crash) { $1 }, statusSnapshots: false)
      let deadline = ContinuousClock.now + .seconds(20)
      await withTaskGroup(of: Void.self) { group in
        for number in 0..<clients {
          group.addTask { await self.client(number, base: base, until: deadline) }
        }
        if crash.isEmpty {
          group.addTask {
            try? await Task.sleep(for: .milliseconds(Int.random(in: 5...250)))
            kill(process.processIdentifier, SIGKILL)
          }
        }
        await group.waitForAll()
      }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
      #expect(
        process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
        "cycle \(cycle): the server must have been killed, not have stopped")
      try await engineCheck()
      try await check(initial: initial, settled: false, cycle: cycle)
    }
    // A last server without crashes: every write still unanswered is sent again with its key.
    let (process, base) = try await cli.serve(environment: environment, statusSnapshots: false)
    for number in 0..<clients {
      while let write = queues.withLock({ $0[number].first }) {
        switch await send(write, to: base) {
        case .acknowledged(let index, let replayed):
          record(write, at: index, replayed: replayed, client: number)
        case .unanswered, .refused:
          Issue.record("write \(write.key) failed on a server that was not killed")
          _ = queues.withLock { $0[number].removeFirst() }
        }
      }
    }
    process.terminate()
    process.waitUntilExit()
    try await engineCheck()
    try await check(initial: initial, settled: true, cycle: cycles)
    let written = acknowledged.withLock { $0.count }
    #expect(written > cycles, "the clients wrote during the cycles")
    print(
      "crash loop (\(environment.isEmpty ? "SQLite" : "PostgreSQL")): \(cycles) cycles, \(written) writes acknowledged, \(unanswered.load(ordering: .relaxed)) unanswered and retried, \(replays.load(ordering: .relaxed)) answered as replays, 0 lost"
    )
  }

  /// The invariants after a crash: the audit passes, every acknowledged write is where it was
  /// acknowledged; once `settled`, the log holds nothing else.
  func check(initial: (entries: Int64, checkpoints: Int64), settled: Bool, cycle: Int) async throws
  {
    let audit = try await cli.run(["log", "audit", "--json"], environment: environment)
    #expect(audit.status == 0, "cycle \(cycle): \(audit.stdout) \(audit.stderr)")
    guard case .object(let report) = try json(audit), case .integer(let size) = report["entries"],
      case .integer(let checkpoints) = report["checkpoints"]
    else {
      Issue.record("cycle \(cycle): no audit report")
      return
    }
    #expect(report["ok"] == .bool(true), "cycle \(cycle): F1 root and checkpoints")
    let written = acknowledged.withLock { $0 }
    let pending = Int64(queues.withLock { $0.filter { !$0.isEmpty }.count })
    let store = try await openStore()
    let found = try await store.read { snapshot in
      try written.values.map { index, _ in try snapshot.event(at: index) }
    }
    let latest = try await store.read { snapshot in try snapshot.latestCheckpoint() }
    if let postgres = store as? PostgresRegistryStore { await postgres.close() }
    #expect(latest?.size == size, "cycle \(cycle): the last checkpoint seals every entry")
    // One write per batch after `init`: one checkpoint per size, none skipped.
    #expect(
      size - checkpoints == initial.entries - initial.checkpoints,
      "cycle \(cycle): a checkpoint for every size")
    for ((index, write), event) in zip(written.values, found) {
      #expect(
        event?.event.subject.description == write.siret && event?.event.kind == write.kind,
        "cycle \(cycle): acknowledged write \(write.key) at \(index) is missing (F1)")
    }
    if settled {
      #expect(
        size == initial.entries + Int64(written.count), "one entry per write, no duplicate (F2)")
    } else {
      let least = initial.entries + Int64(written.count)
      #expect(
        (least...least + pending).contains(size),
        "cycle \(cycle): \(size) entries for \(written.count) acknowledged writes")
    }
  }
}
