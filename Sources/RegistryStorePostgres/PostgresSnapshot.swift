import AmexistDomain
import NIOCore
import PostgresNIO
import RegistryStore
import Synchronization
import TransparencyLog

/// A snapshot over one connection inside a transaction: a `REPEATABLE READ` read, or an append
/// holding the sequencer lock (only the sequencer writes through it, inside an append).
///
/// Its inserts are sent without waiting (see ``Session``): the statement that next waits, at the
/// latest the `COMMIT`, throws their failure. Since postgres-nio does not pipeline, each statement
/// is still a round trip; so an append's rows travel inside the statements that follow them: the
/// events (and the rows that refer to them) inside the seal's read, which reads them back with
/// `RETURNING`, and the tree hashes inside the checkpoint's insert. Held rows are sent first by
/// any other statement (``Session/releaseHeld()``), so the order of writes is the order of calls.
struct Snapshot: LogInsertTransaction {
  let session: Session
  let path: String
  /// The tail an append read as it took the sequencer lock: until this snapshot writes, nothing
  /// else can, so ``tail()``, ``count()``, ``storedHashCount()`` and ``latestCheckpoint()``
  /// answer from it without a round trip; the first write forgets it.
  private let lockedTail: LockedTail?

  /// A snapshot over `session`; `lockedTail` is the tail an append read with its lock.
  init(session: Session, path: String, lockedTail: LogTail? = nil) {
    self.session = session
    self.path = path
    self.lockedTail = lockedTail.map(LockedTail.init)
  }

  /// Rows read at once by the streaming methods, so that a large log is never held in memory.
  private static let page: Int64 = 1000

  func count() throws -> Int64 {
    if let tail = lockedTail?.current { return tail.count }
    return try session.rows("SELECT COALESCE(MAX(idx) + 1, 0)::bigint FROM events")[0].decode(
      Int64.self)
  }

  func events(about subject: EventSubject) throws -> [LoggedEvent] {
    try session.rows(
      "SELECT idx, subject, body FROM events WHERE subject = \(subject.description) ORDER BY idx"
    ).map(decode)
  }

  func event(at index: Int64) throws -> LoggedEvent? {
    try session.rows("SELECT idx, subject, body FROM events WHERE idx = \(index)").first.map(decode)
  }

  func registeredServices() throws -> [SIRET] {
    try session.rows("SELECT subject FROM events WHERE kind = 'serviceRegistered' ORDER BY idx")
      .map { row in
        do {
          return try SIRET(try row.decode(String.self))
        } catch {
          throw StoreError.corrupt("the registry database \(path) holds an invalid SIRET column")
        }
      }
  }

  func registeredBodies() throws -> [String] {
    try session.rows("SELECT subject FROM events WHERE kind = 'bodyRegistered' ORDER BY idx").map {
      row in
      let subject = try row.decode(String.self)
      guard subject.hasPrefix("body:") else {
        throw StoreError.corrupt(
          "the registry database \(path) holds an invalid body subject column")
      }
      return String(subject.dropFirst(5))
    }
  }

  func addedKeyIDs() throws -> [String] {
    try session.rows("SELECT subject FROM events WHERE kind = 'keyAdded' ORDER BY idx").map { row in
      let subject = try row.decode(String.self)
      guard subject.hasPrefix("key:") else {
        throw StoreError.corrupt(
          "the registry database \(path) holds an invalid key subject column")
      }
      return String(subject.dropFirst(4))
    }
  }

  func forEachEvent(from start: Int64, _ body: (LoggedEvent) throws -> Void) throws {
    var next = start
    while true {
      let rows = try session.rows(
        "SELECT idx, subject, body FROM events WHERE idx >= \(next) ORDER BY idx LIMIT \(Self.page)"
      )
      for row in rows {
        let event = try decode(row)
        try body(event)
        next = event.index + 1
      }
      if rows.count < Self.page { return }
    }
  }

  func forEachEntry(from start: Int64, below end: Int64, _ body: (Int64, [UInt8]) throws -> Void)
    throws
  {
    var next = start
    while next < end {
      let rows = try session.rows(
        """
        SELECT idx, body FROM events WHERE idx >= \(next) AND idx < \(end) ORDER BY idx \
        LIMIT \(Self.page)
        """)
      for row in rows {
        let (index, bytes) = try row.decode((Int64, ByteBuffer).self)
        try body(index, Array(bytes.readableBytesView))
        next = index + 1
      }
      if rows.count < Self.page { return }
    }
  }

