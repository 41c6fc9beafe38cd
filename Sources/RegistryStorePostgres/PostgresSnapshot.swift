import AmexistDomain
import NIOCore
import PostgresNIO
import RegistryStore
import TransparencyLog

/// A snapshot over one connection inside a transaction: a `REPEATABLE READ` read, or an append
/// holding the sequencer lock (only the sequencer writes through it, inside an append).
///
/// Its inserts are sent without waiting (see ``Session``): the statement that next waits, at the
/// latest the `COMMIT`, throws their failure.
struct Snapshot: LogInsertTransaction {
  let session: Session
  let path: String

  /// Rows read at once by the streaming methods, so that a large log is never held in memory.
  private static let page: Int64 = 1000

  func count() throws -> Int64 {
    try session.rows("SELECT COALESCE(MAX(idx) + 1, 0)::bigint FROM events")[0].decode(Int64.self)
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
    try session.rows("SELECT COALESCE(MAX(idx) + 1, 0)::bigint FROM tree_hashes")[0].decode(
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
  func sealReads(hashesAt indexes: [Int64], entriesFrom start: Int64) throws -> SealReads {
    let rows = try session.rows(
      """
      SELECT false, idx, body FROM events WHERE idx >= \(start) \
      UNION ALL SELECT true, idx, hash FROM tree_hashes WHERE idx = ANY(\(indexes)) \
      ORDER BY 1, 2
      """)
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
    try session.rows("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").first.map(
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

  func appendStoredHashes(_ hashes: [MerkleHash], from start: Int64) throws {
    // One statement per chunk; its rows are inserted in array order, which the gapless trigger
    // requires (a BEFORE ROW trigger sees the rows the same statement inserted before).
    for chunkStart in stride(from: 0, to: hashes.count, by: Self.insertChunk) {
      let chunk = hashes[chunkStart..<min(chunkStart + Self.insertChunk, hashes.count)]
      let indexes = chunk.indices.map { start + Int64($0) }
      let values = chunk.map { ByteBuffer(bytes: $0.bytes) }
      try session.send(
        """
        INSERT INTO tree_hashes (idx, hash) \
        SELECT idx, hash FROM unnest(\(indexes)::bigint[], \(values)::bytea[]) \
        WITH ORDINALITY AS rows(idx, hash, position) ORDER BY position
        """)
    }
  }

  func insertCheckpoint(_ checkpoint: SignedCheckpoint) throws {
    try insertCheckpoint(size: checkpoint.checkpoint.size, note: checkpoint.note)
  }

  /// Stores a checkpoint row (the triggers refuse a size that does not grow).
  func insertCheckpoint(size: Int64, note: String) throws {
    try session.send("INSERT INTO checkpoints (size, note) VALUES (\(size), \(note))")
  }

  /// Stores an event row (the triggers refuse an index that is not the next one).
  func insertEvent(_ event: LoggedEvent) throws {
    try session.send(
      """
      INSERT INTO events (idx, subject, kind, recorded_at, body) VALUES (\(event.index), \
      \(event.event.subject.description), \(event.event.kind), \(event.recordedAt.description), \
      \(ByteBuffer(bytes: event.canonicalBytes)))
      """)
  }

  /// Stores the attestation `id` logged at `index`, with its signed document.
  func insertAttestation(_ id: String, index: Int64, document: String?) throws {
    try session.send(
      "INSERT INTO attestations (attestation_id, idx, jws) VALUES (\(id), \(index), \(document))")
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
    try session.send(
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
