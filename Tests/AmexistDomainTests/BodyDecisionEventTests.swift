import AmexistDomain
import RegistryTesting
import Testing

/// Item 4 of "Certifying bodies": transfers, réserves, refusals and successions in the fold and
/// the rules (catalogue C24 for transfers, C25 for réserves).
@Suite("Transfers, réserves, refusals and successions")
struct BodyDecisionEventTests {
  static func signature(_ body: String) throws -> BodySignature {
    try BodySignature(body: body, token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
  }

  /// A service holding level 3 from `bodyA`, decided 2026-01-10 until 2029-01-09.
  func certified(until: String = "2029-01-09") throws -> Ledger {
    var ledger = Ledger()
    try ledger.append(TestValues.registration(siret))
    try ledger.append(
      try TestValues.grant(
        siret, .certification, decided: "2026-01-10", validUntil: until,
        evaluator: "Organisme A", signedBy: try Self.signature("organisme-a")))
    return ledger
  }

  func transfer(
    from: String = "organisme-a", to: String = "organisme-b", decided: String = "2026-11-20",
    level: Level = .certification, until: String = "2029-01-09"
  ) throws -> Event {
    .levelTransferred(
      try LevelTransferred(
        siret: siret, decided: TestValues.date(decided), level: level,
        validUntil: TestValues.date(until), evaluator: "Organisme B", reference: "B-7",
        fromBody: from, signedBy: try Self.signature(to)))
  }

  func reserves(by body: String = "organisme-a", decided: String = "2026-11-01", deadline: String)
    throws -> Event
  {
    .reservesRecorded(
      try ReservesRecorded(
        siret: siret, decided: TestValues.date(decided),
        reservations: "Traçabilité des visites à compléter", deadline: TestValues.date(deadline),
        signedBy: try Self.signature(body)))
  }

  func lift(by body: String = "organisme-a", decided: String = "2026-11-15") throws -> Event {
    .reservesLifted(
      ReservesLifted(
        siret: siret, decided: TestValues.date(decided), signedBy: try Self.signature(body)))
  }

  func expectViolation(_ violation: RuleViolation, _ ledger: Ledger, _ event: Event) {
    var copy = ledger
    #expect(throws: DomainError.ruleViolated(violation)) { try copy.append(event) }
  }

  // MARK: Transfer

  @Test("C24 a transfer moves the level as it is to the receiving body, which alone then decides")
  func transferMovesTheLevel() throws {
    var ledger = try certified()
    let grantIndex = try #require(ledger.state(siret)?.decision?.latestIndex)
    try ledger.append(try transfer())
    let decision = try #require(ledger.state(siret)?.decision)
    #expect(decision.body == "organisme-b")
    #expect(decision.transferredFrom == "organisme-a")
    #expect(decision.level == .certification)
    #expect(decision.validUntil == TestValues.date("2029-01-09"))
    #expect(decision.validFrom == TestValues.date("2026-01-10"))
    #expect(decision.evaluator == "Organisme B")
    // What an attestation attests is now the transfer.
    #expect(decision.latestIndex != grantIndex)
    #expect(ledger.state(siret)?.standing == .active)
    // The former body no longer decides; the receiving body does.
    let suspendedByA = Event.levelSuspended(
      try LevelSuspended(
        siret: siret, decided: TestValues.date("2026-11-21"), reason: "Audit",
        signedBy: try Self.signature("organisme-a")))
    expectViolation(.decisionReservedToBody("organisme-b"), ledger, suspendedByA)
  }

  @Test("C24 a transfer names the body holding the level, keeps level and last day")
  func transferRefusals() throws {
    let ledger = try certified()
    expectViolation(
      .transferFromOtherBody(named: "organisme-c", holder: "organisme-a"), ledger,
      try transfer(from: "organisme-c"))
    expectViolation(
      .transferChangesLevel(current: .certification, validUntil: TestValues.date("2029-01-09")),
      ledger, try transfer(until: "2030-01-09"))
    expectViolation(
      .transferChangesLevel(current: .certification, validUntil: TestValues.date("2029-01-09")),
      ledger, try transfer(level: .implementation))
    #expect(throws: DomainError.self) {
      try LevelTransferred(
        siret: siret, decided: TestValues.date("2026-11-20"), level: .certification,
        validUntil: TestValues.date("2029-01-09"), fromBody: "organisme-a",
        signedBy: try Self.signature("organisme-a"))
    }
  }

