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
}
