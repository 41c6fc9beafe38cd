import AmexistDomain
import Attestation
import RegistryService
import RegistryStore
import RegistryTesting
import Testing

/// Item 1 of "Certifying bodies": the scheme is entry 0 of the log, read by the append rules and
/// published in the trust file; a registry made before schemes applies `amexist`.
@Suite("The registry's scheme")
struct SchemeRegistryTests {
  let siret = TestValues.siret("73282932000074")

  @Test("C24 a new registry names its scheme as entry 0, once; the rules and trust file follow it")
  func configured() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let service = harness.service
    #expect(try await service.configure(scheme: .spsti2023).index == 0)
    #expect(try await service.scheme() == .spsti2023)
    await #expect(
      throws: RegistryError.refused(.ruleViolated(.registryAlreadyConfigured(.spsti2023)))
    ) {
      try await service.configure(scheme: .amexist)
    }
    try await service.register(siret, profile: try ServiceProfile(name: "Service"))
    // spsti-2023 has every level decided by a body's signed decision.
    do {
      try await service.decide(
        try TestValues.grant(siret, .commitment, decided: "2025-01-10", validUntil: "2027-01-09"))
      Issue.record("the federation granted a level under spsti-2023")
    } catch {
      #expect(
        "\(error)".hasPrefix(
          "spsti-2023: level 1 is decided by an accredited certifying body, which signs its decision"
        ))
    }
    // A forged body signature on an event is refused: only a signed file is recorded.
    await #expect(throws: RegistryError.self) {
      try await service.decide(
        try TestValues.grant(
          siret, .commitment, decided: "2025-01-10", validUntil: "2027-01-09",
          signedBy: TestValues.bodySignature))
    }
    #expect(try await service.eventCount() == 2)
    let trust = try await service.trustFile(issuer: "https://registry.example")
    #expect(trust.scheme == .spsti2023)
    let reread = try TrustFile(bytes: CanonicalJSON.encode(trust.json))
    #expect(reread.scheme == .spsti2023)
  }

  @Test("a registry made before schemes applies amexist and can no longer be configured")
  func legacy() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let service = harness.service
    try await service.register(siret, profile: try ServiceProfile(name: "Service"))
    #expect(try await service.scheme() == .amexist)
    await #expect(
      throws: RegistryError.refused(.ruleViolated(.configurationNotFirst(index: 1)))
    ) {
      try await service.configure(scheme: .spsti2023)
    }
    // amexist renews level 1, up to the decision date + 5 years − 1 day.
    try await service.decide(
      try TestValues.grant(siret, .commitment, decided: "2025-01-10", validUntil: "2027-01-09"))
    try await service.decide(
      .levelRenewed(
        try LevelRenewed(
          siret: siret, decided: TestValues.date("2026-11-20"),
          validUntil: TestValues.date("2031-11-19"))))
    // A trust file written before schemes reads as amexist.
    var members = try await service.trustFile(issuer: "https://registry.example").json
    if case .object(var object) = members {
      object["scheme"] = nil
      members = .object(object)
    }
    #expect(try TrustFile(bytes: CanonicalJSON.encode(members)).scheme == .amexist)
  }

  @Test("D1 a scheme named by an entry other than 0 (written past the rules) fails every read")
  func configurationOutOfPlace() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let service = harness.service
    try await service.register(siret, profile: try ServiceProfile(name: "Service"))
    let instant = TestValues.instant(TestValues.noon)
    _ = try await service.store.append(signer: TestValues.logSigner) { _ in
      [
        RecordedEvent(
          recordedAt: instant, event: .registryConfigured(RegistryConfigured(scheme: .spsti2023)))
      ]
    }
    let fresh = try harness.sibling()
    do {
      _ = try await fresh.scheme()
      Issue.record("a log whose entry 1 names a scheme was read")
    } catch {
      #expect("\(error)".contains("entry 1 names a scheme, which only entry 0 may do"))
    }
  }
}