  @Test("C24 no transfer while suspended, nor with one year or less left (both sides)")
  func transferConditions() throws {
    var suspended = try certified()
    try suspended.append(
      .levelSuspended(
        try LevelSuspended(
          siret: siret, decided: TestValues.date("2026-11-10"), reason: "Audit en retard",
          signedBy: try Self.signature("organisme-a"))))
    expectViolation(.scheme(.amexist, .transferWhileSuspended), suspended, try transfer())
    // Decided 2026-11-20: valid until 2027-11-20 is exactly one year left, refused; one more
    // day is accepted.
    let late = try certified(until: "2027-11-20")
    expectViolation(
      .scheme(
        .amexist,
        .transferTooLate(
          years: 1, validUntil: TestValues.date("2027-11-20"),
          decided: TestValues.date("2026-11-20"))),
      late, try transfer(until: "2027-11-20"))
    var enough = try certified(until: "2027-11-21")
    try enough.append(try transfer(until: "2027-11-21"))
    // A level the federation granted (amexist level 2) does not move between bodies.
    var federation = Ledger()
    try federation.append(TestValues.registration(siret))
    try federation.append(try TestValues.grant(siret, .implementation, decided: "2026-01-10"))
    expectViolation(
      .scheme(.amexist, .notTransferable(level: .implementation)), federation,
      try transfer(level: .implementation, until: "2029-10-31"))
  }

  // MARK: Réserves

  @Test("C25 réserves are open until lifted; past the deadline they are non levées")
  func reservesLifeCycle() throws {
    var ledger = try certified()
    try ledger.append(try reserves(deadline: "2026-11-20"))
    let open = try #require(ledger.state(siret, at: "2026-11-20T12:00:00Z"))
    #expect(open.reserves?.deadline == TestValues.date("2026-11-20"))
    #expect(open.reserves?.liftedOn == nil)
    #expect(!open.reservesOverdue)
    // The day after the deadline.
    #expect(ledger.state(siret, at: "2026-11-21T12:00:00Z")?.reservesOverdue == true)
    expectViolation(
      .reservesAlreadyOpen(deadline: TestValues.date("2026-11-20")), ledger,
      try reserves(decided: "2026-11-02", deadline: "2027-01-01"))
    expectViolation(.decisionReservedToBody("organisme-a"), ledger, try lift(by: "organisme-b"))
    try ledger.append(try lift())
    let lifted = try #require(ledger.state(siret, at: "2026-12-01T12:00:00Z"))
    #expect(lifted.reserves?.liftedOn == TestValues.date("2026-11-15"))
    #expect(!lifted.reservesOverdue)
    expectViolation(.noReservesToLift(siret), ledger, try lift(decided: "2026-11-16"))
    // A new grant starts without réserves.
    try ledger.append(
      try TestValues.grant(
        siret, .certification, decided: "2026-11-20", validUntil: "2029-11-19",
        signedBy: try Self.signature("organisme-a")))
    #expect(ledger.state(siret)?.reserves == nil)
  }

  @Test("réserves need a level a body decided, by that body, with a deadline after the decision")
  func reservesRules() throws {
    let ledger = try certified()
    expectViolation(
      .reservesDeadlineNotAfterDecision(
        decided: TestValues.date("2026-11-01"), deadline: TestValues.date("2026-11-01")),
      ledger, try reserves(deadline: "2026-11-01"))
    expectViolation(
      .decisionReservedToBody("organisme-a"), ledger,
      try reserves(by: "organisme-b", deadline: "2027-01-01"))
    var federation = Ledger()
    try federation.append(TestValues.registration(siret))
    try federation.append(try TestValues.grant(siret, .implementation, decided: "2026-01-10"))
    expectViolation(.reservesNeedBodyLevel(siret), federation, try reserves(deadline: "2027-01-01"))
  }

  // MARK: Refusal

