import AmexistDomain
import Attestation
import Documents
import RegistryService
import RegistryStore
import TransparencyLog

/// What the registry says of one attestation, with the checks it made to say it.
struct AttestationReport: Sendable {
  struct Check: Sendable {
    let passed: Bool
    let french: String
    let english: String
  }

  let lookup: AttestationLookup
  let checks: [Check]
  let checkpointSize: Int64?

  var uuid: String { AttestationRecord.uuid(of: lookup.record.id) }

  var json: JSONValue {
    let state = lookup.service
    var members: [String: JSONValue] = [
      "id": .string(lookup.record.id),
      "status": .string(lookup.status.rawValue),
      "siret": .string(state.siret.digits), "name": .string(state.profile.name),
      "logIndex": .integer(lookup.record.index),
      "recordedAt": .string(lookup.record.recordedAt.description),
      "payloadSHA256": .string(lookup.record.payloadSHA256),
      "checks": .array(
        checks.map { .object(["passed": .bool($0.passed), "check": .string($0.english)]) }),
      "bundle": lookup.signedDocument == nil ? .null : .string("/attestations/\(uuid)/bundle"),
      "kid": lookup.signingKey.map { .string($0.kid) } ?? .null,
      "checkpointSize": checkpointSize.map(JSONValue.integer) ?? .null,
      "service": .string("/services/\(state.siret.digits)"),
    ]
    if let claims = lookup.claims {
      members["claims"] = .object([
        "level": .integer(Int64(claims.level.rawValue)),
        "levelName": .string(claims.level.frenchName),
        "decided": .string(claims.decisionDate.description),
        "evaluator": claims.evaluator.map(JSONValue.string) ?? .null,
        "certifiedBy": claims.certification.map { body in
          .object([
            "id": .string(body.body), "name": .string(body.bodyName),
            "accreditor": .string(body.accreditor),
            "accreditationNumber": .string(body.accreditationNumber),
            "decisionSHA256": .string(body.decisionSHA256),
          ])
        } ?? .null,
        "validFrom": .string(claims.validFrom.description),
        "validUntil": .string(claims.validUntil.description),
      ])
    } else {
      members["claims"] = .null
    }
    return .object(members)
  }

  func view(_ language: PageLanguage) -> [String: Any] {
    let state = lookup.service
    var view: [String: Any] = [
      "uuid": uuid, "id": lookup.record.id,
      "status": Words.status(lookup.status, language).capitalizedFirst,
      "statusCode": lookup.status.rawValue,
      "statusExplanation": explanation(language),
      "siret": state.siret.digits, "siretFormatted": state.siret.formatted,
      "name": state.profile.name,
      "issued": DateWords.instant(lookup.record.recordedAt, language),
      "checks": checks.map { check -> [String: Any] in
        ["passed": check.passed, "text": language == .french ? check.french : check.english]
      },
      "downloadable": lookup.signedDocument != nil,
    ]
    if let claims = lookup.claims {
      var claimsView: [String: Any] = [
        "level": "\(claims.level.rawValue) · \(Words.level(claims.level, language))",
        "decided": DateWords.date(claims.decisionDate, language),
        "evaluator": Words.evaluator(claims.evaluator, language),
        "validUntil": DateWords.date(claims.levelValidUntil, language),
      ]
      if let body = claims.certification {
        claimsView["certifiedBy"] = Words.certifiedBy(body, language)
      }
      view["claims"] = claimsView
    }
    return view
  }

  private func explanation(_ language: PageLanguage) -> String {
    let french = language == .french
    switch lookup.status {
    case .valid:
      return french
        ? "le registre confirme que cette attestation est en vigueur."
        : "the registry confirms this attestation is in force."
    case .suspended:
      return french
        ? "le niveau du service est suspendu depuis la délivrance."
        : "the service's level has been suspended since issuance."
    case .withdrawn:
      return french ? "le niveau du service a été retiré." : "the service's level was withdrawn."
    case .expired:
      return french ? "la période de validité est terminée." : "its validity period has ended."
    case .superseded:
      return french
        ? "une décision plus récente la remplace ; consultez la fiche du service."
        : "a later decision replaces it; see the service's page."
    case .revoked:
      return french
        ? "la clé qui l'a signée a été révoquée avant son inscription au journal."
        : "the key that signed it was revoked before it was logged."
    }
  }
}

extension String {
  var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
