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
