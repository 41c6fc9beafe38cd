import AmexistDomain
import Attestation
import Documents
import Foundation
import Hummingbird
import RegistryService
import TransparencyLog

/// `POST /verify`: an uploaded bundle, JWS or PDF, checked as the offline verifier does and then
/// against the registry's live status. Only verified fields are shown.
struct VerifyController: Sendable {
  let live: LiveRegistry
  let trustSource: TrustSource
  let pages: Pages
  let clients: Clients
  /// Verifications per client, apart from the public reads' limit (each costs signatures).
  let verifyLimiter: RateLimiter
  let settings: RegistryServerSettings
  /// The verdicts' `trust` member for the root verifications use now.
  let trustMembers = DerivedValue<TrustRoot?, JSONValue>()

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/verify", use: verifyForm)
    routes.post("/verify", use: verify)
    return routes
  }

  func verifyForm(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let language = PageLanguage.of(request)
    return pages.page(
      "verify", title: Texts.table(language)["verifyTitle"] ?? "", language: language,
      path: "/verify", values: ["trustData": Self.offlineTrust(try await trustSource.current())]
    ).response(to: request)
  }

  /// What the page's script needs to check a bundle and a status snapshot offline: the issuer
  /// and its issuer and status keys, with their windows (the trust file's, as verified here).
  static func offlineTrust(_ trust: TrustFile) -> String {
    func keys(_ list: [TrustedKey]) -> JSONValue {
      .array(
        list.map { key in
          .object([
            "kid": .string(key.kid), "jwk": key.publicKey.jwk(kid: key.kid),
            "validFrom": .string(key.validFrom.description),
            "validUntil": key.validUntil.map { .string($0.description) } ?? .null,
            "revokedAt": key.revokedAt.map { .string($0.description) } ?? .null,
          ])
        })
    }
    return CanonicalJSON.string(
      .object([
        "issuer": .string(trust.issuer), "keys": keys(trust.keys),
        "statusKeys": keys(trust.statusKeys),
      ]))
  }

  func verify(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let language = PageLanguage.of(request)
    let format = ResponseFormat.of(request, hasSuffix: false)
    if let wait = verifyLimiter.take(clients.client(of: request, context: context)) {
      throw SiteError.tooMany(retryAfter: wait)
    }
    let body = try await clients.body(
      of: request, context: context, limit: settings.limits.verifyBodyBytes)
    let contentType = request.headers[.contentType]
    let input = try Self.document(in: Array(buffer: body), contentType: contentType)
    let declaredJSON = MediaRange.mediaType(contentType) == "application/json"
    if declaredJSON, input.isEmpty { try Self.requireJSONObject(input) }
    guard !input.isEmpty else {
      throw SiteError.badRequest(
        "the request carries no attestation",
        french:
          "Aucune attestation n'a été envoyée : collez le contenu du fichier .amexist.json ou choisissez le PDF."
      )
    }
    let now = live.registry.clock.now()
    let verifier = try await trustSource.verifier()
    // A printed attestation may link to this registry, under its public origin or the issuer's.
    let checked = AttestationPDFVerifier(
      verifier: verifier, origins: [settings.publicOrigin, verifier.trust.issuer]
    ).verifyUpload(input, now: now)
    // A genuine bundle is a JSON object: only a body that did not verify is parsed again.
    if declaredJSON, !checked.report.isValid { try Self.requireJSONObject(input) }
    var report = checked.report
    if report.isValid, let verified = report.attestation {
      do {
        // The bundle verified: its signature is not checked a second time through the copy
        // the registry keeps. What the log says of it is read once per log size; the status
        // at this moment is computed from it.
        let id = verified.claims.id
        let key = "\(verified.kid) \(id)"
        let source: AttestationStatusSource
        if let known = live.fresh(live.statusSources, key) {
          source = known
        } else {
          source = try await live.statusSources.value(
            key, generation: try await live.currentGeneration()
          ) { () async throws(RegistryError) in
            try await live.registry.statusSource(ofVerified: id, kid: verified.kid)
          }
        }
        if let status = try source.status(payloadSHA256: verified.payloadSHA256, at: now) {
          if !status.isValid { report = report.failing(.notInForce(status)) }
        } else {
          report = report.failing(
            .statusUnknown("the registry holds another document with this id"))
        }
      } catch RegistryError.attestationNotFound {
        report = report.failing(.statusUnknown("this registry has no attestation with this id"))
      } catch let error as RegistryError {
        throw SiteError(error)
      }
    }
    let trustRoot = verifier.trust.signed?.root
    let trustMember: JSONValue
    if let known = trustMembers.known(for: trustRoot) {
      trustMember = known
    } else {
      trustMember = try await trustMembers.value(for: trustRoot) {
        VerifyResult.trustMember(trustRoot)
      }
    }
    let result = VerifyResult(
      report: report, page: checked.page, trustRoot: trustRoot, trustMember: trustMember)
    switch format {
    case .json: return Reply.json(result.json).response(to: request)
    case .html:
      return pages.page(
        "verify", title: Texts.table(language)["verifyTitle"] ?? "", language: language,
        path: "/verify",
        values: [
          "result": result.view(language), "trustData": Self.offlineTrust(verifier.trust),
        ]
      ).response(to: request)
    }
  }

  /// Refuses a body that says it is JSON and is not a JSON object: a malformed request,
  /// whereas an object that is not a bundle is a verdict ("malformed"), as for any other
  /// document.
  static func requireJSONObject(_ body: [UInt8]) throws(SiteError) {
    guard (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any] else {
      throw .badRequest(
        "the body is not a JSON object, as its Content-Type says a bundle is",
        french:
          "Le contenu envoyé n'est pas un objet JSON, contrairement à ce qu'annonce son type.")
    }
  }

  /// The document a request carries: a form's `pdf` field (a PDF in base64, as the page's
  /// script sends a chosen PDF) or else its `document` field, or the body itself (a JSON body
  /// is checked by ``requireJSONObject(_:)`` once it did not verify).
  static func document(in body: [UInt8], contentType: String?) throws(SiteError) -> [UInt8] {
    switch MediaRange.mediaType(contentType) {
    case "application/x-www-form-urlencoded":
      let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
      guard let items = URLComponents(string: "?" + text)?.queryItems else {
        throw .badRequest(
          "the form cannot be read", french: "Le formulaire envoyé ne peut pas être lu.")
      }
      // The page's form sends both fields, the one not used empty.
      if let encoded = items.first(where: { $0.name == "pdf" })?.value, !encoded.isEmpty {
        guard let pdf = Data(base64Encoded: encoded) else {
          throw .badRequest(
            "the pdf field is not base64",
            french: "Le PDF envoyé n'a pas pu être lu. Choisissez à nouveau le fichier.")
        }
        return Array(pdf)
      }
      guard let value = items.first(where: { $0.name == "document" })?.value else {
        throw .badRequest(
          "the form has no document field",
          french:
            "Le formulaire ne contient aucune attestation : collez le contenu du fichier .amexist.json ou choisissez le PDF."
        )
      }
      return Array(value.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    case "application/jose", "application/json", "text/plain", "application/octet-stream",
      "application/pdf", "":
      return body
    default:
      throw .unsupportedMediaType
    }
  }
}

