import Documents
import Foundation
import Hummingbird

extension PageLanguage {
  /// The language `request` asks for: `?lang=` first, then `Accept-Language` (by quality),
  /// French when neither names a language the registry speaks.
  static func of(_ request: Request) -> PageLanguage {
    if let asked = request.uri.queryParameters["lang"] {
      return PageLanguage(rawValue: String(asked).lowercased()) ?? .french
    }
    guard let header = request.headers[.acceptLanguage] else { return .french }
    var best: (PageLanguage, Double)?
    for item in header.split(separator: ",").prefix(32) {
      let (range, quality) = MediaRange.parse(item)
      let primary = range.split(separator: "-").first.map { $0.lowercased() } ?? ""
      guard let language = PageLanguage(rawValue: primary), quality > 0 else { continue }
      if quality > (best?.1 ?? 0) { best = (language, quality) }
    }
    return best?.0 ?? .french
  }
}

/// What a response is made of: a page for people or JSON for programs.
public enum ResponseFormat: Sendable {
  case html
  case json

  /// JSON when the path ends in `.json` (`hasSuffix`) or `Accept` prefers `application/json` to
  /// `text/html`; a page otherwise.
  static func of(_ request: Request, hasSuffix: Bool) -> ResponseFormat {
    if hasSuffix { return .json }
    guard let accept = request.headers[.accept] else { return .html }
    // What programs send, answered without parsing the list.
    if accept == "application/json" { return .json }
    var html = 0.0
    var json = 0.0
    for item in accept.split(separator: ",").prefix(32) {
      let (range, quality) = MediaRange.parse(item)
      switch range.lowercased() {
      case "application/json": json = max(json, quality)
      case "text/html", "application/xhtml+xml": html = max(html, quality)
      case "*/*", "text/*": html = max(html, quality * 0.5)
      default: continue
      }
    }
    return json > html ? .json : .html
  }
}

/// One member of an `Accept` or `Accept-Language` list.
enum MediaRange {
  /// The media type of a `Content-Type` value, lowercased, without parameters ("" when absent).
  static func mediaType(_ contentType: String?) -> String {
    (contentType ?? "").split(separator: ";").first.map {
      $0.trimmingOptionalWhitespace().lowercased()
    } ?? ""
  }

  /// The range and its quality (1 when absent or unreadable, 0 when out of range).
  static func parse(_ item: Substring) -> (String, Double) {
    let parts = item.split(separator: ";")
    let range = parts.first.map { String($0.trimmingOptionalWhitespace()) } ?? ""
    var quality = 1.0
    for parameter in parts.dropFirst() {
      let pair = parameter.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, pair[0].trimmingOptionalWhitespace() == "q" else { continue }
      let value = Double(pair[1].trimmingOptionalWhitespace()) ?? 1
      quality = (0...1).contains(value) ? value : 0
    }
    return (range, quality)
  }
}

extension Substring {
  /// Without the spaces and tabs HTTP allows around list members and parameters (RFC 9110
  /// "OWS"); read on every request, so without Foundation's Unicode character sets.
  func trimmingOptionalWhitespace() -> Substring {
    let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = firstIndex(where: { !isOWS($0) }),
      let last = lastIndex(where: { !isOWS($0) })
    else { return self[endIndex...] }
    return self[first...last]
  }
}
