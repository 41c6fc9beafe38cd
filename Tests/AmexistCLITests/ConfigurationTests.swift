import AmexistDomain
import Foundation
import RegistryTesting
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Settings from flags, `AMEXIST_*` variables and a configuration file, in that order; logs as
/// operators read them; readiness.
@Suite("Configuration, logs and readiness")
struct ConfigurationTests {
  /// `config show --json`'s entry for `key`: its value and where it came from.
  static func shown(_ output: CommandRunner.Output, _ key: String) async throws -> (String, String)
  {
    guard case .object(let settings) = try json(output),
      case .object(let entry)? = settings[key],
      case .string(let value)? = entry["value"], case .string(let origin)? = entry["from"]
    else { throw CommandRunner.ServeFailure(description: "no \(key) in \(output.stdout)") }
    return (value, origin)
  }

  @Test("flags win over AMEXIST_* variables, which win over the file, which wins over defaults")
  func precedence() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let etc = cli.path("etc")
    try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
    let file = etc + "/amexist.json"
    try Data(
      #"{"registry": "data", "http": {"port": 9000, "host": "127.0.0.2"}, "log": {"level": "warning"}}"#
        .utf8
    ).write(to: URL(fileURLWithPath: file))

    let fromFile = try await cli.run(["config", "show", "--json", "--config", file])
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    await #expect(try Self.shown(fromFile, "http.port") == ("9000", "file \(file)"))
    // A relative folder in the file is taken from the file's folder, not the working directory.
    await #expect(try Self.shown(fromFile, "registry") == (etc + "/data", "file \(file)"))
    await #expect(try Self.shown(fromFile, "keys") == ("Keys", "default"))

    let environment = ["AMEXIST_CONFIG": file, "AMEXIST_HTTP_PORT": "9100"]
    let fromEnvironment = try await cli.run(["config", "show", "--json"], environment: environment)
    await #expect(
      try Self.shown(fromEnvironment, "http.port") == ("9100", "environment AMEXIST_HTTP_PORT"))
    await #expect(try Self.shown(fromEnvironment, "http.host") == ("127.0.0.2", "file \(file)"))

    let fromFlag = try await cli.run(
      ["config", "show", "--json", "--port", "9200", "--log-level", "debug"],
      environment: environment)
    await #expect(try Self.shown(fromFlag, "http.port") == ("9200", "flag --port"))
    await #expect(try Self.shown(fromFlag, "log.level") == ("debug", "flag --log-level"))

    // The commands use what the configuration says: the registry is made beside the file.
    let created = try await cli.run(
      ["init", "--issuer", "https://registre.example.fr"], environment: environment)
    #expect(created.status == 0, "\(created.stderr)")
    #expect(FileManager.default.fileExists(atPath: etc + "/data/registry.sqlite"))
    #expect(!FileManager.default.fileExists(atPath: cli.path("Registry")))
  }

  @Test(
    "bad configuration is one clear line and exit 2 at start",
    arguments: [
      (
        #"{"http": {"prot": 8080}}"#, [String](), [String: String](),
        "unknown setting \"http.prot\""
      ),
      (#"{"http": {"port": "eighty"}}"#, [], [:], "http.port: expected an integer"),
      (#"[1, 2]"#, [], [:], "not a JSON object"),
      (
        #"{}"#, [], ["AMEXIST_HTTP_PORT": "70000"],
        "environment AMEXIST_HTTP_PORT: the port must be 0 to 65535"
      ),
      (#"{}"#, [], ["AMEXIST_HTTP_PORT": "http"], "AMEXIST_HTTP_PORT: expected an integer"),
      (#"{}"#, ["--log-format", "xml"], [:], "log format xml is not text or json"),
      (#"{"log": {"level": "loud"}}"#, [], [:], "log level loud is not one of"),
      (#"{"http": {"base-url": "http://registre.example.fr"}}"#, [], [:], "base-url"),
    ])
  func badConfiguration(
    file text: String, flags: [String], environment: [String: String], message: String
  ) async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let file = cli.path("amexist.json")
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    let result = try await cli.run(
      ["serve", "--config", file] + flags, environment: environment)
    #expect(result.status == 2)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(result.stdout.isEmpty)
  }

  @Test("a missing configuration file is an error, not an empty configuration")
  func missingFile() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let result = try await cli.run(
      ["service", "list"], environment: ["AMEXIST_CONFIG": "nowhere.json"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("configuration file nowhere.json: cannot be read"))
  }

  @Test("config show never prints a database password")
  func noSecrets() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let shown = try await cli.run(
      ["config", "show"],
      environment: ["AMEXIST_DATABASE_URL": "postgres://registry:s3cr3t-pass@db.example/amexist"])
    #expect(shown.status == 0, "\(shown.stderr)")
    #expect(shown.stdout.contains("postgres://registry:***@db.example/amexist"))
    #expect(!shown.stdout.contains("s3cr3t"))
  }

  @Test("JSON log lines for collectors, one access line per request without paths or queries")
  func jsonLogs() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    #expect(
      try await cli.run(["service", "add", "73282932000074", "--name", "Santé Travail Dupont"])
        .status == 0)
    let (process, base) = try await cli.serve(environment: ["AMEXIST_LOG_FORMAT": "json"])
    defer { process.terminate() }
    for path in ["services/73282932000074?q=Dupont", "services/90011223400019", "healthz"] {
      _ = try await URLSession.shared.data(from: URL(string: path, relativeTo: base)!)
    }
    process.terminate()
    process.waitUntilExit()
    let log = try String(contentsOfFile: cli.path("serve.log"), encoding: .utf8)
    // Parsed by another program than ours: every line is one JSON object.
    let parsed = try await ExternalTool.run(
      "python3",
      [
        "-c",
        """
        import json, sys
        lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
        assert all(isinstance(l, dict) and {'time', 'level', 'label', 'message'} <= l.keys() for l in lines)
        access = [l for l in lines if l['label'] == 'amexist.access']
        print(json.dumps([[l['http.method'], l['http.route'], l['http.status']] for l in access]))
        """,
        cli.path("serve.log"),
      ])
    #expect(parsed.status == 0, "\(parsed.stderr)")
    let access = try StrictJSONParser(maximumSize: 1_000_000).parse(Array(parsed.stdout))
    #expect(
      access
        == .array([
          .array([.string("GET"), .string("/services/{siret}"), .integer(200)]),
          .array([.string("GET"), .string("/services/{siret}"), .integer(404)]),
          .array([.string("GET"), .string("/healthz"), .integer(200)]),
        ]))
    #expect(!log.contains("73282932000074"))
    #expect(!log.contains("Dupont"))
  }

  @Test("/readyz answers 200 while the store answers, 503 once it is gone")
  func readiness() async throws {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase("ready")
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let environment = ["AMEXIST_DATABASE_URL": url]
    #expect(try await cli.run(["init"], environment: environment).status == 0)
    let (process, base) = try await cli.serve(environment: environment)
    defer { process.terminate() }
    func ready() async throws -> (Int, JSONValue) {
      let (body, response) = try await URLSession.shared.data(
        from: base.appendingPathComponent("readyz"))
      return (
        (response as? HTTPURLResponse)?.statusCode ?? 0,
        try StrictJSONParser(maximumSize: 100_000).parse(Array(body))
      )
    }
    let (status, report) = try await ready()
    #expect(status == 200)
    #expect(report["checks"]?["store"] == .string("ok"))
    #expect(report["checks"]?["signer"] == .string("ok"))
    _ = try await server.sql(
      "DROP DATABASE \(PostgresTestServer.databaseName(of: url)) WITH (FORCE);",
      database: "postgres")
    let (gone, goneReport) = try await ready()
    #expect(gone == 503)
    #expect(goneReport["status"] == .string("not-ready"))
    #expect(goneReport["checks"]?["store"] == .string("unavailable"))
  }
}