/// A verification's verdict, with the fields that were verified and nothing else.
struct VerifyResult {
  let report: VerificationReport
  /// What an uploaded PDF's page was found to be; nil for a bundle or a JWS.
  var page: PrintedCheck.Page? = nil
  /// The root the served trust file (the one the page verified with) is signed under; nil
  /// while the registry's trust file is unsigned.
  var trustRoot: TrustRoot? = nil

  /// The verdict's `trust` member, the same for every verdict under one root: the
  /// controller keeps it rather than hashing the root again (its pin) at each request.
  let trustMember: JSONValue

  var code: String { report.failure?.code ?? "valid" }

  /// The `trust` member of verdicts given under `root`.
  static func trustMember(_ root: TrustRoot?) -> JSONValue {
    root.map { root in
      .object([
        "rootVersion": .integer(root.version), "pin": .string(root.pin),
        "expires": .string(root.expires.description),
      ])
    } ?? .null
  }

  var json: JSONValue {
    var members: [String: JSONValue] = [
      "valid": .bool(report.isValid), "code": .string(code),
      "exitCode": .integer(Int64(report.exitCode)),
      "checkedAt": .string(report.checkedAt.description),
      "reason": report.failure.map { .string($0.description) } ?? .null,
      "explanation": report.failure.map(\.explanation.json) ?? .null,
    ]
    if let attestation = report.attestation {
      let claims = attestation.claims
      members["attestation"] = .object([
        "id": .string(claims.id), "siret": .string(claims.siret.digits),
        "name": .string(claims.name), "level": .integer(Int64(claims.level.rawValue)),
        "decided": .string(claims.decisionDate.description),
        "evaluator": claims.evaluator.map(JSONValue.string) ?? .null,
        "validFrom": .string(claims.validFrom.description),
        "validUntil": .string(claims.validUntil.description),
        "kid": .string(attestation.kid),
        // Only a body's decision that verified is named.
        "certifiedBy": attestation.decision.flatMap { decision in
          claims.certification.map { body in
            .object([
              "id": .string(body.body), "name": .string(body.bodyName),
              "accreditor": .string(body.accreditor),
              "accreditationNumber": .string(body.accreditationNumber),
              "decided": .string(decision.claims.decided.description),
              "kid": .string(decision.kid),
            ])
          }
        } ?? .null,
      ])
    } else {
      members["attestation"] = .null
    }
    if let inclusion = report.inclusion {
      members["log"] = .object([
        "index": .integer(inclusion.index),
        "treeSize": .integer(inclusion.checkpoint.checkpoint.size),
        "origin": .string(inclusion.checkpoint.checkpoint.origin),
        "witnesses": .array(inclusion.witnesses.map(JSONValue.string)),
      ])
    } else {
      members["log"] = .null
    }
    // The root the verification used, so that a verifier compares it with its own pin.
    members["trust"] = trustMember
    switch page {
    case .genuine: members["printedPage"] = .string("genuine")
    case .resaved: members["printedPage"] = .string("resaved")
    case nil: members["printedPage"] = .null
    }
    return .object(members)
  }

