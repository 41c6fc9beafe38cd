import AmexistDomain
import RegistryTesting
import Testing

/// An in-memory log that checks the append rules exactly as the service does.
struct Ledger {
  var events: [LoggedEvent] = []
  /// The scheme whose rules the appends are held to.
  var scheme: Scheme = .amexist

  mutating func append(
    _ event: Event, at time: String = "2026-11-25T09:00:00Z",
    related: [EventSubject: [LoggedEvent]]? = nil
  ) throws(DomainError) {
    let instant = TestValues.instant(time)
    let logged = events
    let context =
      related
      ?? Dictionary(
        event.relatedSubjects.map { subject in
          (subject, logged.filter { $0.event.subject == subject })
        },
        uniquingKeysWith: { first, _ in first })
    try AppendRules.check(
      event, recordedAt: instant, history: logged.filter { $0.event.subject == event.subject },
      related: context, scheme: scheme)
    events.append(
      LoggedEvent(
        index: Int64(events.count), recorded: RecordedEvent(recordedAt: instant, event: event)))
  }

  /// Appends `event` without the rules, as a registry made by an earlier version holds it.
  mutating func appendUnchecked(_ event: Event, at time: String = "2026-11-25T09:00:00Z") {
    events.append(
      LoggedEvent(
        index: Int64(events.count),
        recorded: RecordedEvent(recordedAt: TestValues.instant(time), event: event)))
  }

  func state(_ siret: SIRET, at time: String = "2026-11-25T12:00:00Z") -> ServiceState? {
    ServiceState.fold(
      events.filter { $0.event.subject == .service(siret) }, at: TestValues.instant(time))
  }
}

let siret = TestValues.siret("73282932000074")
let other = TestValues.siret("90011223400019")

