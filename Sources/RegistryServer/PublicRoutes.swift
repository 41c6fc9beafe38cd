import AmexistDomain
import Attestation
import Documents
import Foundation
import HTTPTypes
import Hummingbird
import RegistryService
import RegistryStore
import TransparencyLog

/// The pages and JSON documents about services and attestations.
extension Site {
  /// Serves the reply `build` makes for `key`, from the cache while the log has not changed.
  func cached(
    _ request: Request, key: String, build: @Sendable () async throws -> Reply
  ) async throws -> Response {
    let generation = try await currentGeneration()
    return try await replies.reply(key, generation: generation) {
      try await build().publicRead()
    }.response(to: request)
  }

  // MARK: Search

  func search(_ request: Request, context: RegistryRequestContext, jsonPath: Bool) async throws
    -> Response
  {
    let language = PageLanguage.of(request)
    let format = ResponseFormat.of(request, hasSuffix: jsonPath)
    let query = try SearchQuery(request.uri.queryParameters, limits: settings.limits)
    let all = try await services()
    let matches = all.filter(query.matches)
    let start = min((query.page - 1) * query.limit, matches.count)
    let pageItems = Array(matches[start..<min(start + query.limit, matches.count)])
    let hasMore = start + query.limit < matches.count
    switch format {
    case .json:
      return Reply.json(
        .object([
          "services": .array(pageItems.map(Self.summaryJSON)),
          "total": .integer(Int64(matches.count)),
          "page": .integer(Int64(query.page)), "limit": .integer(Int64(query.limit)),
          "hasMore": .bool(hasMore),
        ])
      ).publicRead().prepared().response(to: request)
    case .html:
      let texts = Texts.table(language)
      var values: [String: Any] = [
        "query": query.text,
        "regions": Region.names.sorted { $0.key < $1.key }.map { code, name in
          ["code": code, "name": name, "selected": code == query.region?.code] as [String: Any]
        },
        "levels": Level.allCases.map { level in
          [
            "number": level.rawValue, "name": Words.level(level, language),
            "selected": level == query.level,
          ] as [String: Any]
        },
        "standings": Standing.allCases.map { standing in
          [
            "code": standing.rawValue, "name": Words.situation(standing, language),
            "selected": standing == query.standing,
          ] as [String: Any]
        },
        "services": pageItems.map { summaryView($0, language) },
        "hasServices": !pageItems.isEmpty,
        "resultsHeading": query.isEmpty
          ? (texts["results"] ?? "") : "\(texts["resultsFor"] ?? "") « \(query.text) »",
      ]
      if hasMore { values["nextPage"] = query.link(page: query.page + 1, language: language) }
      return page(
        "search", title: texts["searchTitle"] ?? "", language: language,
        path: query.link(page: query.page, language: nil),
        values: values
      ).response(to: request)
    }
  }

  static func summaryJSON(_ state: ServiceState) -> JSONValue {
    .object([
      "siret": .string(state.siret.digits), "name": .string(state.profile.name),
      "city": state.profile.city.map(JSONValue.string) ?? .null,
      "region": state.profile.region.map { .string($0.code) } ?? .null,
      "level": state.heldLevel.map { .integer(Int64($0.rawValue)) } ?? .null,
      "standing": .string(state.standing.rawValue),
      "validUntil": state.decision.map { .string($0.validUntil.description) } ?? .null,
    ])
  }

  func summaryView(_ state: ServiceState, _ language: PageLanguage) -> [String: Any] {
    var view: [String: Any] = [
      "siret": state.siret.digits, "siretFormatted": state.siret.formatted,
      "name": state.profile.name, "region": state.profile.region?.name ?? "",
      "standing": Words.situation(state.standing, language),
      "standingCode": state.standing.rawValue,
    ]
    if let level = state.heldLevel {
      view["level"] = ["number": level.rawValue, "name": Words.level(level, language)]
    }
    return view
  }

  // MARK: Service

