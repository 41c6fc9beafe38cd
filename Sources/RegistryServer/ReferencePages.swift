import Documents
import Hummingbird

/// The pages that describe the registry rather than its data: the API reference, the
/// accessibility statement and the legal notice.
extension Site {
  /// `GET /accessibilite` (`template` `accessibility`) and `GET /mentions-legales` (`legal`):
  /// the accessibility statement and the legal notice, with the publisher and its contact.
  func statementPage(
    _ request: Request, template: String, titleKey: String, path: String
  ) -> Response {
    let language = PageLanguage.of(request)
    var values: [String: Any] = [
      "publisher": issuerName ?? issuer, "origin": settings.publicOrigin,
    ]
    if let contact = settings.contact {
      values["contact"] = contact
      values["contactLink"] = contact.contains("@") ? "mailto:" + contact : contact
    }
    return page(
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
    return page(
      "api", title: Texts.table(language)["apiTitle"] ?? "", language: language, path: "/api",
      values: [
        "version": apiReference.version,
        "public": views(operations.filter { !$0.needsToken || $0.path == "/metrics" }),
        "admin": views(operations.filter { $0.needsToken && $0.path != "/metrics" }),
      ]
    ).publicRead().response(to: request)
  }
}