func suspend(_ decided: String = "2026-11-10", reason: String = "Audit en retard") throws -> Event {
  .levelSuspended(
    try LevelSuspended(siret: siret, decided: TestValues.date(decided), reason: reason))
}
func reinstate(_ decided: String = "2026-11-12") -> Event {
  .levelReinstated(LevelReinstated(siret: siret, decided: TestValues.date(decided)))
}
func withdraw(_ decided: String = "2026-11-15") throws -> Event {
  .levelWithdrawn(
    try LevelWithdrawn(
      siret: siret, decided: TestValues.date(decided), reason: "Objectifs non tenus"))
}
func renew(_ decided: String = "2026-11-20", until: String = "2031-10-31") throws -> Event {
  .levelRenewed(
    try LevelRenewed(
      siret: siret, decided: TestValues.date(decided), validUntil: TestValues.date(until)))
}
func attest(_ decision: Int64, id: String = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e") throws
  -> Event
{
  .attestationIssued(
    try AttestationIssued(
      siret: siret, attestationID: id, decisionIndex: decision,
      payloadSHA256: String(repeating: "0", count: 64)
    )
  )
}

func registered() throws -> Ledger {
  var ledger = Ledger()
  try ledger.append(TestValues.registration(siret), at: "2026-10-01T08:00:00Z")
  return ledger
}

@Suite("The state fold")
struct FoldTests {
  @Test("a registered service without decision has no level")
  func noDecision() throws {
    let state = try #require(try registered().state(siret))
    #expect(state.standing == .none)
    #expect(state.heldLevel == nil)
    #expect(state.decision == nil)
    #expect(state.history.count == 1)
  }

  @Test("events without a registration give no state")
  func unregistered() {
    #expect(Ledger().state(siret) == nil)
  }

  @Test("a grant makes the level active from its first valid day")
  func grantActive() throws {
    var ledger = try registered()
    try ledger.append(
      try TestValues.grant(siret, .implementation, decided: "2026-11-01", validFrom: "2026-11-20"))
    #expect(ledger.state(siret, at: "2026-11-19T22:59:59Z")?.standing == Standing.none)
    let active = try #require(ledger.state(siret, at: "2026-11-19T23:00:00Z"))
    #expect(active.standing == .active)
    #expect(active.heldLevel == .implementation)
    #expect(active.decision?.grantIndex == 1)
  }

  @Test("C1: the last valid day is included; the level expires at the next Paris midnight")
  func expiry() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret, validUntil: "2029-10-31"))
    // 31 October 2029 ends at 23:00 UTC (CET).
    #expect(ledger.state(siret, at: "2029-10-31T22:59:59.999Z")?.standing == .active)
    #expect(ledger.state(siret, at: "2029-10-31T23:00:00Z")?.standing == .expired)
    #expect(ledger.state(siret, at: "2029-10-31T23:00:00Z")?.heldLevel == nil)
  }

  @Test("suspension and reinstatement")
  func suspension() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try suspend())
    let suspended = try #require(ledger.state(siret))
    #expect(suspended.standing == .suspended)
    #expect(suspended.suspension?.reason == "Audit en retard")
    #expect(suspended.heldLevel == nil)
    try ledger.append(reinstate())
    #expect(ledger.state(siret)?.standing == .active)
    #expect(ledger.state(siret)?.suspension == nil)
  }

  @Test("a suspended level that reaches its end is expired")
  func suspendedThenExpired() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try suspend())
    #expect(ledger.state(siret, at: "2030-01-01T00:00:00Z")?.standing == .expired)
  }

  @Test("withdrawal ends the level; only a new grant gives one again")
  func withdrawal() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try withdraw())
    #expect(ledger.state(siret)?.standing == .withdrawn)
    #expect(ledger.state(siret)?.withdrawal?.reason == "Objectifs non tenus")
    try ledger.append(
      try TestValues.grant(
        siret, .certification, decided: "2026-11-20", evaluator: "AFNOR Certification",
        signedBy: TestValues.bodySignature))
    let state = try #require(ledger.state(siret))
    #expect(state.standing == .active)
    #expect(state.heldLevel == .certification)
    #expect(state.withdrawal == nil)
  }

  @Test("a renewal keeps the level and first day and extends the last")
  func renewal() throws {
    var ledger = try registered()
    try ledger.append(
      try TestValues.grant(siret, .implementation, evaluator: "Fédération", reference: "R1"))
    try ledger.append(try renew())
    let decision = try #require(ledger.state(siret)?.decision)
    #expect(decision.level == .implementation)
    #expect(decision.validFrom == TestValues.date("2026-11-01"))
    #expect(decision.validUntil == TestValues.date("2031-10-31"))
    #expect(decision.grantIndex == 1)
    #expect(decision.latestIndex == 2)
    #expect(decision.evaluator == "Fédération")
    #expect(decision.reference == nil)
    #expect(ledger.state(siret, at: "2030-06-01T00:00:00Z")?.standing == .active)
  }

  @Test("levels need not be climbed one by one, and a new grant replaces the old")
  func directLevels() throws {
    var ledger = try registered()
    try ledger.append(
      try TestValues.grant(
        siret, .certification, decided: "2026-10-02", evaluator: "AFNOR Certification",
        signedBy: TestValues.bodySignature))
    try ledger.append(try TestValues.grant(siret, .commitment, decided: "2026-11-03"))
    #expect(ledger.state(siret)?.heldLevel == .commitment)
  }

  @Test("the state at an instant ignores decisions dated later")
  func pastState() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret, decided: "2026-11-01"))
    try ledger.append(try suspend("2026-11-10"))
    #expect(ledger.state(siret, at: "2026-11-05T12:00:00Z")?.standing == .active)
    #expect(ledger.state(siret, at: "2026-11-10T12:00:00Z")?.standing == .suspended)
    #expect(ledger.state(siret, at: "2026-10-15T12:00:00Z")?.standing == Standing.none)
    #expect(ledger.state(siret, at: "2026-11-05T12:00:00Z")?.history.count == 2)
  }

  @Test("a correction marks the decision it corrects")
  func correction() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret, reference: "R-O1"))
    try ledger.append(try TestValues.grant(siret, reference: "R-01", corrects: 1))
    let state = try #require(ledger.state(siret))
    #expect(state.correctedIndexes == [1])
    #expect(state.decision?.reference == "R-01")
  }

  @Test("profile updates and attestations are folded in")
  func profileAndAttestations() throws {
    var ledger = try registered()
    try ledger.append(
      .serviceUpdated(ServiceUpdated(siret: siret, profile: try ServiceProfile(name: "Nouveau"))))
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try attest(2))
    let state = try #require(ledger.state(siret))
    #expect(state.profile.name == "Nouveau")
    #expect(state.attestations.map(\.decisionIndex) == [2])
  }

  @Test("a fold without history is the same state with an empty history")
  func withoutHistory() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try attest(1))
    try ledger.append(try suspend())
    let events = ledger.events.filter { $0.event.subject == .service(siret) }
    let moment = TestValues.instant("2026-11-25T12:00:00Z")
    let full = try #require(ServiceState.fold(events, at: moment))
    let lean = try #require(ServiceState.fold(events, at: moment, keepingHistory: false))
    #expect(full.history.count == 4)
    #expect(lean.history.isEmpty)
    #expect(lean.standing == .suspended)
    #expect(
      CanonicalJSON.string(StateJSON.service(lean)) == CanonicalJSON.string(StateJSON.service(full))
    )
  }

  @Test("events of other services do not leak into a fold")
  func isolation() throws {
    var ledger = try registered()
    try ledger.append(TestValues.registration(other))
    try ledger.append(
      .levelGranted(
        try LevelGranted(
          siret: other, level: .commitment, decided: TestValues.date("2026-11-01"),
          validUntil: TestValues.date("2027-01-01"))))
    #expect(ledger.state(siret)?.standing == Standing.none)
    #expect(ledger.state(other)?.standing == .active)
  }
}

