import Configuration
import Foundation
import Logging
import RegistryServer

/// One setting of the command line and the server: its configuration key (as in the
/// configuration file), the flag that sets it, its `AMEXIST_*` environment variable and its type.
struct Setting: Sendable, Hashable {
  /// The key in the configuration file, dotted (`http.port` is `{"http": {"port": …}}`).
  let key: String
  /// The command-line flag that sets it.
  let flag: String
  /// The value's type.
  let type: ConfigType
  /// A folder or file: relative paths in the configuration file are taken from that file's folder.
  let isPath: Bool
  /// What applies when nothing sets it.
  let builtIn: String

  /// The environment variable that sets it: `AMEXIST_` and the key in capitals, `.` and `-`
  /// as `_` (`http.base-url` is `AMEXIST_HTTP_BASE_URL`).
  var environmentName: String {
    "AMEXIST_"
      + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
  }

  static let registry = Setting(
    key: "registry", flag: "--registry", type: .string, isPath: true, builtIn: "Registry")
  static let keys = Setting(
    key: "keys", flag: "--keys", type: .string, isPath: true, builtIn: "Keys")
  static let database = Setting(
    key: "database.url", flag: "--database", type: .string, isPath: true,
    builtIn: "<registry>/registry.sqlite")
  static let logLevel = Setting(
    key: "log.level", flag: "--log-level", type: .string, isPath: false, builtIn: "info")
  static let logFormat = Setting(
    key: "log.format", flag: "--log-format", type: .string, isPath: false, builtIn: "text")
  static let host = Setting(
    key: "http.host", flag: "--host", type: .string, isPath: false, builtIn: "127.0.0.1")
  static let port = Setting(
    key: "http.port", flag: "--port", type: .int, isPath: false, builtIn: "8080")
  static let baseURL = Setting(
    key: "http.base-url", flag: "--base-url", type: .string, isPath: false,
    builtIn: "the issuer's origin")
  static let trustedProxies = Setting(
    key: "http.trusted-proxies", flag: "--trusted-proxy", type: .stringArray, isPath: false,
    builtIn: "none")
  static let metricsPort = Setting(
    key: "http.metrics-port", flag: "--metrics-port", type: .int, isPath: false,
    builtIn: "none (/metrics needs an admin token)")
  static let contact = Setting(
    key: "http.contact", flag: "--contact", type: .string, isPath: false,
    builtIn: "none (the legal notice says none is published)")
  static let clientRate = Setting(
    key: "http.client-rate", flag: "--client-rate", type: .double, isPath: false, builtIn: "50")
  static let verifyRate = Setting(
    key: "http.verify-rate", flag: "--verify-rate", type: .double, isPath: false, builtIn: "5")
  static let resources = Setting(
    key: "resources", flag: "--resources", type: .string, isPath: true,
    builtIn: "found beside the executable")

  /// Every setting, in the order `config show` prints them.
  static let all: [Setting] = [
    .registry, .keys, .database, .logLevel, .logFormat, .host, .port, .metricsPort, .baseURL,
    .contact, .trustedProxies, .clientRate, .verifyRate, .resources,
  ]
}

/// Where a setting's effective value came from.
enum SettingOrigin: Sendable, Hashable, CustomStringConvertible {
  case flag(String)
  case environment(String)
  case file(String)
  case builtIn

  var description: String {
    switch self {
    case .flag(let flag): return "flag \(flag)"
    case .environment(let name): return "environment \(name)"
    case .file(let path): return "file \(path)"
    case .builtIn: return "default"
    }
  }
}

/// The sources of settings, strongest first: command-line flags, `AMEXIST_*` environment
/// variables, then the configuration file (`--config FILE` or `AMEXIST_CONFIG`), read through
/// swift-configuration's providers. Unknown keys in the file, values of the wrong type and
/// values out of range are errors that name where the value came from.
struct SettingSources {
  /// The values given as flags, by configuration key.
  let flags: [String: ConfigContent]
  let environment: EnvironmentVariablesProvider
  /// The configuration file, when one is named.
  let file: ConfigurationFile?

  /// The variable naming the configuration file.
  static let fileVariable = "AMEXIST_CONFIG"

  /// Sources with `flags` (by configuration key) over `environment`, over the file named by
  /// `configFlag` or by `AMEXIST_CONFIG` in `environment`.
  init(flags: [String: ConfigContent], configFlag: String?, environment: [String: String])
    throws(CLIError)
  {
    self.flags = flags
    self.environment = EnvironmentVariablesProvider(
      environmentVariables: environment.filter { $0.key.hasPrefix("AMEXIST_") })
    let path =
      configFlag ?? environment[Self.fileVariable].flatMap { $0.isEmpty ? nil : $0 }
    file = try path.map { path throws(CLIError) in try ConfigurationFile(path: path) }
  }

  /// The effective value of `setting` and its origin; nil when nothing sets it (its built-in
  /// default applies).
  func value(_ setting: Setting) throws(CLIError) -> (ConfigContent, SettingOrigin)? {
    if let given = flags[setting.key] { return (given, .flag(setting.flag)) }
    let key = AbsoluteConfigKey(
      ConfigKey(["amexist"] + setting.key.split(separator: ".").map(String.init)))
    do {
      if let found = try environment.value(forKey: key, type: setting.type).value {
        return (found.content, .environment(setting.environmentName))
      }
    } catch {
      throw CLIError(
        "\(setting.environmentName): expected \(Self.expected(setting.type))",
        exitCode: AmexistCLI.usageError)
    }
    if let file, let found = try file.value(setting) {
      return (found, .file(file.path))
    }
    return nil
  }

