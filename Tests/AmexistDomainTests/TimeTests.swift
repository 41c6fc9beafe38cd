import AmexistDomain
import Foundation
import RegistryTesting
import Testing

@Suite("Calendar dates")
struct CalendarDateTests {
  @Test(
    "YYYY-MM-DD parses and prints back",
    arguments: ["2026-11-25", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"])
  func roundTrip(_ text: String) throws {
    #expect(try CalendarDate(parsing: text).description == text)
  }

  @Test(
    "other forms and days that do not exist are refused",
    arguments: [
      "2026-1-01", "2026/01/01", " 2026-01-01", "2026-01-01 ", "20260101", "2026-13-01",
      "2026-00-10", "2026-04-31",
      "2025-02-29", "1900-02-29", "0000-01-01", "2026-01-32", "２０２６-01-01", "",
    ]
  )
  func invalid(_ text: String) {
    #expect(throws: DomainError.self) { try CalendarDate(parsing: text) }
  }

  @Test("dates and instants print as Foundation's UTC calendar reads them, and parse back")
  func printedForms() throws {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    var random = SystemRandomNumberGenerator()
    // From 1583 (Foundation's calendar is Julian before) to 9999, and the whole seconds too.
    for round in 0..<5_000 {
      var milliseconds = Int64.random(
        in: -12_200_000_000_000...253_402_300_799_999, using: &random)
      if round % 4 == 0 { milliseconds -= milliseconds % 1000 }
      let instant = Instant(millisecondsSinceEpoch: milliseconds)
      let fraction = Int(((milliseconds % 1000) + 1000) % 1000)
      let parts = calendar.dateComponents(
        [.year, .month, .day, .hour, .minute, .second],
        from: Date(timeIntervalSince1970: Double((milliseconds - Int64(fraction)) / 1000)))
      let expected =
        String(
          format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!,
          parts.hour!, parts.minute!, parts.second!)
        + (fraction == 0 ? "" : String(format: ".%03d", fraction)) + "Z"
      #expect(instant.description == expected)
      #expect(try Instant(parsing: instant.description) == instant)
      #expect(CalendarDate(parisDayOf: instant).description.utf8.count == 10)
    }
  }

  @Test("day counts match Foundation's Gregorian calendar over centuries")
  func dayCounts() throws {
    // From 1583 on: Foundation's Gregorian calendar is Julian before October 1582.
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    for days in stride(from: -140_000, through: 2_900_000, by: 997) {
      let date = CalendarDate(daysSinceEpoch: days)
      #expect(date.daysSinceEpoch == days)
      let parts = calendar.dateComponents(
        [.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86400))
      #expect([parts.year, parts.month, parts.day] == [date.year, date.month, date.day])
    }
  }

  /// C10: days are read in Europe/Paris, across both DST changes.
  @Test("C10: the Paris day of an instant follows CET and CEST")
  func parisDay() {
    // 23:30 UTC is already the next day in Paris, in winter (UTC+1) and in summer (UTC+2).
    #expect(
      CalendarDate(parisDayOf: TestValues.instant("2026-01-14T23:30:00Z")).description
        == "2026-01-15")
    #expect(
      CalendarDate(parisDayOf: TestValues.instant("2026-07-14T22:30:00Z")).description
        == "2026-07-15")
    #expect(
      CalendarDate(parisDayOf: TestValues.instant("2026-07-14T21:59:59Z")).description
        == "2026-07-14")
    // The night clocks go forward (29 March 2026, 02:00 → 03:00) and back (25 October 2026).
    #expect(
      CalendarDate(parisDayOf: TestValues.instant("2026-03-28T23:00:00Z")).description
        == "2026-03-29")
    #expect(
      CalendarDate(parisDayOf: TestValues.instant("2026-10-24T22:00:00Z")).description
        == "2026-10-25")
  }

  @Test("C10: a day starts at Paris midnight, whatever the offset")
  func parisStart() {
    #expect(TestValues.date("2026-01-15").parisStart.description == "2026-01-14T23:00:00Z")
    #expect(TestValues.date("2026-07-15").parisStart.description == "2026-07-14T22:00:00Z")
    // The days of the DST changes start at midnight with the offset of the night before.
    #expect(TestValues.date("2026-03-29").parisStart.description == "2026-03-28T23:00:00Z")
    #expect(TestValues.date("2026-10-25").parisStart.description == "2026-10-24T22:00:00Z")
    #expect(TestValues.date("2026-03-30").parisStart.description == "2026-03-29T22:00:00Z")
  }

  @Test("French format is DD/MM/YYYY")
  func french() {
    #expect(TestValues.date("2029-03-01").frenchFormat == "01/03/2029")
  }
}

@Suite("Instants (C10)")
struct InstantTests {
  @Test(
    "C10: RFC 3339 timestamps with a zone are stored in UTC",
    arguments: [
      ("2027-01-31T12:00:00Z", "2027-01-31T12:00:00Z"),
      ("2027-01-31T13:00:00+01:00", "2027-01-31T12:00:00Z"),
      ("2027-01-31T06:30:00-05:30", "2027-01-31T12:00:00Z"),
      ("2027-02-01T00:30:00+12:30", "2027-01-31T12:00:00Z"),
      ("2027-01-31T12:00:00-00:00", "2027-01-31T12:00:00Z"),
      ("2027-01-31T12:00:00.5Z", "2027-01-31T12:00:00.500Z"),
      ("2027-01-31T12:00:00.123456789Z", "2027-01-31T12:00:00.123Z"),
      ("2040-06-01T00:00:00Z", "2040-06-01T00:00:00Z"),
      ("2106-02-07T06:28:16Z", "2106-02-07T06:28:16Z"),
      ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
      ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
    ]
  )
  func parse(_ input: String, _ utc: String) throws {
    #expect(try Instant(parsing: input).description == utc)
  }

  @Test(
    "C10: timestamps without a zone, leap seconds and malformed forms are refused",
    arguments: [
      "2027-01-31T12:00:00", "2027-01-31 12:00:00Z", "2027-01-31t12:00:00z", "2027-01-31T23:59:60Z",
      "2027-01-31T24:00:00Z", "2027-01-31T12:60:00Z", "2027-01-31T12:00Z",
      "2027-01-31T12:00:00+0100",
      "2027-01-31T12:00:00+24:00", "2027-01-31T12:00:00.Z", "2027-02-30T12:00:00Z",
      "2027-01-31T12:00:00ZZ",
      "2027-01-31T12:00:00+01:00 ", "", "now",
    ]
  )
  func invalid(_ input: String) {
    #expect(throws: DomainError.self) { try Instant(parsing: input) }
  }

  @Test("the leap-second refusal says why")
  func leapSecondMessage() {
    #expect(
      throws: DomainError.invalidInstant(
        input: "2016-12-31T23:59:60Z", reason: "leap seconds (:60) are not supported")
    ) {
      try Instant(parsing: "2016-12-31T23:59:60Z")
    }
  }

  @Test("instants compare by time, not by how they were written")
  func ordering() {
    #expect(
      TestValues.instant("2027-01-31T13:00:00+02:00")
        < TestValues.instant("2027-01-31T12:00:00+00:00"))
  }
}