@Suite("Append rules")
struct AppendRuleTests {
  func expectViolation(
    _ violation: RuleViolation, _ ledger: Ledger, _ event: Event,
    at: String = "2026-11-25T09:00:00Z"
  ) {
    var copy = ledger
    #expect(throws: DomainError.ruleViolated(violation)) { try copy.append(event, at: at) }
  }

  @Test("no decision for an unknown service")
  func unknownService() throws {
    expectViolation(.unknownService(siret), Ledger(), try TestValues.grant(siret))
    expectViolation(.unknownService(siret), Ledger(), try suspend())
    expectViolation(
      .unknownService(siret), Ledger(),
      .serviceUpdated(ServiceUpdated(siret: siret, profile: try ServiceProfile(name: "X"))))
  }

  @Test("a service registers once")
  func registeredOnce() throws {
    expectViolation(
      .serviceAlreadyRegistered(siret), try registered(),
      TestValues.registration(siret, name: "Autre"))
  }

  @Test("an update must change something")
  func unchangedUpdate() throws {
    expectViolation(
      .profileUnchanged(siret), try registered(),
      .serviceUpdated(
        ServiceUpdated(
          siret: siret, profile: try ServiceProfile(name: "Service de test", region: "11"))))
  }

  @Test("C20: no level 3 without a certifying body's signed decision, even naming an evaluator")
  func levelThree() throws {
    expectViolation(
      .scheme(.amexist, .needsBodyDecision(level: .certification)), try registered(),
      try TestValues.grant(siret, .certification, evaluator: "AFNOR Certification"))
    var ledger = try registered()
    try ledger.append(
      try TestValues.grant(siret, .certification, signedBy: TestValues.bodySignature))
    #expect(ledger.state(siret)?.decision?.body == TestValues.bodySignature.body)
  }

  @Test("a level 3 the federation granted before the rule cannot be renewed by the federation")
  func legacyLevelThreeRenewal() throws {
    // A registry made before signed decisions may hold a level 3 the federation granted; only
    // a body's signed renewal extends it.
    var ledger = try registered()
    ledger.appendUnchecked(
      try TestValues.grant(siret, .certification, evaluator: "AFNOR Certification"))
    expectViolation(
      .scheme(.amexist, .needsBodyDecision(level: .certification)), ledger, try renew())
  }

