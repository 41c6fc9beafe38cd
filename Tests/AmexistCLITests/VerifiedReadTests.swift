import AmexistDomain
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Item 1 of "Nothing forged is signed": whoever can write the database edits, moves or
/// deletes rows behind the log's back (triggers dropped); the next signed or public read
/// refuses (`attest` exit 6, the service's page and JSON 503), `log audit` names the index,
/// and nothing new is logged. Run on SQLite and on PostgreSQL.
@Suite(
  "Verified reads: tampered rows are never signed nor shown (D1, D20, D26)",
  // At full size (24 cases, each with a server) one case at a time; at smoke size they run
  // alongside the other suites, which would otherwise wait for this one at the end.
  TestScale.isFull ? ParallelizationTrait.serialized as any SuiteTrait : Tag.List.tags()
)
struct VerifiedReadTests {
  enum Engine: String, CaseIterable, Sendable { case sqlite, postgres }

  /// One way to tamper with the database: the SQL for each engine, and the entry it touches.
  struct Tamper: Sendable, CustomStringConvertible {
    let description: String
    /// The SQL, given the registry's facts.
    let sql: @Sendable (Facts, Engine) -> String
    /// The index the audit must name.
    let index: @Sendable (Facts) -> Int64
  }

  /// What the sample registry holds, read before tampering.
  struct Facts: Sendable {
    /// Service A (granted, attested, then suspended) and B (granted, attested).
    let siretA: String
    let siretB: String
    let grantA: Int64
    let suspension: Int64
    let attestationB: Int64
    let count: Int64
  }

  /// Every tamper on both engines under `AMEXIST_FULL_TESTS=1`; at smoke size, every tamper on
  /// SQLite and the first (whose SQL is PostgreSQL's own) on PostgreSQL: the checks are the
  /// engine-independent service's.
  static var tamperCases: [(Engine, Int)] {
    Engine.allCases.flatMap { engine in
      tampers.indices.filter { TestScale.isFull || engine == .sqlite || $0 == 0 }.map {
        (engine, $0)
      }
    }
  }

  static let tampers: [Tamper] = [
    Tamper(
      description: "D1: an entry's bytes (validity 2029 → 2032)",
      sql: { facts, engine in
        engine == .sqlite
          ? "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), '2029-01-09', '2032-01-09') AS BLOB) WHERE idx = \(facts.grantA)"
          : "UPDATE events SET body = convert_to(replace(convert_from(body, 'UTF8'), '2029-01-09', '2032-01-09'), 'UTF8') WHERE idx = \(facts.grantA)"
      }, index: { $0.grantA }),
    Tamper(
      description: "D20, D26: the suspension's subject moved to another SIRET",
      sql: { facts, _ in
        "UPDATE events SET subject = '\(facts.siretB)' WHERE idx = \(facts.suspension)"
      },
      index: { $0.suspension }),
    Tamper(
      description: "D20: the suspension's kind column",
      sql: { facts, _ in "UPDATE events SET kind = 'serviceUpdated' WHERE idx = \(facts.suspension)"
      },
      index: { $0.suspension }),
    Tamper(
      description: "D20: the suspension's recorded_at column",
      sql: { facts, _ in
        "UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE idx = \(facts.suspension)"
      }, index: { $0.suspension }),
    Tamper(
      description: "D20: an attestations row given another attestation's document",
      sql: { facts, _ in
        "UPDATE attestations SET jws = (SELECT jws FROM attestations WHERE idx <> \(facts.attestationB)) WHERE idx = \(facts.attestationB)"
      }, index: { $0.attestationB }),
    Tamper(
      description: "D26: the newest entry deleted with its tree hashes and checkpoint",
      sql: { facts, _ in
        let size = facts.count - 1
        return """
          DELETE FROM events WHERE idx >= \(size); \
          DELETE FROM tree_hashes WHERE idx >= \(StoredTree.hashCount(leaves: size)); \
          DELETE FROM checkpoints WHERE size > \(size)
          """
      }, index: { $0.count - 1 }),
  ]

  /// The latest checkpoint row given an older checkpoint's note: audited as the checkpoint of
  /// its size not verifying, so no entry index applies; reads refuse it all the same.
  static let editedCheckpoint =
    "UPDATE checkpoints SET note = (SELECT note FROM checkpoints ORDER BY size LIMIT 1) WHERE size = (SELECT MAX(size) FROM checkpoints)"

  /// A registry with two attested services, A suspended last, on `engine`: a copy of the
  /// sample made once per test process.
  func registry(_ engine: Engine) async throws -> (CommandRunner, [String: String], Facts) {
    let sample = try await Prepared.shared.value("tamper sample on \(engine)") {
      try await Self.sample(engine)
    }
    let cli = try CommandRunner()
    try cli.folder.copyContents(of: sample.folder)
    var environment: [String: String] = [:]
    if let template = sample.database {
      environment["AMEXIST_DATABASE_URL"] = try await PostgresTestServer.shared().makeDatabase(
        "tamper", copying: template)
    }
    return (cli, environment, sample.facts)
  }

