import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService
import RegistryStore
import RegistryStoreSQLite
import TransparencyLog

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp("Folder of the issuer and log keys.", valueName: "dir"))
  var keys = "Keys"

  @Option(name: .long, help: ArgumentHelp("Data folder of the registry.", valueName: "dir"))
  var registry = "Registry"

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Database location: a SQLite file path or sqlite:PATH (default: <registry>/registry.sqlite; also AMEXIST_DATABASE_URL).",
      valueName: "url"
    )
  )
  var database: String?

  @Flag(name: .long, help: "Print machine-readable JSON.")
  var json = false

  /// The SQLite file the options designate.
  func databasePath() throws(CLIError) -> String {
    guard let location = database ?? ProcessInfo.processInfo.environment["AMEXIST_DATABASE_URL"]
    else {
      return (registry as NSString).appendingPathComponent("registry.sqlite")
    }
    if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
      throw CLIError("PostgreSQL databases are not supported by this version; use a SQLite file")
    }
    if location.hasPrefix("sqlite://") { return String(location.dropFirst("sqlite://".count)) }
    if location.hasPrefix("sqlite:") { return String(location.dropFirst("sqlite:".count)) }
    guard !location.contains("://") else {
      throw CLIError(
        "unsupported database location \(location.prefix(60)): expected a SQLite file path")
    }
    return location
  }

  /// Opens the registry, which must exist unless `create` is true; `writing` loads the log key
  /// (checked against the trust file) that seals every write.
  func openService(create: Bool = false, writing: Bool = false) throws(CLIError)
    -> RegistryService
  {
    let logSigner =
      try writing
      ? performNow { () throws(RegistryError) in
        try keyFolder.loadLogSigner(trust: try keyFolder.loadTrust())
      } : nil
    return try openService(create: create, logSigner: logSigner)
  }

  /// Opens the registry with `logSigner` sealing its writes.
  func openService(create: Bool, logSigner: LogSigner?) throws(CLIError) -> RegistryService {
    let path = try databasePath()
    do {
      if create {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
          try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
      }
      // Readers verify checkpoints with the trust file's log key when they cannot sign.
      let logVerifier = logSigner?.verifier ?? (try? keyFolder.loadTrust())?.log
      return RegistryService(
        store: try SQLiteRegistryStore(path: path, create: create), logSigner: logSigner,
        logVerifier: logVerifier, publishedCheckpoint: keyFolder.checkpointFile)
    } catch let error as StoreError {
      throw CLIError(error.description)
    } catch {
      throw CLIError("cannot open the registry at \(path): \(error.localizedDescription)")
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
    throw CLIError(error.description)
  }
}

/// Runs a synchronous registry operation, turning its errors into one-line CLI errors.
func performNow<Result>(_ operation: () throws(RegistryError) -> Result) throws(CLIError) -> Result
{
  do {
    return try operation()
  } catch {
    throw CLIError(error.description)
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
