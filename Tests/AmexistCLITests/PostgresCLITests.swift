import AmexistDomain
import Foundation
import RegistryStore
import RegistryStorePostgres
import RegistryTesting
import Synchronization
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The registry shared by several `amexist serve` processes on one PostgreSQL database, as the
/// federation would run it: the commands and servers are the real executable.
@Suite("PostgreSQL: several servers, one registry")
struct PostgresCLITests {
  /// A registry in a new database of the shared test server, with `init` done.
  func registry() async throws -> (CommandRunner, [String: String]) {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase("cli")
    let cli = try CommandRunner()
    let environment = ["AMEXIST_DATABASE_URL": url]
    let created = try await cli.run(["init"], environment: environment)
    #expect(created.status == 0, "\(created.stderr)")
    return (cli, environment)
  }

  /// One admin write: its status and, when acknowledged, the log index it reports.
  static func post(_ url: URL, token: String, body: String) async throws -> (Int, Int64?) {
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(body.utf8)
    request.timeoutInterval = 30
    let (data, response) = try await URLSession.shared.data(for: request)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    guard (200..<300).contains(status),
      case .object(let members) = try StrictJSONParser().parse(Array(data)),
      case .integer(let index) = members["index"]
    else { return (status, nil) }
    return (status, index)
  }

  /// G1, G3, G4, D12, F10: three servers on one database (and two, under `AMEXIST_FULL_TESTS=1`),
  /// six clients writing through all of them at once: every acknowledged write is in the log at the index it was given, there
  /// is nothing else, indexes are gapless, one checkpoint per size, and the audit passes.
  @Test(
    "G1, G4, D12: servers on one database issue concurrently without a gap, a duplicate or a fork",
    arguments: TestScale.isFull ? [2, 3] : [3])
  func severalServers(_ servers: Int) async throws {
    let (cli, environment) = try await registry()
    defer { cli.folder.remove() }
    let token = try await cli.run(
      [
        "token", "create", "--name", "load", "--scope", "services", "--scope", "decisions",
        "--scope", "attestations",
      ], environment: environment
    ).stdout.firstLine
    #expect(token.hasPrefix("amx_"))
    var processes: [Process] = []
    defer {
      for process in processes where process.isRunning { process.terminate() }
    }
    var started: [URL] = []
    for _ in 0..<servers {
      let (process, base) = try await cli.serve(environment: environment, statusSnapshots: false)
      processes.append(process)
      started.append(base)
    }
    let bases = started
    let before = try await cli.run(["log", "audit", "--json"], environment: environment)
    guard case .object(let start) = try json(before), case .integer(let initial) = start["entries"]
    else {
      Issue.record("no audit before: \(before.stderr)")
      return
    }
    let clients = 6
    let servicesPerClient = 4
    let acknowledged = Recorded<(Int64, String)>()
    let refused = Recorded<Int>()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for client in 0..<clients {
        group.addTask {
          for number in 0..<servicesPerClient {
            let siret = TestValues.generatedSIRET(5000 + servers * 1000 + client * 100 + number)
              .description
            let writes: [(String, String)] = [
              ("admin/services", #"{"siret":"\#(siret)","name":"Service \#(client)-\#(number)"}"#),
              (
                "admin/services/\(siret)/decisions",
                #"{"decision":"grant","level":2,"decided":"2026-11-01","validUntil":"2029-11-01"}"#
              ),
              ("admin/services/\(siret)/attestations", "{}"),
            ]
            for (step, (path, body)) in writes.enumerated() {
              // Each write goes to another server than the one before.
              let base = bases[(client + number + step) % bases.count]
              let (status, index) = try await Self.post(
                base.appendingPathComponent(path), token: token, body: body)
              if let index {
                acknowledged.append((index, siret))
              } else {
                refused.append(status)
                break
              }
            }
          }
        }
      }
      try await group.waitForAll()
    }
    for process in processes { process.terminate() }
    #expect(refused.values == [], "refused writes")
    let writes = acknowledged.values
    #expect(writes.count == clients * servicesPerClient * 3)
    // Gapless and unique: the indexes given are exactly those after the initial entries.
    #expect(writes.map(\.0).sorted() == Array(initial..<initial + Int64(writes.count)))
    let audit = try await cli.run(["log", "audit", "--json"], environment: environment)
    #expect(audit.status == 0, "\(audit.stderr)")
    guard case .object(let report) = try json(audit) else { return }
    #expect(report["ok"] == .bool(true))
    #expect(report["entries"] == .integer(initial + Int64(writes.count)))
    // One single-event batch per write: a checkpoint for every size, none twice.
    #expect(report["checkpoints"] == .integer(initial + Int64(writes.count)))
    // Each acknowledged write is the entry at the index it was given.
    let location = try PostgresLocation(url: environment["AMEXIST_DATABASE_URL"] ?? "")
    let store = try await PostgresRegistryStore.open(
      location, options: .underTest, schema: .requireCurrent)
    let subjects = try await store.read { snapshot in
      try writes.map { try snapshot.event(at: $0.0)?.event.subject.description }
    }
    await store.close()
    #expect(subjects == writes.map { Optional($0.1) })
  }

