import AmexistDomain
import Attestation
public import RegistryStore
public import TransparencyLog

/// What an audit of the log found wrong, naming the first index that does not match where the
/// evidence allows it.
public enum AuditProblem: Hashable, Sendable, CustomStringConvertible {
  /// The entry at this index is missing (deleted, or the entries are out of order).
  case missingEntry(index: Int64)
  /// The entry at this index is not the one the log's tree holds (edited or moved).
  case entryMismatch(index: Int64)
  /// The stored tree is damaged from the hashes written for this entry.
  case treeMismatch(index: Int64)
  /// The checkpoint of this size does not verify with the log key.
  case checkpointInvalid(size: Int64, reason: String)
  /// The entries do not have the root signed in the checkpoint of `size`: the first entry that
  /// differs is at `firstSuspect` or later (entries and tree rewritten together).
  case checkpointMismatch(size: Int64, firstSuspect: Int64)
  /// A checkpoint covers entries that are not there (the log was truncated).
  case checkpointBeyondLog(size: Int64, entries: Int64)
  /// Entries from this index on are sealed by no checkpoint.
  case unsealed(from: Int64)
  /// The log holds fewer entries than a checkpoint it signed (given with `--since`).
  case rollback(size: Int64, entries: Int64)
  /// A lookup column or derived table says something else than the entry's bytes (a column or
  /// an attestations row edited, moved or deleted): reads refuse it until it is repaired.
  case derivedMismatch(index: Int64, reason: String)
  /// The given checkpoint and the log disagree at its size: a split view. Both notes are the
  /// evidence (the stored one is nil when the log signed no checkpoint of that size).
  case fork(size: Int64, given: String, stored: String?)
  /// A decision the log says a certifying body signed does not verify with that body's key as
  /// the log held it then, is for another registry, or says something else than its token.
  case bodyDecisionInvalid(index: Int64, reason: String)
  /// An attestation holds a status list index an earlier one holds (their bits would be shared).
  case statusIndexReused(index: Int64, statusIndex: Int64)

  /// The first index that does not match, when the problem names one.
  public var firstIndex: Int64? {
    switch self {
    case .missingEntry(let index), .entryMismatch(let index), .treeMismatch(let index),
      .derivedMismatch(let index, _), .bodyDecisionInvalid(let index, _),
      .statusIndexReused(let index, _):
      return index
    case .checkpointMismatch(_, let first): return first
    case .checkpointBeyondLog(_, let entries), .rollback(_, let entries): return entries
    case .unsealed(let from): return from
    case .checkpointInvalid, .fork: return nil
    }
  }

  public var description: String {
    switch self {
    case .missingEntry(let index): return "entry \(index) is missing"
    case .entryMismatch(let index):
      return "entry \(index) does not match the log (its leaf hash differs from the stored tree)"
    case .treeMismatch(let index): return "the stored tree is damaged from entry \(index)"
    case .derivedMismatch(_, let reason): return reason
    case .checkpointInvalid(let size, let reason):
      return "the checkpoint of size \(size) does not verify: \(reason)"
    case .checkpointMismatch(let size, let first):
      return
        "the entries do not have the root signed at size \(size): an entry from index \(first) to \(size - 1) was changed"
    case .checkpointBeyondLog(let size, let entries):
      return "a checkpoint of size \(size) was signed but only \(entries) entries remain"
    case .unsealed(let from): return "entries from index \(from) are not sealed by a checkpoint"
    case .rollback(let size, let entries):
      return
        "the log holds \(entries) entries but signed a checkpoint of size \(size): it was rolled back"
    case .fork(let size, _, _):
      return "SECURITY: the log has another tree at size \(size) than the given checkpoint (a fork)"
    case .bodyDecisionInvalid(let index, let reason):
      return "entry \(index) holds a body's decision that does not stand: \(reason)"
    case .statusIndexReused(let index, let statusIndex):
      return
        "entry \(index) gives its attestation status list index \(statusIndex), which an earlier attestation holds"
    }
  }
}

/// The result of an audit.
public struct AuditReport: Hashable, Sendable {
  /// Entries read.
  public let entries: Int64
  /// Checkpoints checked.
  public let checkpoints: Int
  /// The root recomputed from the entries read.
  public let root: MerkleHash
  /// Nil when everything matched.
  public let problem: AuditProblem?
}

/// Recomputes the log from its stored entries: every leaf and node hash against the stored
/// tree, every checkpoint's signature and root, and a given checkpoint's consistency.
enum LogAudit {
  private struct Stop: Error {}

