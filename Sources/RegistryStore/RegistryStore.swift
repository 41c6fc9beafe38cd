public import AmexistDomain
public import TransparencyLog

/// Where the registry's events live: an append-only, gapless sequence of logged events.
///
/// Guarantees every engine MUST give (the conformance suite in `RegistryTesting` checks them):
/// - **Durability**: when ``append(_:)`` returns, the events survive a crash or power loss.
/// - **Atomicity**: a batch is appended whole or not at all.
/// - **Serialisation**: appends are totally ordered, across tasks and processes sharing the
///   store; the closure given to ``append(_:)`` sees every event appended before it and no other
///   append runs until it returns, so a rule checked there cannot be broken by a concurrent write.
/// - **Gapless indexes**: the n-th event ever appended has index n − 1.
/// - **Immutability**: no stored event is ever changed or removed, by this API or (where the
///   engine can enforce it) by direct access to the database.
/// - **Snapshots**: ``read(_:)`` sees a consistent snapshot: every event up to some index, never
///   a part of a batch.
/// - **Integrity**: bytes read back are the bytes appended; anything else is reported as
///   ``StoreError/corrupt(_:)``, never returned as an event.
/// - **Documents**: the signed document given with an `attestationIssued` event is stored in
///   the same transaction and found by the attestation's id.
/// - **Log**: every event is a leaf of the log's Merkle tree; a batch extends the stored tree and
///   ends with the checkpoint of its new size, signed in the same transaction by
///   ``LogSequencer`` after it re-read the batch and checked the stored tree against the last
///   checkpoint. Checkpoint sizes only grow, one checkpoint per size, whatever the number of
///   writers.
/// How much of a store's connection pool is in use.
public struct ConnectionUsage: Hashable, Sendable {
  /// Connections lent out now.
  public let inUse: Int
  /// Requests waiting for a connection.
  public let waiting: Int
  /// Connections the pool lends at most.
  public let limit: Int

  /// `inUse` of `limit` connections lent, `waiting` requests queued.
  public init(inUse: Int, waiting: Int, limit: Int) {
    self.inUse = inUse
    self.waiting = waiting
    self.limit = limit
  }
}

extension RegistryStore {
  /// The store's connection pool use; nil for a store without a pool (SQLite).
  public var connectionUsage: ConnectionUsage? { nil }
}

public protocol RegistryStore: Sendable {
  /// The store's connection pool use, as of now; nil for a store without a pool.
  var connectionUsage: ConnectionUsage? { get }

  /// Runs `body` on a consistent snapshot of the store.
  func read<Result: Sendable>(_ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result)
    async throws
    -> Result

  /// Appends the events `body` returns, atomically, after everything appended before, and
  /// seals the batch with a checkpoint signed by `signer` (see ``LogSequencer``).
  ///
  /// `body` runs while the store is locked for writing, with a snapshot of everything appended
  /// so far; an error it throws is rethrown unchanged and nothing is written. A batch of no
  /// events writes nothing and signs nothing.
  ///
  /// - Returns: the events as logged, with their indexes, and the new checkpoint.
  func append(
    signer: LogSigner, _ body: @escaping @Sendable (any RegistrySnapshot) throws -> [RecordedEvent]
  ) async throws -> AppendReceipt

  /// Keeps witnesses' cosignatures of stored checkpoints, durably; one already kept is ignored.
  /// They are evidence beside the log, not part of it: the caller verifies them first, and
  /// readers verify them again.
  ///
  /// - Throws: ``StoreError`` when a cosignature names a size that has no checkpoint.
  func keepCosignatures(_ cosignatures: [KeptCosignature]) async throws
}

/// A witness's cosignature of the stored checkpoint of `size`, kept beside the log.
public struct KeptCosignature: Hashable, Sendable {
  /// The checkpoint's tree size.
  public let size: Int64
  /// The witness's cosignature verifier key (its vkey text).
  public let witnessKey: String
  /// The signature line, without its newline.
  public let line: String

  /// The cosignature `line` of the checkpoint of `size` by `witnessKey`.
  public init(size: Int64, witnessKey: String, line: String) {
    self.size = size
    self.witnessKey = witnessKey
    self.line = line
  }
}

/// What an append wrote.
public struct AppendReceipt: Sendable {
  /// The events as logged.
  public let events: [LoggedEvent]
  /// The checkpoint that ends the batch; nil when the batch was empty.
  public let checkpoint: SignedCheckpoint?

  /// A receipt for `events` sealed by `checkpoint`.
  public init(events: [LoggedEvent], checkpoint: SignedCheckpoint?) {
    self.events = events
    self.checkpoint = checkpoint
  }
}

/// A checkpoint as read from the store: its note is not verified by reading it.
public struct StoredCheckpoint: Hashable, Sendable {
  /// The tree size.
  public let size: Int64
  /// The signed note as stored.
  public let note: String

