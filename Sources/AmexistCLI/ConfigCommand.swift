import AmexistDomain
import ArgumentParser
import Configuration
import Foundation

/// `amexist config …`
struct ConfigCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Show the effective configuration and where each setting comes from.",
    subcommands: [Show.self]
  )

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract:
        "Print every setting's effective value and its source (flag, AMEXIST_* variable, configuration file or default), without secrets."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var server: ServerOptions

    func run() async throws {
      let sources = try global.sources(adding: server.given)
      // The same checks as the server's: a bad value is refused here too (the common settings
      // were checked with every command's options).
      var checked = server
      try checked.resolve(sources)
      var rows: [(Setting, String, SettingOrigin)] = []
      for setting in Setting.all {
        guard let (content, origin) = try sources.value(setting) else {
          rows.append((setting, setting.builtIn, .builtIn))
          continue
        }
        rows.append((setting, Self.text(content, secret: setting == .database), origin))
      }
      if global.json {
        var members: [String: JSONValue] = [:]
        for (setting, value, origin) in rows {
          members[setting.key] = .object([
            "value": .string(value), "from": .string(origin.description),
            "flag": .string(setting.flag), "environment": .string(setting.environmentName),
          ])
        }
        members["config"] = sources.file.map { .string($0.path) } ?? .null
        Console.out(CanonicalJSON.string(.object(members)))
        return
      }
      Console.out(
        "Configuration file: \(sources.file?.path ?? "none (--config FILE or AMEXIST_CONFIG)")")
      var table = TextTable(headers: ["Setting", "Value", "From", "Environment variable"])
      for (setting, value, origin) in rows {
        table.rows.append([setting.key, value, origin.description, setting.environmentName])
      }
      Console.out(table.render())
    }

    /// A value as printed; a URL's password as `***`.
    static func text(_ content: ConfigContent, secret: Bool) -> String {
      let text: String
      switch content {
      case .string(let value): text = value
      case .int(let value): text = String(value)
      case .double(let value): text = value.rounded() == value ? String(Int(value)) : String(value)
      case .bool(let value): text = String(value)
      case .stringArray(let values): text = values.joined(separator: ", ")
      default: text = "\(content)"
      }
      return secret ? redactedPassword(text) : text
    }

    /// `scheme://user:secret@host…` as `scheme://user:***@host…`.
    static func redactedPassword(_ url: String) -> String {
      guard let schemeEnd = url.range(of: "://"),
        let at = url[schemeEnd.upperBound...].firstIndex(of: "@"),
        let colon = url[schemeEnd.upperBound..<at].firstIndex(of: ":")
      else { return url }
      return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
  }
}
