import AmexistDomain
import Attestation
import RegistryStore
import Synchronization
import TransparencyLog

/// What one pass over the log's stored bytes established, entry by entry: the tree they make
/// (checked against the checkpoint signed by the log key), each entry's leaf hash, and which
/// entries are about which subject, taken from the decoded bytes and never from a lookup column.
///
/// It is what makes a read complete as well as genuine (DESIGN, "Reads that prove themselves"):
/// a suspension whose `subject` column was moved to another SIRET is still found under its own
/// SIRET, and is refused as soon as its row is read.
struct VerifiedLog: Sendable {
  /// An `attestationIssued` entry as the bytes say.
  struct IssuedEntry: Hashable, Sendable {
    let index: Int64
    let payloadSHA256: String
  }

  /// The tree of the entries verified so far.
  private(set) var tree = CompactRange()
  /// The leaf hash of each verified entry, by index, end to end (32 bytes each: one buffer
  /// rather than an allocation per entry).
  private(set) var leafHashBytes: [UInt8] = []
  /// The verified entries about each subject, in log order.
  private(set) var subjects: [EventSubject: [Int64]] = [:]
  /// Each registered service with the index of its registration, in log order.
  private(set) var registrations: [(siret: SIRET, index: Int64)] = []
  /// Each added key (issuer's or body's) with the index of its addition, in log order.
  private(set) var keyAdditions: [(kid: String, index: Int64)] = []
  /// Each registered certifying body with the index of its registration, in log order.
  private(set) var bodyRegistrations: [(id: String, index: Int64)] = []
  /// The entry of each body-signed decision, by its `jti` and by its payload's SHA-256.
  private(set) var signedDecisions: [String: Int64] = [:]
  /// Each attestation id's issuance entry.
  private(set) var attestations: [String: IssuedEntry] = [:]
  /// The status list indexes the verified attestations hold.
  private(set) var statusIndexes: Set<Int64> = []
  /// The signed note of the checkpoint the verified entries were last found to match.
  private(set) var checkpointNote: String?

  /// The number of verified entries.
  var size: Int64 { tree.size }

  /// Nothing verified yet.
  init() {}

  /// What an earlier pass established, restored whole (see ``VerifiedLogFile``); the next read
  /// checks the latest checkpoint against it again, as no note is restored.
  init(
    tree: CompactRange, leafHashBytes: [UInt8], subjects: [EventSubject: [Int64]],
    registrations: [(siret: SIRET, index: Int64)], keyAdditions: [(kid: String, index: Int64)],
    bodyRegistrations: [(id: String, index: Int64)], signedDecisions: [String: Int64],
    attestations: [String: IssuedEntry], statusIndexes: Set<Int64>
  ) {
    self.tree = tree
    self.leafHashBytes = leafHashBytes
    self.subjects = subjects
    self.registrations = registrations
    self.keyAdditions = keyAdditions
    self.bodyRegistrations = bodyRegistrations
    self.signedDecisions = signedDecisions
    self.attestations = attestations
    self.statusIndexes = statusIndexes
  }

  /// Adds the next entry after checking that its lookup columns say what its bytes say.
  ///
  /// - Returns: the attestation id and entry when the entry issued one.
  @discardableResult
  mutating func add(_ entry: StoredEntry) throws(RegistryError) -> (
    id: String, entry: IssuedEntry
  )? {
    guard entry.index == size else {
      throw .integrity(
        "entry \(size) is missing from the registry database (entries out of order or deleted)")
    }
    let logged: LoggedEvent
    do {
      logged = try LoggedEvent(index: entry.index, canonicalBytes: entry.bytes)
    } catch {
      throw .integrity("entry \(entry.index) is not a canonical event")
    }
    if let column = entry.mislabelledColumn(for: logged) {
      throw .integrity("entry \(entry.index) has an edited \(column) column")
    }
    let leaf = Merkle.leafHash(entry.bytes)
    tree.append(leafHash: leaf)
    leafHashBytes.append(contentsOf: leaf.bytes)
    subjects[logged.event.subject, default: []].append(entry.index)
    if let signature = logged.event.signedBy {
      for key in Self.decisionKeys(ofCompactJWS: signature.token) {
        signedDecisions[key] = entry.index
      }
    }
    switch logged.event {
    case .serviceRegistered(let registered):
      registrations.append((registered.siret, entry.index))
    case .keyAdded(let added):
      keyAdditions.append((added.kid, entry.index))
    case .attestationIssued(let issued):
      let kept = IssuedEntry(index: entry.index, payloadSHA256: issued.payloadSHA256)
      attestations[issued.attestationID] = kept
      if let index = issued.statusIndex { statusIndexes.insert(index) }
      return (issued.attestationID, kept)
    case .registryConfigured:
      // Only entry 0 names the scheme: a later one would change the rules of a running log.
      guard entry.index == 0 else {
        throw .integrity("entry \(entry.index) names a scheme, which only entry 0 may do")
      }
    case .bodyRegistered(let registered):
      bodyRegistrations.append((registered.body, entry.index))
    case .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended, .levelReinstated,
      .levelWithdrawn, .keyRetired, .keyRevoked, .bodyAccreditationChanged, .levelTransferred,
      .reservesRecorded, .reservesLifted, .levelRefused, .serviceSucceeded, .witnessAdded,
      .witnessRemoved, .quorumSet, .statusPublished:
      break
    }
    return nil
  }

