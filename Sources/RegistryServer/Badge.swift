import AmexistDomain

/// The embeddable SVG badge of a service: its level and standing, readable without colour.
enum Badge {
  /// The two lines of the badge.
  static func caption(_ state: ServiceState, _ language: PageLanguage) -> [String] {
    let french = language == .french
    guard let decision = state.decision, state.standing != .none else {
      return ["AMEXIST", french ? "Aucun niveau en vigueur" : "No level in force"]
    }
    let level = "AMEXIST \(french ? "niveau" : "level") \(decision.level.rawValue)"
    switch state.standing {
    case .active:
      return [
        level,
        (french ? "valable jusqu'au " : "valid until ")
          + DateWords.date(decision.validUntil, language),
      ]
    default:
      return [level, Words.standing(state.standing, language)]
    }
  }

  static func svg(_ state: ServiceState, _ language: PageLanguage) -> String {
    let lines = caption(state, language).map(escape)
    let colour: String
    switch state.standing {
    case .active: colour = "#1e6b34"
    case .suspended, .expired: colour = "#8a4b00"
    case .withdrawn: colour = "#a4161a"
    case .none: colour = "#4a4a4a"
    }
    let label = lines.joined(separator: " · ")
    return """
      <svg xmlns="http://www.w3.org/2000/svg" width="240" height="48" viewBox="0 0 240 48" role="img" aria-label="\(label)">
      <title>\(label)</title>
      <rect width="240" height="48" rx="6" fill="\(colour)"/>
      <text x="12" y="20" fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="13" font-weight="bold">\(lines[0])</text>
      <text x="12" y="38" fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">\(lines[1])</text>
      </svg>

      """
  }

  /// XML text and attribute escaping.
  static func escape(_ text: String) -> String {
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
