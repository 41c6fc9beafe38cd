import AmexistDomain
import Attestation
import Foundation
import Testing

@testable import Documents

/// The parts of the printable attestation that need no registry: links, text encoding, layout.
@Suite("Printable attestation: links, text and reading")
struct PDFTests {
  @Test("H4: the QR code links only to an https origin (http only on the loopback host)")
  func origins() throws {
    let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    let accepted = [
      ("https://registre.amexist.example", "https://registre.amexist.example"),
      ("HTTPS://Registre.Amexist.Example/", "https://registre.amexist.example"),
      ("https://registre.amexist.example:8443", "https://registre.amexist.example:8443"),
      ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
      ("http://localhost:8080", "http://localhost:8080"),
      ("http://[::1]:8080", "http://[::1]:8080"),
    ]
    for (input, origin) in accepted {
      let link = try VerificationLink(origin: input, uuid: uuid)
      #expect(link.description == origin + "/v/" + uuid)
    }
    let refused = [
      "javascript:alert(1)", "data:text/html,hi", "http://registre.amexist.example",
      "ftp://registre.amexist.example", "https://", "https://user:pw@registre.example",
      "https://registre.example/sub", "https://registre.example?q=1", "https://registre.example#x",
      "https://registre.example:0", "https://registre.example:99999", "https://.example",
      "https://exa mple.org", "https://exämple.org", "https://registre.example:80:80",
      "//registre.example", "registre.example", "https://registre..example",
      "http://127.0.0.1.evil.org", "https://" + String(repeating: "a", count: 300) + ".org",
      "https://b\u{301}.org", "https://exa_mple.org", "https://-x.org",
      "https://registre.example:８０",
      "http://[::1]x", "https://[::2]",
    ]
    for input in refused {
      #expect(throws: DocumentError.self, "\(input)") {
        try VerificationLink(origin: input, uuid: uuid)
      }
    }
    #expect(throws: DocumentError.self) {
      try VerificationLink(origin: "https://registre.example", uuid: uuid.uppercased())
    }
    #expect(throws: DocumentError.self) {
      try VerificationLink(origin: "https://registre.example", uuid: "../../Keys")
    }
  }

  @Test("French text is written in WinAnsiEncoding; what it lacks loses its accent or becomes ?")
  func winAnsi() {
    #expect(WinAnsi.encode("Santé") == Array("Sant".utf8) + [0xE9])
    #expect(
      WinAnsi.encode("Œuvre œ « » € ’") == [
        0x8C, 0x75, 0x76, 0x72, 0x65, 0x20, 0x9C, 0x20, 0xAB, 0x20, 0xBB, 0x20, 0x80, 0x20, 0x92,
      ])
    #expect(WinAnsi.encode("e\u{301}") == [0xE9])
    #expect(WinAnsi.encode("Łódź") == Array("L".utf8) + [0xF3] + Array("dz".utf8))
    #expect(WinAnsi.encode("中") == [0x3F])
    #expect(WinAnsi.encode("\u{202E}") == [0x3F])
  }

  @Test("literal strings escape parentheses, backslashes and non-ASCII bytes")
  func literals() {
    #expect(PDFText.literal(Array("a(b)c\\".utf8)) == "(a\\(b\\)c\\\\)")
    #expect(PDFText.literal([0xE9, 0x0A]) == "(\\351\\012)")
    #expect(PDFText.unicode("é") == "<FEFF00E9>")
    #expect(PDFText.number(12.5) == "12.5")
    #expect(PDFText.number(0.05) == "0.05")
    #expect(PDFText.number(-3) == "-3")
    #expect(PDFText.number(595.28) == "595.28")
  }

  @Test("lines are broken at spaces and fit the width; a word too long is broken inside")
  func wrapping() {
    let text =
      "Service interentreprises de santé au travail de la région Provence-Alpes-Côte d'Azur"
    let lines = AttestationLayout.wrap(text, .regular, 11.5, width: 200)
    #expect(lines.count > 1)
    #expect(lines.joined(separator: " ") == text)
    #expect(lines.allSatisfy { PDFFont.regular.width($0, size: 11.5) <= 200 })
    let long = String(repeating: "x", count: 200)
    let broken = AttestationLayout.wrap(long, .bold, 10, width: 100)
    #expect(broken.joined() == long)
    #expect(broken.allSatisfy { PDFFont.bold.width($0, size: 10) <= 100 })
    // Helvetica's own metrics: "AMEXIST" is 5,003 thousandths of an em.
    #expect(PDFFont.regular.width("AMEXIST", size: 1000) == 667 + 833 + 667 + 667 + 278 + 667 + 611)
  }

  @Test("reading refuses what the registry does not write, without crashing")
  func readingRefuses() {
    let cases: [[UInt8]] = [
      [], Array("%PDF-1.4\n".utf8), Array("%PDF-1.7\n".utf8),
      Array(
        "%PDF-1.7\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size 5 /Length 99999999 >>\nstream\nabc"
          .utf8),
      Array(
        "%PDF-1.7\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size 3 /Length -3 >>\nstream\nabc\nendstream"
          .utf8),
      Array(
        "%PDF-1.7\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size 3 /Length 3 >>\nstream\nabc\nendstream /Lang (fr-FR) /S /URI /URI (a\\)b)"
          .utf8),
      [UInt8](repeating: 0x25, count: AttestationPDF.maximumSize + 1),
    ]
    for input in cases {
      #expect(throws: DocumentError.self) { try AttestationPDF.contents(of: input) }
    }
  }
}