  /// A stored checkpoint of `size` with `note`.
  public init(size: Int64, note: String) {
    self.size = size
    self.note = note
  }

  /// The checkpoint once its note is verified with the log's key and origin, and its size
  /// agrees with the stored size.
  public func verified(by log: NoteVerifier) throws(NoteError) -> SignedCheckpoint {
    let signed = try SignedCheckpoint(verifying: note, log: log)
    guard signed.checkpoint.size == size else {
      throw .malformed(
        "the note's size \(signed.checkpoint.size) differs from the stored size \(size)")
    }
    return signed
  }
}

/// A consistent view of the store, valid only inside the closure that received it.
///
/// It reads the stored Merkle tree too (``StoredHashReader``): hashes at stored indexes below
/// ``storedHashCount()``.
public protocol RegistrySnapshot: StoredHashReader {
  /// The number of events in the log, which is also the index the next event will get.
  func count() throws -> Int64

  /// Every event about `subject`, in log order.
  func events(about subject: EventSubject) throws -> [LoggedEvent]

  /// The event at `index`, or nil past the end of the log.
  func event(at index: Int64) throws -> LoggedEvent?

  /// The SIRETs of all registered services, in registration order.
  func registeredServices() throws -> [SIRET]

  /// The ids of all keys ever added (issuer and body keys), in the order they were added.
  func addedKeyIDs() throws -> [String]

  /// The ids of all registered certifying bodies, in registration order.
  func registeredBodies() throws -> [String]

  /// Calls `body` with each event from index `start` on, in log order, without holding the
  /// whole log in memory.
  func forEachEvent(from start: Int64, _ body: (LoggedEvent) throws -> Void) throws

  /// Calls `body` with the index and stored bytes of each entry from `start` up to (not
  /// including) `end`, in stored order, without decoding them (what an audit hashes).
  func forEachEntry(from start: Int64, below end: Int64, _ body: (Int64, [UInt8]) throws -> Void)
    throws

  /// Calls `body` with the index and stored bytes of each entry at `indexes` (ascending) that
  /// the store holds, in that order, without decoding them (what a verified read checks). An
  /// engine whose reads are round trips answers in few; the default reads them one by one.
  func forEachEntry(at indexes: [Int64], _ body: (Int64, [UInt8]) throws -> Void) throws

  /// Calls `body` with each entry from `start` up to (not including) `end` as stored: its bytes
  /// and the columns kept beside them for lookups, none of them checked (what a verified pass
  /// and an audit compare).
  func forEachStoredEntry(from start: Int64, below end: Int64, _ body: (StoredEntry) throws -> Void)
    throws

  /// The number of stored tree hashes.
  func storedHashCount() throws -> Int64

  /// The checkpoint of the largest size, nil before the first append.
  func latestCheckpoint() throws -> StoredCheckpoint?

  /// The checkpoint of exactly `size` leaves, if one was signed.
  func checkpoint(size: Int64) throws -> StoredCheckpoint?

  /// Calls `body` with each checkpoint, smallest size first.
  func forEachCheckpoint(_ body: (StoredCheckpoint) throws -> Void) throws

  /// The attestation whose `attestationIssued` event has `id`, with the signed document kept
  /// beside it; nil when no such attestation was issued.
  func attestation(id: String) throws -> StoredAttestation?

  /// Calls `body` with each attestation's id and what is kept of it, in log order.
  func forEachAttestation(_ body: (String, StoredAttestation) throws -> Void) throws

  /// The cosignatures kept for the checkpoint of `size`, in no particular order.
  func cosignatures(size: Int64) throws -> [KeptCosignature]

  /// The sizes of the checkpoints that have kept cosignatures, largest first, at most `limit`.
  func cosignedSizes(limit: Int) throws -> [Int64]
}

/// An entry exactly as stored: the leaf bytes and the lookup columns derived from them when it
/// was appended. Nothing here is checked: whoever can write the database can change any of it.
public struct StoredEntry: Sendable {
  /// The stored index.
  public let index: Int64
  /// The stored bytes (the leaf).
  public let bytes: [UInt8]
  /// The `subject` column (``EventSubject/description``).
  public let subject: String
  /// The `kind` column (``Event/kind``).
  public let kind: String
  /// The `recorded_at` column (``Instant/description``).
  public let recordedAt: String

  /// An entry as read from the store.
  public init(index: Int64, bytes: [UInt8], subject: String, kind: String, recordedAt: String) {
    self.index = index
    self.bytes = bytes
    self.subject = subject
    self.kind = kind
    self.recordedAt = recordedAt
  }

  /// The first lookup column that does not say what `event` (decoded from ``bytes``) says, or
  /// nil when they all agree.
  public func mislabelledColumn(for event: LoggedEvent) -> String? {
    if subject != event.event.subject.description { return "subject" }
    if kind != event.event.kind { return "kind" }
    if recordedAt != event.recordedAt.description { return "recorded_at" }
    return nil
  }
}

