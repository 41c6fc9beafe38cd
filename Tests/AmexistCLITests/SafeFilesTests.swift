import Foundation
import RegistryTesting
import Testing

/// Item 2: no command destroys a file it was not asked to create; item 4: what is accepted is
/// what verifies.
@Suite("Safe files: --out never destroys, inputs within the credential's limits")
struct SafeFilesTests {
  let siret = "73282932000074"

  func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared([
      ["init"], ["service", "add", siret, "--name", "Santé Travail Lyon"],
    ])
  }

  @Test("item 2: export --out refuses the database, the keys folder and an existing file")
  func exportOut() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let database = try Data(contentsOf: URL(fileURLWithPath: cli.path("Registry/registry.sqlite")))
    let trust = try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))
    for target in [
      "Registry/registry.sqlite", "Registry/../Registry/registry.sqlite", "Keys/trust.json",
      "Keys/export.csv", "Keys/private/x.csv",
    ] {
      for force in [false, true] {
        let output = try await cli.run(["export", "--out", target] + (force ? ["--force"] : []))
        #expect(output.status == 2, "\(target) \(force): \(output.stderr)")
        #expect(output.stdout.isEmpty)
      }
    }
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: cli.path("Registry/registry.sqlite"))) == database)
    #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json"))) == trust)
    #expect(try await cli.run(["verify", "--help"]).status == 0)
    // A copy of the database elsewhere is a database too: never overwritten.
    try FileManager.default.copyItem(
      atPath: cli.path("Registry/registry.sqlite"), toPath: cli.path("copy.sqlite"))
    #expect(try await cli.run(["export", "--out", "copy.sqlite", "--force"]).status == 2)
    // A new file is written; an existing one only with --force.
    let first = try await cli.run(["export", "--out", "services.csv"])
    #expect(first.status == 0 && first.stdout == "services.csv\n", "\(first.stderr)")
    let again = try await cli.run(["export", "--out", "services.csv"])
    #expect(again.status == 2)
    #expect(again.stderr.contains("exists"))
    #expect(
      try await cli.run(["export", "--out", "services.csv", "--force", "--excel"]).status == 0)
    let excel = try Data(contentsOf: URL(fileURLWithPath: cli.path("services.csv")))
    #expect(excel.starts(with: [0xEF, 0xBB, 0xBF]))
    #expect(try await cli.run(["attest", siret, "--out", "Keys"]).status == 2)
  }

  @Test("item 2: key changes keep the previous trust file beside the new one")
  func previousTrustFile() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let before = try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))
    #expect(try await cli.run(["keys", "rotate"]).status == 0)
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json.previous"))) == before)
  }

  @Test("item 4: an address and a city at their length limits are signed, and verify")
  func longestAddress() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    let address = String(repeating: "Rue de la Santé ", count: 19).prefix(300)
    let city = String(repeating: "Saint-Rémy ", count: 10).prefix(100)
    let added = try await cli.run([
      "service", "add", siret, "--name", "Santé Travail", "--address", String(address), "--city",
      String(city),
    ])
    #expect(added.status == 0, "\(added.stderr)")
    #expect(
      try await cli.run([
        "decision", "grant", siret, "--level", "1", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ]).status == 0)
    let attest = try await cli.run(["attest", siret, "--out", "out"])
    #expect(attest.status == 0, "\(attest.stderr)")
    let bundle = attest.stdout.trimmingCharacters(in: .newlines)
    let verify = try await cli.run(["verify", bundle])
    #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
  }
}
