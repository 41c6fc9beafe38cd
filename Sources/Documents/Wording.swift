public import AmexistDomain
public import Attestation
import Foundation

/// The language of a page or a document: French by default, English on request.
public enum PageLanguage: String, Sendable, CaseIterable {
  /// French, the registry's language.
  case french = "fr"
  /// English.
  case english = "en"
}

/// Domain values in the words of each language.
public enum Words {
  /// A service's standing: "en vigueur" / "in force"…
  public static func standing(_ standing: Standing, _ language: PageLanguage) -> String {
    switch language {
    case .french: standing.frenchName
    case .english:
      switch standing {
      case .active: "in force"
      case .suspended: "suspended"
      case .withdrawn: "withdrawn"
      case .expired: "expired"
      case .none: "none"
      }
    }
  }

  /// The standing as a page's "Situation" says it, agreeing in French with what it qualifies:
  /// "niveau suspendu", and "aucune" for the situation itself when no level is held.
  public static func situation(_ standing: Standing, _ language: PageLanguage) -> String {
    guard language == .french else { return Words.standing(standing, language) }
    switch standing {
    case .active: return "niveau en vigueur"
    case .suspended: return "niveau suspendu"
    case .withdrawn: return "niveau retiré"
    case .expired: return "niveau expiré"
    case .none: return "aucune"
    }
  }

  /// One sentence saying what a service holds and what happened to it, with dates and the
  /// reason: "Niveau 2 · Attestation de mise en œuvre — suspendu depuis le 12 novembre 2026
  /// (motif : …)"; a level that starts later says from when.
  public static func headline(
    _ state: ServiceState, today: CalendarDate, _ language: PageLanguage
  ) -> String {
    let french = language == .french
    guard let decision = state.decision else {
      return french
        ? "Aucun niveau : ce service ne détient pas le label."
        : "No level: this service does not hold the label."
    }
    let level =
      (french ? "Niveau " : "Level ") + "\(decision.level.rawValue) · "
      + Words.level(decision.level, language)
    func date(_ date: CalendarDate) -> String { DateWords.date(date, language) }
    switch state.standing {
    case .active:
      return level + (french ? " — en vigueur jusqu'au " : " — in force until ")
        + date(decision.validUntil)
    case .suspended:
      guard let note = state.suspension else {
        return level + " — " + situation(.suspended, language)
      }
      return level
        + (french
          ? " — suspendu depuis le \(date(note.decided)) (motif : \(note.reason))"
          : " — suspended since \(date(note.decided)) (reason: \(note.reason))")
    case .withdrawn:
      guard let note = state.withdrawal else {
        return level + " — " + situation(.withdrawn, language)
      }
      return level
        + (french
          ? " — retiré le \(date(note.decided)) (motif : \(note.reason))"
          : " — withdrawn on \(date(note.decided)) (reason: \(note.reason))")
    case .expired:
      return level
        + (french
          ? " — expiré : la période accordée a pris fin le \(date(decision.validUntil))"
          : " — expired: the period granted ended on \(date(decision.validUntil))")
    case .none:
      guard decision.validFrom > today else {
        return french ? "Aucun niveau en vigueur." : "No level in force."
      }
      return french
        ? "Aucun niveau en vigueur aujourd'hui ; niveau \(decision.level.rawValue) · \(Words.level(decision.level, language)) à compter du \(date(decision.validFrom))."
        : "No level in force today; level \(decision.level.rawValue) · \(Words.level(decision.level, language)) from \(date(decision.validFrom))."
    }
  }

  /// The level's name.
  public static func level(_ level: Level, _ language: PageLanguage) -> String {
    language == .french ? level.frenchName : level.englishName
  }

  /// An attestation's live status.
  public static func status(_ status: AttestationStatus, _ language: PageLanguage) -> String {
    language == .french ? status.frenchName : status.englishName
  }

  /// The evaluating body; nil is the federation.
  public static func evaluator(_ evaluator: String?, _ language: PageLanguage) -> String {
    evaluator ?? (language == .french ? "la fédération" : "the federation")
  }

  /// The certifying body whose signed decision an attestation carries: "Certiflex — accréditation
  /// COFRAC n° 5-9901, décision signée" (with "vérifiée" once a verifier checked it).
  public static func certifiedBy(
    _ body: BodyCertification, _ language: PageLanguage, verified: Bool = false
  ) -> String {
    certifiedBy(
      name: body.bodyName, accreditor: body.accreditor, number: body.accreditationNumber,
      language, verified: verified)
  }

  /// The same words for a body named `name`, accredited by `accreditor` under `number`.
  public static func certifiedBy(
    name: String, accreditor: String, number: String, _ language: PageLanguage,
    verified: Bool = false
  ) -> String {
    language == .french
      ? "\(name) — accréditation \(accreditor) n° \(number), décision signée\(verified ? " vérifiée" : "")"
      : "\(name) — \(accreditor) accreditation no. \(number), signed decision\(verified ? " verified" : "")"
  }
}

/// Dates and instants as each language writes them.
public enum DateWords {
  private static let frenchMonths = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
  ]
  private static let englishMonths = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
  ]

  /// `1er mars 2029` / `1 March 2029`.
  public static func date(_ date: CalendarDate, _ language: PageLanguage) -> String {
    switch language {
    case .french:
      let day = date.day == 1 ? "1er" : "\(date.day)"
      return "\(day) \(frenchMonths[date.month - 1]) \(date.year)"
    case .english:
      return "\(date.day) \(englishMonths[date.month - 1]) \(date.year)"
    }
  }

  private static let paris = TimeZone(identifier: "Europe/Paris") ?? .gmt

  /// `25 novembre 2026 à 14:03 (heure de Paris)` / `25 November 2026, 14:03 Paris time`.
  public static func instant(_ instant: Instant, _ language: PageLanguage) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = paris
    let parts = calendar.dateComponents([.hour, .minute], from: instant.date)
    let time =
      "\(ASCIIPad.two(parts.hour ?? 0)):\(ASCIIPad.two(parts.minute ?? 0))"
    let day = date(CalendarDate(parisDayOf: instant), language)
    return language == .french ? "\(day) à \(time) (heure de Paris)" : "\(day), \(time) Paris time"
  }
}

enum ASCIIPad {
  static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
