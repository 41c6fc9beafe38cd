public import AmexistDomain
public import Attestation

/// One sentence for people in each language the registry speaks: what failed and what to do
/// (DESIGN, "Failures explained").
public struct Explanation: Hashable, Sendable {
  /// The sentence in French.
  public let french: String
  /// The sentence in English.
  public let english: String

  /// An explanation with its two sentences.
  public init(french: String, english: String) {
    self.french = french
    self.english = english
  }

  /// The sentence in `language`.
  public func text(_ language: PageLanguage) -> String {
    language == .french ? french : english
  }

  /// `{"fr": …, "en": …}`, as JSON verdicts and refusals carry it.
  public var json: JSONValue { .object(["fr": .string(french), "en": .string(english)]) }
}

extension VerificationFailure {
  /// What failed and what to do, in French and English: the words pages and the CLI show (the
  /// English ``description`` keeps the technical detail, for logs and `--json`).
  public var explanation: Explanation {
    func date(_ instant: Instant, _ language: PageLanguage) -> String {
      DateWords.instant(instant, language)
    }
    switch self {
    case .malformed:
      return Explanation(
        french:
          "Ce fichier n'est pas une attestation AMEXIST lisible. Fournissez le fichier .amexist.json, le PDF ou le lien reçus du service, sans modification.",
        english:
          "This file is not a readable AMEXIST attestation. Give the .amexist.json file, the PDF or the link the service sent, unchanged."
      )
    case .invalidSignature:
      return Explanation(
        french:
          "La signature ne correspond pas au contenu : le document a été modifié ou n'a pas été émis par le registre. Ne vous y fiez pas ; consultez la fiche du service sur le registre.",
        english:
          "The signature does not match the content: the document was changed or was not issued by the registry. Do not rely on it; look the service up on the registry."
      )
    case .wrongIssuer:
      return Explanation(
        french:
          "Cette attestation a été émise par un autre registre que celui de votre fichier de confiance. Vérifiez-la avec le fichier de confiance de son émetteur.",
        english:
          "This attestation was issued by another registry than the one of your trust file. Verify it with its issuer's trust file."
      )
    case .untrustedKey:
      return Explanation(
        french:
          "La clé qui l'a signée n'est pas une clé de l'émetteur valable à cette date. Mettez à jour votre fichier de confiance (amexist trust update) et vérifiez à nouveau ; sinon, ne vous y fiez pas.",
        english:
          "The key that signed it is not one of the issuer's keys valid at that date. Update your trust file (amexist trust update) and verify again; otherwise, do not rely on it."
      )
    case .keyRevoked(_, let at):
      return Explanation(
        french:
          "La clé qui a signé cette attestation a été révoquée le \(date(at, .french)) : l'attestation n'est plus fiable. Demandez au service une attestation émise depuis.",
        english:
          "The key that signed this attestation was revoked on \(date(at, .english)): the attestation can no longer be relied on. Ask the service for one issued since."
      )
    case .expired(let at):
      return Explanation(
        french:
          "Cette attestation a expiré le \(date(at, .french)). Demandez au service une attestation à jour, ou consultez sa fiche sur le registre.",
        english:
          "This attestation expired on \(date(at, .english)). Ask the service for a current one, or look the service up on the registry."
      )
    case .notYetValid(let from):
      return Explanation(
        french:
          "Cette attestation n'est valable qu'à partir du \(date(from, .french)). Vérifiez la date et l'heure de l'ordinateur, ou vérifiez-la à nouveau à partir de ce moment.",
        english:
          "This attestation is only valid from \(date(from, .english)). Check the computer's date and time, or verify it again from then."
      )
    case .statusUnknown:
      return Explanation(
        french:
          "La situation actuelle de l'attestation n'a pas pu être vérifiée (registre injoignable, ou instantané de statut trop ancien ou ne la couvrant pas). Réessayez plus tard, ou avec un instantané de statut récent.",
        english:
          "The attestation's current status could not be checked (the registry could not be reached, or the status snapshot is too old or does not cover it). Try again later, or with a recent status snapshot."
      )
    case .notInForce(let status):
      return Explanation(
        french:
          "Le registre indique que cette attestation est \(status.frenchName) : elle ne prouve plus le niveau. Consultez la fiche du service pour sa situation actuelle.",
        english:
          "The registry reports this attestation \(status.englishName): it no longer proves the level. Look the service up on the registry for its current standing."
      )
    case .listedInSnapshot(let status, let since, let reason):
      let french = reason.map { " (motif : \($0))" } ?? ""
      let english = reason.map { " (reason: \($0))" } ?? ""
      return Explanation(
        french:
          "L'instantané de statut du registre indique que cette attestation est \(status.frenchName) depuis le \(since)\(french) : elle ne prouve plus le niveau. Consultez la fiche du service sur le registre.",
        english:
          "The registry's status snapshot lists this attestation as \(status.englishName) since \(since)\(english): it no longer proves the level. Look the service up on the registry."
      )
    case .logProof:
      return Explanation(
        french:
          "Rien ne prouve que cette attestation est inscrite au journal public du registre (preuve absente ou invalide, ou contresignatures des témoins insuffisantes). Ne vous y fiez pas ; demandez au service le fichier .amexist.json complet ou vérifiez en ligne.",
        english:
          "Nothing proves this attestation is in the registry's public log (the proof is missing or invalid, or the witnesses' cosignatures are too few). Do not rely on it; ask the service for the complete .amexist.json file or verify online."
      )
    case .documentAltered:
      return Explanation(
        french:
          "La page imprimée a été modifiée : son texte ne correspond plus à l'attestation signée qu'elle contient. Fiez-vous à la fiche du service sur le registre, pas à cette page.",
        english:
          "The printed page was altered: its text no longer matches the signed attestation it carries. Rely on the service's page on the registry, not on this page."
      )
    case .unpinnedLink:
      return Explanation(
        french:
          "Le lien mène à un autre site que le registre que vous avez choisi de croire. Ne le suivez pas ; ouvrez le registre vous-même.",
        english:
          "The link leads to another site than the registry you chose to trust. Do not follow it; open the registry yourself."
      )
    case .untrustedBody:
      return Explanation(
        french:
          "L'organisme certificateur qui a signé la décision n'était pas accrédité, ou sa clé n'était pas reconnue, à la date de la décision. Consultez la liste des organismes certificateurs du registre.",
        english:
          "The certifying body that signed the decision was not accredited, or its key was not recognised, on the decision's date. See the registry's list of certifying bodies."
      )
    case .bodyDecision:
      return Explanation(
        french:
          "La décision signée de l'organisme certificateur ne correspond pas à l'attestation. Ne vous y fiez pas ; consultez la fiche du service sur le registre.",
        english:
          "The certifying body's signed decision does not match the attestation. Do not rely on it; look the service up on the registry."
      )
    case .trustExpired(let at):
      return Explanation(
        french:
          "Votre fichier de confiance a expiré le \(date(at, .french)). Mettez-le à jour (amexist trust update), puis vérifiez à nouveau.",
        english:
          "Your trust file expired on \(date(at, .english)). Update it (amexist trust update), then verify again."
      )
    }
  }
}
