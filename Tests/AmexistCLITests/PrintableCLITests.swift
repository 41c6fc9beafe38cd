import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// `amexist attest --pdf` and `amexist verify FILE.pdf`, checked with Debian's PDF and QR tools
/// as anyone holding the file would.
@Suite("Printable attestations, end to end")
struct PrintableCLITests {
  static let origin = "https://registre.amexist.example"
  let siret = "73282932000074"
  let other = "90011223400019"

  /// A registry with two active services, one with an accented name and address.
  func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared([
      ["init"],
      [
        "service", "add", siret, "--name", "Santé Travail Œuvre & Prévention",
        "--address", "12, rue de l’Étang", "--city", "Saint-Étienne", "--region", "84",
      ],
      [
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09", "--evaluator", "Bureau Véritas Certification",
      ],
      ["service", "add", other, "--name", "Service Interentreprises du Léman", "--region", "84"],
      [
        "decision", "grant", other, "--level", "1", "--decided", "2026-02-01", "--valid-until",
        "2029-01-31",
      ],
    ])
  }

  /// Issues the attestation of `siret` with its PDF; returns the bundle and PDF paths.
  func attest(_ cli: CommandRunner, _ siret: String, language: String = "fr") async throws
    -> (bundle: String, pdf: String)
  {
    let output = try await cli.run([
      "attest", siret, "--pdf", "--lang", language, "--base-url", Self.origin + "/", "--out", "out",
    ])
    #expect(output.status == 0, "\(output.stderr)")
    let paths = output.stdout.split(separator: "\n").map { cli.path(String($0)) }
    try #require(paths.count == 2)
    #expect(paths[0].hasSuffix(".amexist.json") && paths[1].hasSuffix(".pdf"))
    return (paths[0], paths[1])
  }

  static func uuid(ofPDF path: String) -> String {
    String((path as NSString).lastPathComponent.dropLast(".pdf".count))
  }

  @Test(
    "pdfinfo and qpdf accept the PDF, pdftotext shows every field with its accents, zbarimg reads the /v/ link from the rendered page, pdfdetach gives the bundle back"
  )
  func outsiderTools() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let (bundle, pdf) = try await attest(cli, siret)
    let uuid = Self.uuid(ofPDF: pdf)

    let info = try await ExternalTool.run("pdfinfo", [pdf])
    #expect(info.status == 0, "\(info.stderr)")
    #expect(info.text.contains("Pages:           1"))
    #expect(info.text.contains("Page size:       595.28 x 841.89 pts (A4)"))
    #expect(info.text.contains("PDF version:     1.7"))
    #expect(
      info.text.contains("Title:           Attestation AMEXIST – Santé Travail Œuvre & Prévention"))
    let check = try await ExternalTool.run("qpdf", ["--check", pdf])
    #expect(check.status == 0, "\(check.text) \(check.stderr)")
    #expect(check.text.contains("No syntax or stream encoding errors found"))

    let text = try await ExternalTool.run("pdftotext", ["-layout", pdf, "-"])
    #expect(text.status == 0)
    let words = text.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    for expected in [
      "Attestation de niveau du label", "Santé Travail Œuvre & Prévention", "732 829 320 00074",
      "12, rue de l’Étang, Saint-Étienne", "Niveau 2 : Attestation de mise en œuvre",
      "10 janvier 2026",
      "du 10 janvier 2026 au 9 janvier 2029", "Bureau Véritas Certification", "Évaluateur",
      "Émetteur https://registry.amexist.example", uuid, "Clé de signature",
      "\(Self.origin)/v/\(uuid)", "Délivrée le",
    ] {
      #expect(words.contains(expected), "pdftotext lacks \(expected): \(words)")
    }

    let image = cli.path("page")
    let render = try await ExternalTool.run(
      "pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, image])
    #expect(render.status == 0, "\(render.stderr)")
    let decoded = try await ExternalTool.run("zbarimg", ["--raw", "-q", image + ".png"])
    #expect(decoded.status == 0, "\(decoded.stderr)")
    #expect(decoded.text == "\(Self.origin)/v/\(uuid)\n")

    let list = try await ExternalTool.run("pdfdetach", ["-list", pdf])
    #expect(list.text.contains("1 embedded files"))
    #expect(list.text.contains("1: \(uuid).amexist.json"))
    let detached = cli.path("detached")
    try FileManager.default.createDirectory(atPath: detached, withIntermediateDirectories: true)
    let save = try await ExternalTool.run("pdfdetach", ["-saveall", "-o", detached, pdf])
    #expect(save.status == 0, "\(save.stderr)")
    let extracted = detached + "/\(uuid).amexist.json"
    #expect(
      FileManager.default.contents(atPath: extracted)
        == FileManager.default.contents(atPath: bundle))
    #expect(try await cli.run(["verify", extracted]).status == 0)

    let verified = try await cli.run(["verify", "--base-url", Self.origin, pdf])
    #expect(verified.status == 0, "\(verified.stderr)")
    #expect(verified.stdout.contains("Verdict       VALID"))
    #expect(
      verified.stdout.contains(
        "Printed page  the registry's own for this attestation; QR code \(Self.origin)/v/\(uuid)"))
  }

  @Test("in English with --lang en")
  func english() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let (_, pdf) = try await attest(cli, siret, language: "en")
    let text = try await ExternalTool.run("pdftotext", ["-layout", pdf, "-"])
    let words = text.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    for expected in [
      "Label level attestation", "Level 2: Implementation attestation", "10 January 2026",
      "from 10 January 2026 to 9 January 2029", "Evaluator", "Verify this attestation",
    ] {
      #expect(words.contains(expected), "pdftotext lacks \(expected): \(words)")
    }
    #expect(try await cli.run(["verify", "--base-url", Self.origin, pdf]).status == 0)
  }

  /// The PDF with the first `old` replaced by `new`.
  static func altered(_ pdf: [UInt8], _ old: [UInt8], _ new: [UInt8]) async throws -> [UInt8] {
    let start = try #require(
      (0...(pdf.count - old.count)).first { pdf[$0..<($0 + old.count)].elementsEqual(old) })
    return Array(pdf[..<start]) + new + Array(pdf[(start + old.count)...])
  }

  @Test(
    "H4: an edited bundle, another service's bundle, an edited page, a link elsewhere and a bad file each fail with exit 1 and their reason"
  )
  func tampered() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let (bundlePath, pdfPath) = try await attest(cli, siret)
    let (otherBundlePath, _) = try await attest(cli, other)
    let pdf = try #require(FileManager.default.contents(atPath: pdfPath)).map { $0 }
    let bundle = try #require(FileManager.default.contents(atPath: bundlePath)).map { $0 }
    let otherBundle = try #require(FileManager.default.contents(atPath: otherBundlePath)).map { $0 }

    func verify(_ bytes: [UInt8], _ name: String, extra: [String] = ["--base-url", Self.origin])
      async throws -> CommandRunner.Output
    {
      try Data(bytes).write(to: URL(fileURLWithPath: cli.path(name)))
      return try await cli.run(["verify"] + extra + [name])
    }

    // The bundle edited inside the PDF: one character of the signature.
    let jws = try #require(
      String(decoding: bundle, as: UTF8.self).split(separator: "\"")
        .first { $0.split(separator: ".").count == 3 })
    let signature = Array(jws.split(separator: ".")[2].utf8)
    var edited = signature
    edited[10] = edited[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
    let forged = try await verify(try Self.altered(pdf, signature, edited), "forged.pdf")
    #expect(forged.status == 1)
    #expect(forged.stderr.contains("invalid signature"), "\(forged.stderr)")

    // Another service's genuine bundle swapped in (lengths updated so that it reads).
    var swapped = try await Self.altered(pdf, bundle, otherBundle)
    for key in ["/Size ", "/Length "] {
      swapped = try await Self.altered(
        swapped, Array("\(key)\(bundle.count)".utf8), Array("\(key)\(otherBundle.count)".utf8))
    }
    let swap = try await verify(swapped, "swapped.pdf")
    #expect(swap.status == 1)
    #expect(swap.stderr.contains("altered document"), "\(swap.stderr)")

    // The page edited: level 2 shown as level 1 (same length, the file stays valid PDF).
    let page = try await verify(
      try Self.altered(pdf, Array("(Niveau 2 : ".utf8), Array("(Niveau 1 : ".utf8)), "page.pdf")
    #expect(page.status == 1)
    #expect(page.stderr.contains("altered document"), "\(page.stderr)")

    // The QR link and its annotation sent elsewhere, or to a script.
    for (index, link) in [
      "https://registre.amexist.example.evil.org", "javascript:alert`1`//",
      "http://registre.amexist.example",
    ].enumerated() {
      let relinked = try await verify(
        try Self.altered(
          pdf, Array("/URI (\(Self.origin)/v/".utf8), Array("/URI (\(link)/v/".utf8)),
        "link\(index).pdf")
      // Item 8: said as it is, not as an altered page (exit 7, an untrusted link).
      #expect(relinked.status == 7, "\(link)")
      #expect(
        relinked.stderr.contains("links to an origin you did not pin: its QR code links to"),
        "\(relinked.stderr)")
    }
    // The genuine file, but the verifier pins another origin (the issuer's, by default).
    let unpinned = try await verify(pdf, "genuine.pdf", extra: [])
    #expect(unpinned.status == 7)
    #expect(unpinned.stderr.contains("did not pin"), "\(unpinned.stderr)")

    // Not a PDF of the registry: truncated, or with a second attached bundle.
    let truncated = try await verify(Array(pdf.prefix(pdf.count / 2)), "truncated.pdf")
    #expect(truncated.status == 1)
    #expect(truncated.stderr.contains("malformed"), "\(truncated.stderr)")
    let marker = Array("<< /Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size ".utf8)
    let twice = try await verify(pdf + marker, "twice.pdf")
    #expect(twice.status == 1)
    #expect(twice.stderr.contains("exactly one attached bundle"), "\(twice.stderr)")
  }

  @Test("an issuer that is not an origin needs --base-url for a PDF; nothing is issued without it")
  func issuerWithPath() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    #expect(
      try await cli.run(["init", "--issuer", "https://registry.example/federation"]).status == 0)
    #expect(
      try await cli.run(["service", "add", siret, "--name", "Santé Travail", "--region", "84"])
        .status
        == 0)
    #expect(
      try await cli.run([
        "decision", "grant", siret, "--level", "1", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ]).status == 0)
    let refused = try await cli.run(["attest", siret, "--pdf", "--out", "out"])
    #expect(refused.status == 2)
    #expect(
      refused.stderr.contains("give --base-url (no attestation was issued)"), "\(refused.stderr)")
    #expect(
      !(try await cli.run(["history", siret, "--json"]).stdout.contains("attestationIssued")))
    let issued = try await cli.run([
      "attest", siret, "--pdf", "--base-url", Self.origin, "--out", "out",
    ])
    #expect(issued.status == 0, "\(issued.stderr)")
  }

  @Test("H4: a base URL that is not an https origin is refused before anything is issued")
  func badBaseURL() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    for url in [
      "javascript:alert(1)", "http://registre.amexist.example", "https://user@registre.example",
      "https://registre.example/path", "https://registre.example?x=1", "https://registre.example#f",
      "ftp://registre.example", "https://", "https://régistre.example",
    ] {
      let output = try await cli.run([
        "attest", siret, "--pdf", "--base-url", url, "--out", "refused",
      ])
      #expect(output.status == 2, "\(url)")
      #expect(output.stderr.contains("bad public base URL"), "\(url): \(output.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: cli.path("refused")))
    let verify = try await cli.run(["verify", "--base-url", "javascript:alert(1)", "x.pdf"])
    #expect(verify.status == 2)
    #expect(verify.stderr.contains("--base-url: bad public base URL"), "\(verify.stderr)")
    // A demo on a port chosen at start links to the issuer unless told otherwise.
    let demo = try await cli.run(["demo", "--no-serve", "--port", "0", "--host", "127.0.0.1"])
    #expect(demo.status == 0, "\(demo.stderr)")
  }
}
