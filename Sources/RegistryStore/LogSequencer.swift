public import AmexistDomain
public import TransparencyLog

/// Seals a batch: extends the stored Merkle tree with the batch's entries and signs the
/// checkpoint of the new size. Every engine calls it inside the append's transaction, after
/// inserting the events, so the events, the tree and the checkpoint commit together or not at
/// all.
///
/// Before signing it checks what it is about to sign, so that a damaged or altered store halts
/// signing instead of being signed (D8):
/// - the latest stored checkpoint is signed by this log's key for its origin, and the stored
///   tree at that size still has its root (the incremental state is verified);
/// - the batch's entries are read back from the store and must be the bytes just written;
/// - leaf hashes are computed from the bytes read back, never from memory.
public enum LogSequencer {
  /// Inserts the events `body` returns after every stored entry (an attestation's signed
  /// document beside its event) and seals the batch: what every engine's append does inside its
  /// write transaction.
  ///
  /// For a keyed `request` (engines pass the ``AppliedRequest/current`` of the task that called
  /// their append), a request already applied is not run again: ``RequestReplay`` is thrown
  /// before `body` runs; otherwise the key is stored with the batch.
  public static func append(
    _ body: () throws -> [RecordedEvent], to store: some LogInsertTransaction, signer: LogSigner,
    request: AppliedRequest?, path: String
  ) throws -> AppendReceipt {
    if let request, let applied = try store.appliedRequest(key: request.key) {
      guard applied.fingerprint == request.fingerprint else { throw RequestReplay.keyReused }
      throw RequestReplay.applied(first: applied.firstIndex, entries: applied.entries)
    }
    let recorded = try body()
    let tail = try store.tail()
    let first = tail.count
    var logged: [LoggedEvent] = []
    logged.reserveCapacity(recorded.count)
    for (offset, event) in recorded.enumerated() {
      let entry = LoggedEvent(index: first + Int64(offset), recorded: event)
      try store.insertEvent(entry)
      if case .attestationIssued(let issued) = event.event {
        try store.insertAttestation(
          issued.attestationID, index: entry.index, document: event.signedDocument)
      }
      logged.append(entry)
    }
    if let request, !logged.isEmpty {
      try store.insertAppliedRequest(
        key: request.key,
        AppliedRequestRecord(
          fingerprint: request.fingerprint, firstIndex: first, entries: Int64(logged.count)))
    }
    return AppendReceipt(
      events: logged,
      checkpoint: try seal(logged, after: tail, in: store, signer: signer, path: path))
  }

  /// Extends the tree for `batch` (the events just inserted, in index order, after `tail`, the
  /// log's tail read before they were) and stores the checkpoint of the new size signed by
  /// `signer`.
  ///
  /// The stored hashes it needs (the old root's and the new leaves' siblings) and the entries
  /// it hashes are read by one ``LogWriteTransaction/sealReads(hashesAt:entriesFrom:)``, so that
  /// an engine whose reads are round trips seals in few.
  ///
  /// - Returns: the new checkpoint, or nil for an empty batch.
  /// - Throws: ``StoreError/corrupt(_:)`` when the store does not hold what it must; errors of
  ///   the engine unchanged.
  public static func seal(
    _ batch: [LoggedEvent], after tail: LogTail, in store: some LogWriteTransaction,
    signer: LogSigner, path: String
  ) throws -> SignedCheckpoint? {
    guard let first = batch.first else { return nil }
    let newSize = first.index + Int64(batch.count)
    let verified = try verifiedCheckpoint(
      tail.latestCheckpoint, storedHashCount: tail.storedHashCount, log: signer.verifier,
      path: path)
    let verifiedSize = verified?.checkpoint.size ?? 0
    let firstNewIndex = StoredTree.hashCount(leaves: verifiedSize)
    // Every old hash this seal reads: the verified root's, then the siblings of the new leaves
    // and the new root's that are already stored.
    var wanted = StoredTree.rootIndexes(size: verifiedSize)
    if verifiedSize < newSize {
      for leaf in verifiedSize..<newSize {
        wanted += StoredTree.siblingIndexes(forLeaf: leaf).filter { $0 < firstNewIndex }
      }
    }
    wanted += StoredTree.rootIndexes(size: newSize).filter { $0 < firstNewIndex }
    var unique: [Int64] = []
    var seen = Set<Int64>()
    for index in wanted where seen.insert(index).inserted { unique.append(index) }
    // Entries not yet in the tree: those of this batch, and any older ones (a database written
    // before the log existed) after the last checkpoint.
    let reads = try store.sealReads(hashesAt: unique, entriesFrom: verifiedSize)
    guard reads.hashes.count == unique.count else {
      throw StoreError.corrupt("the registry database \(path) lacks tree hashes")
    }
    let stored = KnownHashes(
      hashes: Dictionary(uniqueKeysWithValues: zip(unique, reads.hashes)), path: path)
    let entries = reads.entries
    if let verified,
      try StoredTree.rootHash(size: verifiedSize, reader: stored) != verified.checkpoint.root
    {
      throw StoreError.corrupt(
        "the stored tree in \(path) does not match its latest checkpoint (size \(verifiedSize)): run `amexist log audit`; nothing was signed"
      )
    }
    guard verifiedSize <= first.index else {
      throw StoreError.corrupt(
        "the registry database \(path) has a checkpoint of size \(verifiedSize) but only \(first.index) entries before this batch; nothing was written"
      )
    }
    guard entries.count == Int(newSize - verifiedSize),
      entries.enumerated().allSatisfy({ $0.element.index == verifiedSize + Int64($0.offset) })
    else {
      throw StoreError.corrupt(
        "the registry database \(path) does not hold the entries \(verifiedSize)..<\(newSize) in order; nothing was signed"
      )
    }
    for event in batch where entries[Int(event.index - verifiedSize)].bytes != event.canonicalBytes
    {
      throw StoreError.corrupt(
        "the entry at index \(event.index) read back from \(path) is not the one written; nothing was signed"
      )
    }
    var tree = TreeOverlay(base: stored, firstNewIndex: firstNewIndex)
    for (index, bytes) in entries {
      let siblings = try tree.storedHashes(at: StoredTree.siblingIndexes(forLeaf: index))
      tree.added += StoredTree.hashesForLeaf(
        index, leafHash: Merkle.leafHash(bytes), siblings: siblings)
    }
    try store.appendStoredHashes(tree.added, from: tree.firstNewIndex)
    let root = try StoredTree.rootHash(size: newSize, reader: tree)
    let checkpoint = try signer.sign(size: newSize, root: root)
    CrashPoint.afterSign.reach()
    try store.insertCheckpoint(checkpoint)
    return checkpoint
  }

