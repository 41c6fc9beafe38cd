import AmexistDomain
import RegistryTesting
import Testing

/// The registry's witnesses as its log records them, and the rules their changes meet.
@Suite("Witness roster")
struct WitnessRosterTests {
  static let keyA = "a.example/w+01020304+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
  static let later = TestValues.instant("2026-11-25T10:00:00Z")
  static let keyB = "b.example/w+01020304+BAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"

  static func added(_ name: String, key: String, at time: String = "2026-11-25T09:00:00Z")
    throws(DomainError) -> Event
  {
    .witnessAdded(
      try WitnessAdded(
        name: name, url: "https://\(name).example/w", key: key, at: TestValues.instant(time)))
  }

  static func violation(_ body: () throws(DomainError) -> Void) -> RuleViolation? {
    do {
      try body()
      return nil
    } catch {
      if case .ruleViolated(let violation) = error { return violation }
      return nil
    }
  }

  @Test("the fold gives each witness its window and the quorums by size")
  func fold() throws {
    var ledger = Ledger()
    try ledger.append(try Self.added("dreets", key: Self.keyA))
    try ledger.append(try Self.added("ministere", key: Self.keyB))
    try ledger.append(.quorumSet(try QuorumSet(k: 2, fromSize: 3)))
    try ledger.append(try .quorumSet(QuorumSet(k: 1, fromSize: 5)))
    try ledger.append(
      .witnessRemoved(
        try WitnessRemoved(name: "ministere", at: TestValues.instant("2026-11-26T09:00:00Z"))),
      at: "2026-11-26T09:00:00Z")
    let roster = WitnessRoster(history: ledger.events)
    #expect(roster.members.map(\.name) == ["dreets", "ministere"])
    #expect(roster.serving.map(\.name) == ["dreets"])
    #expect(roster.members[1].until == TestValues.instant("2026-11-26T09:00:00Z"))
    #expect(roster.quorums.map(\.k) == [2, 1] && roster.currentQuorum?.fromSize == 5)
  }

  @Test(
    "a name or key is listed once in the registry's life; only a serving witness is removed, never below the quorum"
  )
  func listing() throws {
    var ledger = Ledger()
    try ledger.append(try Self.added("dreets", key: Self.keyA))
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(try Self.added("dreets", key: Self.keyB))
      } == .witnessAlreadyListed("the name dreets"))
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(try Self.added("other", key: Self.keyA))
      } == .witnessAlreadyListed("this key"))
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(.witnessRemoved(try WitnessRemoved(name: "absent", at: Self.later)))
      } == .unknownWitness("absent"))
    try ledger.append(.quorumSet(try QuorumSet(k: 1, fromSize: 2)))
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(.witnessRemoved(try WitnessRemoved(name: "dreets", at: Self.later)))
      } == .quorumUnreachable(k: 1, witnesses: 0))
    // A removed witness's name stays taken: its window is in every later root version.
    try ledger.append(try Self.added("ministere", key: Self.keyB))
    try ledger.append(.witnessRemoved(try WitnessRemoved(name: "dreets", at: Self.later)))
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(try Self.added("dreets", key: Self.keyA))
      } == .witnessAlreadyListed("the name dreets"))
  }

  @Test("a quorum is reachable by the serving witnesses and applies from a larger size each time")
  func quorums() throws {
    var ledger = Ledger()
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(.quorumSet(try QuorumSet(k: 1, fromSize: 1)))
      } == .quorumUnreachable(k: 1, witnesses: 0))
    try ledger.append(try Self.added("dreets", key: Self.keyA))
    try ledger.append(.quorumSet(try QuorumSet(k: 1, fromSize: 4)))
    #expect(
      Self.violation { () throws(DomainError) in
        try ledger.append(.quorumSet(try QuorumSet(k: 1, fromSize: 4)))
      } == .quorumSizeNotIncreasing(fromSize: 4, previous: 4))
    #expect(throws: DomainError.self) { try QuorumSet(k: 0, fromSize: 1) }
    // A checkpoint note carries 16 signatures, one of them the log's.
    #expect(throws: DomainError.self) { try QuorumSet(k: 16, fromSize: 1) }
    #expect(try QuorumSet(k: 15, fromSize: 1).k == 15)
    #expect(throws: DomainError.self) {
      try WitnessAdded(name: "x", url: "ftp://x", key: Self.keyA, at: Self.later)
    }
  }
}
