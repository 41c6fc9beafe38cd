/// A level of the AMEXIST label. Levels need not be climbed one by one; 3 is the last.
public enum Level: Int, CaseIterable, Comparable, Hashable, Sendable, CustomStringConvertible {
  /// Attestation d'engagement: the service meets the programme's 15 objectives (federation audit).
  case commitment = 1
  /// Attestation de mise en œuvre, granted by the federation.
  case implementation = 2
  /// Certification by an independent third-party body named in the decision.
  case certification = 3

  /// Parses `1`, `2` or `3`.
  ///
  /// - Throws: ``DomainError/invalidLevel(input:)`` for anything else.
  public init(parsing input: String) throws(DomainError) {
    guard let number = Int(input), let level = Level(rawValue: number) else {
      throw .invalidLevel(input: input)
    }
    self = level
  }

  /// The name shown to users, in French.
  public var frenchName: String {
    switch self {
    case .commitment: return "Attestation d'engagement"
    case .implementation: return "Attestation de mise en œuvre"
    case .certification: return "Certification"
    }
  }

  /// The name in English.
  public var englishName: String {
    switch self {
    case .commitment: return "Commitment attestation"
    case .implementation: return "Implementation attestation"
    case .certification: return "Certification"
    }
  }

  /// Whether the decision must name an independent third-party evaluator.
  public var requiresThirdPartyEvaluator: Bool { self == .certification }

  public var description: String { "\(rawValue)" }

  public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
}
