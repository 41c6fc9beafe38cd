import AmexistDomain
import ArgumentParser
import RegistryService
import RegistryStore
import RegistryStorePostgres
import RegistryStoreSQLite
import TransparencyLog

/// `amexist migrate`
struct MigrateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Bring the registry database's schema up to date (run it before starting servers).",
    discussion: """
      Each migration runs in one transaction, one instance at a time. On PostgreSQL, run it as \
      the role that owns the schema; --writer ROLE then lets the servers' role read and append, \
      and nothing else (no UPDATE, DELETE, TRUNCATE or DDL). A SQLite file is brought up to date \
      whenever it is opened; migrate only reports its version.
      """
  )
  @OptionGroup var global: GlobalOptions
  @Option(help: "PostgreSQL role the servers connect as: granted SELECT and INSERT only.")
  var writer: String?

  func run() async throws {
    let location = try global.databaseLocation()
    let applied: [String]
    let current: [String]
    switch location {
    case .sqlite(let path):
      if writer != nil {
        throw CLIError(
          "--writer applies to PostgreSQL databases; a SQLite file has no roles",
          exitCode: AmexistCLI.usageError)
      }
      let store = try storeOrExitNow { try SQLiteRegistryStore(path: path) }
      applied = []
      current = try await storeOrExit { try await store.settings().migrations }
    case .postgres(let postgres):
      let store = try await storeOrExit {
        try await PostgresRegistryStore.open(postgres, schema: .unchecked)
      }
      do {
        applied = try await storeOrExit { try await store.migrate(writer: writer) }
        current = try await storeOrExit { try await store.appliedMigrations() }
      } catch {
        await store.close()
        throw error
      }
      await store.close()
    }
    if global.json {
      Console.out(
        CanonicalJSON.string(
          .object([
            "database": .string(location.description),
            "applied": .array(applied.map(JSONValue.string)),
            "schema": .array(current.map(JSONValue.string)),
          ])))
      return
    }
    Console.out(
      applied.isEmpty
        ? "The registry \(location) is up to date (\(current.last ?? "empty"))."
        : "Applied \(applied.joined(separator: ", ")) to \(location).")
    if let writer { Console.out("The role \(writer) may read and append, and nothing else.") }
  }
}

/// `amexist copy --from URL --to URL`
struct CopyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy",
    abstract:
      "Copy the whole registry to an empty database (SQLite to PostgreSQL or back), then audit the copy.",
    discussion: """
      Entries, tree hashes, checkpoints and attestation documents are copied byte for byte, in \
      one transaction, from one snapshot of the source (which may be in use); nothing is \
      signed again. The copy is then audited with the trust file's \
      log key (every leaf, node and checkpoint recomputed and verified) and must have the \
      source's size and root. Exit status: 0 copied and audited; 1 not copied (the target is \
      not empty, a database cannot be opened); 6 the audit of the copy failed.
      """
  )
  @OptionGroup var global: GlobalOptions
  @Option(help: "The database to copy from (a SQLite path or a postgres:// URL).")
  var from: String
  @Option(help: "The empty database to copy to (created or migrated if needed).")
  var to: String
  @Option(help: "The trust file (default: <keys>/trust.json).") var trust: String?

  func run() async throws {
    let source = try DatabaseLocation(from, registry: global.registry)
    let target = try DatabaseLocation(to, registry: global.registry)
    guard source.description != target.description else {
      throw CLIError("--from and --to are the same database", exitCode: AmexistCLI.usageError)
    }
    let log = try LogCommand.logVerifier(trust: trust, global: global)
    let sourceStore = try await source.open(create: false)
    // One snapshot of the source: a server may go on writing to it during the copy.
    let reading = ProgressLine("checking the source", unit: "entries", global: global)
    defer { reading.finish() }
    let (sourceAudit, stored) = try await perform { () throws(RegistryError) in
      try await RegistryService(store: sourceStore, logVerifier: log).auditedLog(
        log: log, progress: reading.handler)
    }
    reading.finish()
    if let problem = sourceAudit.problem {
      throw CLIError(
        "the source \(source) does not pass its audit, nothing was copied: \(problem)",
        exitCode: AmexistCLI.logInvalid)
    }
    let targetStore = try await target.open(create: true)
    try await storeOrExit { try await targetStore.restore(stored) }
    let checking = ProgressLine("checking the copy", unit: "entries", global: global)
    defer { checking.finish() }
    let copyAudit = try await perform { () throws(RegistryError) in
      try await RegistryService(store: targetStore, logVerifier: log).audit(
        log: log, progress: checking.handler)
    }
    checking.finish()
    let copiedAttestations = try await storeOrExit {
      try await targetStore.read { snapshot in
        var count = 0
        try snapshot.forEachAttestation { _, _ in count += 1 }
        return count
      }
    }
    let matches =
      copyAudit.problem == nil && copyAudit.entries == sourceAudit.entries
      && copyAudit.checkpoints == sourceAudit.checkpoints && copyAudit.root == sourceAudit.root
      && copiedAttestations == stored.attestations.count
    if global.json {
      Console.out(
        CanonicalJSON.string(
          .object([
            "from": .string(source.description), "to": .string(target.description),
            "entries": .integer(copyAudit.entries),
            "checkpoints": .integer(Int64(copyAudit.checkpoints)),
            "attestations": .integer(Int64(copiedAttestations)),
            "rootHash": .string(copyAudit.root.base64), "audit": .bool(matches),
          ])))
    } else {
      Console.out(
        "Copied \(stored.entries.count) entries, \(stored.checkpoints.count) checkpoints and \(stored.attestations.count) attestations from \(source) to \(target)."
      )
    }
    guard matches else {
      throw CLIError(
        "the audit of the copy \(target) failed: \(copyAudit.problem.map { "\($0)" } ?? "its size or root differs from the source's")",
        exitCode: AmexistCLI.logInvalid)
    }
    if !global.json {
      Console.out(
        "Audit of the copy: every entry, tree hash and checkpoint verified with \(log.name); size \(copyAudit.entries), root \(copyAudit.root.base64), as in the source."
      )
    }
  }
}

/// Runs a store operation, turning its errors into one-line CLI errors.
func storeOrExit<Result>(_ operation: () async throws -> Result) async throws(CLIError) -> Result {
  do {
    return try await operation()
  } catch let error as CLIError {
    throw error
  } catch {
    throw CLIError("\(error)")
  }
}

/// Runs a synchronous store operation, turning its errors into one-line CLI errors.
func storeOrExitNow<Result>(_ operation: () throws -> Result) throws(CLIError) -> Result {
  do {
    return try operation()
  } catch {
    throw CLIError("\(error)")
  }
}