  /// A string setting, with its origin.
  func string(_ setting: Setting) throws(CLIError) -> (String, SettingOrigin)? {
    guard let (content, origin) = try value(setting) else { return nil }
    guard case .string(let text) = content else { return nil }
    return (text, origin)
  }

  static func expected(_ type: ConfigType) -> String {
    switch type {
    case .int: return "an integer"
    case .double: return "a number"
    case .bool: return "true or false"
    case .stringArray: return "a list of strings"
    default: return "a string"
    }
  }
}

/// The configuration file: JSON, with the settings' keys as nested members
/// (`{"registry": "/var/lib/amexist", "http": {"port": 8080}}`).
struct ConfigurationFile {
  /// The file's absolute path.
  let path: String
  private let snapshot: JSONSnapshot

  /// The largest configuration file read.
  static let maximumSize = 64 * 1024

  /// Reads and checks the file at `path`: it must be a JSON object whose members are all known
  /// settings.
  init(path: String) throws(CLIError) {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    self.path = absolute
    func failure(_ reason: String) -> CLIError {
      CLIError("configuration file \(path): \(reason)", exitCode: AmexistCLI.usageError)
    }
    let data: Data
    do {
      let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: absolute))
      defer { try? handle.close() }
      data = try handle.read(upToCount: Self.maximumSize + 1) ?? Data()
    } catch {
      throw failure("cannot be read (\((error as NSError).localizedDescription))")
    }
    guard data.count <= Self.maximumSize else { throw failure("larger than 64 KiB") }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw failure("not a JSON object")
    }
    let known = Set(Setting.all.map(\.key))
    for key in Self.leafKeys(object, prefix: "") where !known.contains(key) {
      throw failure(
        "unknown setting \"\(key.prefix(60))\" (known: \(Setting.all.map(\.key).joined(separator: ", ")))"
      )
    }
    do {
      snapshot = try data.withUnsafeBytes { bytes in
        try JSONSnapshot(
          data: RawSpan(_unsafeBytes: bytes), providerName: "file", parsingOptions: .default)
      }
    } catch {
      throw failure("not a valid configuration (\(error))")
    }
  }

  /// The value of `setting` in the file, relative paths taken from the file's folder.
  func value(_ setting: Setting) throws(CLIError) -> ConfigContent? {
    let key = AbsoluteConfigKey(ConfigKey(setting.key.split(separator: ".").map(String.init)))
    let content: ConfigContent?
    do {
      content = try snapshot.value(forKey: key, type: setting.type).value?.content
    } catch {
      throw CLIError(
        "configuration file \(path): \(setting.key): expected \(SettingSources.expected(setting.type))",
        exitCode: AmexistCLI.usageError)
    }
    guard setting.isPath, case .string(let given) = content else { return content }
    return .string(Self.resolved(given, from: (path as NSString).deletingLastPathComponent))
  }

  /// `given` taken from `folder` when it is a relative file path (URLs are kept as they are).
  static func resolved(_ given: String, from folder: String) -> String {
    if given.isEmpty || given.hasPrefix("/") || given.contains("://") { return given }
    if given.hasPrefix("sqlite:") {
      return "sqlite:" + resolved(String(given.dropFirst("sqlite:".count)), from: folder)
    }
    return (folder as NSString).appendingPathComponent(given)
  }

  private static func leafKeys(_ object: [String: Any], prefix: String) -> [String] {
    object.flatMap { member, value -> [String] in
      let key = prefix.isEmpty ? member : prefix + "." + member
      if let nested = value as? [String: Any] { return leafKeys(nested, prefix: key) }
      return [key]
    }.sorted()
  }
}

/// The settings every command reads, resolved: flags, then the environment, then the file,
/// then the built-in defaults.
struct CommonSettings: Sendable {
  var registry: String
  var keys: String
  var database: String?
  var logLevel: Logger.Level
  var logFormat: LogLines.Format
  var resources: String?
  /// Where each came from, by setting.
  var origins: [Setting: SettingOrigin]

  /// Resolves the common settings from `sources`.
  init(_ sources: SettingSources) throws(CLIError) {
    var origins: [Setting: SettingOrigin] = [:]
    func text(_ setting: Setting) throws(CLIError) -> String? {
      guard let (value, origin) = try sources.string(setting) else { return nil }
      guard !value.isEmpty else {
        throw CLIError("\(origin): \(setting.key) is empty", exitCode: AmexistCLI.usageError)
      }
      origins[setting] = origin
      return value
    }
    registry = try text(.registry) ?? Setting.registry.builtIn
    keys = try text(.keys) ?? Setting.keys.builtIn
    database = try text(.database)
    resources = try text(.resources)
    let level = try text(.logLevel) ?? Setting.logLevel.builtIn
    guard let parsedLevel = Logger.Level(rawValue: level.lowercased()) else {
      throw CLIError(
        "\(origins[.logLevel] ?? .builtIn): log level \(level.prefix(20)) is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))",
        exitCode: AmexistCLI.usageError)
    }
    logLevel = parsedLevel
    let format = try text(.logFormat) ?? Setting.logFormat.builtIn
    guard let parsedFormat = LogLines.Format(rawValue: format.lowercased()) else {
      throw CLIError(
        "\(origins[.logFormat] ?? .builtIn): log format \(format.prefix(20)) is not text or json",
        exitCode: AmexistCLI.usageError)
    }
    logFormat = parsedFormat
    self.origins = origins
  }
}
