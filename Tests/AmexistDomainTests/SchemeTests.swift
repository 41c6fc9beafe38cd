import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// One test per row of DESIGN's "Scheme rules" table and per scheme (catalogue C24), with both
/// sides of each boundary.
@Suite("Scheme rules: one test per row of each scheme's table")
struct SchemeTests {
  /// A grant signed by a body, as every level of every scheme may be (the "who signs" row has
  /// its own test).
  func grant(
    decided: String, until: String, level: Level = .implementation,
    signedBy: BodySignature? = TestValues.bodySignature
  ) throws -> Event {
    .levelGranted(
      try LevelGranted(
        siret: siret, level: level, decided: TestValues.date(decided),
        validUntil: TestValues.date(until), evaluator: "Organisme de test", signedBy: signedBy))
  }

  func renewal(decided: String, until: String) throws -> Event {
    .levelRenewed(
      try LevelRenewed(
        siret: siret, decided: TestValues.date(decided), validUntil: TestValues.date(until),
        signedBy: TestValues.bodySignature))
  }

  func ledger(_ scheme: Scheme = .amexist) throws -> Ledger {
    var ledger = Ledger(scheme: scheme)
    try ledger.append(
      .serviceRegistered(ServiceRegistered(siret: siret, profile: try ServiceProfile(name: "S"))))
    return ledger
  }