  /// Records that the verified entries have the root of `checkpoint` (its note verified).
  mutating func sealed(by checkpoint: StoredCheckpoint) {
    checkpointNote = checkpoint.note
  }

  /// Whether the entry stored at `index` with `bytes` is the verified one.
  func holds(_ bytes: [UInt8], at index: Int64) -> Bool {
    guard index >= 0, index < size else { return false }
    let start = Int(index) * MerkleHash.size
    return leafHashBytes[start..<start + MerkleHash.size].elementsEqual(
      Merkle.leafHash(bytes).bytes)
  }

  /// Checks the document kept for an attestation against its verified entry: the row must be
  /// at the entry's index, and its signed payload must be the one the entry hashed.
  func check(_ stored: StoredAttestation?, entry: IssuedEntry) throws(RegistryError) {
    guard let stored else {
      throw .integrity(
        "the attestation of entry \(entry.index) is missing from the attestations table")
    }
    guard stored.index == entry.index else {
      throw .integrity(
        "the attestations table places the attestation of entry \(entry.index) at \(stored.index)")
    }
    if let document = stored.signedDocument,
      Self.payloadSHA256(ofCompactJWS: document) != entry.payloadSHA256
    {
      throw .integrity("the signed document kept for entry \(entry.index) is not the one logged")
    }
  }

  /// What identifies a body's signed decision in ``signedDecisions``: `jti:` and its `jti`,
  /// `sha256:` and its payload's SHA-256.
  static func decisionKeys(ofCompactJWS token: String) -> [String] {
    let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 3, let payload = Base64URL.decode(parts[1]) else { return [] }
    var keys = ["sha256:" + PayloadHash.hex(of: payload)]
    if case .object(let members)? = try? StrictJSONParser(
      maximumSize: CompactJWS.maximumSize, maximumDepth: 2
    ).parse(payload),
      case .string(let jti)? = members["jti"]
    {
      keys.append("jti:" + jti)
    }
    return keys
  }

  /// SHA-256 (hex) of a compact JWS's payload, nil when it is not one.
  static func payloadSHA256(ofCompactJWS token: String) -> String? {
    let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 3, let payload = Base64URL.decode(parts[1]) else { return nil }
    return PayloadHash.hex(of: payload)
  }
}

/// The verified log a service keeps between reads: built by one verified pass over the whole
/// log on the first read, then extended entry by entry as the log grows. A server holds one
/// for its lifetime; a command makes its pass once.
public final class VerifiedLogCache: Sendable {
  let state = Mutex(VerifiedLog())
  /// Entries already decoded, by index, with the bytes they were decoded from: an entry read
  /// again is still read and checked against its verified leaf hash, only not parsed again.
  let decoded = Mutex(DecodedEntries(capacity: 8192))
  /// Where the verified log is kept between processes, if anywhere.
  let file: VerifiedLogFile?
  /// The size of the verified log last restored from or written to ``file``; nil until the
  /// file was tried.
  let fileSize = Mutex<Int64?>(nil)

  /// An empty cache: the next read restores `file` when it passes its checks, and makes the
  /// whole pass otherwise.
  public init(file: VerifiedLogFile? = nil) {
    self.file = file
  }

  /// The number of entries verified so far.
  public var verifiedSize: Int64 { state.withLock { $0.size } }

  /// The number of entries the kept file held when this process restored or last wrote it; nil
  /// when it restored nothing and wrote nothing.
  public var keptSize: Int64? { fileSize.withLock { $0.flatMap { $0 > 0 ? $0 : nil } } }

