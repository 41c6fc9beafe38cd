import AmexistCLI
import AmexistDomain
import Attestation
import Foundation
import HummingbirdTesting
import RegistryServer
import RegistryService
import RegistryTesting
import Testing

@Suite("amexist verify --online", .serialized)
struct OnlineVerifyTests {
  /// Writes the bundle of the harness's active sample, and returns its path and the trust file's.
  func files(_ harness: ServerHarness) throws -> (bundle: String, trust: String) {
    let (_, issued) = harness.activeSample
    let path = harness.folder.file("sample.amexist.json")
    try Data(CanonicalJSON.encode(issued.bundle.json)).write(to: URL(fileURLWithPath: path))
    return (path, harness.keys.trustPath)
  }

  func verify(_ files: (bundle: String, trust: String), online: String) async -> Int32 {
    await AmexistCLI.main([
      "verify", files.bundle, "--trust", files.trust, "--now", TestValues.noon, "--online", online,
    ])
  }

  @Test("C3, C9: valid online is 0; suspended after issuance is 4; superseded is 4")
  func liveStatus() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let paths = try files(harness)
    let (siret, _) = harness.activeSample
    try await harness.application().test(.live) { client in
      let base = "http://127.0.0.1:\(try #require(client.port))"
      #expect(await verify(paths, online: base) == 0)
      try await harness.service.decide(
        .levelSuspended(
          try LevelSuspended(siret: siret, decided: harness.service.today(), reason: "Audit")))
      #expect(await verify(paths, online: base) == 4)
      try await harness.service.decide(
        .levelReinstated(LevelReinstated(siret: siret, decided: harness.service.today())))
      #expect(await verify(paths, online: base) == 0)
      let state = try await harness.service.state(of: siret)
      try await harness.service.decide(
        .levelRenewed(
          try LevelRenewed(
            siret: siret, decided: harness.service.today(),
            validUntil: try #require(state.decision).validUntil.adding(days: 30))))
      #expect(await verify(paths, online: base) == 4)
    }
  }

  @Test("C4: an unreachable server is status unknown (5), never valid")
  func unreachable() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let paths = try files(harness)
    // Port 9 (discard) is closed on test machines: the connection is refused at once.
    #expect(await verify(paths, online: "http://127.0.0.1:9") == 5)
  }

  @Test("C6, D3: a server whose log is not the bundle's (another history, same log key) is 6")
  func otherLog() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let other = try await ServerHarness(fresh: true)
    defer { other.folder.remove() }
    try await other.service.register(
      TestValues.generatedSIRET(9), profile: try ServiceProfile(name: "Autre historique"))
    let paths = try files(harness)
    try await other.application().test(.live) { client in
      let base = "http://127.0.0.1:\(try #require(client.port))"
      #expect(await verify(paths, online: base) == 6)
    }
  }

  @Test("H4: --online accepts https, and http only to this machine")
  func onlineURL() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let paths = try files(harness)
    for url in ["http://registre.example", "javascript:alert(1)", "ftp://127.0.0.1", "https://"] {
      #expect(await verify(paths, online: url) == 2, "\(url)")
    }
  }
}