  func view(_ language: PageLanguage) -> [String: Any] {
    let french = language == .french
    let headline: String
    if report.isValid {
      headline = french ? "Attestation authentique et en vigueur" : "Genuine attestation, in force"
    } else if case .notInForce(let status) = report.failure {
      headline =
        (french ? "Attestation authentique mais " : "Genuine attestation, but ")
        + Words.status(status, language)
    } else {
      headline = french ? "Attestation non valide" : "Attestation not valid"
    }
    var view: [String: Any] = ["headline": headline, "code": code]
    view["reason"] = report.failure.map { $0.explanation.text(language) }
    var fields: [[String: String]] = []
    // Shown only when the signature verified: the verifier keeps claims only then.
    if let attestation = report.attestation {
      let claims = attestation.claims
      func add(_ french: String, _ english: String, _ value: String) {
        fields.append(["label": language == .french ? french : english, "value": value])
      }
      add("Service", "Service", claims.name)
      add("SIRET", "SIRET", claims.siret.formatted)
      add("Niveau", "Level", "\(claims.level.rawValue) · \(Words.level(claims.level, language))")
      add("Décision du", "Decided on", DateWords.date(claims.decisionDate, language))
      if attestation.decision != nil, let body = claims.certification {
        add("Certifié par", "Certified by", Words.certifiedBy(body, language, verified: true))
      } else {
        add("Évaluateur", "Evaluator", Words.evaluator(claims.evaluator, language))
      }
      add("Valable jusqu'au", "Valid until", DateWords.date(claims.levelValidUntil, language))
      add("Délivrée le", "Issued on", DateWords.instant(claims.validFrom, language))
      add("Clé de signature", "Signing key", attestation.kid)
      if let inclusion = report.inclusion {
        add(
          "Entrée du journal", "Log entry",
          "\(inclusion.index) / \(inclusion.checkpoint.checkpoint.size)")
        if !inclusion.witnesses.isEmpty {
          add(
            "Contresigné par", "Cosigned by",
            inclusion.witnesses.joined(separator: ", ")
              + (french ? " (témoins, le quorum)" : " (witnesses, the quorum)"))
        }
      }
      switch page {
      case .genuine:
        add("Page imprimée", "Printed page", french ? "celle du registre" : "the registry's own")
      case .resaved:
        add(
          "Page imprimée", "Printed page",
          french
            ? "non vérifiée : PDF réenregistré par un autre logiciel ; seuls les champs ci-dessus sont vérifiés"
            : "not checked: the PDF was re-saved by another program; only the fields above are verified"
        )
      case nil:
        break
      }
    }
    if let trustRoot, !fields.isEmpty {
      fields.append([
        "label": french ? "Racine de confiance" : "Trust root",
        "value": french
          ? "version \(trustRoot.version), empreinte \(trustRoot.pin) (/.well-known/amexist-trust.json ; comparez-la à celle que vous tenez du registre)"
          : "version \(trustRoot.version), pin \(trustRoot.pin) (/.well-known/amexist-trust.json; compare it with the one you hold from the registry)"
          ,
      ])
    }
    view["fields"] = fields
    view["hasFields"] = !fields.isEmpty
    return view
  }
}