  /// Restores `verified` from the file, once, when nothing is verified yet.
  func restoreIfEmpty(_ verified: inout VerifiedLog) {
    guard verified.size == 0, let file else { return }
    fileSize.withLock { tried in
      guard tried == nil else { return }
      tried = 0
      guard file.restores, let kept = file.load() else { return }
      verified = kept
      tried = kept.size
    }
  }

  /// Writes the verified log to the file when it grew by the file's threshold since it was
  /// restored or written.
  func keepIfGrown() {
    guard let file else { return }
    let grown: VerifiedLog? = state.withLock { verified in
      fileSize.withLock { kept in
        guard verified.size > 0, verified.size - (kept ?? 0) >= file.rewriteAfter else {
          return nil
        }
        kept = verified.size
        return verified
      }
    }
    if let grown { file.save(grown) }
  }
}

/// A bounded memo of decoded log entries keyed by index; the oldest is forgotten first.
struct DecodedEntries {
  let capacity: Int
  private var entries: [Int64: (bytes: [UInt8], event: LoggedEvent)] = [:]
  private var order: [Int64] = []
  private var oldest = 0

  init(capacity: Int) { self.capacity = max(1, capacity) }

  /// The entry decoded from exactly `bytes` at `index`, if kept.
  func event(at index: Int64, bytes: [UInt8]) -> LoggedEvent? {
    guard let kept = entries[index], kept.bytes == bytes else { return nil }
    return kept.event
  }

  /// Keeps `event`, decoded from `bytes`.
  mutating func keep(_ event: LoggedEvent, bytes: [UInt8]) {
    if entries.updateValue((bytes, event), forKey: event.index) != nil { return }
    if order.count < capacity {
      order.append(event.index)
    } else {
      entries[order[oldest]] = nil
      order[oldest] = event.index
      oldest = (oldest + 1) % capacity
    }
  }
}

/// A snapshot whose reads return only entries whose bytes are the verified ones, selected by
/// the verified log rather than by lookup columns.
///
/// Made by ``make(_:cache:log:published:)``, which first brings the verified log up to the
/// snapshot's size and checks it against the signed checkpoint and the checkpoint kept outside
/// the database. Any disagreement is ``RegistryError/integrity(_:)``: nothing is returned that
/// the log does not prove.
struct VerifiedSnapshot: RegistrySnapshot {
  let base: any RegistrySnapshot
  let cache: VerifiedLogCache
  /// The snapshot's number of entries (all verified).
  let size: Int64

  /// Thrown when the snapshot is older than what was verified or published: a read that raced
  /// a write is retried; one that keeps seeing an older log is a rollback.
  struct OlderThanVerified: Error {
    let size: Int64
    let verified: Int64
  }

  /// Verifies `base` up to its size and wraps it.
  ///
  /// - Parameters:
  ///   - log: the log's key; the latest stored checkpoint must verify with it and have the
  ///     root of the verified entries.
  ///   - published: reads the checkpoint kept outside the database; the database may not be
  ///     older, nor have another root at its size.
  static func make(
    _ base: any RegistrySnapshot, cache: VerifiedLogCache, log: NoteVerifier,
    published: () throws(RegistryError) -> SignedCheckpoint?
  ) throws -> VerifiedSnapshot {
    let count = try base.count()
    let latest = try base.latestCheckpoint()
    try cache.state.withLock { verified in
      cache.restoreIfEmpty(&verified)
      if count == verified.size, latest?.note == verified.checkpointNote, count > 0 { return }
      guard count >= verified.size else {
        throw OlderThanVerified(size: count, verified: verified.size)
      }
      let outside = try published()
      if let outside, outside.checkpoint.size > count {
        throw OlderThanVerified(size: count, verified: outside.checkpoint.size)
      }
      // Extended in place (a copy would cost the whole log at every write); whatever fails
      // empties it, so that the next read makes the whole pass again.
      let start = verified.size
      do {
        var issued: [(id: String, entry: VerifiedLog.IssuedEntry)] = []
        try base.forEachStoredEntry(from: start, below: count) { entry in
          if let attestation = try verified.add(entry) { issued.append(attestation) }
          if let outside, outside.checkpoint.size == verified.size,
            outside.checkpoint.root != verified.tree.root
          {
            throw RegistryError.integrity(
              "the database's tree at size \(verified.size) is not the one the log signed (a fork)")
          }
        }
        try Self.checkSealed(&verified, count: count, from: start, latest: latest, log: log)
        if start == 0 {
          try Self.checkAttestationsTable(base, verified: verified)
        } else {
          for (id, entry) in issued {
            try verified.check(try base.attestation(id: id), entry: entry)
          }
        }
      } catch {
        verified = VerifiedLog()
        // Whatever was kept may be what failed: the next full pass writes the file again.
        cache.fileSize.withLock { if $0 != nil { $0 = 0 } }
        throw error
      }
    }
    cache.keepIfGrown()
    return VerifiedSnapshot(base: base, cache: cache, size: count)
  }

