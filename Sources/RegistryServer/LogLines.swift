import AmexistDomain
import Foundation
public import Logging
import Synchronization

/// The registry's log lines on standard error, as text for people or as one JSON object per
/// line for collectors. Every process installs it once (`LogLines.bootstrap`), so that the
/// server, the database client and the command line write the same format.
///
/// Written here rather than using swift-log's `StreamLogHandler` because that one formats its
/// metadata each time metadata is set, and the HTTP framework sets a request id on every
/// request: a cost paid per request for lines that are almost never printed. This one formats
/// only what it prints, and escapes control characters so that a value cannot forge a line.
public struct LogLines: LogHandler {
  /// How lines are written.
  public enum Format: String, Sendable, CaseIterable {
    /// `time level label: message key=value…`.
    case text
    /// `{"label":…,"level":…,"message":…,"time":…, metadata…}` on one line.
    case json
  }

  let label: String
  let format: Format
  public var logLevel: Logger.Level
  public var metadata: Logger.Metadata = [:]

  /// A handler for `label` writing `format` from `level` up.
  public init(label: String, format: Format, level: Logger.Level) {
    self.label = label
    self.format = format
    self.logLevel = level
  }

  private static let installed = Mutex(false)

  /// Makes every logger of this process write `format` from `level` up; later calls change
  /// nothing (swift-log allows one bootstrap per process).
  public static func bootstrap(format: Format, level: Logger.Level) {
    let first = installed.withLock { installed in
      defer { installed = true }
      return !installed
    }
    guard first else { return }
    LoggingSystem.bootstrap { label in LogLines(label: label, format: format, level: level) }
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    // The access log's lines carry only their own metadata: no merged copy for them.
    var all = event.metadata ?? [:]
    if !metadata.isEmpty { all = metadata.merging(all) { $1 } }
    var line = Self.line(
      time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: all,
      format: format)
    line.append("\n")
    Self.writeToStandardError(&line)
  }

  /// Writes `line` to standard error in one `write` where it fits (lines from several threads
  /// never interleave within one), going on after a partial write or an interruption.
  private static func writeToStandardError(_ line: inout String) {
    line.withUTF8 { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
        if written > 0 {
          offset += written
        } else if written < 0 && errno == EINTR {
          continue
        } else {
          return
        }
      }
    }
  }

  /// One line for `message`, without its line end.
  static func line(
    time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata,
    format: Format
  ) -> String {
    let stamp = timestamp(Instant(time))
    switch format {
    case .text:
      // Built in one string: the access log writes a line per request.
      var text = stamp
      text.reserveCapacity(stamp.utf8.count + label.utf8.count + message.utf8.count + 96)
      text.append(" ")
      text.append(level.rawValue)
      text.append(" ")
      text.append(label)
      text.append(": ")
      text.append(message)
      for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
        text.append(" ")
        text.append(key)
        text.append("=")
        if case .string(let string) = value {
          text.append(string)
        } else {
          text.append(value.description)
        }
      }
      return escaped(text)
    case .json:
      var members: [String: JSONValue] = [:]
      for (key, value) in metadata { members[key] = json(value) }
      members["time"] = .string(stamp)
      members["level"] = .string(level.rawValue)
      members["label"] = .string(label)
      members["message"] = .string(message)
      return CanonicalJSON.string(.object(members))
    }
  }

  private static func json(_ value: Logger.MetadataValue) -> JSONValue {
    switch value {
    case .string(let text): return Int64(text).map(JSONValue.integer) ?? .string(text)
    case .stringConvertible(let value):
      return Int64("\(value)").map(JSONValue.integer) ?? .string("\(value)")
    case .array(let values): return .array(values.map(json))
    case .dictionary(let members): return .object(members.mapValues(json))
    }
  }

  /// `instant` in RFC 3339 with milliseconds, always three digits (`…T10:00:00.000Z`). Not
  /// Foundation's ISO 8601 style: the access log writes one per request, and that style costs
  /// more than the rest of the line.
  static func timestamp(_ instant: Instant) -> String {
    let text = instant.description
    return instant.millisecondsSinceEpoch % 1000 == 0 ? text.dropLast() + ".000Z" : text
  }

  /// Control characters (line breaks, ANSI escapes) as `\u{…}`.
  static func escaped(_ text: String) -> String {
    var text = text
    // Over contiguous bytes: this check runs on every access line.
    let clean = text.withUTF8 { bytes in !bytes.contains(where: { $0 < 0x20 || $0 == 0x7f }) }
    guard !clean else { return text }
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
