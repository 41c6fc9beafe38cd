import AmexistDomain
import Foundation
import RegistryTesting
import Testing

@Suite("amexist log, end to end")
struct LogCLITests {
  func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared(
      [["init"]]
        + (1...3).map { number in
          ["service", "add", "\(TestValues.generatedSIRET(number))", "--name", "Service \(number)"]
        })
  }

  @Test(
    "log checkpoint prints the signed note; log prove prints proofs that the registry's tree gives")
  func checkpointAndProofs() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let checkpoint = try await cli.run(["log", "checkpoint"])
    #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
    #expect(checkpoint.stdout.hasPrefix("registry.amexist.example/log\n5\n"))
    #expect(checkpoint.stdout.contains("\n\n— registry.amexist.example/log "))
    let parsed = try json(try await cli.run(["log", "checkpoint", "--json"]))
    #expect(parsed["treeSize"] == .integer(5))

    let inclusion = try await cli.run(["log", "prove", "--index", "1"])
    #expect(inclusion.status == 0, "\(inclusion.stderr)")
    #expect(inclusion.stdout.hasPrefix("c2sp.org/tlog-proof@v1\nindex 1\n"))
    #expect(inclusion.stdout.hasSuffix(checkpoint.stdout))
    let atSize = try await cli.run(["log", "prove", "--index", "1", "--size", "2"])
    #expect(atSize.stdout.contains("\nregistry.amexist.example/log\n2\n"))
    let consistency = try await cli.run(["log", "prove", "--from", "2", "--to", "4"])
    #expect(consistency.status == 0)
    #expect(consistency.stdout.split(separator: "\n").count == 1)

    // Requests outside the log: errors, not proofs.
    #expect(try await cli.run(["log", "prove", "--index", "5"]).status == 1)
    #expect(try await cli.run(["log", "prove", "--index", "0", "--size", "9"]).status == 1)
    #expect(try await cli.run(["log", "prove", "--from", "3", "--to", "2"]).status == 1)
    #expect(try await cli.run(["log", "prove"]).status == 2)
    #expect(
      try await cli.run(["log", "prove", "--index", "1", "--from", "1", "--to", "2"]).status == 2)
  }

  @Test("log audit passes on a sound log, then names the first edited entry (D1, exit 6)")
  func audit() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let clean = try await cli.run(["log", "audit"])
    #expect(clean.status == 0, "\(clean.stderr)")
    #expect(clean.stdout.contains("The log holds together: 5 entries, 5 checkpoints"))
    // Keep today's checkpoint, then change entry 3 directly in the file.
    try await cli.run(["log", "checkpoint"]).stdout.write(
      toFile: cli.path("held.checkpoint"), atomically: true, encoding: .utf8)
    let sqlite = Process()
    sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    sqlite.arguments = [
      cli.path("Registry/registry.sqlite"),
      "DROP TRIGGER events_are_append_only_update; UPDATE events SET body = CAST(replace(CAST(body AS TEXT), 'Service 2', 'Service X') AS BLOB) WHERE idx = 3;",
    ]
    try sqlite.run()
    sqlite.waitUntilExit()
    #expect(sqlite.terminationStatus == 0)
    let tampered = try await cli.run(["log", "audit"])
    #expect(tampered.status == 6)
    #expect(tampered.stderr.contains("entry 3 does not match the log"))
    let report = try json(try await cli.run(["log", "audit", "--json"]))
    #expect(report["firstIndex"] == .integer(3))
    #expect(report["ok"] == .bool(false))
    // A held checkpoint that is not this log's is refused as such.
    try
      "example.org/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.org/log AAAAAAAA\n"
      .write(toFile: cli.path("foreign.checkpoint"), atomically: true, encoding: .utf8)
    #expect(try await cli.run(["log", "audit", "--since", "foreign.checkpoint"]).status == 6)
  }

  @Test("D3: a restored older database is refused for writing; audit --since shows the rollback")
  func restoredBackup() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    try FileManager.default.copyItem(
      atPath: cli.path("Registry/registry.sqlite"), toPath: cli.path("backup.sqlite"))
    _ = try await cli.run(["service", "add", "\(TestValues.generatedSIRET(20))", "--name", "Après"])
    try await cli.run(["log", "checkpoint"]).stdout.write(
      toFile: cli.path("latest.checkpoint"), atomically: true, encoding: .utf8)
    let write = try await cli.run([
      "service", "add", "\(TestValues.generatedSIRET(21))", "--name", "Sur la copie", "--database",
      "backup.sqlite",
    ])
    #expect(write.status == 6)
    #expect(write.stderr.contains("older copy"))
    let audit = try await cli.run([
      "log", "audit", "--database", "backup.sqlite", "--since", "latest.checkpoint",
    ])
    #expect(audit.status == 6)
    #expect(audit.stderr.contains("rolled back"))
  }

  /// G1: two writer processes on one database: every write lands, indexes are gapless and each
  /// batch has its own checkpoint size.
  @Test("G1: two writer processes never produce two checkpoints for one size")
  func twoWriterProcesses() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let perWriter = 12
    var loops: [(Process, Pipe, Pipe)] = []
    for writer in 0..<2 {
      let commands = (0..<perWriter).map { number in
        "\"$AMEXIST\" service add \(TestValues.generatedSIRET(100 + writer * 100 + number)) --name 'W\(writer) \(number)' >/dev/null || echo FAILED"
      }.joined(separator: "\n")
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/bash")
      process.arguments = ["-c", commands]
      process.currentDirectoryURL = URL(fileURLWithPath: cli.folder.path)
      process.environment = ProcessInfo.processInfo.environment.merging([
        "AMEXIST": CommandRunner.executable.path
      ]) { $1 }
      let out = Pipe()
      let err = Pipe()
      process.standardOutput = out
      process.standardError = err
      try process.run()
      loops.append((process, out, err))
    }
    for loop in loops {
      let output = try await cli.finish(loop)
      #expect(output.status == 0)
      #expect(!output.stdout.contains("FAILED"), "\(output.stderr)")
    }
    let report = try json(try await cli.run(["log", "audit", "--json"]))
    #expect(report["ok"] == .bool(true))
    let entries = Int64(5 + 2 * perWriter)
    #expect(report["entries"] == .integer(entries))
    // One single-event batch per command: as many checkpoints as entries, sizes 1 to N.
    #expect(report["checkpoints"] == .integer(entries))
  }

  /// D14 for the writes the command line has: a retried registration or import adds exactly
  /// one entry (the retry is refused or records nothing), and a batch of nothing signs nothing.
  @Test("D14: retried writes add one entry and one checkpoint, not two")
  func retries() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let siret = "\(TestValues.generatedSIRET(50))"
    #expect(try await cli.run(["service", "add", siret, "--name", "Réessai"]).status == 0)
    #expect(try await cli.run(["service", "add", siret, "--name", "Réessai"]).status == 1)
    try "siret,name,level,decided,valid_until\n\(siret),Réessai,1,2026-11-02,2028-11-01\n".write(
      toFile: cli.path("import.csv"), atomically: true, encoding: .utf8)
    #expect(try await cli.run(["service", "import", "import.csv"]).status == 0)
    let once = try json(try await cli.run(["log", "audit", "--json"]))
    #expect(try await cli.run(["service", "import", "import.csv"]).status == 0)
    let twice = try json(try await cli.run(["log", "audit", "--json"]))
    #expect(once["entries"] == .integer(7))
    #expect(twice["entries"] == once["entries"])
    #expect(twice["checkpoints"] == once["checkpoints"])
  }
}
