import Documents
import Hummingbird
import Mustache

/// The site's pages: its templates rendered with the texts of a language, and refusals shown
/// as pages or JSON.
struct Pages: Sendable {
  let library: MustacheLibrary

  /// Renders `template` with `values` and the page's texts, in `language`.
  func page(
    _ template: String, title: String, language: PageLanguage, path: String,
    values: [String: Any], status: HTTPResponse.Status = .ok
  ) -> Reply {
    var context = values
    let texts = Texts.table(language)
    context["t"] = texts
    context["title"] = title
    let other = language == .french ? PageLanguage.english : .french
    // The same page in the other language, its query (a search's filters) kept.
    context["otherLanguageLink"] =
      path + (path.contains("?") ? "&" : "?") + "lang=" + other.rawValue
    let html = library.render(context, withTemplate: template) ?? ""
    return .html(html, status: status)
  }

  /// The reply for a refusal, as a page or as JSON.
  func refusal(_ error: SiteError, language: PageLanguage, format: ResponseFormat) -> Reply {
    var reply: Reply
    switch format {
    case .json:
      reply = .json(error.json, status: error.status)
    case .html:
      let texts = Texts.table(language)
      let heading = texts[error.headingKey] ?? ""
      let message = error.explanation.text(language)
      reply = page(
        "error", title: heading, language: language, path: "/",
        values: ["heading": heading, "message": message], status: error.status)
    }
    if case .tooMany(let seconds) = error { reply.extraHeaders[.retryAfter] = String(seconds) }
    if case .methodNotAllowed(let allow) = error { reply.extraHeaders[.allow] = allow }
    if case .unauthorized = error { reply.extraHeaders[.wwwAuthenticate] = "Bearer" }
    reply.cacheControl = "no-store"
    return reply
  }
}