/// An issued attestation as the store finds it by id.
public struct StoredAttestation: Hashable, Sendable {
  /// Log index of its `attestationIssued` event.
  public let index: Int64
  /// The compact JWS as issued; nil for an attestation issued before documents were kept.
  /// Unverified: check it against the event's payload hash before use.
  public let signedDocument: String?

  /// An attestation logged at `index`, with its `signedDocument`.
  public init(index: Int64, signedDocument: String?) {
    self.index = index
    self.signedDocument = signedDocument
  }
}

extension RegistrySnapshot {
  /// Reads the entries at `indexes` one by one (see the requirement).
  public func forEachEntry(at indexes: [Int64], _ body: (Int64, [UInt8]) throws -> Void) throws {
    for index in indexes { try forEachEntry(from: index, below: index + 1, body) }
  }

  /// Calls `body` with each entry from `start` to the end of the log.
  public func forEachEntry(from start: Int64, _ body: (Int64, [UInt8]) throws -> Void) throws {
    try forEachEntry(from: start, below: .max, body)
  }
}

/// What an append reads first, under the append's lock: where the log ends, where the stored
/// tree ends, and the checkpoint to extend.
public struct LogTail: Hashable, Sendable {
  /// The number of events (``RegistrySnapshot/count()``).
  public let count: Int64
  /// The number of stored tree hashes (``RegistrySnapshot/storedHashCount()``).
  public let storedHashCount: Int64
  /// The checkpoint of the largest size (``RegistrySnapshot/latestCheckpoint()``).
  public let latestCheckpoint: StoredCheckpoint?

  /// A tail as read from a store.
  public init(count: Int64, storedHashCount: Int64, latestCheckpoint: StoredCheckpoint?) {
    self.count = count
    self.storedHashCount = storedHashCount
    self.latestCheckpoint = latestCheckpoint
  }
}

/// The write side of a snapshot that ``LogSequencer`` needs, inside an append's transaction.
public protocol LogWriteTransaction: RegistrySnapshot {
  /// The log's tail as this transaction sees it. Engines whose reads are round trips answer it in
  /// one; the default reads ``count()``, ``storedHashCount()`` and ``latestCheckpoint()``.
  func tail() throws -> LogTail

  /// The stored hashes at `indexes` (as ``StoredHashReader/storedHashes(at:)``) and the index and
  /// bytes of every entry from `start` to the end of the log (as
  /// ``RegistrySnapshot/forEachEntry(from:_:)``): the two reads a seal makes, which an engine
  /// whose reads are round trips answers in one.
  func sealReads(hashesAt indexes: [Int64], entriesFrom start: Int64) throws -> SealReads

  /// Stores `hashes` at the consecutive stored indexes from `start`
  /// (``StoredTree/hashCount(leaves:)`` of the tree before).
  func appendStoredHashes(_ hashes: [MerkleHash], from start: Int64) throws

  /// Stores `checkpoint`; the engine refuses a size not larger than every stored one.
  func insertCheckpoint(_ checkpoint: SignedCheckpoint) throws
}

/// What a seal reads once the batch is inserted (see ``LogWriteTransaction/sealReads(hashesAt:entriesFrom:)``).
public struct SealReads: Sendable {
  /// The stored hashes asked for, in the order asked.
  public let hashes: [MerkleHash]
  /// The index and stored bytes of each entry read, in stored order.
  public let entries: [(index: Int64, bytes: [UInt8])]

  /// The reads' results.
  public init(hashes: [MerkleHash], entries: [(index: Int64, bytes: [UInt8])]) {
    self.hashes = hashes
    self.entries = entries
  }
}

extension LogWriteTransaction {
  /// The three reads of ``LogTail``, one after the other.
  public func tail() throws -> LogTail {
    LogTail(
      count: try count(), storedHashCount: try storedHashCount(),
      latestCheckpoint: try latestCheckpoint())
  }

  /// The two reads, one after the other.
  public func sealReads(hashesAt indexes: [Int64], entriesFrom start: Int64) throws -> SealReads {
    let hashes = try storedHashes(at: indexes)
    var entries: [(index: Int64, bytes: [UInt8])] = []
    try forEachEntry(from: start) { index, bytes in entries.append((index, bytes)) }
    return SealReads(hashes: hashes, entries: entries)
  }
}

/// Why the store could not do what was asked.
///
/// Messages name the database and say what the operator can do; they never include event content.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The database is damaged (corrupt pages, not a database, events that do not decode).
  case corrupt(String)
  /// The database was written by a newer version of amexist.
  case tooNew(String)
  /// The database cannot be opened or written (permissions, missing folder, disk full).
  case unavailable(String)
  /// The store was busy for longer than the wait allowed.
  case busy(String)
  /// The location names an engine that is not available.
  case unsupported(String)

  public var description: String {
    switch self {
    case .corrupt(let message), .tooNew(let message), .unavailable(let message), .busy(let message),
      .unsupported(let message):
      return message
    }
  }
}