  func service(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let (text, language, format) = try Self.negotiate(request, context, parameter: "siret")
    // A SIRET typed with spaces arrives percent-encoded.
    let decoded = text.contains("%") ? (text.removingPercentEncoding ?? text) : text
    guard let siret = try? SIRET(decoded) else {
      throw SiteError.notASIRET
    }
    return try await cached(request, key: "service/\(siret.digits)/\(language)/\(format)") {
      let report = try await registry.report(of: siret)
      let state = report.state
      switch format {
      case .json:
        return .json(report.document)
      case .html:
        return page(
          "service", title: state.profile.name, language: language,
          path: "/services/\(siret.digits)",
          values: serviceView(
            report, language, bodies: try await registry.bodyRecords(Self.bodyIDs(of: state))))
      }
    }
  }

  /// The certifying bodies a service's page names.
  static func bodyIDs(of state: ServiceState) -> Set<String> {
    Set(
      [state.decision?.body, state.decision?.transferredFrom, state.reserves?.body].compactMap {
        $0
      } + state.refusals.map(\.body))
  }

  func serviceView(
    _ report: ServiceReport, _ language: PageLanguage, bodies: [String: BodyRecord] = [:]
  ) -> [String: Any] {
    let state = report.state
    var view = summaryView(state, language)
    view["city"] = state.profile.city
    view["website"] = state.profile.website
    view["badgeText"] = Badge.caption(state, language).joined(separator: " · ")
    view["origin"] = settings.publicOrigin
    let today = registry.today()
    view["headline"] = Words.headline(state, today: today, language)
    if let decision = state.decision {
      view["decidedLevel"] = [
        "number": decision.level.rawValue, "name": Words.level(decision.level, language),
      ]
      let from = DateWords.date(decision.validFrom, language)
      let until = DateWords.date(decision.validUntil, language)
      var decisionView: [String: Any] = [
        "validFrom": from, "validUntil": until,
        "evaluator": Words.evaluator(decision.evaluator, language),
      ]
      // Dates say what they are: in force, starting later, or the period once granted.
      switch state.standing {
      case .active: decisionView["inForce"] = true
      case .none: decisionView["upcoming"] = decision.validFrom > today
      case .suspended, .withdrawn, .expired:
        decisionView["period"] =
          language == .french ? "du \(from) au \(until)" : "from \(from) to \(until)"
      }
      decisionView["reference"] = decision.reference
      if let id = decision.body {
        let record = bodies[id]
        decisionView["certifiedBy"] =
          record.map {
            Words.certifiedBy(
              name: $0.name, accreditor: $0.accreditation.accreditor,
              number: $0.accreditation.number, language)
          } ?? decision.evaluator ?? id
        decisionView["bodyID"] = id
      }
      view["decision"] = decisionView
    }
    view["standingNote"] = state.suspension?.reason ?? state.withdrawal?.reason
    let french = language == .french
    if let decision = state.decision, let from = decision.transferredFrom,
      var decisionView = view["decision"] as? [String: Any]
    {
      let name = bodies[from]?.name ?? from
      decisionView["transfer"] =
        (french ? "transféré de \(name) le " : "transferred from \(name) on ")
        + DateWords.date(decision.decided, language)
      view["decision"] = decisionView
    }
    if let reserves = state.reserves, state.standing == .active || state.standing == .suspended {
      let deadline = DateWords.date(reserves.deadline, language)
      let status: String
      if let lifted = reserves.liftedOn {
        status =
          (french ? "levées le " : "lifted on ") + DateWords.date(lifted, language)
      } else if state.reservesOverdue {
        status =
          french
          ? "réserves non levées : l'échéance du \(deadline) est dépassée"
          : "réserves not lifted: the deadline of \(deadline) has passed"
      } else {
        status = (french ? "à lever au plus tard le " : "to be lifted by ") + deadline
      }
      view["reserves"] = [
        "text": reserves.reservations, "status": status, "overdue": state.reservesOverdue,
      ]
    }
    if let refusal = state.refusals.last {
      let name = bodies[refusal.body]?.name ?? refusal.body
      view["refusal"] =
        DateWords.date(refusal.decided, language) + (french ? ", par " : ", by ") + name
        + (french ? " — motif : " : " — reason: ") + refusal.reason
    }
    if let successor = state.successor {
      view["successor"] = [
        "siret": successor.siret.digits, "siretFormatted": successor.siret.formatted,
        "since": DateWords.date(successor.decided, language),
      ]
    }
    if let predecessor = state.predecessor {
      view["predecessor"] = [
        "siret": predecessor.siret.digits, "siretFormatted": predecessor.siret.formatted,
        "since": DateWords.date(predecessor.decided, language),
      ]
    }
    let attestations = state.attestations.reversed().map { record -> [String: Any] in
      let status = report.status(of: record)
      return [
        "uuid": Self.uuid(of: record.id),
        "issued": DateWords.date(CalendarDate(parisDayOf: record.recordedAt), language),
        "status": Words.status(status, language), "statusCode": status.rawValue,
      ]
    }
    view["attestations"] = attestations
    view["hasAttestations"] = !attestations.isEmpty
    view["history"] = state.history.reversed().map { logged -> [String: Any] in
      let (what, details) = Words.event(logged.event, language)
      // A decision is dated by its decision; every entry also says when the log recorded it.
      let date =
        logged.event.decisionDate.map {
          (language == .french ? "Décision du " : "Decided on ") + DateWords.date($0, language)
        } ?? DateWords.date(CalendarDate(parisDayOf: logged.recordedAt), language)
      var entry: [String: Any] = [
        "date": date, "what": what, "index": logged.index,
        "recorded": DateWords.instant(logged.recordedAt, language),
        "corrected": state.correctedIndexes.contains(logged.index),
      ]
      entry["details"] = details
      return entry
    }
    return view
  }

