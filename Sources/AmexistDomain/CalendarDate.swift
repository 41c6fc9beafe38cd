import Foundation

/// A day of the Gregorian calendar, as people mean it in decisions ("valid until 31 March 2029").
///
/// Days are read in Europe/Paris: ``init(parisDayOf:)`` gives the day an instant falls on in
/// mainland France, and ``parisStart`` the instant a day begins there.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// Year, 1 to 9999.
  public let year: Int
  /// Month, 1 to 12.
  public let month: Int
  /// Day of the month, 1 to the month's length.
  public let day: Int

  /// A date from its parts, refusing days that do not exist (such as 2027-02-29).
  public init(year: Int, month: Int, day: Int) throws(DomainError) {
    let text = Self.format(year: year, month: month, day: day)
    guard (1...9999).contains(year) else {
      throw .invalidDate(input: text, reason: "the year must be 1 to 9999")
    }
    guard (1...12).contains(month) else {
      throw .invalidDate(input: text, reason: "there is no month \(month)")
    }
    guard (1...Self.daysIn(month: month, year: year)).contains(day) else {
      throw .invalidDate(input: text, reason: "this month has no day \(day)")
    }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Parses exactly `YYYY-MM-DD`.
  ///
  /// - Throws: ``DomainError/invalidDate(input:reason:)`` for any other form or a day that does not exist.
  public init(parsing input: String) throws(DomainError) {
    let bytes = Array(input.utf8)
    guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
      let year = ASCIIDigits.value(bytes[0..<4]), let month = ASCIIDigits.value(bytes[5..<7]),
      let day = ASCIIDigits.value(bytes[8..<10])
    else {
      throw .invalidDate(input: input, reason: "not a date")
    }
    do {
      try self.init(year: year, month: month, day: day)
    } catch {
      throw .invalidDate(input: input, reason: Self.reason(of: error))
    }
  }

  /// The day `instant` falls on in Europe/Paris.
  public init(parisDayOf instant: Instant) {
    let offsetSeconds = ParisTime.zone.secondsFromGMT(for: instant.date)
    let localMilliseconds = instant.millisecondsSinceEpoch + Int64(offsetSeconds) * 1000
    let days = Int(localMilliseconds.floorDivided(by: 86_400_000))
    self.init(daysSinceEpoch: days)
  }

  /// The date `days` days after 1970-01-01 (negative before).
  public init(daysSinceEpoch days: Int) {
    // Howard Hinnant's civil_from_days, exact for the proleptic Gregorian calendar.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    self.day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    self.month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    self.year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  /// Days since 1970-01-01.
  public var daysSinceEpoch: Int {
    // Howard Hinnant's days_from_civil.
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The date `count` days later (earlier when negative).
  public func adding(days count: Int) -> CalendarDate {
    CalendarDate(daysSinceEpoch: daysSinceEpoch + count)
  }

  /// The same day `count` years later (earlier when negative), by the calendar: 29 February
  /// becomes 28 February in a year that has none.
  public func adding(years count: Int) -> CalendarDate {
    let year = self.year + count
    let day = min(self.day, Self.daysIn(month: month, year: year))
    let first = (try? CalendarDate(year: year, month: month, day: 1)) ?? self
    return first.adding(days: day - 1)
  }

  /// The instant this day begins in Europe/Paris (midnight local time, never in a DST gap there).
  public var parisStart: Instant {
    let midnightAsUTC = Int64(daysSinceEpoch) * 86_400_000
    // The offset in force just before local midnight is the one in force at it: French
    // clocks change at 02:00 and 03:00, never around midnight.
    let guess = Instant(millisecondsSinceEpoch: midnightAsUTC - 3_600_000)
    let offset = Int64(ParisTime.zone.secondsFromGMT(for: guess.date)) * 1000
    return Instant(millisecondsSinceEpoch: midnightAsUTC - offset)
  }

  /// `YYYY-MM-DD`.
  public var description: String { Self.format(year: year, month: month, day: day) }

  /// `31/03/2029`, as French readers write dates.
  public var frenchFormat: String {
    "\(ASCIIDigits.padded(day, width: 2))/\(ASCIIDigits.padded(month, width: 2))/\(ASCIIDigits.padded(year, width: 4))"
  }

  public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  private static func format(year: Int, month: Int, day: Int) -> String {
    // Every entry read is formatted again (its canonical form is checked): the usual years are
    // written straight into the string's storage.
    guard (0...9999).contains(year) else {
      return
        "\(ASCIIDigits.padded(year, width: 4))-\(ASCIIDigits.padded(month, width: 2))-\(ASCIIDigits.padded(day, width: 2))"
    }
    return String(unsafeUninitializedCapacity: 10) { buffer in
      var end = ASCIIDigits.write(year, width: 4, into: buffer, at: 0)
      buffer[end] = UInt8(ascii: "-")
      end = ASCIIDigits.write(month, width: 2, into: buffer, at: end + 1)
      buffer[end] = UInt8(ascii: "-")
      return ASCIIDigits.write(day, width: 2, into: buffer, at: end + 1)
    }
  }

  private static func reason(of error: DomainError) -> String {
    if case .invalidDate(_, let reason) = error { return reason }
    return "not a date"
  }
}

/// The time zone in which the registry's calendar days are read.
public enum ParisTime {
  /// Whether the system's time zone database has Europe/Paris. Programs check it once at start
  /// and stop with a clear message when it is missing (the `tzdata` package).
  public static var isAvailable: Bool { TimeZone(identifier: "Europe/Paris") != nil }

  /// Europe/Paris from the system's time zone database. Without it no day could be told
  /// correctly, so its absence is a broken installation, not an input error.
  static let zone: TimeZone = {
    guard let zone = TimeZone(identifier: "Europe/Paris") else {
      preconditionFailure("the Europe/Paris time zone is missing: install the tzdata package")
    }
    return zone
  }()
}

/// Small helpers for fixed-width decimal fields.
enum ASCIIDigits {
  /// The value of a run of ASCII digits, or nil if any byte is not a digit.
  static func value<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int? {
    guard !bytes.isEmpty else { return nil }
    var value = 0
    for byte in bytes {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
  }

  /// Writes `value` (from 0 to 10^`width` - 1) as exactly `width` decimal digits into `buffer`
  /// from `start`, and returns where they end.
  static func write(
    _ value: Int, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int
  ) -> Int {
    var rest = value
    for position in stride(from: start + width - 1, through: start, by: -1) {
      buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
      rest /= 10
    }
    return start + width
  }

  /// `value` in decimal, left-padded with zeros to `width`.
  static func padded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return digits.count >= width
      ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}

extension Int64 {
  /// Division rounding toward negative infinity.
  func floorDivided(by divisor: Int64) -> Int64 {
    let quotient = self / divisor
    return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
  }
}