  /// In statements of at most a page of entries each.
  func forEachEntry(at indexes: [Int64], _ body: (Int64, [UInt8]) throws -> Void) throws {
    for start in stride(from: 0, to: indexes.count, by: Int(Self.page)) {
      let page = Array(indexes[start..<min(start + Int(Self.page), indexes.count)])
      for row in try session.rows(
        "SELECT idx, body FROM events WHERE idx = ANY(\(page)) ORDER BY idx")
      {
        let (index, bytes) = try row.decode((Int64, ByteBuffer).self)
        try body(index, Array(bytes.readableBytesView))
      }
    }
  }

  func forEachStoredEntry(
    from start: Int64, below end: Int64, _ body: (StoredEntry) throws -> Void
  ) throws {
    var next = start
    while next < end {
      let rows = try session.rows(
        """
        SELECT idx, body, subject, kind, recorded_at FROM events WHERE idx >= \(next) \
        AND idx < \(end) ORDER BY idx LIMIT \(Self.page)
        """)
      for row in rows {
        let (index, bytes, subject, kind, recordedAt) = try row.decode(
          (Int64, ByteBuffer, String, String, String).self)
        try body(
          StoredEntry(
            index: index, bytes: Array(bytes.readableBytesView), subject: subject, kind: kind,
            recordedAt: recordedAt))
        next = index + 1
      }
      if rows.count < Self.page { return }
    }
  }

  func tail() throws -> LogTail {
    if let tail = lockedTail?.current { return tail }
    let row = try session.rows(
      """
      SELECT (SELECT COALESCE(MAX(idx) + 1, 0)::bigint FROM events), \
      (SELECT COALESCE(MAX(idx) + 1, 0)::bigint FROM tree_hashes), latest.size, latest.note \
      FROM (SELECT 1) AS one LEFT JOIN LATERAL \
      (SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1) AS latest ON true
      """)[0]
    let (count, hashCount, size, note) = try row.decode((Int64, Int64, Int64?, String?).self)
    let latest = size.flatMap { size in note.map { StoredCheckpoint(size: size, note: $0) } }
    return LogTail(count: count, storedHashCount: hashCount, latestCheckpoint: latest)
  }