  /// The message a broken rule gives: it starts with the scheme's name.
  func message(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return "\(error)"
    }
  }

  // MARK: Row "earliest decision date"

  @Test(
    "C24 earliest decision: amexist from 2004-01-01, spsti-2023 from 2022-07-23, not the day before",
    arguments: [
      (SchemeName.amexist, "2003-12-31", "2004-01-01"),
      (SchemeName.spsti2023, "2022-07-22", "2022-07-23"),
    ])
  func earliestDecision(_ name: SchemeName, before: String, first: String) throws {
    var ledger = try ledger(name.rules)
    let refused = message {
      try ledger.append(
        try grant(decided: before, until: TestValues.date(before).adding(years: 1).description))
    }
    #expect(refused?.hasPrefix("\(name.rawValue): no decision is dated before \(first)") == true)
    #expect(throws: DomainError.self) {
      try ledger.append(try grant(decided: "0001-01-01", until: "0002-01-01"))
    }
    try ledger.append(
      try grant(decided: first, until: TestValues.date(first).adding(years: 1).description))
  }

  // MARK: Row "longest validity"

  @Test(
    "C24 longest validity: decision date + N years − 1 day, N per scheme and level",
    arguments: [
      (SchemeName.amexist, Level.commitment, 5), (.amexist, .implementation, 5),
      (.amexist, .certification, 5), (.spsti2023, .commitment, 2),
      (.spsti2023, .implementation, 3), (.spsti2023, .certification, 5),
    ])
  func longestValidity(_ name: SchemeName, level: Level, years: Int) throws {
    var ledger = try ledger(name.rules)
    let decided = TestValues.date("2026-01-10")
    let latest = TestValues.date("\(2026 + years)-01-09")
    #expect(name.rules.latestValidUntil(level: level, decided: decided) == latest)
    #expect(
      throws: DomainError.ruleViolated(
        .scheme(
          name,
          .validityTooLong(
            level: level, years: years, validUntil: latest.adding(days: 1), latest: latest)))
    ) {
      try ledger.append(
        try grant(decided: "2026-01-10", until: latest.adding(days: 1).description, level: level))
    }
    #expect(throws: DomainError.self) {
      try ledger.append(try grant(decided: "2026-01-10", until: "9999-12-31", level: level))
    }
    try ledger.append(try grant(decided: "2026-01-10", until: latest.description, level: level))
  }

  @Test(
    "C24 longest validity from 29 February: + N years lands on 28 February, − 1 day on the 27th",
    arguments: [
      (SchemeName.amexist, Level.commitment, "2029-02-27"),
      (.spsti2023, .commitment, "2026-02-27"), (.spsti2023, .implementation, "2027-02-27"),
      (.spsti2023, .certification, "2029-02-27"),
    ])
  func leapDayBoundary(_ name: SchemeName, level: Level, latest: String) throws {
    var ledger = try ledger(name.rules)
    let last = TestValues.date(latest)
    #expect(
      name.rules.latestValidUntil(level: level, decided: TestValues.date("2024-02-29")) == last)
    #expect(throws: DomainError.self) {
      try ledger.append(
        try grant(decided: "2024-02-29", until: last.adding(days: 1).description, level: level))
    }
    try ledger.append(try grant(decided: "2024-02-29", until: latest, level: level))
  }

  @Test("C24 longest validity: a renewal is bounded by its own decision date")
  func renewalBound() throws {
    var ledger = try ledger()
    try ledger.append(try grant(decided: "2026-01-10", until: "2029-01-09"))
    #expect(throws: DomainError.self) {
      try ledger.append(try renewal(decided: "2026-11-20", until: "2031-11-20"))
    }
    try ledger.append(try renewal(decided: "2026-11-20", until: "2031-11-19"))
  }

  @Test("C10: + N years − 1 day is calendar arithmetic: 29 February + 1 year → 28 February")
  func leapDay() throws {
    let leap = TestValues.date("2024-02-29")
    #expect(leap.adding(years: 1) == TestValues.date("2025-02-28"))
    #expect(leap.adding(years: 4) == TestValues.date("2028-02-29"))
  }

  // MARK: Row "renewal"

  @Test(
    "C24 renewal: every level under amexist, level 3 only under spsti-2023",
    arguments: [
      (SchemeName.amexist, Level.commitment, true), (.amexist, .implementation, true),
      (.amexist, .certification, true), (.spsti2023, .commitment, false),
      (.spsti2023, .implementation, false), (.spsti2023, .certification, true),
    ])
  func renewal(_ name: SchemeName, level: Level, renewable: Bool) throws {
    var ledger = try ledger(name.rules)
    try ledger.append(try grant(decided: "2025-01-10", until: "2026-12-31", level: level))
    let renew = try renewal(decided: "2026-11-20", until: "2027-11-19")
    if renewable {
      try ledger.append(renew)
      #expect(ledger.state(siret)?.decision?.validUntil == TestValues.date("2027-11-19"))
    } else {
      let refused = message { try ledger.append(renew) }
      #expect(
        refused
          == "\(name.rawValue): level \(level.rawValue) cannot be renewed; grant a new level after a new audit"
      )
      #expect(ledger.state(siret)?.decision?.validUntil == TestValues.date("2026-12-31"))
    }
  }

  // MARK: Row "who signs the decision"

  @Test(
    "C24 who signs: the federation may decide levels 1–2 of amexist; a body every other level",
    arguments: [
      (SchemeName.amexist, Level.commitment, true), (.amexist, .implementation, true),
      (.amexist, .certification, false), (.spsti2023, .commitment, false),
      (.spsti2023, .implementation, false), (.spsti2023, .certification, false),
    ])
  func signer(_ name: SchemeName, level: Level, federationMayDecide: Bool) throws {
    #expect(
      (message { try name.rules.checkFederationDecides(level) } == nil) == federationMayDecide)
    // The append rules read the row: the federation's own grant, and its renewal of a level it
    // could not grant.
    var ledger = try ledger(name.rules)
    let federationGrant = try grant(
      decided: "2026-01-10", until: "2027-01-09", level: level, signedBy: nil)
    let refused = message { try ledger.append(federationGrant) }
    try ledger.append(try grant(decided: "2026-01-10", until: "2027-01-09", level: level))
    if federationMayDecide {
      #expect(refused == nil)
    } else {
      #expect(
        refused?.hasPrefix(
          "\(name.rawValue): level \(level.rawValue) is decided by an accredited certifying body")
          == true)
      #expect(refused?.contains("amexist decision record FILE") == true)
    }
  }

  // MARK: Row "transfer to another accredited body"

  @Test(
    "C24 transfer: which levels move (level 3 under amexist, any under spsti-2023)",
    arguments: [
      (SchemeName.amexist, Level.commitment, false), (.amexist, .implementation, false),
      (.amexist, .certification, true), (.spsti2023, .commitment, true),
      (.spsti2023, .implementation, true), (.spsti2023, .certification, true),
    ])
  func transferableLevels(_ name: SchemeName, level: Level, transferable: Bool) {
    let refused = message {
      try name.rules.checkTransfer(
        of: level, validUntil: TestValues.date("2028-06-30"), suspended: false,
        decided: TestValues.date("2026-11-20"))
    }
    if transferable {
      #expect(refused == nil)
    } else {
      #expect(
        refused
          == "amexist: level \(level.rawValue) cannot be transferred to another body; it stays with the body that decided it"
      )
    }
  }

  @Test(
    "C24 transfer: more than one year left (both sides), never while suspended",
    arguments: SchemeName.allCases)
  func transferConditions(_ name: SchemeName) {
    let decided = TestValues.date("2026-11-20")
    func transfer(until: String, suspended: Bool = false) -> String? {
      message {
        try name.rules.checkTransfer(
          of: .certification, validUntil: TestValues.date(until), suspended: suspended,
          decided: decided)
      }
    }
    #expect(transfer(until: "2027-11-21") == nil)
    let late = transfer(until: "2027-11-20")
    #expect(
      late?.hasPrefix("\(name.rawValue): a transfer needs more than 1 year of validity left")
        == true)
    #expect(
      transfer(until: "2029-01-01", suspended: true)
        == "\(name.rawValue): a suspended level cannot be transferred; reinstate it first, or let the body that suspended it decide"
    )
    #expect(transfer(until: "2029-01-01", suspended: false) == nil)
  }

  // MARK: Configuration

  @Test("C24 a registry names its scheme once, and the name decodes back; unknown names refused")
  func configuration() throws {
    var ledger = Ledger()
    try ledger.append(.registryConfigured(RegistryConfigured(scheme: .spsti2023)))
    #expect(
      throws: DomainError.ruleViolated(.registryAlreadyConfigured(.spsti2023))
    ) {
      try ledger.append(.registryConfigured(RegistryConfigured(scheme: .amexist)))
    }
    let bytes = ledger.events[0].canonicalBytes
    #expect(
      String(decoding: bytes, as: UTF8.self).contains(#""event":"registryConfigured","recordedAt""#)
    )
    #expect(try EventCoding.decode(bytes).event.configuredScheme == .spsti2023)
    let unknown = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
      of: "spsti-2023", with: "spsti-2099")
    #expect(throws: DomainError.self) { try EventCoding.decode(Array(unknown.utf8)) }
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