  /// The size of the latest checkpoint, once its note verified with the log's key and the
  /// stored tree was found to have its root; 0 before the first checkpoint.
  public static func verifiedTreeSize(
    _ store: some RegistrySnapshot, log: NoteVerifier, path: String
  ) throws -> Int64 {
    guard
      let verified = try verifiedCheckpoint(
        try store.latestCheckpoint(), storedHashCount: try store.storedHashCount(), log: log,
        path: path)
    else { return 0 }
    let size = verified.checkpoint.size
    guard try StoredTree.rootHash(size: size, reader: store) == verified.checkpoint.root else {
      throw StoreError.corrupt(
        "the stored tree in \(path) does not match its latest checkpoint (size \(size)): run `amexist log audit`; nothing was signed"
      )
    }
    return size
  }

  /// The `latest` checkpoint once its note verified with the log's key and `storedHashCount`
  /// was found to be its tree's; nil before the first checkpoint (when no hash may be stored).
  /// The caller still compares the stored root.
  private static func verifiedCheckpoint(
    _ latest: StoredCheckpoint?, storedHashCount: Int64, log: NoteVerifier, path: String
  ) throws -> SignedCheckpoint? {
    guard let latest else {
      guard storedHashCount == 0 else {
        throw StoreError.corrupt("\(path) has tree hashes but no checkpoint; nothing was signed")
      }
      return nil
    }
    let signed: SignedCheckpoint
    do {
      signed = try latest.verified(by: log)
    } catch {
      throw StoreError.corrupt(
        "the latest checkpoint in \(path) does not verify with the log key \(log.name): \(error); nothing was signed"
      )
    }
    guard storedHashCount == StoredTree.hashCount(leaves: signed.checkpoint.size) else {
      throw StoreError.corrupt(
        "the stored tree in \(path) does not match its latest checkpoint (size \(signed.checkpoint.size)): run `amexist log audit`; nothing was signed"
      )
    }
    return signed
  }
}

/// Stored hashes read once, in one call, for a seal that reads each of them again and again.
private struct KnownHashes: StoredHashReader {
  let hashes: [Int64: MerkleHash]
  let path: String

  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    try indexes.map { index in
      guard let hash = hashes[index] else {
        throw StoreError.corrupt("the registry database \(path) lacks tree hash \(index)")
      }
      return hash
    }
  }
}

/// The stored tree seen through the hashes being added in this batch.
private struct TreeOverlay<Base: StoredHashReader>: StoredHashReader {
  let base: Base
  let firstNewIndex: Int64
  var added: [MerkleHash] = []

  init(base: Base, firstNewIndex: Int64) {
    self.base = base
    self.firstNewIndex = firstNewIndex
  }

  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    let old = indexes.filter { $0 < firstNewIndex }
    var fromBase = try base.storedHashes(at: old).makeIterator()
    return indexes.map { index in
      index < firstNewIndex ? fromBase.next()! : added[Int(index - firstNewIndex)]
    }
  }
}