  func storedHashCount() throws -> Int64 {
    if let tail = lockedTail?.current { return tail.storedHashCount }
    return try session.rows("SELECT COALESCE(MAX(idx) + 1, 0)::bigint FROM tree_hashes")[0].decode(
      Int64.self)
  }

  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    guard !indexes.isEmpty else { return [] }
    var found: [Int64: MerkleHash] = [:]
    for row in try session.rows("SELECT idx, hash FROM tree_hashes WHERE idx = ANY(\(indexes))") {
      let (index, bytes) = try row.decode((Int64, ByteBuffer).self)
      found[index] = MerkleHash(bytes: Array(bytes.readableBytesView))
    }
    return try hashes(at: indexes, in: found)
  }

  /// Both reads in one statement: one round trip (postgres-nio does not pipeline statements).
  /// Events held by ``insertEvent(_:)`` are inserted by the same statement and read back from
  /// what it stored (`RETURNING`); the rows held behind them are sent right after it.
  func sealReads(hashesAt indexes: [Int64], entriesFrom start: Int64) throws -> SealReads {
    let held = session.held.takeEventsIfOnlyThem()
    var sql = PostgresQuery.StringInterpolation(literalCapacity: 512, interpolationCount: 7)
    if let held {
      sql.appendLiteral("WITH inserted AS (")
      Self.appendEventsInsert(held.events, to: &sql)
      sql.appendLiteral(" RETURNING idx, body) SELECT false, idx, body FROM inserted UNION ALL ")
    }
    sql.appendLiteral("SELECT false, idx, body FROM events WHERE idx >= ")
    sql.appendInterpolation(start)
    sql.appendLiteral(" UNION ALL SELECT true, idx, hash FROM tree_hashes WHERE idx = ANY(")
    sql.appendInterpolation(indexes)
    sql.appendLiteral(") ORDER BY 1, 2")
    let rows = try session.rows(PostgresQuery(stringInterpolation: sql))
    for query in held?.afterEvents ?? [] { try session.send(query) }
    var entries: [(index: Int64, bytes: [UInt8])] = []
    var found: [Int64: MerkleHash] = [:]
    for row in rows {
      let (isHash, index, bytes) = try row.decode((Bool, Int64, ByteBuffer).self)
      if isHash {
        found[index] = MerkleHash(bytes: Array(bytes.readableBytesView))
      } else {
        entries.append((index, Array(bytes.readableBytesView)))
      }
    }
    return SealReads(hashes: try hashes(at: indexes, in: found), entries: entries)
  }

  /// The hashes at `indexes`, in that order, from those `found`; a missing one is damage.
  private func hashes(at indexes: [Int64], in found: [Int64: MerkleHash]) throws
    -> [MerkleHash]
  {
    return try indexes.map { index in
      guard let hash = found[index] else {
        throw StoreError.corrupt("the registry database \(path) lacks tree hash \(index)")
      }
      return hash
    }
  }

  func latestCheckpoint() throws -> StoredCheckpoint? {
    if let tail = lockedTail?.current { return tail.latestCheckpoint }
    return try session.rows("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").first
      .map(
        checkpoint)
  }

  func checkpoint(size: Int64) throws -> StoredCheckpoint? {
    try session.rows("SELECT size, note FROM checkpoints WHERE size = \(size)").first.map(
      checkpoint)
  }

  func forEachCheckpoint(_ body: (StoredCheckpoint) throws -> Void) throws {
    var next: Int64 = 0
    while true {
      let rows = try session.rows(
        "SELECT size, note FROM checkpoints WHERE size > \(next) ORDER BY size LIMIT \(Self.page)")
      for row in rows {
        let stored = try checkpoint(row)
        try body(stored)
        next = stored.size
      }
      if rows.count < Self.page { return }
    }
  }

  func attestation(id: String) throws -> StoredAttestation? {
    try session.rows("SELECT idx, jws FROM attestations WHERE attestation_id = \(id)").first.map {
      row in
      let (index, document) = try row.decode((Int64, String?).self)
      return StoredAttestation(index: index, signedDocument: document)
    }
  }

  func forEachAttestation(_ body: (String, StoredAttestation) throws -> Void) throws {
    var next: Int64 = -1
    while true {
      let rows = try session.rows(
        """
        SELECT attestation_id, idx, jws FROM attestations WHERE idx > \(next) ORDER BY idx \
        LIMIT \(Self.page)
        """)
      for row in rows {
        let (id, index, document) = try row.decode((String, Int64, String?).self)
        try body(id, StoredAttestation(index: index, signedDocument: document))
        next = index
      }
      if rows.count < Self.page { return }
    }
  }

  func cosignatures(size: Int64) throws -> [KeptCosignature] {
    try session.rows("SELECT witness_key, line FROM cosignatures WHERE size = \(size)").map {
      row in
      let (key, line) = try row.decode((String, String).self)
      return KeptCosignature(size: size, witnessKey: key, line: line)
    }
  }

  func cosignedSizes(limit: Int) throws -> [Int64] {
    try session.rows(
      "SELECT DISTINCT size FROM cosignatures ORDER BY size DESC LIMIT \(Int64(limit))"
    ).map { try $0.decode(Int64.self) }
  }

  /// Rows one insert statement carries at most (a restore stores millions).
  private static let insertChunk = 1000

  /// Holds `hashes` for the checkpoint's insert when they fit one statement; otherwise sends
  /// them.
  func appendStoredHashes(_ hashes: [MerkleHash], from start: Int64) throws {
    lockedTail?.forget()
    try session.releaseHeld()
    if hashes.count <= Self.insertChunk {
      session.held.holdTreeHashes(start: start, hashes)
      return
    }
    for chunkStart in stride(from: 0, to: hashes.count, by: Self.insertChunk) {
      let chunk = hashes[chunkStart..<min(chunkStart + Self.insertChunk, hashes.count)]
      try session.send(Self.treeHashesInsert(start: start + Int64(chunkStart), Array(chunk)))
    }
  }

  /// One statement storing `hashes` at the consecutive indexes from `start`.
  static func treeHashesInsert(start: Int64, _ hashes: [MerkleHash]) -> PostgresQuery {
    var sql = PostgresQuery.StringInterpolation(literalCapacity: 256, interpolationCount: 2)
    appendTreeHashesInsert(start: start, hashes, to: &sql)
    return PostgresQuery(stringInterpolation: sql)
  }

  /// Appends the insert of `hashes` at the consecutive indexes from `start`.
  private static func appendTreeHashesInsert(
    start: Int64, _ hashes: [MerkleHash], to sql: inout PostgresQuery.StringInterpolation
  ) {
    // Its rows are inserted in array order, which the gapless trigger requires (a BEFORE ROW
    // trigger sees the rows the same statement inserted before).
    sql.appendLiteral("INSERT INTO tree_hashes (idx, hash) SELECT idx, hash FROM unnest(")
    sql.appendInterpolation(hashes.indices.map { start + Int64($0) })
    sql.appendLiteral("::bigint[], ")
    sql.appendInterpolation(hashes.map { ByteBuffer(bytes: $0.bytes) })
    sql.appendLiteral(
      "::bytea[]) WITH ORDINALITY AS rows(idx, hash, position) ORDER BY position")
  }

  func insertCheckpoint(_ checkpoint: SignedCheckpoint) throws {
    try insertCheckpoint(size: checkpoint.checkpoint.size, note: checkpoint.note)
  }

  /// Stores a checkpoint row (the triggers refuse a size that does not grow), in the same
  /// statement as the tree hashes held for it.
  func insertCheckpoint(size: Int64, note: String) throws {
    lockedTail?.forget()
    guard let held = session.held.takeTreeHashesIfOnlyThem() else {
      try session.send("INSERT INTO checkpoints (size, note) VALUES (\(size), \(note))")
      return
    }
    var sql = PostgresQuery.StringInterpolation(literalCapacity: 512, interpolationCount: 4)
    sql.appendLiteral("WITH hashes AS (")
    Self.appendTreeHashesInsert(start: held.start, held.hashes, to: &sql)
    sql.appendLiteral(") INSERT INTO checkpoints (size, note) VALUES (")
    sql.appendInterpolation(size)
    sql.appendLiteral(", ")
    sql.appendInterpolation(note)
    sql.appendLiteral(")")
    try session.send(PostgresQuery(stringInterpolation: sql))
  }

  /// Holds an event row for the seal's read (the triggers refuse an index that is not the next
  /// one), sending the held rows once they fill a statement.
  func insertEvent(_ event: LoggedEvent) throws {
    lockedTail?.forget()
    guard let held = session.held.holdEvent(event) else {
      try session.releaseHeld()
      _ = session.held.holdEvent(event)
      return
    }
    if held >= Self.insertChunk { try session.releaseHeld() }
  }

  /// One statement storing `events`, in their order.
  static func eventsInsert(_ events: [LoggedEvent]) -> PostgresQuery {
    var sql = PostgresQuery.StringInterpolation(literalCapacity: 256, interpolationCount: 5)
    appendEventsInsert(events, to: &sql)
    return PostgresQuery(stringInterpolation: sql)
  }

  /// Appends the insert of `events`, in their order (the gapless trigger requires it).
  private static func appendEventsInsert(
    _ events: [LoggedEvent], to sql: inout PostgresQuery.StringInterpolation
  ) {
    sql.appendLiteral(
      "INSERT INTO events (idx, subject, kind, recorded_at, body) SELECT idx, subject, kind, recorded_at, body FROM unnest("
    )
    sql.appendInterpolation(events.map(\.index))
    sql.appendLiteral("::bigint[], ")
    sql.appendInterpolation(events.map(\.event.subject.description))
    sql.appendLiteral("::text[], ")
    sql.appendInterpolation(events.map(\.event.kind))
    sql.appendLiteral("::text[], ")
    sql.appendInterpolation(events.map(\.recordedAt.description))
    sql.appendLiteral("::text[], ")
    sql.appendInterpolation(events.map { ByteBuffer(bytes: $0.canonicalBytes) })
    sql.appendLiteral(
      "::bytea[]) WITH ORDINALITY AS rows(idx, subject, kind, recorded_at, body, position) ORDER BY position"
    )
  }

  /// Stores the attestation `id` logged at `index`, with its signed document.
  func insertAttestation(_ id: String, index: Int64, document: String?) throws {
    try sendAfterHeldEvents(
      "INSERT INTO attestations (attestation_id, idx, jws) VALUES (\(id), \(index), \(document))")
  }

  /// Sends `query`, or holds it behind the events held, to which it may refer.
  private func sendAfterHeldEvents(_ query: PostgresQuery) throws {
    lockedTail?.forget()
    if !session.held.holdAfterEvents(query) { try session.send(query) }
  }

  func appliedRequest(key: String) throws -> AppliedRequestRecord? {
    try session.rows(
      "SELECT fingerprint, first_index, entries FROM applied_requests WHERE request_key = \(key)"
    ).first.map { row in
      let (fingerprint, first, entries) = try row.decode((String, Int64, Int64).self)
      return AppliedRequestRecord(fingerprint: fingerprint, firstIndex: first, entries: entries)
    }
  }

  func insertAppliedRequest(key: String, _ record: AppliedRequestRecord) throws {
    try sendAfterHeldEvents(
      """
      INSERT INTO applied_requests (request_key, fingerprint, first_index, entries) VALUES \
      (\(key), \(record.fingerprint), \(record.firstIndex), \(record.entries))
      """)
  }

  private func checkpoint(_ row: PostgresRow) throws -> StoredCheckpoint {
    let (size, note) = try row.decode((Int64, String).self)
    return StoredCheckpoint(size: size, note: note)
  }

  /// Decodes a row, refusing any whose bytes are not a canonical event or whose subject column
  /// disagrees with the event it stores.
  private func decode(_ row: PostgresRow) throws -> LoggedEvent {
    let (index, subject, bytes) = try row.decode((Int64, String, ByteBuffer).self)
    let logged: LoggedEvent
    do {
      logged = try LoggedEvent(index: index, canonicalBytes: Array(bytes.readableBytesView))
    } catch {
      throw StoreError.corrupt(
        "the registry database \(path) holds a damaged event at index \(index): \(error)")
    }
    guard logged.event.subject.description == subject else {
      throw StoreError.corrupt(
        "the registry database \(path) holds a mislabelled event at index \(index)")
    }
    return logged
  }
}

