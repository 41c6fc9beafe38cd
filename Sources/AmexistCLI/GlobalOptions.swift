import AmexistDomain
import ArgumentParser
import Attestation
import Configuration
import Foundation
import Logging
import RegistryServer
import RegistryService
import RegistryStore
import RegistryStorePostgres
import RegistryStoreSQLite
import TransparencyLog

/// The settings that can be given as flags as well as in the environment or the configuration
/// file, as given on the command line (nil or empty when not given).
struct SettingFlags: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Configuration file (JSON; also AMEXIST_CONFIG). Flags win over AMEXIST_* variables, which win over the file.",
      valueName: "file"))
  var config: String?

  @Option(
    name: .long,
    help: ArgumentHelp("Folder of the issuer and log keys (default Keys).", valueName: "dir"))
  var keys: String?

  @Option(
    name: .long,
    help: ArgumentHelp("Data folder of the registry (default Registry).", valueName: "dir"))
  var registry: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Database: a SQLite file path or sqlite:PATH, or postgres://USER@HOST/NAME (default: <registry>/registry.sqlite; also AMEXIST_DATABASE_URL).",
      valueName: "url"
    )
  )
  var database: String?

  @Option(
    help: ArgumentHelp(
      "Least severe log level written: trace, debug, info, notice, warning, error, critical.",
      valueName: "level"))
  var logLevel: String?

  @Option(
    help: ArgumentHelp(
      "Log lines as text (for people) or json (one object per line).", valueName: "format"))
  var logFormat: String?

  @Option(
    help: ArgumentHelp(
      "Folder of the server's templates, stylesheet and OpenAPI document (default: found beside the executable).",
      valueName: "dir"))
  var resources: String?

  /// The values given, by configuration key.
  var given: [String: ConfigContent] {
    var values: [String: ConfigContent] = [:]
    for (setting, value) in [
      (Setting.keys, keys), (.registry, registry), (.database, database), (.logLevel, logLevel),
      (.logFormat, logFormat), (.resources, resources),
    ] {
      if let value { values[setting.key] = .string(value) }
    }
    return values
  }

  /// The sources these flags, the environment and the configuration file make.
  func sources(adding extra: [String: ConfigContent] = [:]) throws(CLIError) -> SettingSources {
    try SettingSources(
      flags: given.merging(extra) { $1 }, configFlag: config,
      environment: ProcessInfo.processInfo.environment)
  }
}

/// Options every command accepts; after validation they hold the effective settings (flags,
/// then `AMEXIST_*` variables, then the configuration file, then the defaults).
struct GlobalOptions: ParsableArguments {
  @OptionGroup var flags: SettingFlags

  @Flag(name: .long, help: "Print machine-readable JSON.")
  var json = false

  @Flag(name: .long, help: "No progress lines, even on a terminal.")
  var quiet = false

  mutating func validate() throws {
    let settings: CommonSettings
    do {
      settings = try CommonSettings(flags.sources())
    } catch {
      throw ValidationError(error.message)
    }
    flags.registry = settings.registry
    flags.keys = settings.keys
    flags.database = settings.database
    flags.resources = settings.resources
    flags.logLevel = settings.logLevel.rawValue
    flags.logFormat = settings.logFormat.rawValue
    LogLines.bootstrap(format: settings.logFormat, level: settings.logLevel)
  }

  /// The keys folder.
  var keys: String { flags.keys ?? Setting.keys.builtIn }
  /// The registry's data folder.
  var registry: String { flags.registry ?? Setting.registry.builtIn }
  /// The database location as configured, nil for the registry folder's SQLite file.
  var database: String? { flags.database }

  /// The database the options designate.
  func databaseLocation() throws(CLIError) -> DatabaseLocation {
    try DatabaseLocation(database, registry: registry)
  }

  /// Opens the registry, which must exist unless `create` is true; `writing` loads the log key
  /// (checked against the trust file) that seals every write.
  func openService(create: Bool = false, writing: Bool = false) async throws(CLIError)
    -> RegistryService
  {
    let logSigner =
      try writing
      ? performNow { () throws(RegistryError) in
        try keyFolder.loadLogSigner(trust: try keyFolder.loadTrust())
      } : nil
    return try await openService(create: create, logSigner: logSigner)
  }

