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

  var uuid: String { Site.uuid(of: lookup.record.id) }

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

extension Site {
  /// Looks the attestation up and checks, now: its signature with the key the log names, its
  /// payload hash against the log entry, the entry's inclusion in the latest signed
  /// checkpoint, and its live status.
  func attestationReport(id: String) async throws -> AttestationReport {
    let lookup: AttestationLookup = try await registry.attestation(id: id)
    var checks: [AttestationReport.Check] = []
    if let key = lookup.signingKey {
      checks.append(
        .init(
          passed: true,
          french:
            "Signature \(key.algorithm) vérifiée avec la clé \(key.kid) inscrite au journal",
          english: "\(key.algorithm) signature verified with key \(key.kid), as the log records it"
        ))
      checks.append(
        .init(
          passed: true,
          french:
            "Empreinte SHA-256 du contenu signé identique à celle de l'entrée \(lookup.record.index) du journal",
          english:
            "SHA-256 of the signed content equals the one in log entry \(lookup.record.index)"))
    } else {
      checks.append(
        .init(
          passed: false,
          french:
            "Le document signé n'est pas conservé par le registre : seule l'entrée du journal est vérifiée",
          english: "The registry does not keep the signed document: only the log entry is checked"))
    }
    if let body = lookup.claims?.certification {
      let kept = lookup.decisionToken != nil
      checks.append(
        .init(
          passed: kept,
          french: kept
            ? "Décision signée par \(body.bodyName) conservée au journal, empreinte SHA-256 identique à celle de l'attestation"
            : "La décision signée par \(body.bodyName) que nomme l'attestation n'est pas celle du journal",
          english: kept
            ? "Decision signed by \(body.bodyName) kept in the log, its SHA-256 equal to the attestation's"
            : "The decision signed by \(body.bodyName) that the attestation names is not the log's")
      )
    }
    var size: Int64?
    do {
      let (leaf, evidence) = try await inclusion(index: lookup.record.index)
      guard let log = registry.logVerifier else { throw SiteError.unavailable }
      let checkpoint = try evidence.verify(leaf: leaf, log: log)
      size = checkpoint.checkpoint.size
      checks.append(
        .init(
          passed: true,
          french:
            "Entrée \(lookup.record.index) prouvée incluse dans le journal signé (\(checkpoint.checkpoint.size) entrées)",
          english:
            "Entry \(lookup.record.index) proven included in the signed log (\(checkpoint.checkpoint.size) entries)"
        ))
    } catch {
      checks.append(
        .init(
          passed: false, french: "La preuve d'inclusion dans le journal n'a pas pu être vérifiée",
          english: "The proof of inclusion in the log could not be verified"))
    }
    checks.append(
      .init(
        passed: lookup.status.isValid,
        french: "Statut actuel dans le registre : \(lookup.status.frenchName)",
        english: "Current status in the registry: \(lookup.status.englishName)"))
    return AttestationReport(lookup: lookup, checks: checks, checkpointSize: size)
  }

  /// The leaf bytes at `index` and their inclusion evidence in the latest checkpoint.
  private func inclusion(index: Int64) async throws -> ([UInt8], InclusionEvidence) {
    let evidence = try await registry.inclusionEvidence(index: index)
    let leaf = try await registry.read { snapshot in try snapshot.event(at: index)?.canonicalBytes }
    guard let leaf else { throw SiteError.unavailable }
    return (leaf, evidence)
  }
}