/// The rows of an append not yet sent (see ``Snapshot``), in the order they must be sent: the
/// events, the statements that refer to them, then the tree hashes.
final class HeldInserts: Sendable {
  struct Rows: Sendable {
    var events: [LoggedEvent] = []
    var afterEvents: [PostgresQuery] = []
    var treeHashes: (start: Int64, hashes: [MerkleHash])?

    var isEmpty: Bool { events.isEmpty && afterEvents.isEmpty && treeHashes == nil }
  }
  private let rows = Mutex(Rows())

  /// Holds `event` after the events held, and returns how many are held; nil (nothing held)
  /// when tree hashes are held, which must be sent first.
  func holdEvent(_ event: LoggedEvent) -> Int? {
    rows.withLock { rows in
      guard rows.treeHashes == nil else { return nil }
      rows.events.append(event)
      return rows.events.count
    }
  }

  /// Holds `query` behind the events held; false (nothing held) when no event is held.
  func holdAfterEvents(_ query: PostgresQuery) -> Bool {
    rows.withLock { rows in
      guard !rows.events.isEmpty, rows.treeHashes == nil else { return false }
      rows.afterEvents.append(query)
      return true
    }
  }

  /// Holds tree hashes (the caller has sent everything held before).
  func holdTreeHashes(start: Int64, _ hashes: [MerkleHash]) {
    rows.withLock { rows in
      precondition(rows.isEmpty)
      rows.treeHashes = (start, hashes)
    }
  }

