import AmexistDomain
import Foundation

/// The words of the pages, in each language.
///
/// Every key exists in both tables (a test checks it), so a page never shows a blank.
enum Texts {
  static func table(_ language: PageLanguage) -> [String: String] {
    language == .french ? french : english
  }

  static let french: [String: String] = [
    "lang": "fr", "otherLang": "en", "otherLanguageName": "English",
    "siteName": "Registre AMEXIST",
    "skipToContent": "Aller au contenu", "navigation": "Navigation principale",
    "navSearch": "Rechercher", "navVerify": "Vérifier une attestation",
    "footer":
      "Registre public et infalsifiable du label AMEXIST des services de prévention et de santé au travail interentreprises.",
    "trustFile": "Fichier de confiance", "logCheckpoint": "Point de contrôle du journal",
    "searchTitle": "Rechercher un service",
    "searchLead":
      "Niveau AMEXIST en vigueur, historique daté des décisions et attestations vérifiables.",
    "searchLabel": "SIRET ou nom", "searchButton": "Rechercher",
    "region": "Région", "allRegions": "Toutes les régions",
    "level": "Niveau", "allLevels": "Tous les niveaux",
    "service": "Service", "standing": "Situation",
    "results": "Services", "resultsFor": "Résultats pour", "noResults": "Aucun service trouvé.",
    "nextPage": "Page suivante",
    "currentLevel": "Niveau en vigueur", "noLevel": "aucun niveau en vigueur",
    "validFrom": "Valable depuis le", "validUntil": "Valable jusqu'au",
    "evaluator": "Évaluateur", "federation": "la fédération", "reference": "Référence",
    "reason": "Motif", "website": "Site web",
    "attestations": "Attestations", "attestationOf": "Attestation du",
    "history": "Historique", "corrected": "corrigé par une décision ultérieure",
    "logEntry": "Entrée du journal n°", "jsonVersion": "Version JSON",
    "attestationTitle": "Attestation AMEXIST",
    "decided": "Décision du", "issuedAt": "Délivrée le", "identifier": "Identifiant",
    "checksMade": "Vérifications effectuées", "checkPassed": "réussi :",
    "checkFailed": "échec :",
    "downloads": "Téléchargements",
    "downloadBundle": "Attestation signée avec sa preuve de journalisation (.amexist.json)",
    "verifyOffline":
      "Le fichier téléchargé se vérifie hors ligne : amexist verify FICHIER --trust amexist-trust.json",
    "verifyTitle": "Vérifier une attestation", "verdict": "Résultat",
    "verifyLabel": "Collez le contenu du fichier .amexist.json ou le jeton JWS",
    "verifyButton": "Vérifier",
    "verifyFile": "Choisir le fichier .amexist.json",
    "verifyHelp":
      "La vérification contrôle la signature avec les clés publiées, la preuve d'inscription au journal et l'état actuel dans le registre. Seuls les champs vérifiés sont affichés.",
    "backToSearch": "Retour à la recherche",
    "notFound": "Page introuvable", "badRequest": "Demande invalide",
    "tooMany": "Trop de demandes", "unavailable": "Service momentanément indisponible",
    "tooLarge": "Contenu trop volumineux", "timeout": "Délai dépassé",
    "notAllowed": "Méthode non autorisée", "unsupportedType": "Type de contenu non pris en charge",
  ]

  static let english: [String: String] = [
    "lang": "en", "otherLang": "fr", "otherLanguageName": "Français",
    "siteName": "AMEXIST Registry",
    "skipToContent": "Skip to content", "navigation": "Main navigation",
    "navSearch": "Search", "navVerify": "Verify an attestation",
    "footer":
      "The public, tamper-evident register of the AMEXIST label of inter-company occupational health services.",
    "trustFile": "Trust file", "logCheckpoint": "Log checkpoint",
    "searchTitle": "Find a service",
    "searchLead": "Current AMEXIST level, dated decision history and verifiable attestations.",
    "searchLabel": "SIRET or name", "searchButton": "Search",
    "region": "Region", "allRegions": "All regions",
    "level": "Level", "allLevels": "All levels",
    "service": "Service", "standing": "Standing",
    "results": "Services", "resultsFor": "Results for", "noResults": "No service found.",
    "nextPage": "Next page",
    "currentLevel": "Current level", "noLevel": "no level in force",
    "validFrom": "Valid from", "validUntil": "Valid until",
    "evaluator": "Evaluator", "federation": "the federation", "reference": "Reference",
    "reason": "Reason", "website": "Website",
    "attestations": "Attestations", "attestationOf": "Attestation of",
    "history": "History", "corrected": "corrected by a later decision",
    "logEntry": "Log entry", "jsonVersion": "JSON version",
    "attestationTitle": "AMEXIST attestation",
    "decided": "Decided on", "issuedAt": "Issued on", "identifier": "Identifier",
    "checksMade": "Checks made", "checkPassed": "passed:", "checkFailed": "failed:",
    "downloads": "Downloads",
    "downloadBundle": "Signed attestation with its log proof (.amexist.json)",
    "verifyOffline":
      "The downloaded file verifies offline: amexist verify FILE --trust amexist-trust.json",
    "verifyTitle": "Verify an attestation", "verdict": "Verdict",
    "verifyLabel": "Paste the content of the .amexist.json file or the JWS token",
    "verifyButton": "Verify",
    "verifyFile": "Choose the .amexist.json file",
    "verifyHelp":
      "Verification checks the signature with the published keys, the proof that the log holds the attestation and its current status in the registry. Only verified fields are shown.",
    "backToSearch": "Back to search",
    "notFound": "Page not found", "badRequest": "Bad request",
    "tooMany": "Too many requests", "unavailable": "Service temporarily unavailable",
    "tooLarge": "Content too large", "timeout": "Request timed out",
    "notAllowed": "Method not allowed", "unsupportedType": "Unsupported content type",
  ]
}

/// Dates and instants as each language writes them.
enum DateWords {
  private static let frenchMonths = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
  ]
  private static let englishMonths = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
  ]

  /// `1er mars 2029` / `1 March 2029`.
  static func date(_ date: CalendarDate, _ language: PageLanguage) -> String {
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
  static func instant(_ instant: Instant, _ language: PageLanguage) -> String {
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
