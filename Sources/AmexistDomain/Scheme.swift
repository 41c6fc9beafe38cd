/// The schemes a registry can apply, by the name logged in its entry 0 and published in its
/// trust file and credentials.
public enum SchemeName: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
  /// The AMEXIST label as the federation runs it.
  case amexist
  /// The compulsory SPSTI certification (arrêté du 27 juillet 2023, décret 2022-1031).
  case spsti2023 = "spsti-2023"

  /// The scheme's rules.
  public var rules: Scheme {
    switch self {
    case .amexist: .amexist
    case .spsti2023: .spsti2023
    }
  }

  public var description: String { rawValue }
}

/// Who decides a level under a scheme.
public enum DecisionSigner: Hashable, Sendable {
  /// The federation decides, after its own audit; an accredited body may decide instead.
  case federationOrBody
  /// Only an accredited certifying body decides, and it signs its decision.
  case accreditedBody
}

/// What a scheme says about one level.
public struct LevelRule: Hashable, Sendable {
  /// Who decides the level.
  public let signer: DecisionSigner
  /// The longest validity, in calendar years: a decision dated D holds the level at most until
  /// D + years − 1 day.
  public let longestValidityYears: Int
  /// Whether the level can be renewed (rather than granted again after a new audit).
  public let renewable: Bool
  /// Whether the level can move to another accredited body.
  public let transferable: Bool
}

/// The rules of a certification scheme, as data (DESIGN, "Scheme rules"): a registry applies
/// one scheme for its whole life, and the append rules read this table rather than branching
/// on the scheme's name. Every violation names the rule and the scheme.
public struct Scheme: Hashable, Sendable, CustomStringConvertible {
  /// The scheme's name, as logged and published.
  public let name: SchemeName
  /// The version of the scheme's rules, logged with its name.
  public let version: Int64
  /// No decision of this scheme is dated before this day.
  public let earliestDecision: CalendarDate
  /// The rule of each level (every level has one).
  public let levels: [Level: LevelRule]
  /// A transfer to another body needs the level valid for more than this many years after the
  /// transfer's decision date.
  public let transferMinimumYearsLeft: Int
  /// Whether a suspended level can be transferred.
  public let transferWhileSuspended: Bool
  /// Whether the scheme has réserves with a re-examination deadline, reasoned refusals and
  /// successions (cession d'activité).
  public let reservesRefusalsAndSuccessions: Bool

  public var description: String { name.rawValue }

  /// The AMEXIST label as the federation runs it (DESIGN, "Scheme rules").
  public static let amexist = Scheme(
    // 2004-01-01
    name: .amexist, version: 1, earliestDecision: CalendarDate(daysSinceEpoch: 12_418),
    levels: [
      .commitment: LevelRule(
        signer: .federationOrBody, longestValidityYears: 5, renewable: true, transferable: false),
      .implementation: LevelRule(
        signer: .federationOrBody, longestValidityYears: 5, renewable: true, transferable: false),
      .certification: LevelRule(
        signer: .accreditedBody, longestValidityYears: 5, renewable: true, transferable: true),
    ],
    transferMinimumYearsLeft: 1, transferWhileSuspended: false,
    reservesRefusalsAndSuccessions: true)

  /// The SPSTI certification of the arrêté du 27 juillet 2023 (AFNOR SPEC 2217): levels 1, 2, 3
  /// valid 2, 3 and 5 years, only level 3 renewable, every level decided by an accredited body.
  public static let spsti2023 = Scheme(
    // 2022-07-23
    name: .spsti2023, version: 1, earliestDecision: CalendarDate(daysSinceEpoch: 19_196),
    levels: [
      .commitment: LevelRule(
        signer: .accreditedBody, longestValidityYears: 2, renewable: false, transferable: true),
      .implementation: LevelRule(
        signer: .accreditedBody, longestValidityYears: 3, renewable: false, transferable: true),
      .certification: LevelRule(
        signer: .accreditedBody, longestValidityYears: 5, renewable: true, transferable: true),
    ],
    transferMinimumYearsLeft: 1, transferWhileSuspended: false,
    reservesRefusalsAndSuccessions: true)

  /// The rule of `level`.
  public func rule(for level: Level) -> LevelRule {
    // Every scheme above lists every level.
    levels[level]!
  }

  /// The last day a level decided on `decided` may be held under this scheme.
  public func latestValidUntil(level: Level, decided: CalendarDate) -> CalendarDate {
    decided.adding(years: rule(for: level).longestValidityYears).adding(days: -1)
  }

