import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// Item 8: printed attestations that stay verifiable: fields at their limits fit the page, the
/// credential names its layout and language, a re-saved file is said to be one, an unpinned
/// link is said to be one, and text the fonts cannot show is refused at input.
@Suite("Printable attestations at the limits")
struct PrintableLimitsTests {
  let siret = "73282932000074"
  static let origin = "https://registre.amexist.example"

  func attestPDF(_ cli: CommandRunner, language: String = "fr") async throws -> (String, String) {
    let output = try await cli.run([
      "attest", siret, "--pdf", "--lang", language, "--base-url", Self.origin, "--out", "out",
    ])
    #expect(output.status == 0, "\(output.stderr)")
    let paths = output.stdout.split(separator: "\n").map { cli.path(String($0)) }
    try #require(paths.count == 2)
    return (paths[0], paths[1])
  }

  @Test(
    "item 8: name, address, city and evaluator at their limits in wide letters fit the page; zbarimg reads the QR code"
  )
  func longestFieldsFit() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let wide = { (count: Int) in String(repeating: "W", count: count) }
    for arguments in [
      ["init"],
      ["service", "add", siret, "--name", wide(200), "--address", wide(300), "--city", wide(100)],
      [
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09", "--evaluator", wide(200),
      ],
    ] {
      let output = try await cli.run(arguments)
      #expect(output.status == 0, "\(output.stderr)")
    }
    let (_, pdf) = try await attestPDF(cli)
    let verify = try await cli.run(["verify", pdf, "--base-url", Self.origin])
    #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    let image = cli.path("page")
    let render = try await ExternalTool.run(
      "pdftoppm", ["-r", "150", "-png", "-singlefile", pdf, image])
    #expect(render.status == 0)
    let decoded = try await ExternalTool.run("zbarimg", ["--raw", "-q", image + ".png"])
    #expect(decoded.status == 0)
    #expect(decoded.text.hasPrefix(Self.origin + "/v/"), "\(decoded.text)")
  }

  func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared([
      ["init"], ["service", "add", siret, "--name", "Santé Travail Lyon"],
      [
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ],
    ])
  }

  @Test(
    "item 8: the credential names its layout and language; the page cannot be re-rendered in another"
  )
  func layoutAndLanguageSigned() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let (bundle, pdf) = try await attestPDF(cli, language: "en")
    let claims = try json(try await cli.run(["verify", bundle, "--json"]))["attestation"]
    #expect(claims?["layout"] == .string("amexist-a4/2"))
    #expect(claims?["lang"] == .string("en"))
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: pdf)))
    let english = Array("/Lang (en-GB)".utf8)
    let index = try #require(bytes.firstRange(of: english))
    bytes.replaceSubrange(index, with: Array("/Lang (fr-FR)".utf8))
    try Data(bytes).write(to: URL(fileURLWithPath: cli.path("french.pdf")))
    let relabelled = try await cli.run(["verify", "french.pdf", "--base-url", Self.origin])
    #expect(relabelled.status == 1, "\(relabelled.stdout)")
  }

  @Test(
    "item 8: a PDF re-saved by qpdf is reported as such, with its attached attestation's verdict")
  func resaved() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let (_, pdf) = try await attestPDF(cli)
    let copy = cli.path("resaved.pdf")
    let qpdf = try await ExternalTool.run("qpdf", [pdf, copy])
    #expect(qpdf.status == 0)
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: copy))
        != Data(contentsOf: URL(fileURLWithPath: pdf)))
    let verify = try await cli.run(["verify", copy, "--base-url", Self.origin])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(verify.stdout.contains("NOT CHECKED: the PDF was re-saved by another program"))
    let report = try json(try await cli.run(["verify", copy, "--json"]))
    #expect(report["printedPage"] == .string("resaved"))
    #expect(report["valid"] == .bool(true))
  }

  @Test(
    "item 8: verify --base-url adds an origin to the issuer's; a link elsewhere is not called altered"
  )
  func addedOrigin() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let (_, pdf) = try await attestPDF(cli)
    let unpinned = try await cli.run(["verify", pdf])
    #expect(unpinned.status == 7)
    #expect(unpinned.stderr.contains("links to an origin you did not pin"))
    #expect(!unpinned.stderr.contains("altered"))
    let pinned = try await cli.run([
      "verify", pdf, "--base-url", "https://other.example", "--base-url", Self.origin,
    ])
    #expect(pinned.status == 0, "\(pinned.stderr)")
    #expect(pinned.stdout.contains("Printed page  the registry's own"))
  }

  @Test("item 8: text the attestation's fonts cannot show is refused at input, never printed as ?")
  func unprintable() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    for name in ["Santé 健康", "Łódź Zdrowie", "Service 🩺"] {
      let added = try await cli.run(["service", "update", siret, "--name", name])
      #expect(added.status == 1, "\(name)")
      #expect(added.stderr.contains("cannot be printed on attestations"), "\(added.stderr)")
    }
    #expect(
      try await cli.run(["service", "update", siret, "--name", "Œuvre « Santé » – 2026 €"]).status
        == 0)
  }

  @Test("item 8: the page names the issuing organisation, from the signed credential")
  func issuerName() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let name = "Fédération nationale des SPSTI (exemple)"
    for arguments in [
      ["init", "--issuer", Self.origin, "--issuer-name", name],
      ["service", "add", siret, "--name", "Santé Travail Lyon"],
      [
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ],
    ] {
      let output = try await cli.run(arguments)
      #expect(output.status == 0, "\(output.stderr)")
    }
    let (bundle, pdf) = try await attestPDF(cli)
    let report = try json(try await cli.run(["verify", bundle, "--json"]))
    #expect(report["attestation"]?["issuer"]?["name"] == .string(name))
    #expect(report["attestation"]?["issuer"]?["id"] == .string(Self.origin))
    #expect(try await cli.run(["verify", pdf]).status == 0)
    let text = try await ExternalTool.run("pdftotext", ["-layout", pdf, "-"])
    #expect(text.text.contains(name), "\(text.text)")
    #expect(
      try await cli.run(["init", "--issuer-name", "Fédération 健康"]).status == 2, "refused at input")
  }
}