  // MARK: Attestation

  func attestation(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let (text, language, format) = try Self.negotiate(request, context, parameter: "id")
    let uuid = try Self.attestationUUID(text)
    return try await cached(request, key: "attestation/\(uuid)/\(language)/\(format)") {
      let report = try await attestationReport(id: "urn:uuid:" + uuid)
      switch format {
      case .json: return .json(report.json)
      case .html:
        return page(
          "attestation", title: Texts.table(language)["attestationTitle"] ?? "",
          language: language, path: "/attestations/\(uuid)", values: report.view(language))
      }
    }
  }

  func bundle(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let uuid = try Self.attestationUUID(try context.parameters.require("id"))
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
    let uuid = try Self.attestationUUID(try context.parameters.require("id"))
    let language = PageLanguage.of(request)
    return try await cached(request, key: "pdf/\(uuid)/\(language)/\(witnessingRound)") {
      let bundle = try await bundleBytes(uuid)
      let signed = try await registry.attestation(id: "urn:uuid:" + uuid).claims?.lang
      let pdf: [UInt8]
      do {
        pdf = try AttestationPDF.render(
          bundle: bundle, verifiedBy: AttestationVerifier(trust: try await trust()),
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
    let policy = try await trust().witnessPolicy
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

  /// The bundle of a just-issued attestation with a checkpoint carrying the quorum `policy`
  /// sets, waiting up to ``RegistryServerSettings/witnessWait`` for this server's rounds; the
  /// bundle as issued when the policy sets no quorum; nil when the quorum was not reached.
  func witnessedBundle(_ issued: IssuedAttestation, policy: WitnessPolicy) async throws
    -> AttestationBundle?
  {
    guard !policy.quorums.isEmpty else { return issued.bundle }
    registry.witnessing.requestRound()
    let deadline = ContinuousClock.now + settings.witnessWait
    while true {
      let result: Result<InclusionEvidence, RegistryError>
      do {
        result = .success(
          try await registry.witnessedEvidence(
            index: issued.logged.index, attestation: issued.claims.id, policy: policy,
            realNow: SystemClock().now()))
      } catch {
        result = .failure(error)
      }
      switch result {
      case .success(let evidence):
        return AttestationBundle(
          jws: issued.bundle.jws, evidence: evidence, decision: issued.bundle.decision)
      case .failure(.notWitnessed):
        guard ContinuousClock.now < deadline else { return nil }
        try await Task.sleep(for: .milliseconds(200))
      case .failure(let error):
        throw error
      }
    }
  }

  /// `/v/{id}`: the short link of a printed attestation, sent on to its page.
  func shortLink(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let uuid = try Self.attestationUUID(try context.parameters.require("id"))
    let language = PageLanguage.of(request)
    var headers = HTTPFields()
    headers[.location] = "/attestations/\(uuid)?lang=\(language.rawValue)"
    headers[.cacheControl] = "no-cache"
    return Response(status: .seeOther, headers: headers)
  }

  // MARK: Badge

  func badge(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let raw = try context.parameters.require("file")
    let (text, isSVG) = Self.splitSuffix(raw, ".svg")
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

  // MARK: Helpers

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

  static func uuid(of id: String) -> String { AttestationRecord.uuid(of: id) }
}

extension HTTPField.Name {
  static let crossOriginResourcePolicy = Self("Cross-Origin-Resource-Policy")!
}

/// The search form's parameters, validated and bounded.
struct SearchQuery {
  var text = ""
  var region: Region?
  var level: Level?
  var standing: Standing?
  var page = 1
  var limit: Int

  /// The largest page number asked for.
  static let maximumPage = 1_000_000

  /// The filters of `parameters`. An empty value means "any" (what the search form sends); a
  /// value that is not one of the allowed ones is refused (400, naming them), never read as
  /// "all services".
  init(_ parameters: Parameters, limits: ServerLimits) throws(SiteError) {
    func given(_ name: Substring) -> String? {
      parameters[name].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }
    let typed = parameters["q"].map(String.init) ?? ""
    // Counted as JSON Schema counts a string's length: in code points.
    guard typed.unicodeScalars.count <= 100 else {
      throw .badRequest(
        "q must be at most 100 characters",
        french: "La recherche doit faire au plus 100 caractères.")
    }
    text = typed.trimmingCharacters(in: .whitespaces)
    if let code = given("region") {
      guard let known = try? Region(code: code) else {
        let codes = Region.names.keys.sorted().joined(separator: ", ")
        throw .badRequest(
          "region must be an INSEE region code: \(codes)",
          french: "La région doit être un code INSEE de région : \(codes).")
      }
      region = known
    }
    if let number = given("level") {
      guard let known = try? Level(parsing: number) else {
        throw .badRequest("level must be 1, 2 or 3", french: "Le niveau doit être 1, 2 ou 3.")
      }
      level = known
    }
    if let name = given("standing") {
      guard let known = Standing(rawValue: name) else {
        let names = Standing.allCases.map(\.rawValue).joined(separator: ", ")
        throw .badRequest(
          "standing must be one of \(names)", french: "La situation doit être l'une de : \(names).")
      }
      standing = known
    }
    func number(_ name: Substring, default fallback: Int, in range: ClosedRange<Int>)
      throws(SiteError) -> Int
    {
      // Unlike the filters, which the form sends empty for "any", a page and a size are
      // numbers or absent.
      guard let text = parameters[name].map(String.init) else { return fallback }
      guard let value = Int(text), range.contains(value) else {
        throw .badRequest(
          "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)",
          french:
            "Le paramètre \(name) doit être un nombre entier de \(range.lowerBound) à \(range.upperBound)."
        )
      }
      return value
    }
    page = try number("page", default: 1, in: 1...Self.maximumPage)
    limit = try number("limit", default: 50, in: 1...limits.maxPageSize)
  }

  var isEmpty: Bool { text.isEmpty && region == nil && level == nil && standing == nil }

  private var digits: String { text.filter { !$0.isWhitespace } }

  func matches(_ state: ServiceState) -> Bool {
    if let region, state.profile.region != region { return false }
    if let level, state.heldLevel != level { return false }
    if let standing, state.standing != standing { return false }
    guard !text.isEmpty else { return true }
    if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
      return state.siret.digits.hasPrefix(digits)
    }
    return state.profile.name.range(
      of: text, options: [.caseInsensitive, .diacriticInsensitive]) != nil
      || (state.profile.city?.range(of: text, options: [.caseInsensitive, .diacriticInsensitive])
        != nil)
  }

  /// The search's path with its filters and `page`, in `language` (none: the page's own).
  func link(page: Int, language: PageLanguage?) -> String {
    var items = language.map { [URLQueryItem(name: "lang", value: $0.rawValue)] } ?? []
    if !text.isEmpty { items.append(URLQueryItem(name: "q", value: text)) }
    if let region { items.append(URLQueryItem(name: "region", value: region.code)) }
    if let level { items.append(URLQueryItem(name: "level", value: "\(level.rawValue)")) }
    if let standing { items.append(URLQueryItem(name: "standing", value: standing.rawValue)) }
    if page > 1 || language != nil { items.append(URLQueryItem(name: "page", value: "\(page)")) }
    var components = URLComponents()
    components.path = "/"
    components.queryItems = items.isEmpty ? nil : items
    return components.string ?? "/"
  }
}
