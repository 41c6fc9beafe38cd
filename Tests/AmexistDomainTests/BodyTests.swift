import AmexistDomain
import RegistryTesting
import Testing

/// Item 2 of "Certifying bodies": bodies, their accreditation windows and changes, their keys.
@Suite("Certifying bodies: accreditation fold and rules")
struct BodyTests {
  let body = "afnor-certification"

  func registration(from: String = "2024-01-01", until: String = "2028-12-31") throws -> Event {
    .bodyRegistered(
      try BodyRegistered(
        body: body, name: "AFNOR Certification", accreditor: "COFRAC", number: "5-0012",
        validFrom: TestValues.date(from), validUntil: TestValues.date(until)))
  }

  func change(_ change: BodyAccreditationChanged.Change, on day: String) throws -> Event {
    .bodyAccreditationChanged(
      try BodyAccreditationChanged(
        body: body, change: change, effective: TestValues.date(day), reason: "Décision COFRAC"))
  }

  func bodyKey(
    owner: String, kid: String = "body-key-1", from: String = "2026-11-25T09:00:00Z"
  ) throws -> Event {
    .keyAdded(
      try KeyAdded(
        kid: kid, algorithm: "EdDSA",
        publicKey: .object(["kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string("x")]),
        validFrom: TestValues.instant(from), validUntil: nil, owner: owner))
  }

  func record(_ ledger: Ledger) -> BodyRecord? {
    BodyRecord.fold(ledger.events.filter { $0.event.subject == .body(body) })
  }

  @Test("C21 the accreditation covers its window, both ends included, and nothing outside it")
  func window() throws {
    var ledger = Ledger()
    try ledger.append(try registration())
    let accreditation = try #require(record(ledger)).accreditation
    #expect(!accreditation.covers(TestValues.date("2023-12-31")))
    #expect(accreditation.covers(TestValues.date("2024-01-01")))
    #expect(accreditation.covers(TestValues.date("2028-12-31")))
    #expect(!accreditation.covers(TestValues.date("2029-01-01")))
    #expect(accreditation.standing(on: TestValues.date("2023-12-31")) == .notYet)
    #expect(accreditation.standing(on: TestValues.date("2029-01-01")) == .expired)
  }

  @Test("C21 suspended from its first day until the day it is reinstated; withdrawn for good")
  func changes() throws {
    var ledger = Ledger()
    try ledger.append(try registration())
    try ledger.append(try change(.suspended, on: "2026-03-01"))
    try ledger.append(try change(.reinstated, on: "2026-04-15"))
    try ledger.append(try change(.extended(until: TestValues.date("2030-12-31")), on: "2026-05-01"))
    var accreditation = try #require(record(ledger)).accreditation
    #expect(accreditation.covers(TestValues.date("2026-02-28")))
    #expect(accreditation.standing(on: TestValues.date("2026-03-01")) == .suspended)
    #expect(accreditation.standing(on: TestValues.date("2026-04-14")) == .suspended)
    #expect(accreditation.covers(TestValues.date("2026-04-15")))
    #expect(accreditation.covers(TestValues.date("2030-12-31")))
    #expect(!accreditation.isSuspended)
    try ledger.append(try change(.withdrawn, on: "2026-11-20"))
    accreditation = try #require(record(ledger)).accreditation
    #expect(accreditation.covers(TestValues.date("2026-11-19")))
    #expect(accreditation.standing(on: TestValues.date("2026-11-20")) == .withdrawn)
    #expect(accreditation.standing(on: TestValues.date("2030-01-01")) == .withdrawn)
    // Nothing more for a withdrawn body: no change, no key.
    #expect(
      throws: DomainError.ruleViolated(
        .accreditationWithdrawn(body: body, on: TestValues.date("2026-11-20")))
    ) {
      try ledger.append(try change(.reinstated, on: "2026-11-21"))
    }
    var withKeys = ledger
    #expect(throws: DomainError.self) {
      try withKeys.append(
        try bodyKey(owner: body), related: [.body(body): ledger.events])
    }
  }

