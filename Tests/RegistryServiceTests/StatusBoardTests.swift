import AmexistDomain
import Attestation
import RegistryService
import RegistryTesting
import Testing

/// The status board a server renews after each write (DESIGN, "Status"; catalogue C27).
@Suite("Status board")
struct StatusBoardTests {
  /// The board as comparable values: exceptions, overdue réserves and indexed statuses.
  static func summary(_ board: StatusBoard) -> [String] {
    board.exceptions.map { "\($0.id) \($0.status) \($0.since) \($0.reason ?? "")" }.sorted()
      + board.reservesOverdue.map { "reserves \($0.siret) \($0.deadline)" }.sorted()
      + board.indexed.map { "\($0.index) \($0.status)" }
  }

  @Test(
    "C27: renewed after a write, the board folds only what the write touched and equals a full fold; suspension, reinstatement, withdrawal and a key revocation follow the log"
  )
  func incrementalEqualsFull() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    try await harness.service.appendSample()
    let key = SigningKey(generating: .edDSA)
    let kid = try await harness.service.addKey(key)
    var issued: [SIRET] = []
    for state in try await harness.service.allServices() where state.standing == .active {
      _ = try await harness.service.issueAttestation(
        siret: state.siret, signer: key, kid: kid, issuer: "https://registry.test.example")
      issued.append(state.siret)
    }
    #expect(issued.count >= 3)
    let first = try await harness.service.statusBoard()
    #expect(first.indexed.count == issued.count)
    #expect(Set(first.indexed.map(\.index)).count == issued.count)
    let writes: [Event] = [
      .levelSuspended(
        try LevelSuspended(siret: issued[0], decided: harness.service.today(), reason: "Contrôle")),
      .levelWithdrawn(
        try LevelWithdrawn(siret: issued[1], decided: harness.service.today(), reason: "Fin")),
      .levelReinstated(LevelReinstated(siret: issued[0], decided: harness.service.today())),
    ]
    for write in writes {
      try await harness.service.decide(write)
      let renewed = try await harness.service.statusBoard()
      let full = try await harness.sibling().statusBoard()
      #expect(Self.summary(renewed) == Self.summary(full))
    }
    let last = try await harness.service.statusBoard()
    #expect(last.exceptions.contains { $0.status == .withdrawn && $0.reason == "Fin" })
    #expect(!last.exceptions.contains { $0.status == .suspended })
    // A key revocation reaches every service: the whole board is folded again.
    try await harness.service.revokeKey(kid, reason: "Compromise")
    let revoked = try await harness.service.statusBoard()
    #expect(Self.summary(revoked) == Self.summary(try await harness.sibling().statusBoard()))
  }
}