  static func run(
    _ snapshot: any RegistrySnapshot, log: NoteVerifier, since: SignedCheckpoint?,
    published: SignedCheckpoint? = nil, progress: ProgressHandler? = nil
  ) throws -> AuditReport {
    var checkpoints: [(stored: StoredCheckpoint, root: MerkleHash)] = []
    var problem: AuditProblem?
    try snapshot.forEachCheckpoint { stored in
      guard problem == nil else { return }
      do {
        checkpoints.append((stored, try stored.verified(by: log).checkpoint.root))
      } catch {
        problem = .checkpointInvalid(size: stored.size, reason: "\(error)")
      }
    }
    var tree = CompactRange()
    var verified = VerifiedLog()
    var decisions = BodyDecisionAudit()
    let held = [since, published].compactMap { $0 }
    var entries: Int64 = 0
    var nextCheckpoint = 0
    var lastGoodSize: Int64 = 0
    let latestSize = checkpoints.last?.stored.size ?? 0
    if problem == nil {
      do {
        let total = progress == nil ? 0 : try snapshot.count()
        try snapshot.forEachStoredEntry(from: 0, below: .max) { entry in
          let (index, bytes) = (entry.index, entry.bytes)
          progress?(index + 1, total)
          guard index == entries else {
            problem = .missingEntry(index: entries)
            throw Stop()
          }
          let leaf = Merkle.leafHash(bytes)
          let hashes = tree.append(leafHash: leaf)
          let first = StoredTree.index(level: 0, n: index)
          if index < latestSize {
            let stored = try? snapshot.storedHashes(
              at: Array(first..<first + Int64(hashes.count)))
            if stored?.first != leaf {
              problem = .entryMismatch(index: index)
              throw Stop()
            }
            if stored != hashes {
              problem = .treeMismatch(index: index)
              throw Stop()
            }
          }
          // The bytes are the log's: the lookup columns beside them must say the same.
          do {
            try verified.add(entry)
          } catch {
            problem = .derivedMismatch(index: index, reason: Self.reason(error))
            throw Stop()
          }
          if let reason = decisions.check(entry, origin: log.name) {
            problem = .bodyDecisionInvalid(index: index, reason: reason)
            throw Stop()
          }
          entries += 1
          while nextCheckpoint < checkpoints.count,
            checkpoints[nextCheckpoint].stored.size == entries
          {
            guard checkpoints[nextCheckpoint].root == tree.root else {
              problem = .checkpointMismatch(size: entries, firstSuspect: lastGoodSize)
              throw Stop()
            }
            lastGoodSize = entries
            nextCheckpoint += 1
          }
          for since in held
          where since.checkpoint.size == entries && since.checkpoint.root != tree.root {
            problem = .fork(
              size: entries, given: since.note,
              stored: try snapshot.checkpoint(size: entries)?.note)
            throw Stop()
          }
        }
      } catch is Stop {}
    }
    if problem == nil, nextCheckpoint < checkpoints.count {
      problem = .checkpointBeyondLog(
        size: checkpoints[nextCheckpoint].stored.size, entries: entries)
    }
    if problem == nil, let since = held.max(by: { $0.checkpoint.size < $1.checkpoint.size }),
      since.checkpoint.size > entries
    {
      problem = .rollback(size: since.checkpoint.size, entries: entries)
    }
    if problem == nil {
      problem = try attestationsTableProblem(snapshot, verified: verified)
    }
    if problem == nil { problem = try statusIndexProblem(snapshot) }
    if problem == nil, entries > latestSize {
      problem = .unsealed(from: latestSize)
    }
    if problem == nil, try snapshot.storedHashCount() != StoredTree.hashCount(leaves: entries) {
      problem = .treeMismatch(index: entries)
    }
    return AuditReport(
      entries: entries, checkpoints: checkpoints.count, root: tree.root, problem: problem)
  }
}

extension LogAudit {
  /// The first attestation whose status list index an earlier one holds.
  static func statusIndexProblem(_ snapshot: any RegistrySnapshot) throws -> AuditProblem? {
    var taken: Set<Int64> = []
    var problem: AuditProblem?
    try snapshot.forEachEvent(from: 0) { logged in
      guard problem == nil, case .attestationIssued(let issued) = logged.event,
        let statusIndex = issued.statusIndex
      else { return }
      if !taken.insert(statusIndex).inserted {
        problem = .statusIndexReused(index: logged.index, statusIndex: statusIndex)
      }
    }
    return problem
  }

