import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RegistryService
import RegistryTesting
import Testing

/// The printable attestation and the badge over HTTP, checked by outside tools.
@Suite("Printable attestation and badge")
struct PrintableTests {
  static func verify(_ client: any TestClientProtocol, _ body: [UInt8], type: String) async throws
    -> JSONValue
  {
    let response = try await client.executeRequest(
      uri: "/verify", method: .post, headers: [.contentType: type, .accept: "application/json"],
      body: ByteBuffer(bytes: body))
    #expect(response.status == .ok)
    return try response.json()
  }

  static func replacing(_ old: String, with new: String, in pdf: [UInt8]) throws -> [UInt8] {
    let text = String(decoding: pdf, as: UTF8.self)
    let range = try #require(text.range(of: old), "\(old) is not in the PDF")
    return Array(text.replacingCharacters(in: range, with: new).utf8)
  }

  @Test(
    "item 8: POST /verify of a PDF re-saved by qpdf says its page was not checked, with its bundle's verdict"
  )
  func resavedUpload() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (_, issued) = harness.activeSample
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    try await harness.test { client in
      let pdf = Array(buffer: try await client.get("/attestations/\(uuid)/pdf").body)
      let original = harness.folder.file("original.pdf")
      let resaved = harness.folder.file("resaved.pdf")
      try Data(pdf).write(to: URL(fileURLWithPath: original))
      #expect(try await ExternalTool.run("qpdf", [original, resaved]).status == 0)
      let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: resaved)))
      #expect(bytes != pdf)
      let verdict = try await Self.verify(client, bytes, type: "application/pdf")
      #expect(verdict["valid"] == .bool(true), "\(verdict)")
      #expect(verdict["printedPage"] == .string("resaved"))
      let genuine = try await Self.verify(client, pdf, type: "application/pdf")
      #expect(genuine["printedPage"] == .string("genuine"))
    }
  }

  @Test(
    "GET /attestations/{id}/pdf gives the PDF, POST /verify accepts it raw or from the form; an altered page or link is refused (H4)"
  )
  func printableAttestation() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (_, issued) = harness.activeSample
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    try await harness.test { client in
      let response = try await client.get("/attestations/\(uuid)/pdf?lang=en")
      #expect(response.status == .ok)
      #expect(response.headers[.contentType] == "application/pdf")
      #expect(response.headers[.contentDisposition] == "attachment; filename=\"\(uuid).pdf\"")
      let pdf = Array(buffer: response.body)
      #expect(pdf.starts(with: Array("%PDF-1.7".utf8)))
      // The credential names its page's language: ?lang cannot re-render it in another one.
      #expect(String(decoding: pdf, as: UTF8.self).contains("/Lang (fr-FR)"))

      let raw = try await Self.verify(client, pdf, type: "application/pdf")
      #expect(raw["valid"] == .bool(true), "\(raw)")
      #expect(raw["attestation"]?["id"] == .string(issued.claims.id))
      let form =
        "pdf=" + Data(pdf).base64EncodedString()
        .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
      let fromForm = try await Self.verify(
        client, Array(form.utf8), type: "application/x-www-form-urlencoded")
      #expect(fromForm["valid"] == .bool(true), "\(fromForm)")

      // The page says level 1 while the signed bundle says otherwise.
      let level = issued.claims.level.rawValue
      let page = try Self.replacing(
        "(Niveau \(level) : ", with: "(Niveau \(level % 3 + 1) : ", in: pdf)
      let altered = try await Self.verify(client, page, type: "application/pdf")
      #expect(altered["valid"] == .bool(false))
      #expect(altered["code"] == .string("document-altered"))
      // H4: a QR link to another host, or a javascript: URL: not an origin this registry pins.
      for link in ["https://registre.amexist.example.evil.org", "javascript:alert`1`//"] {
        let relinked = try Self.replacing(
          "/URI (https://registre.amexist.example/v/", with: "/URI (\(link)/v/", in: pdf)
        let verdict = try await Self.verify(client, relinked, type: "application/pdf")
        #expect(verdict["code"] == .string("unpinned-link"), "\(link)")
        #expect(verdict["valid"] == .bool(false))
      }
      // Not a PDF of the registry: a verdict, never a server error.
      let truncated = try await Self.verify(
        client, Array(pdf.prefix(pdf.count / 2)), type: "application/pdf")
      #expect(truncated["code"] == .string("malformed"))
      let badBase64 = try await client.executeRequest(
        uri: "/verify", method: .post,
        headers: [.contentType: "application/x-www-form-urlencoded"],
        body: ByteBuffer(string: "pdf=%25%25%25"))
      #expect(badBase64.status == .badRequest)

      let missing = try await client.get("/attestations/\(UUID().uuidString.lowercased())/pdf")
      #expect(missing.status == .notFound)
      let page404 = try await client.get("/attestations/\(uuid)/pdf/../bundle")
      #expect(page404.status == .notFound)
    }
  }

  @Test("the attestation page offers the PDF; the service page shows how to embed the badge")
  func links() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    try await harness.test { client in
      let page = try await client.get("/attestations/\(uuid)")
      #expect(page.text.contains("href=\"/attestations/\(uuid)/pdf?lang=fr\""))
      let service = try await client.get("/services/\(siret)")
      #expect(
        service.text.contains(
          "&lt;a href=&quot;https://registre.amexist.example/services/\(siret.digits)&quot;&gt;")
          || service.text.contains(
            "&lt;a href=\"https://registre.amexist.example/services/\(siret.digits)\"&gt;")
      )
    }
  }

  @Test("the badge is well-formed SVG linking to the service page, and Chromium renders it")
  func badge() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try await harness.application().test(.live) { client in
      let base = "http://127.0.0.1:\(try #require(client.port))"
      for language in ["fr", "en"] {
        let svg = try await client.get("/badge/\(siret.digits).svg?lang=\(language)")
        let path = folder.file("badge-\(language).svg")
        try Data(svg.text.utf8).write(to: URL(fileURLWithPath: path))
        // An XML parser reads it: an svg root with one link to the service page.
        let parsed = try await ExternalTool.run(
          "python3",
          [
            "-c",
            """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            ns = "{http://www.w3.org/2000/svg}"
            assert root.tag == ns + "svg", root.tag
            links = root.findall(ns + "a")
            assert len(links) == 1
            print(links[0].get("href"))
            print(" / ".join(t.text for t in root.iter(ns + "text")))
            """, path,
          ])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let lines = parsed.text.split(separator: "\n").map(String.init)
        #expect(
          lines.first
            == "https://registre.amexist.example/services/\(siret.digits)?lang=\(language)")
        let level = issued.claims.level.rawValue
        #expect(
          lines.last?.hasPrefix(
            language == "fr"
              ? "AMEXIST niveau \(level) / en vigueur jusqu'au"
              : "AMEXIST level \(level) / in force until") == true, "\(lines)")
      }
      // Chromium loads it as an image from another origin (a file:// page) and lays it out.
      let page = folder.file("embed.html")
      try Data(
        """
        <!doctype html><title>pending</title>
        <img id="badge" src="\(base)/badge/\(siret.digits).svg"
          onload="document.title = 'loaded ' + this.naturalWidth + 'x' + this.naturalHeight"
          onerror="document.title = 'failed'">
        """.utf8
      ).write(to: URL(fileURLWithPath: page))
      let rendered = try await BrowserTests.renderedText("file://\(page)", language: "fr")
      #expect(rendered.contains("loaded 300x48"), "\(rendered)")
    }
  }
}