  @Test("accreditation rules: each refusal names what is wrong")
  func rules() throws {
    var ledger = Ledger()
    #expect(throws: DomainError.ruleViolated(.unknownBody(body))) {
      try ledger.append(try change(.suspended, on: "2026-03-01"))
    }
    #expect(throws: DomainError.self) {
      try ledger.append(try registration(from: "2028-12-31", until: "2028-12-31"))
    }
    try ledger.append(try registration())
    #expect(throws: DomainError.ruleViolated(.bodyAlreadyRegistered(body))) {
      try ledger.append(try registration())
    }
    #expect(throws: DomainError.ruleViolated(.accreditationNotSuspended(body))) {
      try ledger.append(try change(.reinstated, on: "2026-03-01"))
    }
    try ledger.append(try change(.suspended, on: "2026-03-01"))
    #expect(throws: DomainError.ruleViolated(.accreditationAlreadySuspended(body))) {
      try ledger.append(try change(.suspended, on: "2026-03-02"))
    }
    #expect(
      throws: DomainError.ruleViolated(
        .accreditationChangeBeforePrevious(
          effective: TestValues.date("2026-02-28"), previous: TestValues.date("2026-03-01")))
    ) {
      try ledger.append(try change(.reinstated, on: "2026-02-28"))
    }
    #expect(throws: DomainError.self) {
      try ledger.append(try change(.reinstated, on: "2026-11-26"))
    }
    #expect(
      throws: DomainError.ruleViolated(
        .accreditationNotExtended(
          current: TestValues.date("2028-12-31"), requested: TestValues.date("2028-12-31")))
    ) {
      try ledger.append(
        try change(.extended(until: TestValues.date("2028-12-31")), on: "2026-03-02"))
    }
    #expect(throws: DomainError.self) {
      _ = try BodyRegistered(
        body: "AFNOR Certification", name: "A", accreditor: "COFRAC", number: "1",
        validFrom: TestValues.date("2024-01-01"), validUntil: TestValues.date("2025-01-01"))
    }
  }

  @Test("a body key needs a registered body; its owner is logged with it")
  func keys() throws {
    var ledger = Ledger()
    #expect(throws: DomainError.ruleViolated(.unknownBody(body))) {
      try ledger.append(try bodyKey(owner: body))
    }
    try ledger.append(try registration())
    let bodyEvents = ledger.events
    try ledger.append(try bodyKey(owner: body), related: [.body(body): bodyEvents])
    let key = try #require(
      KeyRecord.fold(ledger.events.filter { $0.event.subject == .key("body-key-1") }))
    #expect(key.owner == body)
    #expect(
      String(decoding: ledger.events.last!.canonicalBytes, as: UTF8.self).contains(
        #""owner":"afnor-certification""#))
  }

  @Test("a body key may be dated back to the accreditation's first day, not before, not ahead")
  func backdatedKeys() throws {
    var ledger = Ledger()
    try ledger.append(try registration(from: "2024-01-01"))
    let bodyEvents = ledger.events
    #expect(
      throws: DomainError.ruleViolated(
        .keyBeforeAccreditation(
          kid: "k-early", validFrom: TestValues.date("2023-12-31"),
          accreditedFrom: TestValues.date("2024-01-01")))
    ) {
      try ledger.append(
        try bodyKey(owner: body, kid: "k-early", from: "2023-12-31T12:00:00Z"),
        related: [.body(body): bodyEvents])
    }
    #expect(
      throws: DomainError.ruleViolated(
        .keyStartsInFuture(kid: "k-ahead", validFrom: TestValues.instant("2026-11-25T09:00:01Z")))
    ) {
      try ledger.append(
        try bodyKey(owner: body, kid: "k-ahead", from: "2026-11-25T09:00:01Z"),
        related: [.body(body): bodyEvents])
    }
    // Paris midnight of the first accredited day (23:00 UTC the day before, in winter).
    try ledger.append(
      try bodyKey(owner: body, kid: "k-first", from: "2023-12-31T23:00:00Z"),
      related: [.body(body): bodyEvents])
  }
}
