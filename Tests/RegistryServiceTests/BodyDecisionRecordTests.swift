import AmexistDomain
import Attestation
import Foundation
import RegistryService
import RegistryTesting
import Testing
import TransparencyLog

/// Item 4 of "Certifying bodies", through the registry: transfers, réserves and refusals arrive
/// as bodies' signed decisions; a succession is the federation's `service succeed`.
@Suite("Transfers, réserves, refusals and successions, recorded")
struct BodyDecisionRecordTests {
  static let first = TestValues.siret("73282932000074")
  static let second = TestValues.siret("90011223400019")

  /// Two accredited bodies with a key each, and two services.
  struct Setup {
    let harness: Harness
    let keys: [String: SigningKey]
    var service: RegistryService { harness.service }

    init() async throws {
      harness = try Harness()
      var keys: [String: SigningKey] = [:]
      for (id, name) in [("organisme-a", "Organisme A"), ("organisme-b", "Organisme B")] {
        try await harness.service.registerBody(
          try BodyRegistered(
            body: id, name: name, accreditor: "COFRAC", number: "5-00\(keys.count + 1)",
            validFrom: TestValues.date("2024-01-01"), validUntil: TestValues.date("2029-12-31")))
        let key = SigningKey(generating: keys.isEmpty ? .es256 : .edDSA)
        try await harness.service.addBodyKey(
          key.publicKey, body: id, validFrom: TestValues.instant("2024-01-01T00:00:00Z"))
        keys[id] = key
      }
      self.keys = keys
      for siret in [BodyDecisionRecordTests.first, BodyDecisionRecordTests.second] {
        try await harness.service.register(siret, profile: try ServiceProfile(name: "Service"))
      }
    }

    /// Records `kind` signed by `body` about `siret`, signed the day after its decision date (or
    /// now, if sooner).
    @discardableResult
    func record(
      _ kind: DecisionKind, by body: String, siret: SIRET = BodyDecisionRecordTests.first,
      decided: String = "2026-11-20", level: Level? = nil, validUntil: String? = nil,
      fromBody: String? = nil, reason: String? = nil, reservations: String? = nil,
      deadline: String? = nil
    ) async throws -> RecordedDecision {
      let window = [DecisionKind.grant, .renew, .transfer].contains(kind)
      let claims = try DecisionClaims(
        audience: TestValues.logSigner.verifier.name, scheme: .amexist,
        id: UUID().uuidString.lowercased(),
        issuedAt: min(
          TestValues.date(decided).adding(days: 1).parisStart, TestValues.instant(TestValues.noon)
        ).millisecondsSinceEpoch / 1000, body: body,
        kind: kind, siret: siret, decided: TestValues.date(decided), level: level,
        validFrom: window ? TestValues.date(decided) : nil,
        validUntil: validUntil.map(TestValues.date), fromBody: fromBody, reason: reason,
        reservations: reservations, deadline: deadline.map(TestValues.date))
      let key = keys[body]!
      return try await service.recordSignedDecision(
        try claims.signed(with: key, kid: key.publicKey.keyID))
    }
  }

