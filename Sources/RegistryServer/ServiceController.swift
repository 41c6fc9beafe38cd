import AmexistDomain
import Attestation
import Documents
import Foundation
import HTTPTypes
import Hummingbird
import RegistryService
import RegistryStore
import TransparencyLog

/// The register itself: the search, each service's page and document, and the certifying
/// bodies that sign their levels.
struct ServiceController: RegistryReader {
  let live: LiveRegistry
  let directory: ServiceDirectory
  let pages: Pages
  let settings: RegistryServerSettings

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    for path in ["/", "/services"] {
      routes.get(RouterPath(path)) { request, context in
        try await search(request, context: context, jsonPath: false)
      }
    }
    routes.get("/services.json") { request, context in
      try await search(request, context: context, jsonPath: true)
    }
    routes.get("/services/{siret}", use: service)
    routes.get("/bodies") { request, context in
      try await bodies(request, context: context, jsonPath: false)
    }
    routes.get("/bodies.json") { request, context in
      try await bodies(request, context: context, jsonPath: true)
    }
    return routes
  }

  // MARK: Search

  func search(_ request: Request, context: RegistryRequestContext, jsonPath: Bool) async throws
    -> Response
  {
    let language = PageLanguage.of(request)
    let format = ResponseFormat.of(request, hasSuffix: jsonPath)
    let query = try SearchQuery(request.uri.queryParameters, limits: settings.limits)
    let list = try await directory.searchableServices()
    let matches = list.positions(where: query.matches)
    let start = min((query.page - 1) * query.limit, matches.count)
    let pageItems = matches[start..<min(start + query.limit, matches.count)].map {
      list.states[$0]
    }
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
      return pages.page(
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
    let (text, language, format) = try PathParameter.negotiate(request, context, parameter: "siret")
    // A SIRET typed with spaces arrives percent-encoded.
    let decoded =
      text.utf8.contains(UInt8(ascii: "%")) ? (text.removingPercentEncoding ?? text) : text
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
        return pages.page(
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
        "uuid": AttestationRecord.uuid(of: record.id),
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

  // MARK: Certifying bodies

  func bodies(_ request: Request, context: RegistryRequestContext, jsonPath: Bool) async throws
    -> Response
  {
    let language = PageLanguage.of(request)
    let format = ResponseFormat.of(request, hasSuffix: jsonPath)
    return try await cached(request, key: "bodies/\(language)/\(format)") {
      let bodies = try await registry.bodies(services: true)
      let today = registry.today()
      let now = registry.clock.now()
      switch format {
      case .json:
        return .json(.object(["bodies": .array(bodies.map { $0.json(today: today, now: now) })]))
      case .html:
        let texts = Texts.table(language)
        return pages.page(
          "bodies", title: texts["bodiesTitle"] ?? "", language: language, path: "/bodies",
          values: [
            "bodies": bodies.map { Self.bodyView($0, today: today, now: now, language) },
            "hasBodies": !bodies.isEmpty,
          ])
      }
    }
  }

  static func bodyView(
    _ body: CertifyingBody, today: CalendarDate, now: Instant, _ language: PageLanguage
  ) -> [String: Any] {
    let accreditation = body.record.accreditation
    let standing = accreditation.standing(on: today)
    return [
      "id": body.record.id, "name": body.record.name,
      "accreditor": accreditation.accreditor, "number": accreditation.number,
      "standard": accreditation.standard, "scope": accreditation.scope ?? "",
      "validFrom": DateWords.date(accreditation.validFrom, language),
      "validUntil": DateWords.date(accreditation.validUntil, language),
      "standing": Words.accreditation(standing, language), "standingCode": standing.rawValue,
      "keys": body.keys.map { key in
        [
          "kid": key.kid, "algorithm": key.algorithm,
          "state": Words.bodyKey(
            signsNow: key.maySign(at: now), revoked: key.revokedAt != nil, language),
        ] as [String: Any]
      },
      "hasKeys": !body.keys.isEmpty,
      "services": body.services.map { state in
        [
          "siret": state.siret.digits, "siretFormatted": state.siret.formatted,
          "name": state.profile.name,
          "level": state.decision.map {
            "\($0.level.rawValue) · \(Words.level($0.level, language))"
          }
            ?? "",
          "standing": Words.standing(state.standing, language),
          "standingCode": state.standing.rawValue,
          "overdue": state.reservesOverdue,
        ] as [String: Any]
      },
      "hasServices": !body.services.isEmpty,
    ]
  }
}

/// The search form's parameters, validated and bounded.
struct SearchQuery {
  var text = "" {
    didSet { updateComparedText() }
  }
  /// ``text`` without white space (compared with SIRETs) and ``text`` folded (compared with
  /// the folded names and cities), computed once per query, not once per service.
  private var digits = ""
  private var foldedText: [UInt8] = []
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
    updateComparedText()  // an initializer does not run `didSet`
  }

  var isEmpty: Bool { text.isEmpty && region == nil && level == nil && standing == nil }

  private mutating func updateComparedText() {
    digits = text.filter { !$0.isWhitespace }
    foldedText = SearchText.fold(text)
  }

  /// Whether `service` passes every filter; the text matches a SIRET's start (digits) or
  /// appears in the name or city, ignoring case and accents.
  func matches(_ service: SearchEntry) -> Bool {
    if let region, service.region != region { return false }
    if let level, service.heldLevel != level { return false }
    if let standing, service.standing != standing { return false }
    guard !text.isEmpty else { return true }
    if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
      return service.siret.digits.hasPrefix(digits)
    }
    return SearchText.contains(service.name, foldedText)
      || service.city.map { SearchText.contains($0, foldedText) } ?? false
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