  @Test("any body may refuse a level with its reasons; the level held stays as it was")
  func refusal() throws {
    var ledger = try certified()
    try ledger.append(
      .levelRefused(
        try LevelRefused(
          siret: siret, decided: TestValues.date("2026-11-20"),
          reason: "Écarts majeurs non corrigés", signedBy: try Self.signature("organisme-c"))))
    let state = try #require(ledger.state(siret))
    #expect(state.refusals.map(\.body) == ["organisme-c"])
    #expect(state.refusals.first?.reason == "Écarts majeurs non corrigés")
    #expect(state.heldLevel == .certification)
    #expect(state.decision?.body == "organisme-a")
  }

  // MARK: Succession

  func succession(_ old: SIRET, to new: SIRET, carried: ServiceSucceeded.CarriedLevel?)
    throws -> [Event]
  {
    var events: [Event] = [
      .serviceSucceeded(
        try ServiceSucceeded(
          siret: old, decided: TestValues.date("2026-11-20"),
          side: .predecessor(successor: new)))
    ]
    if let carried {
      events.append(
        .serviceSucceeded(
          try ServiceSucceeded(
            siret: new, decided: TestValues.date("2026-11-20"),
            side: .successor(predecessor: old, carried: carried))))
    }
    return events
  }

  @Test("a succession links both services; the successor holds the level for the validity left")
  func successionCarriesTheLevel() throws {
    var ledger = try certified()
    try ledger.append(TestValues.registration(other))
    let carried = ServiceSucceeded.CarriedLevel(try #require(ledger.state(siret)?.decision))
    for event in try succession(siret, to: other, carried: carried) { try ledger.append(event) }
    let old = try #require(ledger.state(siret))
    let new = try #require(ledger.state(other))
    #expect(old.successor?.siret == other)
    #expect(old.standing == .none)
    #expect(old.decision == nil)
    #expect(new.predecessor?.siret == siret)
    #expect(new.heldLevel == .certification)
    #expect(new.decision?.validUntil == TestValues.date("2029-01-09"))
    #expect(new.decision?.validFrom == TestValues.date("2026-11-20"))
    #expect(new.decision?.body == "organisme-a")
    #expect(new.decision?.succeeds == siret)
    // Nothing more is decided for the predecessor; the body decides for the successor.
    expectViolation(
      .serviceSucceeded(siret, successor: other), ledger,
      try TestValues.grant(siret, decided: "2026-11-21"))
    var forSuccessor = ledger
    try forSuccessor.append(
      .levelSuspended(
        try LevelSuspended(
          siret: other, decided: TestValues.date("2026-11-22"), reason: "Audit",
          signedBy: try Self.signature("organisme-a"))))
    #expect(forSuccessor.state(other)?.standing == .suspended)
  }

  @Test("a successor's entry must follow its predecessor's and carry the level as it was")
  func successionPairing() throws {
    var ledger = try certified()
    try ledger.append(TestValues.registration(other))
    let decision = try #require(ledger.state(siret)?.decision)
    // The successor's entry alone.
    let alone = Event.serviceSucceeded(
      try ServiceSucceeded(
        siret: other, decided: TestValues.date("2026-11-20"),
        side: .successor(predecessor: siret, carried: ServiceSucceeded.CarriedLevel(decision))))
    expectViolation(.successionUnpaired(siret), ledger, alone)
    // A level other than the predecessor's.
    var withOld = ledger
    try withOld.append(try succession(siret, to: other, carried: nil)[0])
    var lengthened = Ledger()
    try lengthened.append(TestValues.registration(siret))
    try lengthened.append(
      try TestValues.grant(
        siret, .certification, decided: "2026-01-10", validUntil: "2030-01-09",
        evaluator: "Organisme A", signedBy: try Self.signature("organisme-a")))
    let wrong = ServiceSucceeded.CarriedLevel(try #require(lengthened.state(siret)?.decision))
    expectViolation(
      .successionUnpaired(siret), withOld, try succession(siret, to: other, carried: wrong)[1])
    // A predecessor without a level in force, and an unknown successor.
    var bare = Ledger()
    try bare.append(TestValues.registration(siret))
    try bare.append(TestValues.registration(other))
    expectViolation(
      .nothingToPassOn(siret, standing: .none), bare,
      try succession(siret, to: other, carried: nil)[0])
    let stranger = TestValues.generatedSIRET(77)
    expectViolation(
      .unknownService(stranger), ledger, try succession(siret, to: stranger, carried: nil)[0])
  }
}
