import AmexistDomain
import Attestation
import RegistryStore

/// The certifying body's signed decision behind a decision the log holds: the token the bundle
/// carries and what the credential says of it.
struct BodyDecisionEvidence {
  let token: String
  let certification: BodyCertification
}

extension RegistryService {
  /// The body's signed decision behind the decision logged at `index` (a grant, renewal or
  /// transfer a body signed; for a successor's entry, the predecessor's decision it carries),
  /// or nil when the federation decided.
  static func bodyDecision(at index: Int64, snapshot: any RegistrySnapshot) throws
    -> BodyDecisionEvidence?
  {
    guard let logged = try snapshot.event(at: index) else { return nil }
    var succession: BodyCertification.Succession?
    var decision = logged
    if case .serviceSucceeded(let event) = logged.event,
      case .successor(let predecessor, let carried) = event.side
    {
      succession = BodyCertification.Succession(predecessor: predecessor, index: index)
      guard let carriedEntry = try snapshot.event(at: carried.decisionIndex) else { return nil }
      decision = carriedEntry
    }
    guard let signature = decision.event.signedBy,
      let hash = VerifiedLog.payloadSHA256(ofCompactJWS: signature.token),
      let body = BodyRecord.fold(try snapshot.events(about: .body(signature.body)))
    else { return nil }
    var fromBody: String?
    if case .levelTransferred(let transfer) = decision.event { fromBody = transfer.fromBody }
    return BodyDecisionEvidence(
      token: signature.token,
      certification: BodyCertification(
        body: body.id, bodyName: body.name, accreditor: body.accreditation.accreditor,
        accreditationNumber: body.accreditation.number, decisionSHA256: hash, fromBody: fromBody,
        succession: succession))
  }
}
