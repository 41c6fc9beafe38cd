import Foundation
import Logging
import Testing

@testable import RegistryServer

/// The registry's text log lines: one line per event, metadata sorted by key, control
/// characters escaped so that no value can forge a line.
@Suite("Log lines")
struct LogLinesTests {
  static let time = Date(timeIntervalSince1970: 1_795_000_000.25)

  @Test("an access line reads as the operator expects")
  func accessLine() {
    let line = LogLines.line(
      time: Self.time, level: .info, label: "amexist.access", message: "GET /services/{siret} 200",
      metadata: [
        "http.status": "200", "http.method": "GET", "http.route": "/services/{siret}",
        "duration_us": "452",
      ], format: .text)
    #expect(
      line
        == "2026-11-18T11:06:40.250Z info amexist.access: GET /services/{siret} 200 duration_us=452 http.method=GET http.route=/services/{siret} http.status=200"
    )
  }

  @Test("every kind of metadata value is written as swift-log describes it, after the message")
  func valuesAsDescribed() {
    let metadata: Logger.Metadata = [
      "b": .stringConvertible(42), "a": .array(["x", "y"]), "c": .dictionary(["k": "v"]),
    ]
    let line = LogLines.line(
      time: Self.time, level: .warning, label: "amexist", message: "note", metadata: metadata,
      format: .text)
    #expect(
      line
        == "2026-11-18T11:06:40.250Z warning amexist: note a=\(Logger.MetadataValue.array(["x", "y"])) b=42 c=\(Logger.MetadataValue.dictionary(["k": "v"]))"
    )
  }

  @Test("a value with a line break or an escape cannot forge a second line")
  func controlCharactersEscaped() {
    let line = LogLines.line(
      time: Self.time, level: .error, label: "amexist", message: "refused\nforged",
      metadata: ["reason": "\u{1b}[31mred\r\n2026-11-18 info amexist: fake"], format: .text)
    #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1b}"))
    #expect(line.contains("refused\\u{a}forged"))
    #expect(line.contains("reason=\\u{1b}[31mred\\u{d}\\u{a}2026-11-18 info amexist: fake"))
  }
}
