import AmexistDomain
import Attestation
import Documents
import Foundation
import HTTPTypes
import Hummingbird
import RegistryService
import RegistryStore
import TransparencyLog

/// Each attestation: its page and document, its bundle, its printable PDF, its short link, and
/// the badge a service shows.
struct AttestationController: RegistryReader {
  let live: LiveRegistry
  let trustSource: TrustSource
  let pages: Pages
  let settings: RegistryServerSettings

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/attestations/{id}", use: attestation)
    routes.get("/attestations/{id}/bundle", use: bundle)
    routes.get("/attestations/{id}/pdf", use: printable)
    routes.get("/v/{id}", use: shortLink)
    routes.get("/badge/{file}", use: badge)
    return routes
  }

  // MARK: Attestation

  func attestation(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let (text, language, format) = try PathParameter.negotiate(request, context, parameter: "id")
    let uuid = try PathParameter.attestationUUID(text)
    return try await cached(request, key: "attestation/\(uuid)/\(language)/\(format)") {
      let report = try await attestationReport(id: "urn:uuid:" + uuid)
      switch format {
      case .json: return .json(report.json)
      case .html:
        return pages.page(
          "attestation", title: Texts.table(language)["attestationTitle"] ?? "",
          language: language, path: "/attestations/\(uuid)", values: report.view(language))
      }
    }
  }

  func bundle(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let uuid = try PathParameter.attestationUUID(try context.parameters.require("id"))
    return try await cached(request, key: "bundle/\(uuid)/\(witnessingRound)") {
      var reply = Reply(contentType: "application/json", bytes: try await bundleBytes(uuid))
      // The file name is built from the validated UUID only (nothing from the request).
      reply.extraHeaders[.contentDisposition] = "attachment; filename=\"\(uuid).amexist.json\""
      return reply
    }
  }

  /// `/attestations/{id}/pdf`: the printable attestation, its bundle attached, in the language
  /// its credential names (or, for one issued before languages were signed, the language the
  /// request asks for), its QR code linking to this registry's public origin.
  func printable(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let uuid = try PathParameter.attestationUUID(try context.parameters.require("id"))
    let language = PageLanguage.of(request)
    return try await cached(request, key: "pdf/\(uuid)/\(language)/\(witnessingRound)") {
      let bundle = try await bundleBytes(uuid)
      let signed = try await registry.attestation(id: "urn:uuid:" + uuid).claims?.lang
      let pdf: [UInt8]
      do {
        pdf = try AttestationPDF.render(
          bundle: bundle, verifiedBy: try await trustSource.verifier(),
          at: registry.clock.now(),
          language: signed.flatMap(PageLanguage.init(rawValue:)) ?? language,
          origin: settings.publicOrigin)
      } catch {
        // The registry's own bundle does not verify with its own trust file: not servable.
        throw SiteError.unavailable
      }
      var reply = Reply(contentType: "application/pdf", bytes: pdf)
      reply.extraHeaders[.contentDisposition] = "attachment; filename=\"\(uuid).pdf\""
      return reply
    }
  }

  /// The bundle of attestation `uuid` with an inclusion proof in the newest checkpoint that
  /// carries the witness quorum (503 while none holding it does).
  private func bundleBytes(_ uuid: String) async throws -> [UInt8] {
    let lookup: AttestationLookup = try await registry.attestation(id: "urn:uuid:" + uuid)
    guard let jws = lookup.signedDocument else { throw SiteError.notFound }
    let policy = try await trustSource.current().witnessPolicy
    let evidence: InclusionEvidence
    do {
      evidence = try await registry.witnessedEvidence(
        index: lookup.record.index, attestation: "urn:uuid:" + uuid, policy: policy,
        realNow: SystemClock().now())
    } catch {
      throw SiteError.unavailable
    }
    return CanonicalJSON.encode(
      AttestationBundle(jws: jws, evidence: evidence, decision: lookup.decisionToken).json)
  }

  /// `/v/{id}`: the short link of a printed attestation, sent on to its page.
  func shortLink(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let uuid = try PathParameter.attestationUUID(try context.parameters.require("id"))
    let language = PageLanguage.of(request)
    var headers = HTTPFields()
    headers[.location] = "/attestations/\(uuid)?lang=\(language.rawValue)"
    headers[.cacheControl] = "no-cache"
    return Response(status: .seeOther, headers: headers)
  }

  // MARK: Badge

  func badge(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let raw = try context.parameters.require("file")
    let (text, isSVG) = PathParameter.splitSuffix(raw, ".svg")
    guard isSVG, let siret = try? SIRET(text) else { throw SiteError.notFound }
    let language = PageLanguage.of(request)
    return try await cached(request, key: "badge/\(siret.digits)/\(language)") {
      let state: ServiceState = try await registry.state(of: siret)
      var reply = Reply(
        contentType: "image/svg+xml; charset=utf-8",
        bytes: Array(
          Badge.svg(
            state, language,
            link: "\(settings.publicOrigin)/services/\(siret.digits)?lang=\(language.rawValue)"
          ).utf8),
        cacheControl: "public, max-age=300")
      // Other sites embed the badge: it may be loaded cross-origin, but not framed.
      reply.extraHeaders[.crossOriginResourcePolicy] = "cross-origin"
      return reply
    }
  }
}

extension AttestationController {
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

/// Path parameters as the public routes read them.
enum PathParameter {
  /// The path parameter `parameter` without its `.json` suffix, and the language and format the
  /// request asks for.
  static func negotiate(
    _ request: Request, _ context: RegistryRequestContext, parameter: String
  ) throws -> (String, PageLanguage, ResponseFormat) {
    let (text, suffix) = splitSuffix(try context.parameters.require(parameter), ".json")
    return (text, PageLanguage.of(request), ResponseFormat.of(request, hasSuffix: suffix))
  }

  static func splitSuffix(_ text: String, _ suffix: String) -> (String, Bool) {
    text.hasSuffix(suffix) ? (String(text.dropLast(suffix.count)), true) : (text, false)
  }

  /// The lowercase UUID of an attestation id, from a path segment: a UUID, nothing else.
  static func attestationUUID(_ text: String) throws(SiteError) -> String {
    guard text.utf8.count == 36, let uuid = UUID(uuidString: text) else {
      throw .notFound
    }
    let canonical = uuid.uuidString.lowercased()
    guard canonical == text.lowercased() else { throw .notFound }
    return canonical
  }
}

extension HTTPField.Name {
  static let crossOriginResourcePolicy = Self("Cross-Origin-Resource-Policy")!
}
