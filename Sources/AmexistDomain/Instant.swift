import Foundation

/// A point in time, in UTC, to the millisecond.
///
/// Instants are written as RFC 3339 timestamps in UTC (`2026-11-25T05:40:51Z`, with `.sss` when
/// the milliseconds are not zero), the one form the registry stores and signs.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// Milliseconds since 1970-01-01T00:00:00Z.
  public let millisecondsSinceEpoch: Int64

  /// The instant `milliseconds` after the Unix epoch.
  public init(millisecondsSinceEpoch milliseconds: Int64) {
    self.millisecondsSinceEpoch = milliseconds
  }

  /// The instant of a Foundation date, truncated to the millisecond.
  public init(_ date: Date) {
    self.millisecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
  }

  /// Parses an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `±HH:MM`.
  ///
  /// Offsets are converted to UTC. Fractions finer than a millisecond are truncated. A
  /// timestamp without a zone is refused (its instant would be a guess), and so is a leap
  /// second (`:60`), which UTC instants here cannot represent.
  ///
  /// - Throws: ``DomainError/invalidInstant(input:reason:)``.
  public init(parsing input: String) throws(DomainError) {
    let bytes = Array(input.utf8)
    func fail(_ reason: String) -> DomainError { .invalidInstant(input: input, reason: reason) }
    guard bytes.count >= 19, bytes.count <= 40 else { throw fail("not a timestamp") }
    guard bytes[10] == UInt8(ascii: "T") else { throw fail("date and time must be separated by T") }
    let date: CalendarDate
    do {
      date = try CalendarDate(parsing: String(decoding: bytes[0..<10], as: UTF8.self))
    } catch {
      throw fail("the date part is not a valid YYYY-MM-DD date")
    }
    guard bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
      let hour = ASCIIDigits.value(bytes[11..<13]), let minute = ASCIIDigits.value(bytes[14..<16]),
      let second = ASCIIDigits.value(bytes[17..<19])
    else { throw fail("the time must be HH:MM:SS") }
    guard hour < 24, minute < 60 else { throw fail("the time of day does not exist") }
    if second == 60 { throw fail("leap seconds (:60) are not supported") }
    guard second < 60 else { throw fail("the time of day does not exist") }

    var cursor = 19
    var milliseconds = 0
    if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ".") {
      cursor += 1
      let start = cursor
      while cursor < bytes.count, ASCIIDigits.value(bytes[cursor...cursor]) != nil { cursor += 1 }
      guard cursor > start else { throw fail("a fraction of a second needs digits") }
      let fraction = bytes[start..<min(cursor, start + 3)]
      milliseconds = ASCIIDigits.value(fraction)! * [100, 10, 1][fraction.count - 1]
    }
    guard cursor < bytes.count else {
      throw fail("a time zone is required (Z or an offset such as +01:00)")
    }
    var offsetMinutes = 0
    switch bytes[cursor] {
    case UInt8(ascii: "Z"):
      guard cursor + 1 == bytes.count else { throw fail("unexpected characters after Z") }
    case UInt8(ascii: "+"), UInt8(ascii: "-"):
      guard bytes.count == cursor + 6, bytes[cursor + 3] == UInt8(ascii: ":"),
        let offsetHour = ASCIIDigits.value(bytes[(cursor + 1)..<(cursor + 3)]),
        let offsetMinute = ASCIIDigits.value(bytes[(cursor + 4)..<(cursor + 6)]),
        offsetHour < 24, offsetMinute < 60
      else { throw fail("the offset must be ±HH:MM") }
      offsetMinutes =
        (offsetHour * 60 + offsetMinute) * (bytes[cursor] == UInt8(ascii: "-") ? -1 : 1)
    default:
      throw fail("a time zone is required (Z or an offset such as +01:00)")
    }
    let seconds =
      Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
      - Int64(offsetMinutes * 60)
    self.millisecondsSinceEpoch = seconds * 1000 + Int64(milliseconds)
  }

  /// The same instant as a Foundation date.
  public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }

  /// The instant `milliseconds` later.
  public func adding(milliseconds: Int64) -> Instant {
    Instant(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
  }

  /// The RFC 3339 form in UTC, the one stored and signed.
  public var description: String {
    let days = Int(millisecondsSinceEpoch.floorDivided(by: 86_400_000))
    let withinDay = Int(millisecondsSinceEpoch - Int64(days) * 86_400_000)
    let date = CalendarDate(daysSinceEpoch: days)
    let seconds = withinDay / 1000
    let milliseconds = withinDay % 1000
    // Every entry read is formatted again (its canonical form is checked): written straight
    // into the string's storage.
    let day = date.description
    return String(unsafeUninitializedCapacity: day.utf8.count + 14) { buffer in
      var end = 0
      for byte in day.utf8 {
        buffer[end] = byte
        end += 1
      }
      buffer[end] = UInt8(ascii: "T")
      end = ASCIIDigits.write(seconds / 3600, width: 2, into: buffer, at: end + 1)
      buffer[end] = UInt8(ascii: ":")
      end = ASCIIDigits.write(seconds / 60 % 60, width: 2, into: buffer, at: end + 1)
      buffer[end] = UInt8(ascii: ":")
      end = ASCIIDigits.write(seconds % 60, width: 2, into: buffer, at: end + 1)
      if milliseconds != 0 {
        buffer[end] = UInt8(ascii: ".")
        end = ASCIIDigits.write(milliseconds, width: 3, into: buffer, at: end + 1)
      }
      buffer[end] = UInt8(ascii: "Z")
      return end + 1
    }
  }

  public static func < (lhs: Instant, rhs: Instant) -> Bool {
    lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
  }
}
