import AmexistDomain
import Documents
import HTTPTypes
import Hummingbird
import RegistryService

/// The open data (every service as CSV and JSON Lines, with its schema) and the Atom feed of
/// decisions; each is rebuilt when the log grows.
struct OpenDataController: RegistryReader {
  let live: LiveRegistry
  let directory: ServiceDirectory
  let pages: Pages
  /// The origin the files and the feed name themselves under.
  let origin: String
  /// Who publishes the data (the issuer's name).
  let publisher: String

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/open-data", use: openDataPage)
    for file in [OpenDataFile.csv, .jsonl] {
      routes.get(RouterPath("/open-data/services.\(file.rawValue)")) { request, _ in
        try await openData(request, file: file)
      }
    }
    routes.get("/open-data/schema.json", use: openDataSchema)
    routes.get("/feed.atom", use: decisionFeed)
    return routes
  }

  /// `GET /open-data`: what is published, under which licence, and how often.
  func openDataPage(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let language = PageLanguage.of(request)
    return try await cached(request, key: "open-data/\(language)") {
      let count = try await directory.services().count
      let texts = Texts.table(language)
      return pages.page(
        "open-data", title: texts["openDataTitle"] ?? "", language: language, path: "/open-data",
        values: [
          "serviceCount": count, "licence": OpenData.licence, "licenceURL": OpenData.licenceURL,
          "columns": OpenData.columns.map { column in
            ["name": column.name, "type": column.type, "description": column.description]
          },
        ])
    }
  }

  /// The open-data files, each written by the function `amexist export` uses.
  enum OpenDataFile: String, Sendable {
    case csv, jsonl

    var contentType: String {
      switch self {
      case .csv: "text/csv; charset=utf-8; header=present"
      case .jsonl: "application/jsonl; charset=utf-8"
      }
    }

    func text(_ states: ServiceStateList) -> String {
      switch self {
      case .csv: OpenData.csv(states)
      case .jsonl: OpenData.jsonLines(states)
      }
    }
  }

  /// `GET /open-data/services.csv` and `GET /open-data/services.jsonl`.
  func openData(_ request: Request, file: OpenDataFile) async throws -> Response {
    try await cached(request, key: "open-data/\(file.rawValue)") {
      var reply = Reply(
        contentType: file.contentType, bytes: Array(file.text(try await directory.services()).utf8))
      reply.extraHeaders[.contentDisposition] =
        "inline; filename=\"amexist-services.\(file.rawValue)\""
      return reply
    }
  }

  /// `GET /open-data/schema.json`: the CSV's Table Schema.
  func openDataSchema(_ request: Request, context: RegistryRequestContext) async throws
    -> Response
  {
    try await cached(request, key: "open-data/schema") {
      .json(OpenData.schema(csvURL: origin + "/open-data/services.csv"))
    }
  }

  /// `GET /feed.atom`: the newest decisions, newest first, one entry per logged decision.
  func decisionFeed(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    try await cached(request, key: "feed") {
      let decisions = try await registry.recentDecisions()
      var names: [SIRET: String] = [:]
      for state in try await directory.services() { names[state.siret] = state.profile.name }
      let feed = DecisionFeed(
        origin: origin, publisher: publisher,
        updated: decisions.first?.recorded.recordedAt ?? registry.clock.now())
      return Reply(
        contentType: "application/atom+xml; charset=utf-8",
        bytes: Array(feed.xml(decisions, names: names).utf8))
    }
  }
}

/// The Atom feed (RFC 4287) of the registry's decisions, in French.
struct DecisionFeed {
  let origin: String
  let publisher: String
  let updated: Instant

  func xml(_ decisions: [LoggedEvent], names: [SIRET: String]) -> String {
    let escape = Badge.escape
    var xml = """
      <?xml version="1.0" encoding="utf-8"?>
      <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
      <id>\(escape(origin))/feed.atom</id>
      <title>Registre AMEXIST : décisions</title>
      <subtitle>Niveaux accordés, renouvelés, transférés, suspendus, rétablis ou retirés, réserves et refus, dans l'ordre où le journal les a inscrits (les plus récents d'abord).</subtitle>
      <updated>\(updated.description)</updated>
      <link rel="self" type="application/atom+xml" href="\(escape(origin))/feed.atom"/>
      <link rel="alternate" type="text/html" href="\(escape(origin))/"/>
      <author><name>\(escape(publisher))</name></author>
      <rights>\(escape(OpenData.licence))</rights>

      """
    for logged in decisions {
      guard case .service(let siret) = logged.recorded.event.subject,
        let decided = logged.recorded.event.decisionDate
      else { continue }
      let (what, details) = Words.event(logged.recorded.event, .french)
      let name = names[siret] ?? siret.formatted
      let recorded = logged.recorded.recordedAt
      let summary =
        "\(name) (SIRET \(siret.formatted)) : \(what). Décision du \(DateWords.date(decided, .french)), inscrite au registre le \(DateWords.instant(recorded, .french)) (entrée \(logged.index) du journal)."
        + (details.map { " \($0)." } ?? "")
      let page = "\(origin)/services/\(siret.digits)"
      xml += """
        <entry>
        <id>\(escape(page))#entree-\(logged.index)</id>
        <title>\(escape(what)) · \(escape(name))</title>
        <updated>\(recorded.description)</updated>
        <published>\(recorded.description)</published>
        <link rel="alternate" type="text/html" href="\(escape(page))"/>
        <category term="\(logged.recorded.event.kind)"/>
        <summary type="text">\(escape(summary))</summary>
        </entry>

        """
    }
    return xml + "</feed>\n"
  }
}
