import Documents
import Foundation

/// The language of the CLI's explanations: `AMEXIST_LANG` (`fr` or `en`), else the locale
/// (`LC_ALL`, `LC_MESSAGES`, `LANG`, as POSIX orders them), else English. It never changes what
/// `attest --lang` writes into a document.
enum CLILanguage {
  static func current(_ environment: [String: String] = ProcessInfo.processInfo.environment)
    -> PageLanguage
  {
    if let chosen = environment["AMEXIST_LANG"].flatMap({ PageLanguage(rawValue: $0.lowercased()) })
    {
      return chosen
    }
    for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
      guard let value = environment[name], !value.isEmpty else { continue }
      return value.lowercased().hasPrefix("fr") ? .french : .english
    }
    return .english
  }
}
