import AmexistDomain
import Foundation
import RegistryService
import RegistryTesting
import Testing

@Suite("amexist, end to end")
struct CLITests {
  let siret = "73282932000074"

  func expectError(
    _ output: CommandRunner.Output, status: Int32, containing fragment: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(output.status == status, "\(output.stderr)", sourceLocation: sourceLocation)
    #expect(output.stdout.isEmpty, sourceLocation: sourceLocation)
    let lines = output.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(
      lines.count == 2 && lines[1].isEmpty, "one line on stderr: \(output.stderr)",
      sourceLocation: sourceLocation)
    #expect(output.stderr.hasPrefix("amexist: "), sourceLocation: sourceLocation)
    #expect(output.stderr.contains(fragment), "\(output.stderr)", sourceLocation: sourceLocation)
  }

  @Test("token create prints the secret once; list never shows it; revoke marks it revoked")
  func tokens() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    let created = try await cli.run([
      "token", "create", "--name", "ops", "--scope", "decisions", "--scope", "attestations",
      "--region", "84", "--days", "30",
    ])
    #expect(created.status == 0, "\(created.stderr)")
    let secret = created.stdout.firstLine
    #expect(created.stdout.contains("it is not shown again"))
    #expect(created.stderr.isEmpty)
    #expect(secret.hasPrefix("amx_") && secret.utf8.count == 56)
    let id = String(secret.dropFirst(4).prefix(8))
    let listed = try await cli.run(["token", "list"])
    #expect(listed.stdout.contains(id) && listed.stdout.contains("attestations,decisions"))
    #expect(listed.stdout.contains("active"))
    #expect(!listed.stdout.contains(String(secret.suffix(43))))
    let stored = try String(
      contentsOfFile: cli.path("Keys/private/admin-tokens.json"), encoding: .utf8)
    #expect(!stored.contains(String(secret.suffix(43))))
    #expect(try await cli.run(["token", "revoke", id]).status == 0)
    #expect(try await cli.run(["token", "list"]).stdout.contains("revoked"))
    expectError(
      try await cli.run(["token", "revoke", "ffffffff"]), status: 1,
      containing: "no admin token has the id")
  }

  @Test("bad token and server options are usage errors, each with one clear line")
  func tokenAndServerUsage() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    expectError(
      try await cli.run(["token", "create", "--name", "x", "--scope", "gold"]), status: 2,
      containing: "unknown scope gold")
    expectError(
      try await cli.run(["token", "create", "--name", "x", "--scope", "keys", "--days", "400"]),
      status: 2, containing: "--days must be 1 to 366")
    expectError(
      try await cli.run(["token", "create", "--name", "x", "--scope", "keys", "--region", "999"]),
      status: 2, containing: "region")
    expectError(
      try await cli.run(["serve", "--public-origin", "http://registre.example"]), status: 2,
      containing: "is not an https:// origin")
    expectError(
      try await cli.run(["serve", "--base-url", "https://registre.example/chemin?x=1"]), status: 2,
      containing: "scheme and host only")
    expectError(
      try await cli.run(["serve", "--port", "70000"]), status: 2,
      containing: "flag --port: the port must be 0 to 65535")
    expectError(
      try await cli.run(["serve", "--metrics-port", "0"]), status: 2,
      containing: "flag --metrics-port: the metrics port must be 1 to 65535")
    expectError(
      try await cli.run(["serve", "--contact", "écrivez-nous"]), status: 2,
      containing: "flag --contact: the contact must be an e-mail address or an https:// URL")
    expectError(
      try await cli.run(["serve", "--client-rate", "0"]), status: 2,
      containing: "flag --client-rate: http.client-rate must be 1 to 1000000")
    expectError(
      try await cli.run(["serve", "--verify-rate", "0"]), status: 2,
      containing: "flag --verify-rate: http.verify-rate must be 1 to 1000000")
  }

  @Test("init creates the registry once and is safe to run again")
  func initCommand() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let first = try await cli.run(["init"])
    #expect(first.status == 0)
    #expect(
      first.stdout.hasPrefix(
        "Created the log key for registry.amexist.example/log in Keys/private/log.pem.\nCreated the issuer key "
      ))
    #expect(
      first.stdout.contains(
        "Created the registry Registry/registry.sqlite.\nScheme: amexist (its rules apply to every decision; a registry never changes scheme).\nIssuer: https://registry.amexist.example (written in every attestation and in Keys/trust.json).\nTrust root: version 1, expires "
      ))
    #expect(first.stdout.contains("its pin, for verifiers: "))
    #expect(first.stdout.contains("Created the trust file Keys/trust.json"))
    #expect(FileManager.default.fileExists(atPath: cli.path("Keys/trust.json")))
    #expect(FileManager.default.fileExists(atPath: cli.path("Registry/registry.sqlite")))
    let second = try await cli.run(["init"])
    #expect(second.status == 0)
    // Entry 0 names the scheme; the issuer key's addition is entry 1.
    #expect(second.stdout.contains("already exists (2 entries)"))
    #expect(second.stdout.contains("Scheme: amexist"))
    #expect(second.stdout.contains("is ready"))
  }

  @Test("C24 init --scheme spsti-2023: logged as entry 0, published, applied; never changed")
  func initScheme() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let created = try await cli.run(["init", "--scheme", "spsti-2023", "--json"])
    #expect(created.status == 0, "\(created.stderr)")
    #expect(try json(created)["scheme"] == .string("spsti-2023"))
    let trust = try String(contentsOfFile: cli.path("Keys/trust.json"), encoding: .utf8)
    #expect(trust.contains(#""scheme":"spsti-2023""#))
    // Entry 0 names the scheme, entry 1 adds the issuer key.
    #expect(try json(try await cli.run(["log", "audit", "--json"]))["entries"] == .integer(2))
    let changed = try await cli.run(["init", "--scheme", "amexist"])
    #expect(changed.status == 2)
    #expect(
      changed.stderr.contains(
        "this registry applies the spsti-2023 scheme, and a registry never changes scheme"))
    #expect(try await cli.run(["init"]).stdout.contains("Scheme: spsti-2023"))
    #expect(try await cli.run(["init", "--scheme", "spsti-2099"]).status == 2)
    let siret = "\(TestValues.generatedSIRET(3))"
    #expect(try await cli.run(["service", "add", siret, "--name", "S3"]).status == 0)
    let tooLong = try await cli.run([
      "decision", "grant", siret, "--level", "1", "--decided", "2026-01-10", "--valid-until",
      "2028-01-10",
    ])
    #expect(tooLong.status == 1)
    #expect(
      tooLong.stderr.contains(
        "spsti-2023: level 1 is held at most 2 years: valid until 2028-01-10 is beyond 2028-01-09"))
  }

  @Test("a service's life: add, grant, suspend, reinstate, renew, withdraw, with history")
  func lifecycle() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    let add = try await cli.run([
      "service", "add", "732 829 320 00074", "--name", "Santé Travail Lyon", "--city", "Lyon",
      "--region", "84", "--website", "https://example.org",
    ])
    #expect(add.status == 0, "\(add.stderr)")
    #expect(add.stdout.contains("Recorded #2 serviceRegistered for 73282932000074"))

    let grant = try await cli.run([
      "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
      "2029-01-09", "--reference", "DPST-7", "--json",
    ])
    #expect(grant.status == 0, "\(grant.stderr)")
    let granted = try json(grant)
    #expect(granted["index"] == .integer(3))
    #expect(granted["service"]?["standing"] == .string("active"))
    #expect(granted["service"]?["level"] == .integer(2))
    #expect(
      granted["service"]?["decision"]?["levelName"] == .string("Attestation de mise en œuvre"))

    let show = try await cli.run(["service", "show", siret])
    #expect(show.status == 0)
    #expect(show.stdout.contains("2 · Attestation de mise en œuvre"))
    #expect(show.stdout.contains("active (en vigueur)"))
    #expect(show.stdout.contains("732 829 320 00074"))

    #expect(
      try await cli.run([
        "decision", "suspend", siret, "--reason", "Audit de suivi en retard", "--decided",
        "2026-02-01",
      ]).status == 0)
    #expect(
      try json(try await cli.run(["service", "show", siret, "--json"]))["standing"]
        == .string("suspended"))
    expectError(
      try await cli.run([
        "decision", "renew", siret, "--decided", "2026-02-02", "--valid-until", "2031-01-01",
      ]), status: 1, containing: "no level that can be renewed")
    #expect(
      try await cli.run(["decision", "reinstate", siret, "--decided", "2026-02-03"]).status == 0)
    #expect(
      try await cli.run([
        "decision", "renew", siret, "--decided", "2026-02-04", "--valid-until", "2031-01-01",
      ]).status == 0)
    let past = try json(
      try await cli.run(["service", "show", siret, "--json", "--at", "2026-02-01T12:00:00+01:00"]))
    #expect(past["standing"] == .string("suspended"))
    #expect(
      try await cli.run(["decision", "withdraw", siret, "--reason", "Objectifs non tenus"]).status
        == 0)
    expectError(
      try await cli.run(["decision", "reinstate", siret]), status: 1,
      containing: "only a suspended level can be reinstated")

    let history = try await cli.run(["history", siret])
    #expect(history.status == 0)
    for kind in [
      "serviceRegistered", "levelGranted", "levelSuspended", "levelReinstated", "levelRenewed",
      "levelWithdrawn",
    ] {
      #expect(history.stdout.contains(kind))
    }
    guard case .array(let entries) = try json(try await cli.run(["history", siret, "--json"]))
    else {
      Issue.record("history --json is not an array")
      return
    }
    // Entries 0 and 1 are the scheme and the issuer key, logged by init.
    #expect(entries.map { $0["index"] } == (2...7).map { JSONValue.integer($0) })
    #expect(entries[2]["reason"] == .string("Audit de suivi en retard"))
  }

  @Test("list shows an aligned table with French level names, and filters")
  func list() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    #expect(try await cli.run(["demo", "--no-serve"]).status == 0)
    let table = try await cli.run(["service", "list"])
    #expect(table.status == 0)
    let lines = table.stdout.split(separator: "\n")
    #expect(lines.count == 1 + SampleRegistry.serviceCount)
    let levelColumn = lines[0].range(of: "Level")!.lowerBound.utf16Offset(in: lines[0])
    for line in lines.dropFirst() {
      #expect(line.prefix(levelColumn).count == lines[0].prefix(levelColumn).count)
    }
    #expect(table.stdout.contains("Attestation d'engagement"))
    #expect(table.stdout.contains("Certification"))
    let suspended = try json(
      try await cli.run(["service", "list", "--standing", "suspended", "--json"]))
    guard case .array(let items) = suspended else {
      Issue.record("not an array")
      return
    }
    #expect(items.map { $0["siret"] } == [.string("90344556700014")])
    let region = try await cli.run(["service", "list", "--region", "84"])
    #expect(region.stdout.split(separator: "\n").count == 2)
    expectError(
      try await cli.run(["service", "list", "--standing", "gold"]), status: 2,
      containing: "unknown standing")
  }

  @Test("demo refuses, saying why, to load the amexist sample into a spsti-2023 registry")
  func demoOtherScheme() async throws {
    let cli = try await CommandRunner.prepared([["init", "--scheme", "spsti-2023"]])
    defer { cli.folder.remove() }
    let refused = try await cli.run(["demo", "--no-serve"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("the sample registry follows the amexist scheme"))
    #expect(try await cli.run(["service", "list", "--json"]).stdout == "[]\n")
  }

  @Test("demo loads every level and standing, and shows an existing registry as it is")
  func demo() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let first = try await cli.run(["demo", "--no-serve"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("Loaded \(SampleRegistry.serviceCount) fictional services"))
    for standing in Standing.allCases { #expect(first.stdout.contains(standing.rawValue)) }
    for level in Level.allCases { #expect(first.stdout.contains(level.frenchName)) }
    let second = try await cli.run(["demo", "--no-serve"])
    #expect(second.stdout.contains("already holds"))
    #expect(try await cli.run(["service", "show", SampleRegistry.sirets[0]]).status == 0)
  }

  @Test("export writes CSV and JSON lines; import reports a bad row by line and writes nothing")
  func exportAndImport() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    _ = try await cli.run(["demo", "--no-serve"])
    let csv = try await cli.run(["export", "--format", "csv"])
    #expect(csv.status == 0)
    #expect(
      csv.stdout.hasPrefix(
        "siret,name,address,city,region,website,level,decided,valid_from,valid_until,evaluator,reference,renewed,granted_until,region_name,level_name,standing,body,suspended_on,suspension_reason,withdrawn_on,withdrawal_reason,reserves_deadline,reserves_lifted_on,reserves_overdue,registered_at\r\n"
      ))
    #expect(csv.stdout.split(separator: "\r\n").count == 1 + SampleRegistry.serviceCount)
    let jsonl = try await cli.run(["export", "--format", "jsonl", "--out", "services.jsonl"])
    #expect(jsonl.stdout == "services.jsonl\n")
    let written = try String(contentsOfFile: cli.path("services.jsonl"), encoding: .utf8)
    #expect(written.split(separator: "\n").count == SampleRegistry.serviceCount)

    let before = try await cli.run(["export"]).stdout
    try "siret,name,level,decided,valid_until\n91011223400018,Ok,,,\n90011223400018,Bad,,,\n".write(
      toFile: cli.path("bad.csv"), atomically: true, encoding: .utf8)
    expectError(
      try await cli.run(["service", "import", "bad.csv"]), status: 1,
      containing: "line 3: invalid SIRET \"90011223400018\"")
    #expect(try await cli.run(["export"]).stdout == before)

    try "siret;name;region\n900 112 234 00019;Nouveau service;53\n".write(
      toFile: cli.path("good.csv"), atomically: true, encoding: .utf8)
    let imported = try await cli.run(["service", "import", "good.csv", "--json"])
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(try json(imported)["servicesUpdated"] == .integer(1))
    expectError(
      try await cli.run(["service", "import", "missing.csv"]), status: 1,
      containing: "cannot read missing.csv")
  }

  @Test(
    "bad input gives one line on stderr and the documented exit status",
    arguments: [
      (["service", "show", "123"], Int32(2), "a SIRET has 14 digits"),
      (["service", "add", "73282932000075", "--name", "X"], 2, "check digit"),
      (["service", "add", "73282932000074"], 2, "Missing expected argument '--name"),
      (
        [
          "decision", "grant", "73282932000074", "--level", "4", "--decided", "2026-01-01",
          "--valid-until", "2027-01-01",
        ], 2, "invalid level"
      ),
      (
        [
          "decision", "grant", "73282932000074", "--level", "1", "--decided", "01/01/2026",
          "--valid-until", "2027-01-01",
        ], 2, "invalid date"
      ),
      (
        ["service", "show", "73282932000074", "--at", "2026-01-01T00:00:00"], 2,
        "a time zone is required"
      ),
      (["frobnicate"], 2, "Unexpected argument"),
      (["service", "show", "73282932000074"], 1, "no service with SIRET 73282932000074"),
      (
        [
          "decision", "grant", "73282932000074", "--level", "1", "--decided", "2026-01-01",
          "--valid-until", "2027-01-01",
        ], 1, "no service with SIRET"
      ),
      (
        ["service", "show", "73282932000074", "--database", "postgres://localhost/amexist"], 2,
        "PostgreSQL URL names no user"
      ),
      (["migrate", "--writer", "amexist_app"], 2, "--writer applies to PostgreSQL databases"),
      (
        ["copy", "--from", "Registry/registry.sqlite", "--to", "Registry/registry.sqlite"], 2,
        "--from and --to are the same database"
      ),
      (
        ["copy", "--from", "Registry/registry.sqlite", "--to", "mysql://x/y"], 2,
        "unsupported database location"
      ),
    ]
  )
  func errors(_ arguments: [String], _ status: Int32, _ fragment: String) async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    expectError(try await cli.run(arguments), status: status, containing: fragment)
  }

  @Test("commands other than init refuse a missing registry")
  func missingRegistry() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    expectError(
      try await cli.run(["service", "list"]), status: 1, containing: "run `amexist init` first")
    #expect(!FileManager.default.fileExists(atPath: cli.path("Registry")))
  }

  @Test("--registry and AMEXIST_DATABASE_URL choose the database")
  func locations() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    #expect(try await cli.run(["init", "--registry", "Other"]).status == 0)
    #expect(FileManager.default.fileExists(atPath: cli.path("Other/registry.sqlite")))
    #expect(
      try await cli.run(["service", "add", siret, "--name", "A", "--registry", "Other"]).status == 0
    )
    let viaEnvironment = try await cli.run(
      ["service", "list", "--json"],
      environment: ["AMEXIST_DATABASE_URL": "sqlite:Other/registry.sqlite"])
    #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
    #expect(viaEnvironment.stdout.contains(siret))
  }

  @Test("help exits 0")
  func help() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let help = try await cli.run(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("decision"))
  }

  /// F7 through the CLI: the operator gets one line that says the file is damaged.
  @Test("F7: a damaged database is refused with a clear message and left as it was")
  func corrupted() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    _ = try await cli.run(["demo", "--no-serve"])
    let path = cli.path("Registry/registry.sqlite")
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    for offset in 0..<16 { bytes[offset] = 0x58 }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    for arguments in [["service", "list"], ["service", "add", siret, "--name", "X"], ["init"]] {
      expectError(try await cli.run(arguments), status: 1, containing: "is damaged")
    }
    #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
  }

  /// G2 across processes: decisions from several processes at once are all kept, serialised.
  @Test("G2: concurrent processes deciding for one service lose nothing")
  func concurrentProcesses() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    _ = try await cli.run(["service", "add", siret, "--name", "Service 0"])
    _ = try await cli.run([
      "decision", "grant", siret, "--level", "1", "--decided", "2026-01-01", "--valid-until",
      "2028-12-31",
    ])
    let started = try (1...8).map { writer in
      try cli.start(["service", "update", siret, "--name", "Service \(writer)"])
    }
    let suspensions = try (1...4).map { attempt in
      try cli.start([
        "decision", "suspend", siret, "--reason", "Essai \(attempt)", "--decided", "2026-02-01",
      ])
    }
    var updates: [CommandRunner.Output] = []
    for process in started { updates.append(try await cli.finish(process)) }
    var suspended: [CommandRunner.Output] = []
    for process in suspensions { suspended.append(try await cli.finish(process)) }
    #expect(updates.allSatisfy { $0.status == 0 }, "\(updates.map(\.stderr))")
    #expect(suspended.filter { $0.status == 0 }.count == 1)
    #expect(
      suspended.filter {
        $0.status == 1 && $0.stderr.contains("only an active level can be suspended")
      }.count == 3)
    guard case .array(let entries) = try json(try await cli.run(["history", siret, "--json"]))
    else {
      Issue.record("history --json is not an array")
      return
    }
    #expect(entries.count == 2 + 8 + 1)
    #expect(entries.map { $0["index"] } == (2...12).map { JSONValue.integer($0) })
  }
}
