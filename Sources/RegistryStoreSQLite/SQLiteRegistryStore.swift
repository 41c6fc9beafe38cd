public import AmexistDomain
import Foundation
import GRDB
public import RegistryStore
public import TransparencyLog

/// The embedded registry store: one SQLite file, through GRDB.
///
/// The database runs in WAL mode with `synchronous=FULL`, so an acknowledged append survives a
/// power loss; appends are `BEGIN IMMEDIATE` transactions, serialised across processes by SQLite's
/// write lock; triggers abort any UPDATE or DELETE of an event and any insert that is not the next
/// index. The file is checked (`PRAGMA quick_check`) when opened for writing: a damaged registry
/// is refused before anything is written to it. A reader may skip that scan (it costs about a
/// second at 10^6 events): what it reads is checked against the signed log by verified reads,
/// and SQLite refuses damaged pages it reads.
public final class SQLiteRegistryStore: RestorableStore {
  /// The database file.
  public let path: String
  /// A pool of connections; for a read-only store, one immutable connection.
  private let pool: any DatabaseWriter

  /// Opens the registry at `path`, creating it (and its schema) when `create` is true.
  ///
  /// - Parameters:
  ///   - path: the SQLite file.
  ///   - create: whether a missing file may be created; otherwise a missing file is an error.
  ///   - busyTimeout: how long a writer waits for another process's write lock.
  ///   - checkIntegrity: whether the whole file is checked (`PRAGMA quick_check`) before it is
  ///     opened; only a reader may skip it.
  /// - Throws: ``StoreError`` when the file is missing, damaged, newer than this version or
  ///   cannot be opened.
  public init(
    path: String, create: Bool = false, readOnly: Bool = false, busyTimeout: TimeInterval = 30,
    checkIntegrity: Bool = true
  ) throws {
    self.path = path
    let exists = FileManager.default.fileExists(atPath: path)
    guard exists || create else {
      throw StoreError.unavailable("no registry at \(path): run `amexist init` first")
    }
    if readOnly {
      pool = try Self.openImmutable(path: path, checkIntegrity: checkIntegrity)
      return
    }
    var configuration = Configuration()
    configuration.busyMode = .timeout(busyTimeout)
    configuration.label = "registry"
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA trusted_schema = OFF")
    }
    do {
      // Check an existing file read-only first: opening a pool writes to the file (GRDB
      // creates the WAL), and nothing may be written to a damaged registry.
      if exists, checkIntegrity { try Self.checkIntegrity(path: path, busyTimeout: busyTimeout) }
      pool = try DatabasePool(path: path, configuration: configuration)
      // The pool sets synchronous=NORMAL on its writer when it enables WAL; the registry
      // promises that an acknowledged append survives power loss, which needs FULL.
      try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
      let migrator = Schema.migrator
      try pool.read { db in
        if try migrator.hasBeenSuperseded(db) {
          throw StoreError.tooNew(
            "the registry database \(path) was written by a newer version of amexist")
        }
      }
      try migrator.migrate(pool)
    } catch let error as StoreError {
      throw error
    } catch {
      throw Self.storeError(error, path: path)
    }
  }

  public func read<Result: Sendable>(
    _ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result
  )
    async throws -> Result
  {
    let path = self.path
    do {
      return try await pool.read { db in try body(Snapshot(db: db, path: path)) }
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  public func append(
    signer: LogSigner, _ body: @escaping @Sendable (any RegistrySnapshot) throws -> [RecordedEvent]
  ) async throws -> AppendReceipt {
    let path = self.path
    let request = AppliedRequest.current
    do {
      return try await pool.write { db in
        let snapshot = Snapshot(db: db, path: path)
        return try LogSequencer.append(
          { try body(snapshot) }, to: snapshot, signer: signer, request: request, path: path)
      }
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  public func keepCosignatures(_ cosignatures: [KeptCosignature]) async throws {
    let path = self.path
    do {
      try await pool.write { db in
        for kept in cosignatures {
          guard try Snapshot(db: db, path: path).checkpoint(size: kept.size) != nil else {
            throw StoreError.unavailable(
              "no checkpoint of size \(kept.size) to keep cosignatures of")
          }
          try db.execute(
            sql: "INSERT OR IGNORE INTO cosignatures (size, witness_key, line) VALUES (?, ?, ?)",
            arguments: [kept.size, kept.witnessKey, kept.line])
        }
      }
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  public func restore(_ log: StoredLog) async throws {
    let path = self.path
    do {
      try await pool.write { db in
        try log.write(into: Snapshot(db: db, path: path), path: path)
      }
    } catch let error as DatabaseError {
      throw Self.storeError(error, path: path)
    }
  }

  /// One read-only connection to a file that this process cannot write (an auditor's copy, a
  /// folder without write permission), opened immutable: SQLite then needs no `-shm` file. A
  /// file whose write-ahead log still holds commits is refused, since an immutable reader would
  /// not see them.
  private static func openImmutable(path: String, checkIntegrity: Bool) throws -> DatabaseQueue {
    let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int
    guard (wal ?? 0) == 0 else {
      throw StoreError.unavailable(
        "the registry database \(path) cannot be written and its write-ahead log still holds commits: read it as its owner, or copy it first (`amexist copy`)"
      )
    }
    var configuration = Configuration()
    configuration.readonly = true
    configuration.label = "registry (read-only)"
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    let escaped =
      absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
    do {
      let queue = try DatabaseQueue(
        path: "file:\(escaped)?immutable=1", configuration: configuration)
      if checkIntegrity {
        let check = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard check == ["ok"] else {
          throw StoreError.corrupt(
            "the registry database \(path) is damaged (integrity check failed): restore it from a backup"
          )
        }
      }
      try queue.read { db in
        if try Schema.migrator.hasBeenSuperseded(db) {
          throw StoreError.tooNew(
            "the registry database \(path) was written by a newer version of amexist")
        }
        guard try Schema.migrator.hasCompletedMigrations(db) else {
          throw StoreError.unavailable(
            "the registry database \(path) needs `amexist migrate`, which its owner must run")
        }
      }
      return queue
    } catch let error as StoreError {
      throw error
    } catch {
      throw storeError(error, path: path)
    }
  }

  /// Runs SQLite's quick check on a read-only connection.
  private static func checkIntegrity(path: String, busyTimeout: TimeInterval) throws {
    var configuration = Configuration()
    configuration.readonly = true
    // Another process may hold the file briefly (closing, checkpointing): wait as writers do.
    configuration.busyMode = .timeout(busyTimeout)
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    defer { try? queue.close() }
    let check = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
    guard check == ["ok"] else {
      throw StoreError.corrupt(
        "the registry database \(path) is damaged (integrity check failed); nothing was written: restore it from a backup"
      )
    }
  }

  /// The durability settings in force on the writer connection, and the applied migrations,
  /// for operators and tests.
  public func settings() async throws -> (
    journalMode: String, synchronous: Int, migrations: [String]
  ) {
    try await pool.write { db in
      (
        try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
        try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
        try Schema.migrator.appliedIdentifiers(db).sorted()
      )
    }
  }

  /// Maps SQLite failures to store errors an operator can act on.
  static func storeError(_ error: any Error, path: String) -> any Error {
    guard let error = error as? DatabaseError else { return error }
    switch error.resultCode {
    case .SQLITE_CORRUPT, .SQLITE_NOTADB:
      return StoreError.corrupt(
        "the registry database \(path) is damaged (\(error.resultCode)); nothing was written: restore it from a backup"
      )
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return StoreError.busy("the registry database \(path) is busy; try again")
    case .SQLITE_FULL:
      return StoreError.unavailable("the disk holding \(path) is full; nothing was written")
    case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR:
      return StoreError.unavailable(
        "cannot write the registry database \(path) (\(error.resultCode))")
    case .SQLITE_CONSTRAINT:
      // Only the append-only and gapless triggers raise constraints the code does not prevent.
      return StoreError.corrupt(
        "the registry database \(path) refused the write: \(error.message ?? "constraint")")
    default:
      return StoreError.unavailable("registry database \(path): \(error.resultCode)")
    }
  }
}

/// A snapshot over one GRDB connection, valid inside the read or write closure (only the
/// sequencer writes through it, inside an append).
private struct Snapshot: LogInsertTransaction {
  let db: Database
  let path: String

  func count() throws -> Int64 {
    try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM events") ?? 0
  }

  func events(about subject: EventSubject) throws -> [LoggedEvent] {
    let rows = try Row.fetchCursor(
      db, sql: "SELECT idx, subject, body FROM events WHERE subject = ? ORDER BY idx",
      arguments: [subject.description]
    )
    var events: [LoggedEvent] = []
    while let row = try rows.next() { events.append(try decode(row)) }
    return events
  }

  func event(at index: Int64) throws -> LoggedEvent? {
    guard
      let row = try Row.fetchOne(
        db, sql: "SELECT idx, subject, body FROM events WHERE idx = ?", arguments: [index])
    else { return nil }
    return try decode(row)
  }

  func registeredServices() throws -> [SIRET] {
    let subjects = try String.fetchAll(
      db, sql: "SELECT subject FROM events WHERE kind = 'serviceRegistered' ORDER BY idx"
    )
    return try subjects.map { subject in
      do {
        return try SIRET(subject)
      } catch {
        throw StoreError.corrupt("the registry database \(path) holds an invalid SIRET column")
      }
    }
  }

  func registeredBodies() throws -> [String] {
    try String.fetchAll(
      db, sql: "SELECT subject FROM events WHERE kind = 'bodyRegistered' ORDER BY idx"
    ).map { subject in
      guard subject.hasPrefix("body:") else {
        throw StoreError.corrupt(
          "the registry database \(path) holds an invalid body subject column")
      }
      return String(subject.dropFirst(5))
    }
  }

  func addedKeyIDs() throws -> [String] {
    try String.fetchAll(db, sql: "SELECT subject FROM events WHERE kind = 'keyAdded' ORDER BY idx")
      .map { subject in
        guard subject.hasPrefix("key:") else {
          throw StoreError.corrupt(
            "the registry database \(path) holds an invalid key subject column")
        }
        return String(subject.dropFirst(4))
      }
  }

  func forEachEvent(from start: Int64, _ body: (LoggedEvent) throws -> Void) throws {
    let rows = try Row.fetchCursor(
      db, sql: "SELECT idx, subject, body FROM events WHERE idx >= ? ORDER BY idx",
      arguments: [start]
    )
    while let row = try rows.next() { try body(try decode(row)) }
  }

  func forEachEntry(from start: Int64, below end: Int64, _ body: (Int64, [UInt8]) throws -> Void)
    throws
  {
    // Cached statements: a verified read runs these once per entry it returns.
    let rows = try Row.fetchCursor(
      db.cachedStatement(
        sql: "SELECT idx, body FROM events WHERE idx >= ? AND idx < ? ORDER BY idx"),
      arguments: [start, end])
    while let row = try rows.next() {
      let bytes: Data = row["body"]
      try body(row["idx"], Array(bytes))
    }
  }

  func forEachStoredEntry(
    from start: Int64, below end: Int64, _ body: (StoredEntry) throws -> Void
  ) throws {
    let rows = try Row.fetchCursor(
      db,
      sql:
        "SELECT idx, body, subject, kind, recorded_at FROM events WHERE idx >= ? AND idx < ? ORDER BY idx",
      arguments: [start, end])
    while let row = try rows.next() {
      let bytes: Data = row["body"]
      try body(
        StoredEntry(
          index: row["idx"], bytes: Array(bytes), subject: row["subject"], kind: row["kind"],
          recordedAt: row["recorded_at"]))
    }
  }

  func storedHashCount() throws -> Int64 {
    try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_hashes") ?? 0
  }

  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    let statement = try db.cachedStatement(sql: "SELECT hash FROM tree_hashes WHERE idx = ?")
    return try indexes.map { index in
      guard let data = try Data.fetchOne(statement, arguments: [index]),
        let hash = MerkleHash(bytes: Array(data))
      else {
        throw StoreError.corrupt("the registry database \(path) lacks tree hash \(index)")
      }
      return hash
    }
  }

  func latestCheckpoint() throws -> StoredCheckpoint? {
    try Row.fetchOne(db, sql: "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
      .map(checkpoint)
  }

  func checkpoint(size: Int64) throws -> StoredCheckpoint? {
    try Row.fetchOne(
      db, sql: "SELECT size, note FROM checkpoints WHERE size = ?", arguments: [size]
    )
    .map(checkpoint)
  }

  func forEachCheckpoint(_ body: (StoredCheckpoint) throws -> Void) throws {
    let rows = try Row.fetchCursor(db, sql: "SELECT size, note FROM checkpoints ORDER BY size")
    while let row = try rows.next() { try body(checkpoint(row)) }
  }

  func attestation(id: String) throws -> StoredAttestation? {
    try Row.fetchOne(
      db.cachedStatement(sql: "SELECT idx, jws FROM attestations WHERE attestation_id = ?"),
      arguments: [id]
    )
    .map { row in StoredAttestation(index: row["idx"], signedDocument: row["jws"]) }
  }

  func forEachAttestation(_ body: (String, StoredAttestation) throws -> Void) throws {
    let rows = try Row.fetchCursor(
      db, sql: "SELECT attestation_id, idx, jws FROM attestations ORDER BY idx")
    while let row = try rows.next() {
      try body(
        row["attestation_id"], StoredAttestation(index: row["idx"], signedDocument: row["jws"]))
    }
  }

  func cosignatures(size: Int64) throws -> [KeptCosignature] {
    try Row.fetchAll(
      db, sql: "SELECT witness_key, line FROM cosignatures WHERE size = ?",
      arguments: [size]
    ).map { row in KeptCosignature(size: size, witnessKey: row[0], line: row[1]) }
  }

  func cosignedSizes(limit: Int) throws -> [Int64] {
    try Int64.fetchAll(
      db, sql: "SELECT DISTINCT size FROM cosignatures ORDER BY size DESC LIMIT ?",
      arguments: [limit])
  }

  private func checkpoint(_ row: Row) -> StoredCheckpoint {
    StoredCheckpoint(size: row["size"], note: row["note"])
  }

  func appendStoredHashes(_ hashes: [MerkleHash], from start: Int64) throws {
    let statement = try db.cachedStatement(sql: "INSERT INTO tree_hashes (idx, hash) VALUES (?, ?)")
    for (offset, hash) in hashes.enumerated() {
      try statement.execute(arguments: [start + Int64(offset), Data(hash.bytes)])
    }
  }

  func insertCheckpoint(_ checkpoint: SignedCheckpoint) throws {
    try insertCheckpoint(size: checkpoint.checkpoint.size, note: checkpoint.note)
  }

  /// Stores a checkpoint row (the triggers refuse a size that does not grow).
  func insertCheckpoint(size: Int64, note: String) throws {
    try db.execute(
      sql: "INSERT INTO checkpoints (size, note) VALUES (?, ?)", arguments: [size, note])
  }

  /// Stores an event row (the triggers refuse an index that is not the next one).
  func insertEvent(_ event: LoggedEvent) throws {
    let insert = try db.cachedStatement(
      sql: "INSERT INTO events (idx, subject, kind, recorded_at, body) VALUES (?, ?, ?, ?, ?)")
    try insert.execute(arguments: [
      event.index, event.event.subject.description, event.event.kind,
      event.recordedAt.description, Data(event.canonicalBytes),
    ])
  }

  /// Stores the attestation `id` logged at `index`, with its signed document.
  func insertAttestation(_ id: String, index: Int64, document: String?) throws {
    try db.execute(
      sql: "INSERT INTO attestations (attestation_id, idx, jws) VALUES (?, ?, ?)",
      arguments: [id, index, document])
  }

  func appliedRequest(key: String) throws -> AppliedRequestRecord? {
    try Row.fetchOne(
      db,
      sql: "SELECT fingerprint, first_index, entries FROM applied_requests WHERE request_key = ?",
      arguments: [key]
    ).map { row in
      AppliedRequestRecord(
        fingerprint: row["fingerprint"], firstIndex: row["first_index"], entries: row["entries"])
    }
  }

  func insertAppliedRequest(key: String, _ record: AppliedRequestRecord) throws {
    try db.execute(
      sql:
        "INSERT INTO applied_requests (request_key, fingerprint, first_index, entries) VALUES (?, ?, ?, ?)",
      arguments: [key, record.fingerprint, record.firstIndex, record.entries])
  }

  /// Decodes a row, refusing any whose bytes are not a canonical event or whose subject
  /// column disagrees with the event it stores.
  private func decode(_ row: Row) throws -> LoggedEvent {
    let index: Int64 = row["idx"]
    let bytes: Data = row["body"]
    let logged: LoggedEvent
    do {
      logged = try LoggedEvent(index: index, canonicalBytes: Array(bytes))
    } catch {
      throw StoreError.corrupt(
        "the registry database \(path) holds a damaged event at index \(index): \(error)")
    }
    guard logged.event.subject.description == row["subject"] as String else {
      throw StoreError.corrupt(
        "the registry database \(path) holds a mislabelled event at index \(index)")
    }
    return logged
  }
}
