import AmexistDomain
import Attestation
import RegistryService
import RegistryTesting
import Testing

@Suite("The status of a verified attestation")
struct AttestationStatusSourceTests {
  /// A service holding an attestation signed by a fresh issuer key.
  func issued(_ harness: Harness) async throws -> (
    siret: SIRET, kid: String, id: String, payloadSHA256: String
  ) {
    let siret = TestValues.siret("73282932000074")
    try await harness.service.register(
      siret, profile: try ServiceProfile(name: "Santé Travail Test", region: "84"))
    try await harness.service.decide(try TestValues.grant(siret, validUntil: "2027-06-30"))
    let signer = SigningKey(generating: .edDSA)
    let kid = try await harness.service.addKey(signer)
    let issued = try await harness.service.issueAttestation(
      siret: siret, signer: signer, kid: kid, issuer: "https://registry.example")
    let record = try await harness.service.attestation(id: issued.claims.id).record
    return (siret, kid, issued.claims.id, record.payloadSHA256)
  }

  @Test("C3: read once, the log's entries give the status at each moment, as the lookup does")
  func statusAtEachMoment() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let (_, kid, id, payload) = try await issued(harness)
    let source = try await harness.service.statusSource(ofVerified: id, kid: kid)
    let now = harness.clock.now()
    #expect(try source.status(payloadSHA256: payload, at: now) == .valid)
    #expect(try await harness.service.attestation(id: id).status == .valid)
    // The level's end passes: the same entries say expired, as a lookup then would.
    let later = TestValues.instant("2027-07-01T12:00:00Z")
    #expect(try source.status(payloadSHA256: payload, at: later) == .expired)
    #expect(try await harness.service.attestation(id: id, at: later).status == .expired)
    // Another document under this id.
    #expect(try source.status(payloadSHA256: String(repeating: "0", count: 64), at: now) == nil)
  }

  @Test("C3, C5: a suspension or a revocation written later is seen by the next read only")
  func laterEntries() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let (siret, kid, id, payload) = try await issued(harness)
    let before = try await harness.service.statusSource(ofVerified: id, kid: kid)
    try await harness.service.decide(
      .levelSuspended(
        try LevelSuspended(siret: siret, decided: harness.service.today(), reason: "x")))
    let now = harness.clock.now()
    #expect(try before.status(payloadSHA256: payload, at: now) == .valid)
    let suspended = try await harness.service.statusSource(ofVerified: id, kid: kid)
    #expect(try suspended.status(payloadSHA256: payload, at: now) == .suspended)
    _ = try await harness.service.revokeKey(kid, reason: "compromised")
    let revoked = try await harness.service.statusSource(ofVerified: id, kid: kid)
    #expect(try revoked.status(payloadSHA256: payload, at: now) == .revoked)
    #expect(try await harness.service.attestation(id: id).status == .revoked)
  }

  @Test("an id the log does not hold is not found")
  func unknown() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let (_, kid, _, _) = try await issued(harness)
    let id = "urn:uuid:00000000-0000-4000-8000-000000000000"
    await #expect(throws: RegistryError.attestationNotFound(id)) {
      try await harness.service.statusSource(ofVerified: id, kid: kid)
    }
  }
}