  /// Checks that `verified`, just extended from `start` to `count` entries, is sealed by the
  /// latest stored checkpoint, signed by `log`, with the same root.
  private static func checkSealed(
    _ verified: inout VerifiedLog, count: Int64, from start: Int64, latest: StoredCheckpoint?,
    log: NoteVerifier
  ) throws(RegistryError) {
    guard verified.size == count else {
      throw .integrity(
        "entry \(verified.size) is missing from the registry database (entries deleted)")
    }
    guard count > 0 else {
      if let latest {
        throw .integrity(
          "a checkpoint of size \(latest.size) was signed but the registry database holds no entries"
        )
      }
      return
    }
    guard let latest else {
      throw .integrity("entries from index 0 are not sealed by a checkpoint")
    }
    let signed: SignedCheckpoint
    do {
      signed = try latest.verified(by: log)
    } catch {
      throw .integrity(
        "the latest checkpoint (size \(latest.size)) does not verify with the log key")
    }
    guard signed.checkpoint.size == count else {
      throw .integrity(
        signed.checkpoint.size < count
          ? "entries from index \(signed.checkpoint.size) are not sealed by a checkpoint"
          : "a checkpoint of size \(signed.checkpoint.size) was signed but only \(count) entries remain"
      )
    }
    guard signed.checkpoint.root == verified.tree.root else {
      throw .integrity(
        "the entries from index \(start) to \(count - 1) do not have the root signed at size \(count)"
      )
    }
    verified.sealed(by: latest)
  }

  /// Checks the whole attestations table against the verified entries: one row per logged
  /// attestation, at its entry, with the document whose payload it hashed.
  private static func checkAttestationsTable(_ base: any RegistrySnapshot, verified: VerifiedLog)
    throws
  {
    var rows = 0
    try base.forEachAttestation { id, stored in
      rows += 1
      guard let entry = verified.attestations[id] else {
        throw RegistryError.integrity(
          "the attestations table names \(id) at \(stored.index), which no entry issued")
      }
      try verified.check(stored, entry: entry)
    }
    guard rows == verified.attestations.count else {
      throw RegistryError.integrity(
        "the attestations table lacks \(verified.attestations.count - rows) of the logged attestations"
      )
    }
  }

  /// The verified entry at `index`, read and checked against its verified leaf hash.
  private func verifiedEvent(at index: Int64) throws -> LoggedEvent {
    try verifiedEvents(at: [index])[0]
  }

  /// The verified entries at `indexes` (ascending), read together and each checked against its
  /// verified leaf hash.
  private func verifiedEvents(at indexes: [Int64]) throws -> [LoggedEvent] {
    var found: [LoggedEvent] = []
    found.reserveCapacity(indexes.count)
    try base.forEachEntry(at: indexes) { stored, bytes in
      guard found.count < indexes.count, stored == indexes[found.count] else {
        throw RegistryError.integrity(
          "entry \(found.count < indexes.count ? indexes[found.count] : stored) is missing from the registry database"
        )
      }
      let index = stored
      guard cache.state.withLock({ $0.holds(bytes, at: index) }) else {
        throw RegistryError.integrity("entry \(index) was changed in the registry database")
      }
      if let known = cache.decoded.withLock({ $0.event(at: index, bytes: bytes) }) {
        found.append(known)
        return
      }
      let event = try LoggedEvent(index: index, canonicalBytes: bytes)
      cache.decoded.withLock { $0.keep(event, bytes: bytes) }
      found.append(event)
    }
    guard found.count == indexes.count else {
      throw RegistryError.integrity(
        "entry \(indexes[found.count]) is missing from the registry database")
    }
    return found
  }

  func count() throws -> Int64 { size }

