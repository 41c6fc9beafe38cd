public import AmexistDomain
public import TransparencyLog

/// Everything a registry store holds, exactly as stored: what `amexist copy` moves from one
/// engine to another. Nothing is re-signed: the copy carries the original checkpoints, and an
/// audit of the copy (recomputing every leaf and node) shows it is the same log.
public struct StoredLog: Sendable {
  /// The entries' canonical bytes; the n-th has index n.
  public var entries: [[UInt8]]
  /// The stored Merkle tree, by stored index.
  public var treeHashes: [MerkleHash]
  /// Every checkpoint, smallest size first.
  public var checkpoints: [StoredCheckpoint]
  /// Every attestation's id and what is kept of it, in log order.
  public var attestations: [KeptAttestation]

  /// An attestation as ``StoredLog`` carries it.
  public struct KeptAttestation: Hashable, Sendable {
    /// The attestation's id.
    public let id: String
    /// Its index and signed document.
    public let stored: StoredAttestation
  }

  /// Reads the whole of `snapshot`'s log into memory (a registry of a federation's services is
  /// thousands of entries, not millions).
  public init(reading snapshot: any RegistrySnapshot) throws {
    var entries: [[UInt8]] = []
    try snapshot.forEachEntry(from: 0) { index, bytes in
      guard index == Int64(entries.count) else {
        throw StoreError.corrupt("the registry database has no entry at index \(entries.count)")
      }
      entries.append(bytes)
    }
    let hashCount = try snapshot.storedHashCount()
    var hashes: [MerkleHash] = []
    var start: Int64 = 0
    while start < hashCount {
      let end = min(hashCount, start + 1000)
      hashes += try snapshot.storedHashes(at: Array(start..<end))
      start = end
    }
    var checkpoints: [StoredCheckpoint] = []
    try snapshot.forEachCheckpoint { checkpoints.append($0) }
    var attestations: [KeptAttestation] = []
    try snapshot.forEachAttestation { id, stored in
      attestations.append(KeptAttestation(id: id, stored: stored))
    }
    self.entries = entries
    self.treeHashes = hashes
    self.checkpoints = checkpoints
    self.attestations = attestations
  }

  /// Writes the whole log into `target`, inside the target engine's one transaction, after
  /// checking that the target holds nothing; every entry is decoded (and so checked canonical)
  /// for the columns stored beside its bytes.
  public func write(into target: some LogInsertTransaction, path: String) throws {
    guard try target.count() == 0, try target.latestCheckpoint() == nil else {
      throw StoreError.unavailable(
        "the registry database \(path) is not empty: a copy goes into an empty registry")
    }
    for (index, bytes) in entries.enumerated() {
      let event: LoggedEvent
      do {
        event = try LoggedEvent(index: Int64(index), canonicalBytes: bytes)
      } catch {
        throw StoreError.corrupt("the entry at index \(index) does not decode: \(error)")
      }
      try target.insertEvent(event)
    }
    try target.appendStoredHashes(treeHashes, from: 0)
    for checkpoint in checkpoints {
      try target.insertCheckpoint(size: checkpoint.size, note: checkpoint.note)
    }
    for kept in attestations {
      try target.insertAttestation(
        kept.id, index: kept.stored.index, document: kept.stored.signedDocument)
    }
  }
}

/// The row writes of an append and of a copy, inside one transaction of the engine.
public protocol LogInsertTransaction: LogWriteTransaction {
  /// Stores an event row (the engine refuses an index that is not the next one).
  func insertEvent(_ event: LoggedEvent) throws
  /// Stores a checkpoint row as it is (the engine refuses a size that does not grow).
  func insertCheckpoint(size: Int64, note: String) throws
  /// Stores the attestation `id` logged at `index`, with its signed document.
  func insertAttestation(_ id: String, index: Int64, document: String?) throws
  /// The record of the request applied with `key`, if any.
  func appliedRequest(key: String) throws -> AppliedRequestRecord?
  /// Records that the request `key` appended `record`'s entries.
  func insertAppliedRequest(key: String, _ record: AppliedRequestRecord) throws
}

/// A store that can receive a whole log copied from another.
public protocol RestorableStore: RegistryStore {
  /// Writes `log` into this store, which must hold nothing, in one transaction: the bytes,
  /// tree hashes, checkpoints and attestation documents as they are, without signing anything.
  ///
  /// - Throws: ``StoreError/unavailable(_:)`` when the store is not empty; the engine's errors.
  func restore(_ log: StoredLog) async throws
}
