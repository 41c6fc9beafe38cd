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

/// Options every command accepts: the settings that can also come from the environment or the
/// configuration file, and the output switches. After validation, `settings` holds the effective
/// settings (flags, then `AMEXIST_*` variables, then the configuration file, then the defaults).
///
/// The settings are options of this group itself rather than of a nested group: the argument
/// parser's debug builds check every nested group again for each level of nesting, which made
/// each debug command start several times slower (and the test suite with it).
struct GlobalOptions: ParsableArguments {
  @Option(
    name: .customLong("config"),
    help: ArgumentHelp(
      "Configuration file (JSON; also AMEXIST_CONFIG). Flags win over AMEXIST_* variables, which win over the file.",
      valueName: "file"))
  var configFlag: String?

  @Option(
    name: .customLong("keys"),
    help: ArgumentHelp("Folder of the issuer and log keys (default Keys).", valueName: "dir"))
  var keysFlag: String?

  @Option(
    name: .customLong("registry"),
    help: ArgumentHelp("Data folder of the registry (default Registry).", valueName: "dir"))
  var registryFlag: String?

  @Option(
    name: .customLong("database"),
    help: ArgumentHelp(
      "Database: a SQLite file path or sqlite:PATH, or postgres://USER@HOST/NAME (default: <registry>/registry.sqlite; also AMEXIST_DATABASE_URL).",
      valueName: "url"
    )
  )
  var databaseFlag: String?

  @Option(
    name: .customLong("log-level"),
    help: ArgumentHelp(
      "Least severe log level written: trace, debug, info, notice, warning, error, critical.",
      valueName: "level"))
  var logLevelFlag: String?

  @Option(
    name: .customLong("log-format"),
    help: ArgumentHelp(
      "Log lines as text (for people) or json (one object per line).", valueName: "format"))
  var logFormatFlag: String?

  @Option(
    name: .customLong("resources"),
    help: ArgumentHelp(
      "Folder of the server's templates, stylesheet and OpenAPI document (default: found beside the executable).",
      valueName: "dir"))
  var resourcesFlag: String?

  @Flag(name: .long, help: "Print machine-readable JSON.")
  var json = false

  @Flag(name: .long, help: "No progress lines, even on a terminal.")
  var quiet = false

  /// The effective common settings; set by `validate()`, before any command runs.
  private(set) var settings: CommonSettings?

  // `settings` is not an argument: it is left out of what the parser decodes.
  private enum CodingKeys: String, CodingKey {
    case configFlag, keysFlag, registryFlag, databaseFlag, logLevelFlag, logFormatFlag
    case resourcesFlag, json, quiet
  }

  /// The settings given as flags, by configuration key.
  var given: [String: ConfigContent] {
    var values: [String: ConfigContent] = [:]
    for (setting, value) in [
      (Setting.keys, keysFlag), (.registry, registryFlag), (.database, databaseFlag),
      (.logLevel, logLevelFlag), (.logFormat, logFormatFlag), (.resources, resourcesFlag),
    ] {
      if let value { values[setting.key] = .string(value) }
    }
    return values
  }

  /// The sources the flags given, `extra` flags (by configuration key), the environment and the
  /// configuration file make.
  func sources(adding extra: [String: ConfigContent] = [:]) throws(CLIError) -> SettingSources {
    try SettingSources(
      flags: given.merging(extra) { $1 }, configFlag: configFlag,
      environment: ProcessInfo.processInfo.environment)
  }

  mutating func validate() throws {
    let settings: CommonSettings
    do {
      settings = try CommonSettings(sources())
    } catch {
      throw ValidationError(error.message)
    }
    self.settings = settings
    LogLines.bootstrap(format: settings.logFormat, level: settings.logLevel)
  }

  /// The keys folder.
  var keys: String { settings?.keys ?? Setting.keys.builtIn }
  /// The registry's data folder.
  var registry: String { settings?.registry ?? Setting.registry.builtIn }
  /// The database location as configured, nil for the registry folder's SQLite file.
  var database: String? { settings?.database }
  /// The server's resources folder as configured, nil to find it beside the executable.
  var resources: String? { settings?.resources }

  /// The database the options designate.
  func databaseLocation() throws(CLIError) -> DatabaseLocation {
    try DatabaseLocation(database, registry: registry)
  }

  /// Opens the registry, which must exist unless `create` is true; `writing` loads the log key
  /// (checked against the trust file) that seals every write.
  ///
  /// A SQLite file is scanned whole (`PRAGMA quick_check`) before a write or when
  /// `checkIntegrity` is true (the server's start); a read command skips the scan, its reads
  /// being verified against the signed log.
  func openService(create: Bool = false, writing: Bool = false, checkIntegrity: Bool = false)
    async throws(CLIError) -> RegistryService
  {
    let logSigner =
      try writing
      ? performNow { () throws(RegistryError) in
        try keyFolder.loadLogSigner(trust: try keyFolder.loadTrust())
      } : nil
    return try await openService(
      create: create, logSigner: logSigner, checkIntegrity: checkIntegrity)
  }

  /// Opens the registry with `logSigner` sealing its writes; the SQLite file is scanned whole
  /// when it is written (`logSigner`, `create`) or `checkIntegrity` asks.
  func openService(create: Bool, logSigner: LogSigner?, checkIntegrity: Bool = false)
    async throws(CLIError) -> RegistryService
  {
    let store = try await databaseLocation().open(
      create: create, checkIntegrity: checkIntegrity || create || logSigner != nil)
    // Readers verify checkpoints with the trust file's log key when they cannot sign.
    let trust = logSigner == nil ? try? keyFolder.loadTrust() : nil
    let logVerifier = logSigner?.verifier ?? trust?.log
    // Whoever holds the log key keeps what its reads verified between processes (a reader that
    // cannot read the key makes the whole pass); the server's start makes the whole pass.
    let keyHolder = logSigner ?? trust.flatMap { try? keyFolder.loadLogSigner(trust: $0) }
    return RegistryService(
      store: store, logSigner: logSigner, logVerifier: logVerifier,
      publishedCheckpoint: keyFolder.checkpointFile,
      verifiedLogFile: keyHolder.map {
        keyFolder.verifiedLogFile(logSigner: $0, restores: !checkIntegrity) { reason in
          Console.warning("\(reason); this command verifies the whole log instead")
        }
      })
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
  /// `checkIntegrity` scans a SQLite file whole before opening it (always when it may be
  /// written).
  func open(create: Bool, checkIntegrity: Bool = true) async throws(CLIError)
    -> any RestorableStore
  {
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
          readOnly: !create && FileManager.default.fileExists(atPath: path) && !writable,
          checkIntegrity: checkIntegrity)
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