  /// The first row of the attestations table that is not what the entries say (each logged
  /// attestation once, at its entry, with the document whose payload the entry hashed).
  static func attestationsTableProblem(_ snapshot: any RegistrySnapshot, verified: VerifiedLog)
    throws -> AuditProblem?
  {
    var problem: AuditProblem?
    var seen: Set<String> = []
    try snapshot.forEachAttestation { id, stored in
      guard problem == nil else { return }
      seen.insert(id)
      guard let entry = verified.attestations[id] else {
        problem = .derivedMismatch(
          index: stored.index, reason: "the attestations table names \(id), which no entry issued")
        return
      }
      do {
        try verified.check(stored, entry: entry)
      } catch {
        problem = .derivedMismatch(index: entry.index, reason: reason(error))
      }
    }
    if problem == nil,
      let missing = verified.attestations.filter({ !seen.contains($0.key) }).map(\.value.index)
        .min()
    {
      problem = .derivedMismatch(
        index: missing,
        reason: "the attestation of entry \(missing) is missing from the attestations table")
    }
    return problem
  }

  /// The reason inside a verified log's refusal.
  static func reason(_ error: any Error) -> String {
    if case .integrity(let reason) = error as? RegistryError { return reason }
    return "\(error)"
  }
}

extension RegistryService {
  /// Audits the whole log against its stored tree and checkpoints (verified with `log`), every
  /// lookup column and the attestations table against the entries' bytes, and against `since`,
  /// a checkpoint of this log the caller holds, and the checkpoint kept outside the database
  /// when there is one (an older restored copy is a rollback, not a log that holds together).
  /// `progress` is told how many entries are checked so far.
  public func audit(
    log: NoteVerifier, since: SignedCheckpoint? = nil, progress: ProgressHandler? = nil
  )
    async throws(RegistryError) -> AuditReport
  {
    let published = try publishedCheckpoint?.read(log: log)
    return try await uncheckedRead { snapshot in
      try LogAudit.run(
        snapshot, log: log, since: since, published: published, progress: progress)
    }
  }

  /// The whole log as stored (for a copy) and its audit, from one snapshot: what is copied is
  /// exactly what was audited, even while a server goes on writing.
  public func auditedLog(log: NoteVerifier, progress: ProgressHandler? = nil)
    async throws(RegistryError) -> (AuditReport, StoredLog)
  {
    try await uncheckedRead { snapshot in
      (
        try LogAudit.run(snapshot, log: log, since: nil, progress: progress),
        try StoredLog(reading: snapshot)
      )
    }
  }
}

/// Told how far a long operation is: `done` items of `total`. Called for every item; whoever
/// shows it decides how often.
public typealias ProgressHandler = @Sendable (_ done: Int64, _ total: Int64) -> Void

/// Checks, entry by entry, every body-signed decision the log holds against the key and body
/// the log held before it: the token verifies with a key of that body, names this registry,
/// and is exactly the event logged (the rules of the day were checked when it was recorded).
struct BodyDecisionAudit {
  private var keys: [String: [LoggedEvent]] = [:]
  private var bodies: [String: [LoggedEvent]] = [:]

  /// Why `entry`'s body decision does not stand, or nil (also for entries that hold none).
  mutating func check(_ entry: StoredEntry, origin: String) -> String? {
    let isKey = entry.subject.hasPrefix("key:")
    let isBody = entry.subject.hasPrefix("body:")
    // Only keys, bodies and entries holding a signed decision are decoded.
    guard isKey || isBody || entry.bytes.contains(Self.marker) else { return nil }
    guard let logged = try? LoggedEvent(index: entry.index, canonicalBytes: entry.bytes) else {
      return "the entry cannot be read"
    }
    if isKey { keys[String(entry.subject.dropFirst(4)), default: []].append(logged) }
    if isBody { bodies[String(entry.subject.dropFirst(5)), default: []].append(logged) }
    guard let signature = logged.event.signedBy else { return nil }
    guard let body = BodyRecord.fold(bodies[signature.body] ?? []) else {
      return "no body \(signature.body) was registered before it"
    }
    let decision: VerifiedDecision
    do {
      decision = try VerifiedDecision(token: signature.token) { kid in
        guard let record = KeyRecord.fold(keys[kid] ?? []), record.owner == signature.body
        else { return nil }
        return try? JWK.publicKey(record.publicKey)
      }
    } catch {
      return error.description
    }
    guard decision.claims.audience == origin else {
      return "the decision is for the registry \(decision.claims.audience)"
    }
    guard decision.claims.body == signature.body,
      let expected = try? RegistryService.event(
        for: decision.claims, token: signature.token, bodyName: body.name),
      expected == logged.event
    else {
      return "the entry says something else than the body's signed decision"
    }
    return nil
  }

  /// The leaf member every body-signed decision has.
  private static let marker = Array(#""signedDecision":"#.utf8)
}

extension Array where Element == UInt8 {
  /// Whether `needle` occurs in these bytes.
  fileprivate func contains(_ needle: [UInt8]) -> Bool {
    guard needle.count <= count else { return false }
    return indices.dropLast(needle.count - 1).contains { start in
      self[start..<start + needle.count].elementsEqual(needle)
    }
  }
}
