import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryService
import RegistryTesting
import Testing
import TransparencyLog

/// Item 3 of "Certifying bodies" through the admin API: `POST /admin/decisions` with
/// `{"signedDecision": …}`, and tokens limited to one body.
@Suite("Admin API: body-signed decisions")
struct SignedDecisionAPITests {
  func post(_ client: any TestClientProtocol, _ uri: String, token: String, json: String)
    async throws -> TestResponse
  {
    try await client.executeRequest(
      uri: uri, method: .post,
      headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
      body: ByteBuffer(string: json))
  }

  @Test("a signed grant is recorded once (201, then 200); a body token records only its own body's")
  func decisions() async throws {
    let harness = try await ServerHarness(fresh: true)
    defer { harness.folder.remove() }
    let service = harness.service
    let siret = TestValues.generatedSIRET(77)
    try await service.register(
      siret, profile: try ServiceProfile(name: "Service API", region: "84"))
    for (id, name) in [
      ("afnor-certification", "AFNOR Certification"), ("bureau-veritas", "Bureau Veritas"),
    ] {
      try await service.registerBody(
        try BodyRegistered(
          body: id, name: name, accreditor: "COFRAC", number: "5-00\(id.count)",
          validFrom: TestValues.date("2024-01-01"), validUntil: TestValues.date("2030-12-31")))
    }
    let key = SigningKey(generating: .edDSA)
    try await service.addBodyKey(key.publicKey, body: "afnor-certification")
    let today = service.today()
    let claims = try DecisionClaims(
      audience: try #require(service.logVerifier).name, scheme: .amexist,
      id: UUID().uuidString.lowercased(),
      issuedAt: service.clock.now().millisecondsSinceEpoch / 1000,
      body: "afnor-certification", kind: .grant, siret: siret, decided: today,
      level: .certification,
      validFrom: today, validUntil: today.adding(years: 3), reference: "CERT-API")
    let signed = try claims.signed(with: key, kid: key.publicKey.keyID)
    let request = #"{"signedDecision":"\#(signed)"}"#
    let otherBody = try harness.token([.decisions], body: "bureau-veritas")
    let ownBody = try harness.token([.decisions], body: "afnor-certification")
    try await harness.test { client in
      let refused = try await post(client, "/admin/decisions", token: otherBody, json: request)
      #expect(refused.status == .forbidden)
      // A body's token does nothing else.
      let grant = try await post(
        client, "/admin/services/\(siret.digits)/decisions", token: ownBody,
        json:
          #"{"decision":"grant","level":1,"decided":"\#(today)","validUntil":"\#(today.adding(years: 1))"}"#
      )
      #expect(grant.status == .forbidden)
      let created = try await post(client, "/admin/decisions", token: ownBody, json: request)
      #expect(created.status == .created, "\(created.text)")
      #expect(try created.json()["service"]?["level"] == .integer(3))
      let again = try await post(client, "/admin/decisions", token: ownBody, json: request)
      #expect(again.status == .ok)
      let garbage = try await post(
        client, "/admin/decisions", token: ownBody, json: #"{"signedDecision":"a.b.c"}"#)
      #expect(garbage.status == .badRequest)
      let extra = try await post(
        client, "/admin/decisions", token: ownBody, json: #"{"signedDecision":"a.b.c","x":1}"#)
      #expect(extra.status == .badRequest)
    }
    #expect(try await service.state(of: siret).decision?.body == "afnor-certification")
  }
}