  /// The events held and the statements behind them, when nothing else is held.
  func takeEventsIfOnlyThem() -> Rows? {
    rows.withLock { rows in
      guard !rows.events.isEmpty, rows.treeHashes == nil else { return nil }
      defer { rows = Rows() }
      return rows
    }
  }

  /// The tree hashes held, when nothing else is held.
  func takeTreeHashesIfOnlyThem() -> (start: Int64, hashes: [MerkleHash])? {
    rows.withLock { rows in
      guard rows.events.isEmpty, rows.afterEvents.isEmpty, let held = rows.treeHashes else {
        return nil
      }
      rows.treeHashes = nil
      return held
    }
  }

  /// Everything held, forgetting it.
  func take() -> Rows {
    rows.withLock { rows in
      defer { rows = Rows() }
      return rows
    }
  }
}

extension Session {
  /// Sends the rows held (see ``Snapshot``), in their order; every other statement calls it
  /// first, so the `COMMIT` never leaves a held row behind.
  func releaseHeld() throws {
    let rows = held.take()
    guard !rows.isEmpty else { return }
    if !rows.events.isEmpty { try send(Snapshot.eventsInsert(rows.events)) }
    for query in rows.afterEvents { try send(query) }
    if let hashes = rows.treeHashes {
      try send(Snapshot.treeHashesInsert(start: hashes.start, hashes.hashes))
    }
  }
}

/// The tail an append read with its lock, until the append's first write (see ``Snapshot``).
private final class LockedTail: Sendable {
  private let tail: Mutex<LogTail?>

  init(_ tail: LogTail) { self.tail = Mutex(tail) }

  /// The tail, while nothing was written.
  var current: LogTail? { tail.withLock { $0 } }

  /// Called by every write: the tail no longer holds.
  func forget() { tail.withLock { $0 = nil } }
}
