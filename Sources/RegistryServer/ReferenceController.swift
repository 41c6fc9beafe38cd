import Documents
import Hummingbird

/// The pages that describe the registry rather than its data: the API reference, the
/// accessibility statement and the legal notice.
struct ReferenceController: Sendable {
  let pages: Pages
  let stylesheet: Reply
  let script: Reply
  let openAPI: Reply
  /// The API page's content, read from the same document as `openAPI`.
  let apiReference: APIReference
  /// Who publishes the registry (the issuer's name).
  let publisher: String
  let settings: RegistryServerSettings

  /// The controller over the resources the server ships (`resources`).
  init(
    resources: ServerResources, pages: Pages, publisher: String, settings: RegistryServerSettings
  ) throws {
    self.pages = pages
    self.publisher = publisher
    self.settings = settings
    self.stylesheet = Reply(
      contentType: "text/css; charset=utf-8", bytes: try resources.bytes("style", ext: "css"),
      cacheControl: "public, max-age=86400"
    ).prepared()
    self.script = Reply(
      contentType: "text/javascript; charset=utf-8",
      bytes: try resources.bytes("verify", ext: "js"), cacheControl: "public, max-age=86400"
    ).prepared()
    let openAPIBytes = try resources.bytes("openapi", ext: "yaml")
    self.openAPI = Reply(contentType: "application/yaml; charset=utf-8", bytes: openAPIBytes)
      .prepared()
    self.apiReference = try APIReference(yaml: String(decoding: openAPIBytes, as: UTF8.self))
  }

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/accessibilite") { request, _ in
      statementPage(
        request, template: "accessibility", titleKey: "a11yTitle", path: "/accessibilite")
    }
    routes.get("/mentions-legales") { request, _ in
      statementPage(
        request, template: "legal", titleKey: "legalTitle", path: "/mentions-legales")
    }
    routes.get("/static/style.css") { request, _ in stylesheet.response(to: request) }
    routes.get("/static/verify.js") { request, _ in script.response(to: request) }
    routes.get("/openapi.yaml") { request, _ in openAPI.response(to: request) }
    routes.get("/api") { request, _ in apiPage(request) }
    return routes
  }

  /// `GET /accessibilite` (`template` `accessibility`) and `GET /mentions-legales` (`legal`):
  /// the accessibility statement and the legal notice, with the publisher and its contact.
  func statementPage(
    _ request: Request, template: String, titleKey: String, path: String
  ) -> Response {
    let language = PageLanguage.of(request)
    var values: [String: Any] = [
      "publisher": publisher, "origin": settings.publicOrigin,
    ]
    if let contact = settings.contact {
      values["contact"] = contact
      values["contactLink"] = contact.contains("@") ? "mailto:" + contact : contact
    }
    return pages.page(
      template, title: Texts.table(language)[titleKey] ?? "", language: language, path: path,
      values: values
    ).publicRead().response(to: request)
  }

  /// `GET /api`: the API reference, rendered from the OpenAPI document the server serves.
  func apiPage(_ request: Request) -> Response {
    let language = PageLanguage.of(request)
    func views(_ operations: [APIReference.Operation]) -> [[String: Any]] {
      // Mustache shows a section for an empty string: empty values are left out.
      operations.map { operation in
        var view: [String: Any] = [
          "method": operation.method, "path": operation.path, "summary": operation.summary,
          "anchor": (operation.method + operation.path).lowercased().map {
            $0.isLetter || $0.isNumber ? String($0) : "-"
          }.joined(),
          "parameters": operation.parameters.map { $0.filter { !$0.value.isEmpty } },
          "hasParameters": !operation.parameters.isEmpty,
          "bodyTypes": operation.bodyTypes.joined(separator: ", "),
          "hasBody": !operation.bodyTypes.isEmpty,
          "responses": operation.responses.map { $0.filter { !$0.value.isEmpty } },
        ]
        if !operation.description.isEmpty { view["description"] = operation.description }
        return view
      }
    }
    let operations = apiReference.operations
    return pages.page(
      "api", title: Texts.table(language)["apiTitle"] ?? "", language: language, path: "/api",
      values: [
        "version": apiReference.version,
        "public": views(operations.filter { !$0.needsToken || $0.path == "/metrics" }),
        "admin": views(operations.filter { $0.needsToken && $0.path != "/metrics" }),
      ]
    ).publicRead().response(to: request)
  }
}
