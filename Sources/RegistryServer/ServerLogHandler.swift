import Foundation
import Logging

/// The server's log lines on standard error: `time level label: message metadata`.
///
/// Written here rather than using swift-log's `StreamLogHandler` because that one formats its
/// metadata each time metadata is set, and the HTTP framework sets a request id on every
/// request: a cost paid per request for lines that are almost never printed. This one formats
/// only what it prints, and escapes control characters so that a value cannot forge a line.
struct ServerLogHandler: LogHandler {
  let label: String
  var logLevel: Logger.Level = .info
  var metadata: Logger.Metadata = [:]

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var all = metadata
    if let extra = event.metadata { all.merge(extra) { $1 } }
    let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      .joined(separator: " ")
    let line =
      "\(Date().ISO8601Format()) \(event.level) \(label): \(event.message)"
      + (fields.isEmpty ? "" : " " + fields)
    FileHandle.standardError.write(Data((Self.escaped(line) + "\n").utf8))
  }

  /// Control characters (line breaks, ANSI escapes) as `\u{…}`.
  static func escaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      if scalar.value < 0x20 || scalar.value == 0x7f {
        out += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