  @Test("valid until must be after valid from")
  func inverted() throws {
    let ledger = try registered()
    expectViolation(
      .validUntilNotAfterValidFrom(
        validFrom: TestValues.date("2026-11-01"), validUntil: TestValues.date("2026-11-01")),
      ledger, try TestValues.grant(siret, validUntil: "2026-11-01")
    )
    expectViolation(
      .validUntilNotAfterValidFrom(
        validFrom: TestValues.date("2026-11-01"), validUntil: TestValues.date("2026-10-01")),
      ledger, try TestValues.grant(siret, validUntil: "2026-10-01")
    )
  }

  @Test("a level cannot take effect before it is decided")
  func backdatedStart() throws {
    expectViolation(
      .validFromBeforeDecision(
        decided: TestValues.date("2026-11-01"), validFrom: TestValues.date("2026-10-01")),
      try registered(), try TestValues.grant(siret, validFrom: "2026-10-01")
    )
  }

  @Test("C10: decision dates are Paris days and cannot be in the future")
  func futureDecision() throws {
    let ledger = try registered()
    expectViolation(
      .decisionInFuture(
        decided: TestValues.date("2026-11-26"), today: TestValues.date("2026-11-25")),
      ledger, try TestValues.grant(siret, decided: "2026-11-26"), at: "2026-11-25T22:59:59Z"
    )
    // At 23:00 UTC it is already 26 November in Paris.
    var copy = ledger
    #expect(throws: Never.self) {
      try copy.append(
        try TestValues.grant(siret, decided: "2026-11-26"), at: "2026-11-25T23:00:00Z")
    }
  }

  @Test("decisions of a service are dated in log order")
  func decisionOrder() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret, decided: "2026-11-10"))
    expectViolation(
      .decisionBeforePrevious(
        decided: TestValues.date("2026-11-09"), previous: TestValues.date("2026-11-10")),
      ledger, try suspend("2026-11-09")
    )
  }

  @Test("renewal needs a current, unsuspended level and must extend it")
  func renewalRules() throws {
    var ledger = try registered()
    expectViolation(.nothingToRenew(siret, standing: .none), ledger, try renew())
    try ledger.append(try TestValues.grant(siret, validUntil: "2029-10-31"))
    expectViolation(
      .renewalDoesNotExtend(
        currentValidUntil: TestValues.date("2029-10-31"), requested: TestValues.date("2029-10-31")),
      ledger, try renew(until: "2029-10-31")
    )
    var suspended = ledger
    try suspended.append(try suspend())
    expectViolation(.nothingToRenew(siret, standing: .suspended), suspended, try renew())
    expectViolation(
      .nothingToRenew(siret, standing: .expired), ledger,
      try renew("2029-11-02", until: "2033-01-01"), at: "2029-11-02T12:00:00Z")
  }

  @Test("only an active level can be suspended")
  func suspendRules() throws {
    var ledger = try registered()
    expectViolation(.cannotSuspend(siret, standing: .none), ledger, try suspend())
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try suspend())
    expectViolation(.cannotSuspend(siret, standing: .suspended), ledger, try suspend("2026-11-11"))
  }

  @Test("no reinstatement of a level that is not suspended")
  func reinstateRules() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    expectViolation(.cannotReinstate(siret, standing: .active), ledger, reinstate())
    try ledger.append(try withdraw())
    expectViolation(.cannotReinstate(siret, standing: .withdrawn), ledger, reinstate("2026-11-16"))
  }

  @Test("withdrawal needs a level to withdraw")
  func withdrawRules() throws {
    var ledger = try registered()
    expectViolation(.cannotWithdraw(siret, standing: .none), ledger, try withdraw())
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try withdraw())
    expectViolation(
      .cannotWithdraw(siret, standing: .withdrawn), ledger, try withdraw("2026-11-16"))
  }

  @Test("a suspended level can be withdrawn")
  func withdrawSuspended() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    try ledger.append(try suspend())
    #expect(throws: Never.self) { try ledger.append(try withdraw()) }
  }

  @Test("a correction must name an earlier decision of the same service")
  func correctionTarget() throws {
    var ledger = try registered()
    try ledger.append(try TestValues.grant(siret))
    expectViolation(
      .correctionTargetInvalid(index: 0), ledger, try TestValues.grant(siret, corrects: 0))
    expectViolation(
      .correctionTargetInvalid(index: 9), ledger, try TestValues.grant(siret, corrects: 9))
  }

  @Test("attestations need an active level and its current decision, once per id")
  func attestationRules() throws {
    var ledger = try registered()
    expectViolation(.attestationNeedsActiveLevel(siret, standing: .none), ledger, try attest(1))
    try ledger.append(try TestValues.grant(siret))
    expectViolation(.attestationForStaleDecision(requested: 0, current: 1), ledger, try attest(0))
    try ledger.append(try attest(1))
    expectViolation(
      .attestationAlreadyIssued(id: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"), ledger,
      try attest(1))
    try ledger.append(try suspend())
    expectViolation(
      .attestationNeedsActiveLevel(siret, standing: .suspended), ledger,
      try attest(1, id: "urn:uuid:1f8fad5b-d9cb-469f-a165-70867728950e"))
  }

  @Test("key events: unique ids, known keys, one retirement and one revocation")
  func keyRules() throws {
    let at = TestValues.instant("2026-11-01T00:00:00Z")
    let added = Event.keyAdded(
      try KeyAdded(
        kid: "k1", algorithm: "EdDSA", publicKey: .object([:]), validFrom: at, validUntil: nil))
    var ledger = Ledger()
    expectViolation(.unknownKey(kid: "k1"), ledger, .keyRetired(try KeyRetired(kid: "k1", at: at)))
    expectViolation(
      .unknownKey(kid: "k1"), ledger, .keyRevoked(try KeyRevoked(kid: "k1", at: at, reason: "x")))
    expectViolation(
      .keyValidityInverted(kid: "k2"), ledger,
      .keyAdded(
        try KeyAdded(
          kid: "k2", algorithm: "ES256", publicKey: .object([:]), validFrom: at, validUntil: at))
    )
    try ledger.append(added)
    expectViolation(.keyAlreadyExists(kid: "k1"), ledger, added)
    try ledger.append(.keyRetired(try KeyRetired(kid: "k1", at: at)))
    expectViolation(
      .keyAlreadyRetired(kid: "k1"), ledger, .keyRetired(try KeyRetired(kid: "k1", at: at)))
    try ledger.append(.keyRevoked(try KeyRevoked(kid: "k1", at: at, reason: "compromise")))
    expectViolation(
      .keyAlreadyRevoked(kid: "k1"), ledger,
      .keyRevoked(try KeyRevoked(kid: "k1", at: at, reason: "again")))
    #expect(throws: DomainError.self) {
      try KeyAdded(
        kid: "k3", algorithm: "HS256", publicKey: .object([:]), validFrom: at, validUntil: nil)
    }
  }

  @Test("every violation has a one-line message")
  func messages() throws {
    let violations: [RuleViolation] = [
      .unknownService(siret), .scheme(.amexist, .needsBodyDecision(level: .certification)),
      .cannotReinstate(siret, standing: .active),
      .decisionInFuture(
        decided: TestValues.date("2026-12-01"), today: TestValues.date("2026-11-25")),
    ]
    for violation in violations {
      let text = DomainError.ruleViolated(violation).description
      #expect(!text.isEmpty && !text.contains("\n"))
    }
    #expect(
      DomainError.ruleViolated(.scheme(.amexist, .needsBodyDecision(level: .certification)))
        .description.contains("amexist decision sign"))
  }
}