extension ConfigurationTests {
  @Test("SIGTERM stops a server on PostgreSQL: it drains, closes the store and exits 0")
  func gracefulShutdown() async throws {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase("shutdown")
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let environment = ["AMEXIST_DATABASE_URL": url]
    #expect(try await cli.run(["init"], environment: environment).status == 0)
    let (process, base) = try await cli.serve(environment: environment)
    let (_, response) = try await URLSession.shared.data(
      from: base.appendingPathComponent("readyz"))
    #expect((response as? HTTPURLResponse)?.statusCode == 200)
    process.terminate()
    let deadline = Date().addingTimeInterval(20)
    while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    #expect(!process.isRunning, "the server did not stop within 20 s of SIGTERM")
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 0)
  }
}

@Suite("Progress on a terminal")
struct ProgressTests {
  /// `amexist ARGUMENTS` in `cli`'s folder on a pseudo-terminal (util-linux `script`); what
  /// the terminal showed.
  static func onTerminal(_ cli: CommandRunner, _ arguments: String) async throws -> String {
    let command = "cd '\(cli.folder.path)' && '\(CommandRunner.executable.path)' \(arguments)"
    let result = try await ExternalTool.run("script", ["-qfec", command, "/dev/null"])
    #expect(result.status == 0, "\(result.text)")
    return result.text
  }

  @Test(
    "import and audit of 10,000 entries show progress on a terminal, never in a pipe or with --quiet"
  )
  func progress() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    var csv = "siret,name\n"
    for number in 0..<10_000 {
      csv += "\(TestValues.generatedSIRET(100_000 + number).digits),Service \(number)\n"
    }
    try Data(csv.utf8).write(to: URL(fileURLWithPath: cli.path("services.csv")))
    let shown = try await Self.onTerminal(cli, "service import services.csv")
    #expect(shown.contains("amexist: service import: 10000 / 10000 rows checked (100 %)"))
    // Each command over 10,000 entries costs seconds of a debug build: the quick suite shows the
    // line once and checks that a pipe never gets it; the full suite checks every case.
    if TestScale.isFull {
      let audit = try await Self.onTerminal(cli, "log audit")
      #expect(audit.contains("amexist: log audit: "))
      #expect(audit.contains(" entries ("))
      // The rows are checked again (and found unchanged): progress again, unless --quiet or piped.
      let quiet = try await Self.onTerminal(cli, "service import services.csv --dry-run --quiet")
      #expect(!quiet.contains("rows checked"))
      #expect(
        quiet.contains("Nothing would change"), "the import's own report is printed: \(quiet)")
    }
    let piped = try await cli.run(["service", "import", "services.csv", "--dry-run"])
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(!piped.stderr.contains("rows checked"))
  }
}
