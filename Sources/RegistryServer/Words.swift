import AmexistDomain
import Documents

extension Words {
  /// One history entry as a sentence and its details.
  static func event(_ event: Event, _ language: PageLanguage) -> (String, String?) {
    let french = language == .french
    switch event {
    case .serviceRegistered: return (french ? "Inscription au registre" : "Registered", nil)
    case .serviceUpdated: return (french ? "Mise à jour de la fiche" : "Profile updated", nil)
    case .levelGranted(let e):
      let what =
        french
        ? "Niveau \(e.level.rawValue) accordé : \(e.level.frenchName)"
        : "Level \(e.level.rawValue) granted: \(e.level.englishName)"
      let details =
        french
        ? "Valable du \(DateWords.date(e.validFrom, language)) au \(DateWords.date(e.validUntil, language)) · évaluateur : \(evaluator(e.evaluator, language))\(e.reference.map { " · référence \($0)" } ?? "")"
        : "Valid from \(DateWords.date(e.validFrom, language)) to \(DateWords.date(e.validUntil, language)) · evaluator: \(evaluator(e.evaluator, language))\(e.reference.map { " · reference \($0)" } ?? "")"
      return (what, details)
    case .levelRenewed(let e):
      return (
        french ? "Renouvellement" : "Renewed",
        (french ? "Valable jusqu'au " : "Valid until ") + DateWords.date(e.validUntil, language)
          + (e.evaluator.map { (french ? " · évaluateur : " : " · evaluator: ") + $0 } ?? "")
      )
    case .levelSuspended(let e):
      return (french ? "Suspension" : "Suspended", (french ? "Motif : " : "Reason: ") + e.reason)
    case .levelReinstated: return (french ? "Levée de la suspension" : "Reinstated", nil)
    case .levelWithdrawn(let e):
      return (french ? "Retrait" : "Withdrawn", (french ? "Motif : " : "Reason: ") + e.reason)
    case .attestationIssued:
      return (french ? "Attestation délivrée" : "Attestation issued", nil)
    case .keyAdded, .keyRetired, .keyRevoked:
      return (french ? "Clé de l'émetteur" : "Issuer key", nil)
    case .bodyRegistered(let e):
      return (french ? "Organisme certificateur inscrit" : "Certifying body registered", e.name)
    case .bodyAccreditationChanged(let e):
      return (
        french ? "Accréditation de l'organisme modifiée" : "Accreditation changed",
        e.change.name
      )
    case .registryConfigured(let e):
      return (french ? "Référentiel du registre" : "The registry's scheme", e.scheme.rawValue)
    case .witnessAdded(let e):
      return (french ? "Témoin ajouté" : "Witness added", e.name)
    case .witnessRemoved(let e):
      return (french ? "Témoin retiré" : "Witness removed", e.name)
    case .quorumSet(let e):
      return (
        french ? "Quorum de témoins" : "Witness quorum",
        french
          ? "\(e.k) témoin(s) à partir de la taille \(e.fromSize)"
          : "\(e.k) witness(es) from tree size \(e.fromSize)"
      )
    case .statusPublished(let e):
      return (
        french ? "Instantané de statut publié" : "Status snapshot published",
        french ? "taille d'arbre \(e.size)" : "tree size \(e.size)"
      )
    case .levelTransferred(let e):
      return (
        french
          ? "Niveau \(e.level.rawValue) transféré à \(e.evaluator ?? e.signedBy.body)"
          : "Level \(e.level.rawValue) transferred to \(e.evaluator ?? e.signedBy.body)",
        (french
          ? "Organisme précédent : \(e.fromBody) · valable jusqu'au "
          : "Previous body: \(e.fromBody) · valid until ")
          + DateWords.date(e.validUntil, language)
          + (e.reference.map { (french ? " · référence " : " · reference ") + $0 } ?? "")
      )
    case .reservesRecorded(let e):
      return (
        french
          ? "Réserves, à lever au plus tard le \(DateWords.date(e.deadline, language))"
          : "Réserves, to be lifted by \(DateWords.date(e.deadline, language))",
        e.reservations
      )
    case .reservesLifted:
      return (french ? "Réserves levées" : "Réserves lifted", nil)
    case .levelRefused(let e):
      return (
        french ? "Refus de certification" : "Certification refused",
        (french ? "Motif : " : "Reason: ") + e.reason
      )
    case .serviceSucceeded(let e):
      switch e.side {
      case .predecessor(let successor):
        return (
          french ? "Activité reprise par un autre service" : "Activity taken over",
          (french ? "Successeur : SIRET " : "Successor: SIRET ") + successor.digits
        )
      case .successor(let predecessor, let carried):
        return (
          french
            ? "Reprise de l'activité d'un autre service, niveau \(carried.level.rawValue)"
            : "Took over another service's activity, level \(carried.level.rawValue)",
          (french ? "Prédécesseur : SIRET " : "Predecessor: SIRET ") + predecessor.digits
            + (french ? " · valable jusqu'au " : " · valid until ")
            + DateWords.date(carried.validUntil, language)
        )
      }
    }
  }

  /// A body's accreditation standing, as a page says it.
  static func accreditation(_ standing: AccreditationStanding, _ language: PageLanguage) -> String {
    let french = language == .french
    switch standing {
    case .accredited: return french ? "accrédité" : "accredited"
    case .notYet: return french ? "accréditation pas encore en vigueur" : "not yet accredited"
    case .suspended: return french ? "accréditation suspendue" : "accreditation suspended"
    case .expired: return french ? "accréditation expirée" : "accreditation expired"
    case .withdrawn: return french ? "accréditation retirée" : "accreditation withdrawn"
    }
  }

  /// A body key's state, as a page says it.
  static func bodyKey(signsNow: Bool, revoked: Bool, _ language: PageLanguage) -> String {
    let french = language == .french
    if revoked { return french ? "révoquée" : "revoked" }
    return signsNow
      ? (french ? "en service" : "in use") : (french ? "retirée" : "retired")
  }
}
