import AmexistDomain
import RegistryTesting
import Testing

/// Item 4: bounds on what can never be undone (catalogue C24 for the bounds, C10 for dates).
@Suite("Scheme bounds: earliest decision, longest validity, zero SIREN")
struct SchemeTests {
  func grant(decided: String, until: String, level: Level = .implementation) throws -> Event {
    .levelGranted(
      try LevelGranted(
        siret: siret, level: level, decided: TestValues.date(decided),
        validUntil: TestValues.date(until),
        evaluator: level == .certification ? "AFNOR Certification" : nil))
  }

  func ledger() throws -> Ledger {
    var ledger = Ledger()
    try ledger.append(
      .serviceRegistered(ServiceRegistered(siret: siret, profile: try ServiceProfile(name: "S"))))
    return ledger
  }

  @Test("item 4: decisions from 2004-01-01, not the day before (amexist scheme)")
  func earliestDecision() throws {
    var ledger = try ledger()
    #expect(
      throws: DomainError.ruleViolated(
        .decisionBeforeScheme(
          decided: TestValues.date("2003-12-31"), earliest: TestValues.date("2004-01-01"),
          scheme: "amexist"))
    ) {
      try ledger.append(try grant(decided: "2003-12-31", until: "2005-12-30"))
    }
    #expect(throws: DomainError.self) {
      try ledger.append(try grant(decided: "0001-01-01", until: "0002-01-01"))
    }
    try ledger.append(try grant(decided: "2004-01-01", until: "2008-12-31"))
  }

  @Test(
    "item 4: validUntil at most the decision date + 5 years − 1 day, each level",
    arguments: Level.allCases)
  func longestValidity(_ level: Level) throws {
    var ledger = try ledger()
    #expect(
      throws: DomainError.ruleViolated(
        .validityTooLong(
          validUntil: TestValues.date("2031-01-10"), latest: TestValues.date("2031-01-09"),
          level: level, scheme: "amexist"))
    ) {
      try ledger.append(try grant(decided: "2026-01-10", until: "2031-01-10", level: level))
    }
    #expect(throws: DomainError.self) {
      try ledger.append(try grant(decided: "2026-01-10", until: "9999-12-31", level: level))
    }
    try ledger.append(try grant(decided: "2026-01-10", until: "2031-01-09", level: level))
  }

  @Test("item 4: a renewal is bounded by its own decision date")
  func renewalBound() throws {
    var ledger = try ledger()
    try ledger.append(try grant(decided: "2026-01-10", until: "2029-01-09"))
    #expect(throws: DomainError.self) {
      try ledger.append(
        .levelRenewed(
          try LevelRenewed(
            siret: siret, decided: TestValues.date("2026-11-20"),
            validUntil: TestValues.date("2031-11-20"))))
    }
    try ledger.append(
      .levelRenewed(
        try LevelRenewed(
          siret: siret, decided: TestValues.date("2026-11-20"),
          validUntil: TestValues.date("2031-11-19"))))
  }

  @Test("C10: + N years − 1 day is calendar arithmetic: 29 February + 1 year → 28 February")
  func leapDay() throws {
    let leap = TestValues.date("2024-02-29")
    #expect(leap.adding(years: 1) == TestValues.date("2025-02-28"))
    #expect(leap.adding(years: 4) == TestValues.date("2028-02-29"))
    #expect(
      Scheme.amexist.latestValidUntil(level: .commitment, decided: leap)
        == TestValues.date("2029-02-27"))
    #expect(
      Scheme.amexist.latestValidUntil(level: .commitment, decided: TestValues.date("2026-01-10"))
        == TestValues.date("2031-01-09"))
  }

  @Test("item 4: an all-zero SIREN is refused, whatever its checksum")
  func zeroSIREN() {
    #expect(throws: DomainError.invalidSIRET(input: "00000000000000", problem: .zeroSIREN)) {
      try SIRET("00000000000000")
    }
    #expect(throws: DomainError.self) { try SIRET("000 000 000 00018") }
    #expect((try? SIRET("73282932000074")) != nil)
  }
}
