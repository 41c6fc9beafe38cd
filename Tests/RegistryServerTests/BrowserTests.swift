import AmexistDomain
import Attestation
import Foundation
import HummingbirdTesting
import RegistryServer
import RegistryService
import RegistryTesting
import Testing

@Suite("Pages as a browser shows them")
struct BrowserTests {
  /// The text headless Chromium renders for `url` (its DOM after loading, tags removed).
  static func renderedText(_ url: String, language: String) async throws -> String {
    // Chromium's profile is thrown away with the rendering.
    let profile = "\(NSTemporaryDirectory())/amexist-chromium-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: profile) }
    let output = try await ExternalTool.run(
      "chromium",
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--user-data-dir=\(profile)",
        "--accept-lang=\(language)", "--virtual-time-budget=3000", "--dump-dom", url,
      ])
    let html = output.text
    let text = html.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
      .replacingOccurrences(of: "&nbsp;", with: " ")
    return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
  }

  @Test("the service page and the attestation page, rendered by Chromium in French and English")
  func servicePageAndAttestationPage() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let state = try await harness.service.state(of: siret)
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    try await harness.application().test(.live) { client in
      let base = "http://127.0.0.1:\(try #require(client.port))"
      let service = try await Self.renderedText("\(base)/services/\(siret)", language: "fr-FR,fr")
      #expect(service.contains(state.profile.name))
      #expect(service.contains("SIRET \(siret.formatted)"))
      #expect(service.contains("Label AMEXIST"))
      #expect(service.contains("Situation niveau en vigueur"))
      #expect(service.contains("Historique"))
      #expect(service.contains("Inscription au registre"))
      let attestation = try await Self.renderedText("\(base)/v/\(uuid)", language: "fr-FR,fr")
      #expect(attestation.contains("Attestation AMEXIST"))
      #expect(
        attestation.contains("Valide — le registre confirme que cette attestation est en vigueur."))
      #expect(attestation.contains("Vérifications effectuées"))
      #expect(attestation.contains("prouvée incluse dans le journal signé"))
      let english = try await Self.renderedText(
        "\(base)/attestations/\(uuid)", language: "en-GB,en")
      #expect(english.contains("Valid — the registry confirms this attestation is in force."))
      #expect(english.contains("Checks made"))
    }
  }
}
