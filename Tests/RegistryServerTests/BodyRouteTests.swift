import AmexistDomain
import Attestation
import Hummingbird
import HummingbirdTesting
import RegistryService
import RegistryTesting
import Testing

/// Item 2 of "Certifying bodies": the pages and API list the bodies, their accreditation and keys.
@Suite("Certifying bodies on the site")
struct BodyRouteTests {
  @Test("/bodies lists each body in French and English; /bodies.json gives the same as the CLI")
  func bodies() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.service.registerBody(
      try BodyRegistered(
        body: "afnor-certification", name: "AFNOR Certification", accreditor: "COFRAC",
        number: "5-0012", validFrom: TestValues.date("2024-01-01"),
        validUntil: TestValues.date("2028-12-31")))
    let key = SigningKey(generating: .edDSA).publicKey
    try await harness.service.addBodyKey(key, body: "afnor-certification")
    try await harness.service.changeAccreditation(
      try BodyAccreditationChanged(
        body: "afnor-certification", change: .suspended, effective: harness.service.today()))
    try await harness.test { client in
      let french = try await client.get("/bodies")
      #expect(french.status == .ok)
      #expect(french.text.contains("Organismes certificateurs"))
      #expect(french.text.contains("AFNOR Certification"))
      #expect(french.text.contains("COFRAC n° 5-0012 · NF EN ISO/IEC 17065"))
      #expect(french.text.contains("accréditation suspendue"))
      #expect(french.text.contains(key.keyID))
      let english = try await client.get("/bodies?lang=en")
      #expect(english.text.contains("accreditation suspended"))
      let json = try await client.get("/bodies.json")
      let listed = try json.json()["bodies"]?.arrayValue ?? []
      // The sample registry's two bodies come first.
      #expect(listed.count == SampleRegistry.bodies.count + 1)
      let body = listed.first { $0["id"] == .string("afnor-certification") }
      #expect(body?["id"] == .string("afnor-certification"))
      #expect(body?["accreditation"]?["standing"] == .string("suspended"))
      #expect(body?["keys"]?.arrayValue?.first?["kid"] == .string(key.keyID))
      let home = try await client.get("/")
      #expect(home.text.contains("href=\"/bodies?lang=fr\""))
    }
  }

  @Test(
    "item 4, C25: transfers, réserves, refusals and successions on the service pages, French and English"
  )
  func bodyDecisionsOnPages() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let sirets = SampleRegistry.sirets
    try await harness.test { client in
      // Service 9: transferred, réserves past their deadline.
      let transferred = try await client.get("/services/\(sirets[9])")
      #expect(transferred.text.contains("transféré de Qualiprev Certification (fictif) le"))
      #expect(
        transferred.text.contains(
          "Certiflex Santé Travail (fictif) — accréditation COFRAC n° 5-9901, décision signée"))
      #expect(transferred.text.contains("href=\"/bodies?lang=fr#certiflex-exemple\""))
      #expect(transferred.text.contains("réserves non levées : l&#39;échéance du"))
      #expect(transferred.text.contains("reserves-overdue"))
      #expect(transferred.text.contains("Niveau 3 transféré à Certiflex Santé Travail (fictif)"))
      let english = try await client.get("/services/\(sirets[9])?lang=en")
      #expect(english.text.contains("réserves not lifted: the deadline of"))
      #expect(english.text.contains("transferred from Qualiprev Certification (fictif) on"))
      let json = try await client.get("/services/\(sirets[9]).json").json()
      #expect(json["reservesOverdue"] == .bool(true))
      #expect(json["decision"]?["body"] == .string("certiflex-exemple"))
      #expect(json["decision"]?["transferredFrom"] == .string("qualiprev-exemple"))
      // Service 2: réserves lifted.
      let lifted = try await client.get("/services/\(sirets[2])")
      #expect(lifted.text.contains("levées le"))
      #expect(!lifted.text.contains("réserves non levées"))
      // Service 6: a refusal in the history.
      let refused = try await client.get("/services/\(sirets[6])")
      #expect(refused.text.contains("Refus de certification"))
      #expect(refused.text.contains("Dernier refus"))
      #expect(
        refused.text.contains("par Qualiprev Certification (fictif) — motif : Écarts majeurs"))
      #expect(
        try await client.get("/services/\(sirets[6])?lang=en").text.contains(
          "Certification refused"))
      // Services 11 and 12: each page links the other.
      let predecessor = try await client.get("/services/\(sirets[11])")
      #expect(predecessor.text.contains("Activité reprise par"))
      #expect(predecessor.text.contains("href=\"/services/\(sirets[12])?lang=fr\""))
      let successor = try await client.get("/services/\(sirets[12])?lang=en")
      #expect(successor.text.contains("Took over the activity of"))
      #expect(successor.text.contains("href=\"/services/\(sirets[11])?lang=en\""))
      let successorJSON = try await client.get("/services/\(sirets[12]).json").json()
      #expect(successorJSON["predecessor"]?["siret"] == .string(sirets[11]))
      #expect(successorJSON["level"] == .integer(2))
      // Each body's page lists the services whose level it decided.
      let bodies = try await client.get("/bodies")
      #expect(bodies.text.contains("href=\"/services/\(sirets[9])?lang=fr\""))
      #expect(bodies.text.contains("href=\"/services/\(sirets[2])?lang=fr\""))
      let listed = try await client.get("/bodies.json").json()["bodies"]?.arrayValue ?? []
      let certiflex = listed.first { $0["id"] == .string(SampleRegistry.bodies[0].id) }
      #expect(
        certiflex?["services"]?.arrayValue?.compactMap { $0["siret"]?.stringValue }.sorted()
          == [sirets[2], sirets[9]])
      let qualiprev = listed.first { $0["id"] == .string(SampleRegistry.bodies[1].id) }
      // Its only level moved away by the transfer.
      #expect(qualiprev?["services"]?.arrayValue?.isEmpty == true)
    }
  }
}
