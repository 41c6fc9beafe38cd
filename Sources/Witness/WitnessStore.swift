import Foundation
import GRDB
public import TransparencyLog

/// Why the witness's own state cannot be used.
public struct WitnessStoreError: Error, CustomStringConvertible {
  /// What went wrong, for the operator.
  public let description: String
}

/// A witness's state: its SQLite file, one row per log it follows (origin, key, and the last
/// checkpoint it cosigned). Checks and updates happen in one write transaction, durable
/// (`synchronous=FULL`) before the cosignature is returned, so the stored size never goes back
/// and a killed witness restarts from exactly what it cosigned (catalogue D12, D24).
public final class WitnessStore: Sendable {
  private let queue: DatabaseQueue

  /// Opens the state at `path`; with `create`, makes it when missing.
  public init(path: String, create: Bool = false) throws(WitnessStoreError) {
    guard create || FileManager.default.fileExists(atPath: path) else {
      throw WitnessStoreError(
        description: "no witness state at \(path): run `amexist witness init` first")
    }
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    do {
      queue = try DatabaseQueue(path: path, configuration: configuration)
      try queue.write { db in
        try db.execute(
          sql: """
            CREATE TABLE IF NOT EXISTS logs (
              origin TEXT PRIMARY KEY NOT NULL,
              key TEXT NOT NULL,
              size INTEGER NOT NULL CHECK (size >= 0),
              root BLOB CHECK (root IS NULL OR length(root) = 32),
              note TEXT
            ) STRICT;
            CREATE TABLE IF NOT EXISTS refusals (
              id INTEGER PRIMARY KEY,
              origin TEXT NOT NULL,
              received TEXT NOT NULL,
              status INTEGER NOT NULL,
              request TEXT NOT NULL
            ) STRICT;
            """)
      }
    } catch {
      throw WitnessStoreError(description: "\(path): \(error)")
    }
  }

  /// Follows the log whose checkpoints `key` signs (its name is the origin); a log already
  /// followed keeps its state, and its key may not change.
  public func addLog(_ key: NoteVerifier) throws(WitnessStoreError) {
    do {
      try queue.write { db in
        if let known = try String.fetchOne(
          db, sql: "SELECT key FROM logs WHERE origin = ?", arguments: [key.name])
        {
          guard known == key.verifierKey else {
            throw WitnessStoreError(
              description:
                "the log \(key.name) is followed with another key; a witness never changes a log's key"
            )
          }
          return
        }
        try db.execute(
          sql: "INSERT INTO logs (origin, key, size, root, note) VALUES (?, ?, 0, NULL, NULL)",
          arguments: [key.name, key.verifierKey])
      }
    } catch let error as WitnessStoreError {
      throw error
    } catch {
      throw WitnessStoreError(description: "cannot record the log: \(error)")
    }
  }

  /// Whether `refusal` shows a log-signed checkpoint contradicting the last one cosigned: a
  /// proof that does not verify, or another root at the size cosigned.
  static func isEvidence(_ refusal: WitnessRefusal, _ request: AddCheckpointRequest) -> Bool {
    switch refusal {
    case .badProof: return true
    case .conflict(let size):
      return (try? Checkpoint(text: request.note.text))?.size == size
    default: return false
    }
  }

  /// The refusals kept as evidence, oldest first: `(origin, status, request body)`.
  public func evidence() throws(WitnessStoreError) -> [(
    origin: String, status: Int, request: String
  )] {
    do {
      return try queue.read { db in
        try Row.fetchAll(db, sql: "SELECT origin, status, request FROM refusals ORDER BY id").map {
          (origin: $0["origin"], status: $0["status"], request: $0["request"])
        }
      }
    } catch {
      throw WitnessStoreError(description: "cannot read the witness state: \(error)")
    }
  }

  /// The logs followed, by origin.
  public func logs() throws(WitnessStoreError) -> [String: WitnessedLog] {
    do {
      return try queue.read { db in try Self.logs(db) }
    } catch {
      throw WitnessStoreError(description: "cannot read the witness state: \(error)")
    }
  }

  private static func logs(_ db: Database) throws -> [String: WitnessedLog] {
    var logs: [String: WitnessedLog] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT origin, key, size, root FROM logs") {
      let key = try NoteVerifier(verifierKey: row["key"])
      let root: Data? = row["root"]
      logs[row["origin"]] = WitnessedLog(
        key: key, size: row["size"], root: root.flatMap { MerkleHash(bytes: [UInt8]($0)) })
    }
    return logs
  }

  /// Checks `request` against the state and, when the rules allow, records its checkpoint as
  /// the last cosigned, in one durable transaction. A refusal for a known origin is kept as
  /// evidence (it may show a log misbehaving).
  ///
  /// - Returns: the checkpoint to cosign.
  public func record(_ request: AddCheckpointRequest, at now: Date = Date())
    throws(WitnessRefusal) -> Checkpoint
  {
    let outcome: Result<Checkpoint, WitnessRefusal>
    do {
      outcome = try queue.write { db -> Result<Checkpoint, WitnessRefusal> in
        let logs = try Self.logs(db)
        let checkpoint: Checkpoint
        do throws(WitnessRefusal) {
          checkpoint = try WitnessRules.check(request, logs: logs)
        } catch {
          // A log-signed checkpoint that contradicts what was cosigned is evidence against
          // the log: kept (C2SP allows it), never cosigned.
          if Self.isEvidence(error, request) {
            try db.execute(
              sql:
                "INSERT INTO refusals (origin, received, status, request) VALUES (?, ?, ?, ?)",
              arguments: [
                String(request.note.text.prefix { $0 != "\n" }),
                ISO8601DateFormatter().string(from: now), error.status, request.body,
              ])
          }
          return .failure(error)
        }
        try db.execute(
          sql: "UPDATE logs SET size = ?, root = ?, note = ? WHERE origin = ?",
          arguments: [
            checkpoint.size, Data(checkpoint.root.bytes), request.note.serialized,
            checkpoint.origin,
          ])
        return .success(checkpoint)
      }
    } catch {
      throw .malformed("the witness cannot use its state: \(error)")
    }
    return try outcome.get()
  }
}
