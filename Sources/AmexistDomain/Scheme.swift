/// The rules of a certification scheme, as data (DESIGN, "Scheme rules"): a registry applies
/// one scheme for its whole life. Only the bounds on what can never be undone are here so far:
/// the earliest decision date and the longest validity of each level.
public struct Scheme: Hashable, Sendable, CustomStringConvertible {
  /// The scheme's name, as logged and published (`amexist`).
  public let name: String
  /// No decision of this scheme is dated before this day.
  public let earliestDecision: CalendarDate
  /// The longest validity of each level, in calendar years: a decision dated D holds the level
  /// at most until D + years − 1 day (Europe/Paris calendar, 29 February + 1 year → 28 February).
  public let longestValidityYears: [Level: Int]

  public var description: String { name }

  /// The AMEXIST label as the federation runs it: decisions from 2004-01-01, every level valid
  /// at most five years.
  public static let amexist = Scheme(
    name: "amexist", earliestDecision: CalendarDate(daysSinceEpoch: 12_418),
    longestValidityYears: [.commitment: 5, .implementation: 5, .certification: 5])

  /// The last day a level decided on `decided` may be held under this scheme.
  public func latestValidUntil(level: Level, decided: CalendarDate) -> CalendarDate {
    decided.adding(years: longestValidityYears[level] ?? 0).adding(days: -1)
  }

  /// Checks a decision's dates against the scheme's bounds.
  ///
  /// - Throws: ``DomainError/ruleViolated(_:)`` naming the bound and the scheme.
  public func check(decided: CalendarDate, level: Level?, validUntil: CalendarDate?)
    throws(DomainError)
  {
    guard decided >= earliestDecision else {
      throw .ruleViolated(
        .decisionBeforeScheme(decided: decided, earliest: earliestDecision, scheme: name))
    }
    if let level, let validUntil {
      let latest = latestValidUntil(level: level, decided: decided)
      guard validUntil <= latest else {
        throw .ruleViolated(
          .validityTooLong(validUntil: validUntil, latest: latest, level: level, scheme: name))
      }
    }
  }
}
