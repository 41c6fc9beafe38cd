import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// Items 5 and 9 of "Nothing forged is signed": dry runs, and output that says what happened.
@Suite("Dry runs and honest output")
struct HonestOutputTests {
  let siret = "73282932000074"

  func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared([
      ["init", "--issuer", "https://registre.example.fr"],
      ["service", "add", siret, "--name", "Santé Travail Lyon"],
    ])
  }

  func entries(_ cli: CommandRunner) async throws -> Int64 { try await cli.audited().entries }

  @Test("item 5: --dry-run checks everything, prints the entries and writes nothing")
  func dryRuns() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let grant = [
      "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
      "2029-01-09",
    ]
    let before = try await entries(cli)
    let preview = try await cli.run(grant + ["--dry-run"])
    #expect(preview.status == 0, "\(preview.stderr)")
    #expect(preview.stdout.contains("Dry run: nothing was written"))
    #expect(preview.stdout.contains("#\(before) levelGranted"))
    await #expect(try entries(cli) == before)
    // The JSON form names the entries.
    guard case .object(let members) = try json(try await cli.run(grant + ["--dry-run", "--json"])),
      case .array(let listed) = members["entries"]
    else {
      Issue.record("no JSON dry run")
      return
    }
    #expect(members["dryRun"] == .bool(true) && listed.count == 1)
    #expect(listed.first?["event"] == .string("levelGranted"))
    // A dry run refuses what the real command refuses, with the same exit status.
    let refused = try await cli.run(["decision", "reinstate", siret, "--dry-run"])
    let real = try await cli.run(["decision", "reinstate", siret])
    #expect(refused.status == 1 && refused.stderr == real.stderr)
    #expect(try await cli.run(grant).status == 0)
    let afterGrant = try await entries(cli)
    for arguments in [
      ["decision", "renew", siret, "--decided", "2026-06-01", "--valid-until", "2030-01-09"],
      ["decision", "suspend", siret, "--reason", "Audit de suivi en retard"],
      ["decision", "withdraw", siret, "--reason", "Objectifs non tenus"],
    ] {
      let output = try await cli.run(arguments + ["--dry-run"])
      #expect(output.status == 0, "\(arguments): \(output.stderr)")
      #expect(output.stdout.contains("Dry run"))
    }
    let csv = cli.path("import.csv")
    try "siret,name\n90011223400019,Service importé\n".write(
      toFile: csv, atomically: true, encoding: .utf8)
    let imported = try await cli.run(["service", "import", csv, "--dry-run"])
    #expect(imported.status == 0 && imported.stdout.contains("serviceRegistered"))
    guard case .array(let keys) = try json(try await cli.run(["keys", "list", "--json"])),
      let kid = keys.first?["kid"]?.stringValue
    else {
      Issue.record("no key")
      return
    }
    let revoke = try await cli.run(["keys", "revoke", kid, "--reason", "Exercice", "--dry-run"])
    #expect(revoke.status == 0 && revoke.stdout.contains("keyRevoked"), "\(revoke.stderr)")
    await #expect(try entries(cli) == afterGrant)
    #expect(
      try json(try await cli.run(["keys", "list", "--json"])).arrayValue.first?["revokedAt"]
        == .null)
    #expect(try await cli.run(["service", "show", "90011223400019"]).status == 1)
  }

  @Test("item 9: --version, the issuer said at init, --json on every command that takes it")
  func output() async throws {
    let version = try await CommandRunner().run(["--version"])
    #expect(version.status == 0 && !version.stdout.isEmpty && version.stderr.isEmpty)

    let example = try CommandRunner()
    defer { example.folder.remove() }
    let created = try await example.run(["init", "--json"])
    #expect(created.status == 0)
    #expect(try json(created)["issuer"] == .string("https://registry.amexist.example"))
    #expect(created.stderr.contains("warning: the issuer is the example"))

    let cli = try await registry()
    defer { cli.folder.remove() }
    let again = try await cli.run(["init"])
    #expect(again.stdout.contains("Issuer: https://registre.example.fr"))
    #expect(again.stderr.isEmpty)
    #expect(
      try await cli.run([
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ]).status == 0)
    let attest = try await cli.run(["attest", siret, "--out", "out", "--json"])
    #expect(attest.status == 0 && attest.stderr.isEmpty)
    #expect(try json(attest)["files"]?.arrayValue.count == 1)
    let rotate = try await cli.run(["keys", "rotate", "--json"])
    #expect(rotate.status == 0 && rotate.stderr.isEmpty)
    #expect(try json(rotate)["kid"]?.stringValue?.isEmpty == false)
    let export = try await cli.run(["export", "--out", "services.csv", "--json"])
    #expect(try json(export)["written"] == .string("services.csv"))
    let token = try await cli.run([
      "token", "create", "--name", "ops", "--scope", "services", "--json",
    ])
    #expect(token.status == 0 && token.stderr.isEmpty)
    #expect(try json(token)["token"]?.stringValue?.hasPrefix("amx_") == true)
    #expect(try json(try await cli.run(["token", "list", "--json"])).arrayValue.count == 1)
    // keys list says when the signing key's private file is missing.
    guard
      let signing = try json(try await cli.run(["keys", "list", "--json"])).arrayValue.last?["kid"]?
        .stringValue
    else {
      Issue.record("no key")
      return
    }
    try FileManager.default.removeItem(atPath: cli.path("Keys/private/\(signing).pem"))
    #expect(try await cli.run(["keys", "list"]).stdout.contains("MISSING"))
  }

  /// An unprivileged account to run commands as (root ignores permission bits).
  static let reader: String? = ["nobody", "postgres"].first { name in getpwnam(name) != nil }

  @Test(
    "item 7: read commands work on a registry folder the user cannot write",
    .enabled(if: getuid() == 0 && reader != nil, "needs root to run as another user"))
  func readOnlyRegistry() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    #expect(
      try await cli.run([
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ]).status == 0)
    let bundle = try await cli.run(["attest", siret, "--out", "out"]).stdout.firstLine
    // Readable by everyone, writable by its owner only: an auditor's copy.
    let chmod = Process()
    chmod.executableURL = URL(fileURLWithPath: "/bin/chmod")
    chmod.arguments = ["-R", "a+rX,go-w", cli.folder.path]
    try chmod.run()
    chmod.waitUntilExit()
    guard let user = Self.reader else { return }
    for arguments in [
      ["service", "list"], ["service", "show", siret], ["history", siret], ["log", "audit"],
      ["verify", bundle], ["export"], ["keys", "list"],
    ] {
      let output = try await cli.run(asUser: user, arguments)
      #expect(output.status == 0, "\(arguments.joined(separator: " ")): \(output.stderr)")
    }
    let write = try await cli.run(
      asUser: user, ["decision", "suspend", siret, "--reason", "Essai"])
    #expect(write.status != 0 && !write.stderr.isEmpty)
    #expect(try await cli.run(["service", "show", siret]).stdout.contains("active"))
  }
}