  /// Checks a decision's date against the scheme's earliest decision date.
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` with ``SchemeViolation/decisionBeforeEarliest(decided:earliest:)``.
  public func check(decided: CalendarDate) throws(DomainError) {
    guard decided >= earliestDecision else {
      throw violation(.decisionBeforeEarliest(decided: decided, earliest: earliestDecision))
    }
  }

  /// Checks a grant or renewal of `level` decided on `decided` until `validUntil`.
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` naming the rule and the scheme.
  public func check(level: Level, decided: CalendarDate, validUntil: CalendarDate)
    throws(DomainError)
  {
    try check(decided: decided)
    let latest = latestValidUntil(level: level, decided: decided)
    guard validUntil <= latest else {
      throw violation(
        .validityTooLong(
          level: level, years: rule(for: level).longestValidityYears, validUntil: validUntil,
          latest: latest))
    }
  }

  /// Checks that `level` may be renewed.
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` with ``SchemeViolation/notRenewable(level:)``.
  public func checkRenewal(of level: Level) throws(DomainError) {
    guard rule(for: level).renewable else { throw violation(.notRenewable(level: level)) }
  }

  /// Checks that `level`, valid until `validUntil` and `suspended` or not, may move to another
  /// body by a decision dated `decided`.
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` naming the transfer condition that fails.
  public func checkTransfer(
    of level: Level, validUntil: CalendarDate, suspended: Bool, decided: CalendarDate
  ) throws(DomainError) {
    try check(decided: decided)
    guard rule(for: level).transferable else { throw violation(.notTransferable(level: level)) }
    guard transferWhileSuspended || !suspended else { throw violation(.transferWhileSuspended) }
    let threshold = decided.adding(years: transferMinimumYearsLeft)
    guard validUntil > threshold else {
      throw violation(
        .transferTooLate(years: transferMinimumYearsLeft, validUntil: validUntil, decided: decided))
    }
  }

  /// Checks that the federation may decide `level` itself, without a body's signed decision.
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` with ``SchemeViolation/needsBodyDecision(level:)``.
  public func checkFederationDecides(_ level: Level) throws(DomainError) {
    guard rule(for: level).signer == .federationOrBody else {
      throw violation(.needsBodyDecision(level: level))
    }
  }

  private func violation(_ rule: SchemeViolation) -> DomainError {
    .ruleViolated(.scheme(name, rule))
  }
}

/// A rule of a scheme's table that a decision breaks.
public enum SchemeViolation: Hashable, Sendable, CustomStringConvertible {
  /// The decision is dated before the scheme's earliest decision date.
  case decisionBeforeEarliest(decided: CalendarDate, earliest: CalendarDate)
  /// The validity goes beyond the level's longest validity.
  case validityTooLong(level: Level, years: Int, validUntil: CalendarDate, latest: CalendarDate)
  /// The level cannot be renewed under the scheme.
  case notRenewable(level: Level)
  /// The level cannot move to another body under the scheme.
  case notTransferable(level: Level)
  /// A suspended level cannot move to another body.
  case transferWhileSuspended
  /// A transfer needs more than `years` of validity left after its decision date.
  case transferTooLate(years: Int, validUntil: CalendarDate, decided: CalendarDate)
  /// The level is decided by an accredited body's signed decision, not by the federation.
  case needsBodyDecision(level: Level)

  public var description: String {
    switch self {
    case .decisionBeforeEarliest(let decided, let earliest):
      return
        "no decision is dated before \(earliest); this one is dated \(decided)"
    case .validityTooLong(let level, let years, let until, let latest):
      return
        "level \(level.rawValue) is held at most \(years) years: valid until \(until) is beyond \(latest) (the decision date + \(years) years − 1 day)"
    case .notRenewable(let level):
      return "level \(level.rawValue) cannot be renewed; grant a new level after a new audit"
    case .notTransferable(let level):
      return
        "level \(level.rawValue) cannot be transferred to another body; it stays with the body that decided it"
    case .transferWhileSuspended:
      return
        "a suspended level cannot be transferred; reinstate it first, or let the body that suspended it decide"
    case .transferTooLate(let years, let until, let decided):
      return
        "a transfer needs more than \(years) year\(years == 1 ? "" : "s") of validity left: valid until \(until), decided \(decided); the receiving body grants a new level after its own audit instead"
    case .needsBodyDecision(let level):
      return
        "level \(level.rawValue) is decided by an accredited certifying body, which signs its decision: the body runs `amexist decision sign` and the federation records the file with `amexist decision record FILE`"
    }
  }
}