  /// A status list index no verified attestation holds, drawn with the system CSPRNG (the
  /// verified log already knows every index held: no pass over the log is made for it).
  func drawStatusIndex() -> Int64 {
    cache.state.withLock { verified in
      var random = SystemRandomNumberGenerator()
      return StatusListLayout.draw(avoiding: verified.statusIndexes, using: &random)
    }
  }

  func events(about subject: EventSubject) throws -> [LoggedEvent] {
    let indexes = cache.state.withLock { $0.subjects[subject] ?? [] }
    return try verifiedEvents(at: indexes.filter { $0 < size }.sorted())
  }

  func event(at index: Int64) throws -> LoggedEvent? {
    guard index >= 0, index < size else { return nil }
    return try verifiedEvent(at: index)
  }

  func registeredServices() throws -> [SIRET] {
    cache.state.withLock { $0.registrations.filter { $0.index < size }.map(\.siret) }
  }

  func addedKeyIDs() throws -> [String] {
    cache.state.withLock { $0.keyAdditions.filter { $0.index < size }.map(\.kid) }
  }

  /// The entry of the body-signed decision with `jti` or whose payload has `payloadSHA256`.
  func signedDecision(jti: String, payloadSHA256: String) -> Int64? {
    cache.state.withLock { verified in
      (verified.signedDecisions["jti:" + jti] ?? verified.signedDecisions["sha256:" + payloadSHA256])
        .flatMap { $0 < size ? $0 : nil }
    }
  }

  func registeredBodies() throws -> [String] {
    cache.state.withLock { $0.bodyRegistrations.filter { $0.index < size }.map(\.id) }
  }

  func forEachEvent(from start: Int64, _ body: (LoggedEvent) throws -> Void) throws {
    try forEachEntry(from: start, below: size) { index, bytes in
      try body(try LoggedEvent(index: index, canonicalBytes: bytes))
    }
  }

  func forEachEntry(from start: Int64, below end: Int64, _ body: (Int64, [UInt8]) throws -> Void)
    throws
  {
    var next = max(start, 0)
    let end = min(end, size)
    try base.forEachEntry(from: next, below: end) { index, bytes in
      guard index == next, cache.state.withLock({ $0.holds(bytes, at: index) }) else {
        throw RegistryError.integrity("entry \(next) was changed in the registry database")
      }
      try body(index, bytes)
      next += 1
    }
    guard next >= end else {
      throw RegistryError.integrity("entry \(next) is missing from the registry database")
    }
  }

  func forEachStoredEntry(from start: Int64, below end: Int64, _ body: (StoredEntry) throws -> Void)
    throws
  {
    try base.forEachStoredEntry(from: start, below: min(end, size), body)
  }

  func storedHashCount() throws -> Int64 { try base.storedHashCount() }

  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    try base.storedHashes(at: indexes)
  }

  func latestCheckpoint() throws -> StoredCheckpoint? { try base.checkpoint(size: size) }

  func checkpoint(size: Int64) throws -> StoredCheckpoint? {
    size <= self.size ? try base.checkpoint(size: size) : nil
  }

  func forEachCheckpoint(_ body: (StoredCheckpoint) throws -> Void) throws {
    try base.forEachCheckpoint { checkpoint in
      if checkpoint.size <= size { try body(checkpoint) }
    }
  }

  func attestation(id: String) throws -> StoredAttestation? {
    guard let entry = cache.state.withLock({ $0.attestations[id] }), entry.index < size else {
      return nil
    }
    let stored = try base.attestation(id: id)
    try cache.state.withLock { try $0.check(stored, entry: entry) }
    return stored
  }

  func forEachAttestation(_ body: (String, StoredAttestation) throws -> Void) throws {
    let verified = cache.state.withLock { $0.attestations }
    try base.forEachAttestation { id, stored in
      guard let entry = verified[id] else {
        throw RegistryError.integrity("the attestations table names \(id), which no entry issued")
      }
      guard entry.index < size else { return }
      try cache.state.withLock { try $0.check(stored, entry: entry) }
      try body(id, stored)
    }
  }

  // Cosignatures are unverified evidence: whoever uses one verifies it with the witness's key.
  func cosignatures(size: Int64) throws -> [KeptCosignature] {
    guard size <= self.size else { return [] }
    return try base.cosignatures(size: size)
  }

  func cosignedSizes(limit: Int) throws -> [Int64] {
    try base.cosignedSizes(limit: limit).filter { $0 <= size }
  }
}