  @Test("migrate and copy: SQLite to PostgreSQL and back, audited; a non-empty target is refused")
  func migrateAndCopy() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    for number in 1...3 {
      _ = try await cli.run([
        "service", "add", "\(TestValues.generatedSIRET(number))", "--name", "S\(number)",
      ])
    }
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase("copy")
    let name = PostgresTestServer.databaseName(of: url)
    // A server role that may only read and append.
    let role = "amx_app_\(getpid())_\(name.hashValue & 0xffff)"
    _ = try await server.sql("CREATE ROLE \(role) LOGIN", database: name)
    let migrated = try await cli.run(["migrate", "--database", url, "--writer", role])
    #expect(migrated.status == 0, "\(migrated.stderr)")
    #expect(
      migrated.stdout.contains(
        "Applied v1-events, v2-log, v3-attestations, v4-applied-requests, v5-cosignatures, v6-append-lock"
      ))
    #expect(try await cli.run(["migrate", "--database", url]).stdout.contains("up to date"))
    let copied = try await cli.run([
      "copy", "--from", cli.folder.file("Registry/registry.sqlite"), "--to", url, "--json",
    ])
    #expect(copied.status == 0, "\(copied.stderr)")
    guard case .object(let report) = try json(copied) else { return }
    #expect(report["audit"] == .bool(true))
    #expect(report["entries"] == .integer(5))
    // The servers' role writes to the copy; the copy comes back to a new SQLite file.
    let appURL = server.url(database: name, user: role)
    let added = try await cli.run([
      "service", "add", "\(TestValues.generatedSIRET(9))", "--name", "S9", "--database", appURL,
    ])
    #expect(added.status == 0, "\(added.stderr)")
    let back = try await cli.run(["copy", "--from", appURL, "--to", cli.folder.file("back.sqlite")])
    #expect(back.status == 0, "\(back.stderr)")
    #expect(back.stdout.contains("Copied 6 entries"))
    let audit = try await cli.run(["log", "audit", "--database", cli.folder.file("back.sqlite")])
    #expect(audit.status == 0)
    // A copy never goes into a registry that holds something.
    let again = try await cli.run([
      "copy", "--from", appURL, "--to", cli.folder.file("back.sqlite"),
    ])
    #expect(again.status == 1)
    #expect(again.stderr.contains("not empty"))
    let bad = try await cli.run([
      "service", "list", "--database", "postgres://nobody@/x?sslmode=maybe",
    ])
    #expect(bad.status == 2)
  }
}

/// Values appended from several tasks.
final class Recorded<Value: Sendable>: Sendable {
  private let storage = Mutex<[Value]>([])

  /// Adds `value`.
  func append(_ value: Value) { storage.withLock { $0.append(value) } }

  /// Everything added so far.
  var values: [Value] { storage.withLock { $0 } }
}

extension PostgresRegistryStore.Options {
  /// A patient connect time: the suite's process shares two cores with everything it starts.
  static var underTest: Self {
    var options = Self()
    options.connectTimeout = .seconds(60)
    return options
  }
}