  @Test(
    "C24 a transfer signed by the receiving body moves the level; older attestations are superseded"
  )
  func transfer() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    try await setup.record(
      .grant, by: "organisme-a", decided: "2026-01-10", level: .certification,
      validUntil: "2029-01-09")
    let issuer = SigningKey(generating: .edDSA)
    let kid = try await setup.service.addKey(issuer)
    let before = try await setup.service.issueAttestation(
      siret: Self.first, signer: issuer, kid: kid, issuer: "https://registry.example")
    // Signed by the body giving the level up, it is refused: the receiving body signs.
    await #expect(throws: RegistryError.self) {
      try await setup.record(
        .transfer, by: "organisme-a", level: .certification, validUntil: "2029-01-09",
        fromBody: "organisme-a")
    }
    let moved = try await setup.record(
      .transfer, by: "organisme-b", level: .certification, validUntil: "2029-01-09",
      fromBody: "organisme-a")
    #expect(moved.entry.event.kind == "levelTransferred")
    let state = try await setup.service.state(of: Self.first)
    #expect(state.decision?.body == "organisme-b")
    #expect(state.decision?.transferredFrom == "organisme-a")
    #expect(state.decision?.evaluator == "Organisme B")
    let report = try await setup.service.report(of: Self.first)
    let record = try #require(state.attestations.first { $0.id == before.claims.id })
    #expect(report.status(of: record) == .superseded)
    // The receiving body now decides; the former body's suspension is refused.
    do {
      try await setup.record(.suspend, by: "organisme-a", decided: "2026-11-21", reason: "Audit")
      Issue.record("the former body suspended a level it gave up")
    } catch {
      #expect("\(error)".contains("organisme-b"))
    }
  }

  @Test(
    "C25 réserves signed by the body, past their deadline, show as not lifted until it lifts them")
  func reserves() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    try await setup.record(
      .grant, by: "organisme-a", decided: "2026-01-10", level: .certification,
      validUntil: "2029-01-09")
    try await setup.record(
      .reserves, by: "organisme-a", decided: "2026-11-01",
      reservations: "Procédure de suivi à formaliser", deadline: "2026-11-20")
    var state = try await setup.service.state(of: Self.first)
    #expect(state.reservesOverdue)
    guard case .object(let json) = StateJSON.service(state) else {
      Issue.record("the state is not an object")
      return
    }
    #expect(json["reservesOverdue"] == .bool(true))
    #expect(json["reserves"]?["deadline"] == .string("2026-11-20"))
    try await setup.record(.lift, by: "organisme-a", decided: "2026-11-22")
    state = try await setup.service.state(of: Self.first)
    #expect(!state.reservesOverdue)
    #expect(state.reserves?.liftedOn == TestValues.date("2026-11-22"))
  }

  @Test("a refusal is recorded with its reasons and leaves the service's level as it was")
  func refusal() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    try await setup.record(
      .refuse, by: "organisme-b", siret: Self.second, reason: "Écarts majeurs non corrigés")
    let state = try await setup.service.state(of: Self.second)
    #expect(state.refusals.map(\.body) == ["organisme-b"])
    #expect(state.standing == .none)
  }

  @Test("service succeed links both services and passes the level on; nothing twice")
  func succession() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    try await setup.record(
      .grant, by: "organisme-a", decided: "2026-01-10", level: .certification,
      validUntil: "2029-01-09")
    let count = try await setup.service.eventCount()
    let dry = try await setup.service.succeed(
      Self.first, by: Self.second, decided: TestValues.date("2026-11-20"), dryRun: true)
    #expect(dry.count == 2)
    #expect(try await setup.service.eventCount() == count)
    let entries = try await setup.service.succeed(
      Self.first, by: Self.second, decided: TestValues.date("2026-11-20"))
    #expect(entries.map(\.event.subject) == [.service(Self.first), .service(Self.second)])
    let old = try await setup.service.state(of: Self.first)
    let new = try await setup.service.state(of: Self.second)
    #expect(old.successor?.siret == Self.second)
    #expect(new.predecessor?.siret == Self.first)
    #expect(new.heldLevel == .certification)
    #expect(new.decision?.validUntil == TestValues.date("2029-01-09"))
    #expect(new.decision?.body == "organisme-a")
    await #expect(throws: RegistryError.self) {
      try await setup.service.succeed(
        Self.first, by: Self.second, decided: TestValues.date("2026-11-21"))
    }
    // One side alone is refused by the registry.
    await #expect(throws: RegistryError.self) {
      try await setup.service.append([
        .serviceSucceeded(
          try ServiceSucceeded(
            siret: Self.second, decided: TestValues.date("2026-11-21"),
            side: .predecessor(successor: Self.first)))
      ])
    }
    // The successor's attestation attests the succession's entry.
    let issuer = SigningKey(generating: .edDSA)
    let kid = try await setup.service.addKey(issuer)
    let issued = try await setup.service.issueAttestation(
      siret: Self.second, signer: issuer, kid: kid, issuer: "https://registry.example")
    #expect(issued.claims.level == .certification)
    #expect(try await setup.service.audit(log: TestValues.logSigner.verifier).problem == nil)
  }
}