  /// The sample registry on `engine`: its folder, its database when not in the folder, and
  /// what it holds.
  static func sample(_ engine: Engine) async throws -> (
    folder: String, database: String?, facts: Facts
  ) {
    let cli = try CommandRunner.template()
    var environment: [String: String] = [:]
    if engine == .postgres {
      let server = try await PostgresTestServer.shared()
      environment["AMEXIST_DATABASE_URL"] = try await server.makeDatabase("tamper")
    }
    let siretA = "73282932000074"
    let siretB = TestValues.generatedSIRET(1).digits
    for arguments in [
      ["init"],
      ["service", "add", siretA, "--name", "Service A"],
      ["service", "add", siretB, "--name", "Service B"],
      [
        "decision", "grant", siretA, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ],
      [
        "decision", "grant", siretB, "--level", "1", "--decided", "2026-01-10", "--valid-until",
        "2028-01-09",
      ],
      ["attest", siretA, "--out", "out"],
      ["attest", siretB, "--out", "out"],
      ["decision", "suspend", siretA, "--reason", "Audit de suivi en retard"],
    ] {
      try await cli.mustRun(arguments, environment: environment)
    }
    guard
      case .array(let history) = try json(
        try await cli.run(["history", siretA, "--json"], environment: environment)),
      case .array(let historyB) = try json(
        try await cli.run(["history", siretB, "--json"], environment: environment))
    else {
      throw CommandRunner.ServeFailure(description: "no history")
    }
    func index(_ events: [JSONValue], _ kind: String) -> Int64 {
      for event in events.reversed() where event["event"]?.stringValue == kind {
        if case .integer(let index) = event["index"] { return index }
      }
      return -1
    }
    let facts = Facts(
      siretA: siretA, siretB: siretB, grantA: index(history, "levelGranted"),
      suspension: index(history, "levelSuspended"),
      attestationB: index(historyB, "attestationIssued"),
      count: index(history, "levelSuspended") + 1)
    #expect(facts.grantA >= 0 && facts.attestationB >= 0 && facts.suspension == facts.count - 1)
    return (cli.folder.path, environment["AMEXIST_DATABASE_URL"], facts)
  }

  /// Runs `sql` on the registry's database as whoever holds the file (triggers off).
  func tamper(_ sql: String, _ engine: Engine, cli: CommandRunner, environment: [String: String])
    async throws
  {
    switch engine {
    case .sqlite:
      try await sqlite3Tampering(cli.path("Registry/registry.sqlite"), sql)
    case .postgres:
      let server = try await PostgresTestServer.shared()
      let name = PostgresTestServer.databaseName(of: environment["AMEXIST_DATABASE_URL"]!)
      _ = try await server.sql("SET session_replication_role = replica; \(sql)", database: name)
    }
  }

  /// The number of event rows, read around the registry (nothing verified).
  func rows(_ engine: Engine, cli: CommandRunner, environment: [String: String]) async throws
    -> String
  {
    switch engine {
    case .sqlite:
      return try await sqlite3([
        cli.path("Registry/registry.sqlite"), "SELECT count(*) FROM events",
      ])
    case .postgres:
      let server = try await PostgresTestServer.shared()
      let name = PostgresTestServer.databaseName(of: environment["AMEXIST_DATABASE_URL"]!)
      return try await server.sql("SELECT count(*) FROM events", database: name)
    }
  }

  /// What every tampered registry must show: `attest` 6 for both services, pages and JSON
  /// 503, `log audit` 6 naming `index` (when given), and no new row.
  func expectRefused(
    _ engine: Engine, cli: CommandRunner, environment: [String: String], facts: Facts,
    index: Int64?,
    _ comment: String
  ) async throws {
    let before = try await rows(engine, cli: cli, environment: environment)
    for siret in [facts.siretA, facts.siretB] {
      let attest = try await cli.run(
        ["attest", siret, "--out", "forged"], environment: environment)
      #expect(attest.status == 6, "\(comment): attest \(siret): \(attest.stderr)")
      #expect(attest.stderr.contains("does not match its log"), "\(comment): \(attest.stderr)")
    }
    let audit = try await cli.run(["log", "audit"], environment: environment)
    #expect(audit.status == 6, "\(comment): \(audit.stdout)")
    if let index {
      #expect(
        (audit.stdout + audit.stderr).contains("\(index)"),
        "\(comment): the audit names \(index): \(audit.stderr)")
    }
    let (server, base) = try await cli.serve(environment: environment)
    defer {
      server.terminate()
      server.waitUntilExit()
    }
    for path in [
      "services/\(facts.siretB).json", "services/\(facts.siretB)", "services/\(facts.siretA)",
      "services.json",
    ] {
      let (body, response) = try await URLSession.shared.data(
        from: base.appendingPathComponent(path))
      #expect((response as? HTTPURLResponse)?.statusCode == 503, "\(comment): \(path)")
      #expect(
        !String(decoding: body, as: UTF8.self).contains("Service B"), "\(comment): generic body")
    }
    #expect(
      try await rows(engine, cli: cli, environment: environment) == before,
      "\(comment): nothing logged")
    #expect(
      !FileManager.default.fileExists(atPath: cli.path("forged")), "\(comment): nothing written")
  }

  @Test(
    "item 1: a tampered row refuses attest (6), pages and JSON (503); the audit names it",
    arguments: Self.tamperCases)
  func tamperedRows(_ engine: Engine, _ which: Int) async throws {
    let tamper = Self.tampers[which]
    let (cli, environment, facts) = try await registry(engine)
    defer { cli.folder.remove() }
    // Untouched, it reads and signs.
    #expect(
      try await cli.run(["service", "show", facts.siretB], environment: environment).status == 0)
    try await self.tamper(tamper.sql(facts, engine), engine, cli: cli, environment: environment)
    try await expectRefused(
      engine, cli: cli, environment: environment, facts: facts, index: tamper.index(facts),
      "\(engine) \(tamper)")
  }

  @Test(
    "item 1: the latest checkpoint row edited refuses signed and public reads",
    arguments: Engine.allCases)
  func editedCheckpointRow(_ engine: Engine) async throws {
    let (cli, environment, facts) = try await registry(engine)
    defer { cli.folder.remove() }
    try await tamper(Self.editedCheckpoint, engine, cli: cli, environment: environment)
    try await expectRefused(
      engine, cli: cli, environment: environment, facts: facts, index: nil, "\(engine) checkpoint")
  }
}