  /// Opens the registry with `logSigner` sealing its writes.
  func openService(create: Bool, logSigner: LogSigner?) async throws(CLIError) -> RegistryService {
    let store = try await databaseLocation().open(create: create)
    // Readers verify checkpoints with the trust file's log key when they cannot sign.
    let logVerifier = logSigner?.verifier ?? (try? keyFolder.loadTrust())?.log
    return RegistryService(
      store: store, logSigner: logSigner, logVerifier: logVerifier,
      publishedCheckpoint: keyFolder.checkpointFile)
  }
}

/// Where the registry's database is: a SQLite file (the default) or a PostgreSQL database.
enum DatabaseLocation: CustomStringConvertible {
  case sqlite(path: String)
  case postgres(PostgresLocation)

  /// Reads `location` (nil for the default file in the `registry` folder).
  init(_ location: String?, registry: String) throws(CLIError) {
    guard let location else {
      self = .sqlite(path: (registry as NSString).appendingPathComponent("registry.sqlite"))
      return
    }
    if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
      do {
        self = .postgres(try PostgresLocation(url: location))
      } catch {
        throw CLIError(error.description, exitCode: AmexistCLI.usageError)
      }
      return
    }
    if location.hasPrefix("sqlite://") {
      self = .sqlite(path: String(location.dropFirst("sqlite://".count)))
    } else if location.hasPrefix("sqlite:") {
      self = .sqlite(path: String(location.dropFirst("sqlite:".count)))
    } else if location.contains("://") {
      throw CLIError(
        "unsupported database location \(location.prefix(60)): expected a SQLite file path or a postgres:// URL",
        exitCode: AmexistCLI.usageError)
    } else {
      self = .sqlite(path: location)
    }
  }

  var description: String {
    switch self {
    case .sqlite(let path): return path
    case .postgres(let location): return location.description
    }
  }

  /// Whether a registry is already there (without creating anything).
  func exists() async -> Bool {
    switch self {
    case .sqlite(let path): return FileManager.default.fileExists(atPath: path)
    case .postgres(let location):
      guard let store = try? await PostgresRegistryStore.open(location, schema: .requireCurrent)
      else { return false }
      await store.close()
      return true
    }
  }

  /// Opens the store; `create` makes a missing SQLite file (and its folder) or applies a
  /// PostgreSQL database's pending migrations. Without it, a PostgreSQL schema must be current
  /// (`amexist migrate` brings it up to date; servers never change a shared schema by themselves).
  func open(create: Bool) async throws(CLIError) -> any RestorableStore {
    do {
      switch self {
      case .sqlite(let path):
        if create {
          let folder = (path as NSString).deletingLastPathComponent
          if !folder.isEmpty {
            try FileManager.default.createDirectory(
              atPath: folder, withIntermediateDirectories: true)
          }
        }
        // A registry this user cannot write (an auditor's copy) is still read.
        let folder = (path as NSString).deletingLastPathComponent
        let writable =
          FileManager.default.isWritableFile(atPath: path)
          && FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder)
        return try SQLiteRegistryStore(
          path: path, create: create,
          readOnly: !create && FileManager.default.fileExists(atPath: path) && !writable)
      case .postgres(let location):
        return try await PostgresRegistryStore.open(
          location, schema: create ? .migrate : .requireCurrent)
      }
    } catch let error as StoreError {
      throw CLIError(error.description)
    } catch {
      throw CLIError("cannot open the registry at \(self): \(error.localizedDescription)")
    }
  }
}

/// Runs a registry operation, turning its errors into one-line CLI errors.
func perform<Result>(_ operation: () async throws(RegistryError) -> Result) async throws(CLIError)
  -> Result
{
  do {
    return try await operation()
  } catch {
    throw CLIError(error)
  }
}

/// Runs a synchronous registry operation, turning its errors into one-line CLI errors.
func performNow<Result>(_ operation: () throws(RegistryError) -> Result) throws(CLIError) -> Result
{
  do {
    return try operation()
  } catch {
    throw CLIError(error)
  }
}

/// Parses a value with a domain parser, as a usage error when it is refused.
func parseInput<Value>(_ parser: () throws(DomainError) -> Value) throws(CLIError) -> Value {
  do {
    return try parser()
  } catch {
    throw CLIError(error.description, exitCode: AmexistCLI.usageError)
  }
}
