import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// A command keeps what its verified pass established in `Keys/private/verified-log` once the
/// log has 4,096 entries; the next command restores it instead of reading the whole log again,
/// and an edited database is still refused.
@Suite("The verified log kept between commands (D1, D20, D26)")
struct VerifiedLogFileCLITests {
  @Test("a command keeps its verified pass; the next restores it; edited entries are refused")
  func keptBetweenCommands() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    let sirets = (0..<4_200).map { TestValues.generatedSIRET($0).digits }
    try ("siret,name,region\n" + sirets.enumerated().map { "\($1),Service \($0),84\n" }.joined())
      .write(toFile: cli.path("services.csv"), atomically: true, encoding: .utf8)
    let imported = try await cli.run(["service", "import", "services.csv", "--quiet"])
    #expect(imported.status == 0, "\(imported.stderr)")

    let kept = cli.path("Keys/private/verified-log")
    let shown = try await cli.run(["service", "show", sirets[10]])
    #expect(shown.status == 0, "\(shown.stderr)")
    #expect(shown.stdout.contains("Service 10"))
    let attributes = try FileManager.default.attributesOfItem(atPath: kept)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)

    // A damaged kept file is not used, and the command says so on its way.
    let keptBytes = try Data(contentsOf: URL(fileURLWithPath: kept))
    try Data(keptBytes.dropLast()).write(to: URL(fileURLWithPath: kept))
    let damaged = try await cli.run(["service", "show", sirets[11]])
    #expect(damaged.status == 0, "\(damaged.stderr)")
    #expect(
      damaged.stderr.contains("verified-log is damaged")
        && damaged.stderr.contains("this command verifies the whole log instead"),
      "\(damaged.stderr)")
    try keptBytes.write(to: URL(fileURLWithPath: kept))

    // The registration's subject column moved to another SIRET: a command that restores the
    // kept pass takes membership from it, and shows the service as its entries say.
    let database = cli.path("Registry/registry.sqlite")
    let registration = try await sqlite3([
      database, "SELECT idx FROM events WHERE subject = '\(sirets[10])'",
    ])
    try await sqlite3Tampering(
      database, "UPDATE events SET subject = '\(sirets[11])' WHERE idx = \(registration)")
    let restored = try await cli.run(["service", "show", sirets[10]])
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(restored.stdout == shown.stdout)
    #expect(restored.stderr.isEmpty, "\(restored.stderr)")

    // Without the kept file, the whole pass names the edited column (D20).
    try FileManager.default.removeItem(atPath: kept)
    let whole = try await cli.run(["service", "show", sirets[10]])
    #expect(whole.status == 6)
    #expect(whole.stderr.contains("entry \(registration) has an edited subject column"))

    // The column put back, the pass kept again; then the entry's bytes edited (D1): refused by
    // the command that restores the kept pass.
    try await sqlite3Tampering(
      database, "UPDATE events SET subject = '\(sirets[10])' WHERE idx = \(registration)")
    #expect(try await cli.run(["service", "show", sirets[10]]).status == 0)
    #expect(FileManager.default.fileExists(atPath: kept))
    try await sqlite3Tampering(
      database,
      "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), 'Service 10\"', 'Service 1O\"') AS BLOB) WHERE idx = \(registration)"
    )
    let edited = try await cli.run(["service", "show", sirets[10]])
    #expect(edited.status == 6)
    #expect(edited.stderr.contains("entry \(registration) was changed in the registry database"))
  }
}
