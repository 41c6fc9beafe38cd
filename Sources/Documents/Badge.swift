public import AmexistDomain

/// The embeddable SVG badge of a service: its level and standing, readable without colour,
/// linking to the service's page on the registry.
public enum Badge {
  /// The two lines of the badge.
  public static func caption(_ state: ServiceState, _ language: PageLanguage) -> [String] {
    let french = language == .french
    guard let decision = state.decision, state.standing != .none else {
      return ["AMEXIST", french ? "Aucun niveau en vigueur" : "No level in force"]
    }
    let level = "AMEXIST \(french ? "niveau" : "level") \(decision.level.rawValue)"
    switch state.standing {
    case .active:
      return [
        level,
        Words.standing(.active, language) + (french ? " jusqu'au " : " until ")
          + DateWords.date(decision.validUntil, language),
      ]
    default:
      return [level, Words.standing(state.standing, language)]
    }
  }

  /// The badge as an SVG document; the whole badge links to `link` (the service's page).
  public static func svg(_ state: ServiceState, _ language: PageLanguage, link: String) -> String {
    let lines = caption(state, language).map(escape)
    let colour: String
    switch state.standing {
    case .active: colour = "#1e6b34"
    case .suspended, .expired: colour = "#8a4b00"
    case .withdrawn: colour = "#a4161a"
    case .none: colour = "#4a4a4a"
    }
    let label = lines.joined(separator: " · ")
    let width = Self.width
    return """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="48" viewBox="0 0 \(width) 48" role="img" aria-label="\(label)">
      <title>\(label)</title>
      <a href="\(escape(link))" target="_top">
      <rect width="\(width)" height="48" rx="6" fill="\(colour)"/>
      <text x="12" y="20" fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="13" font-weight="bold">\(lines[0])</text>
      <text x="12" y="38" fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">\(lines[1])</text>
      </a>
      </svg>

      """
  }

  /// The badge's width in pixels (its height is 48).
  public static let width = 300

  /// XML text and attribute escaping.
  public static func escape(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }
}
