public import AmexistDomain
public import Attestation
public import RegistryStore
import Synchronization
public import TransparencyLog

/// What the registry's witnesses last answered, shared by the copies of a service: the pages
/// show it (witness lag), and a witness that holds a larger tree of this log than the database
/// stops every signed read and write (a rollback, DESIGN "Reads that prove themselves").
public final class WitnessingState: Sendable {
  /// One witness as the last rounds saw it.
  public struct Witness: Hashable, Sendable {
    /// Its name in the log.
    public let name: String
    /// The size of the newest checkpoint it cosigned for this registry, if any.
    public var cosignedSize: Int64?
    /// When it last cosigned.
    public var cosignedAt: Instant?
    /// Its last answer, in a few words.
    public var lastAnswer: String
    /// When it last answered (or failed to).
    public var lastContact: Instant?
    /// The tree size it holds, as it said or cosigned.
    public var heldSize: Int64?
  }

  /// A witness's claim that it holds a larger tree than the database.
  public struct Rollback: Hashable, Sendable {
    /// The witness.
    public let witness: String
    /// The size it holds.
    public let size: Int64
    /// The database's size when it said so.
    public let databaseSize: Int64

    /// `witness` holds `size` entries where the database holds `databaseSize`.
    public init(witness: String, size: Int64, databaseSize: Int64) {
      self.witness = witness
      self.size = size
      self.databaseSize = databaseSize
    }
  }

  struct State {
    var witnesses: [String: Witness] = [:]
    var rollback: Rollback?
    var lastRound: Instant?
    var lastRoundSize: Int64 = -1
    var roundRequested = false
  }

  let state = Mutex(State())

  /// An empty state: no round yet.
  public init() {}

  /// The witnesses as the last rounds saw them, by name.
  public var witnesses: [Witness] { state.withLock { Array($0.witnesses.values) } }

  /// The rollback a witness revealed, if any.
  public var rollback: Rollback? { state.withLock { $0.rollback } }

  /// When the last round ran, and for which tree size.
  public var lastRound: (at: Instant, size: Int64)? {
    state.withLock { state in state.lastRound.map { ($0, state.lastRoundSize) } }
  }

  /// The witness `name` as last seen (a fresh record when never seen).
  public func witness(_ name: String) -> Witness {
    state.withLock {
      $0.witnesses[name]
        ?? Witness(
          name: name, cosignedSize: nil, cosignedAt: nil, lastAnswer: "not contacted yet",
          lastContact: nil, heldSize: nil)
    }
  }

  /// Records what `witness` answered.
  public func record(_ witness: Witness) {
    state.withLock { $0.witnesses[witness.name] = witness }
  }

  /// Records that a round ran at `instant` for the tree of `size`.
  public func roundRan(at instant: Instant, size: Int64) {
    state.withLock {
      $0.lastRound = instant
      $0.lastRoundSize = size
    }
  }

  /// Asks the rounds running in this process for a round now rather than at their next tick
  /// (an attestation waits for its quorum).
  public func requestRound() {
    state.withLock { $0.roundRequested = true }
  }

  /// Whether a round was requested since the last call (and clears the request).
  public func takeRoundRequest() -> Bool {
    state.withLock { state in
      defer { state.roundRequested = false }
      return state.roundRequested
    }
  }

  /// Records a rollback; the first one stays (a restart clears it, and the next round raises
  /// it again if the witness still holds the larger tree).
  public func raise(_ rollback: Rollback) {
    state.withLock { if $0.rollback == nil { $0.rollback = rollback } }
  }
}

extension RegistryService {
  /// The most cosignatures kept on a checkpoint a bundle carries: a note holds at most
  /// ``SignedNote/maximumSignatures`` signatures, one of them the log's.
  public static let maximumCosignatures = SignedNote.maximumSignatures - 1

  /// The witnesses and quorums the log records.
  public func witnessRoster() async throws(RegistryError) -> WitnessRoster {
    WitnessRoster(history: try await read { snapshot in try snapshot.events(about: .registry) })
  }

  /// The witness policy the log records, as a trust root publishes it.
  ///
  /// - Throws: ``RegistryError/invalidArgument(_:)`` when a logged key is not a cosignature key
  ///   (the append rules prevent it).
  public func loggedWitnessPolicy() async throws(RegistryError) -> WitnessPolicy {
    try Self.policy(of: try await witnessRoster())
  }

  /// The policy of `roster`.
  static func policy(of roster: WitnessRoster) throws(RegistryError) -> WitnessPolicy {
    do {
      let witnesses = try roster.members.map { member throws in
        ListedWitness(
          name: member.name, url: member.url,
          key: try CosignatureVerifier(verifierKey: member.key), from: member.from,
          until: member.until)
      }
      return try WitnessPolicy(
        witnesses: witnesses,
        quorums: roster.quorums.map { QuorumRule(k: Int($0.k), fromSize: $0.fromSize) })
    } catch {
      throw .invalidArgument("the logged witnesses do not make a valid policy: \(error)")
    }
  }

  /// Keeps the newest of the cosignatures of the stored checkpoint of `size` among
  /// `signatures` that verify with `witness`; the others are dropped.
  ///
  /// - Returns: the newest timestamp kept, nil when none verified.
  @discardableResult
  public func keepCosignatures(
    _ signatures: [NoteSignature], size: Int64, by witness: CosignatureVerifier
  ) async throws(RegistryError) -> UInt64? {
    guard let stored = try await read({ snapshot in try snapshot.checkpoint(size: size) }),
      let note = try? SignedNote(parsing: Array(stored.note.utf8))
    else { throw .log("the log has no checkpoint of size \(size)") }
    // One cosignature per answer, the newest: a witness cannot fill the table with many.
    var newest: (timestamp: UInt64, signature: NoteSignature)?
    for signature in signatures {
      guard let timestamp = witness.timestamp(of: signature, on: note.text),
        newest.map({ timestamp > $0.timestamp }) ?? true
      else { continue }
      newest = (timestamp, signature)
    }
    guard let newest else { return nil }
    do {
      try await store.keepCosignatures([
        KeptCosignature(size: size, witnessKey: witness.verifierKey, line: newest.signature.line)
      ])
    } catch {
      throw RegistryError(error)
    }
    return newest.timestamp
  }

  /// The newest checkpoint whose tree holds `index` (size > `index`) and that carries the
  /// quorum `policy` requires for its size, with the log's signature and, for each listed
  /// witness, its newest valid cosignature; when the policy requires no quorum for the latest
  /// checkpoint, that one (with whatever cosignatures it has). Cosignatures are checked against
  /// `realNow`, the real clock.
  ///
  /// - Returns: the checkpoint, or the reason none qualifies.
  public func witnessedCheckpoint(
    holding index: Int64, policy: WitnessPolicy, realNow: Instant
  ) async throws(RegistryError) -> Result<StoredCheckpoint, QuorumFailure> {
    try await read { snapshot in
      guard let latest = try snapshot.latestCheckpoint(), latest.size > index else {
        throw RegistryError.log("the log has no checkpoint holding entry \(index)")
      }
      var candidates = try snapshot.cosignedSizes(limit: 8).filter { $0 > index }
      if !candidates.contains(latest.size) { candidates.insert(latest.size, at: 0) }
      var firstFailure: QuorumFailure?
      for size in candidates.sorted(by: >) {
        guard let stored = try snapshot.checkpoint(size: size),
          let note = try? SignedNote(parsing: Array(stored.note.utf8))
        else { continue }
        let cosigned = Self.cosigned(
          note, kept: try snapshot.cosignatures(size: size), policy: policy, realNow: realNow)
        do {
          _ = try policy.check(cosigned, size: size, realNow: realNow)
          return .success(StoredCheckpoint(size: size, note: cosigned.serialized))
        } catch let failure as QuorumFailure {
          if firstFailure == nil { firstFailure = failure }
        }
      }
      return .failure(
        firstFailure
          ?? QuorumFailure(
            needed: policy.quorum(forSize: latest.size)?.k ?? 0, counted: [],
            missing: policy.witnesses.map(\.name)))
    }
  }

  /// The stored checkpoint of `size` with, for each witness of `policy`, its newest valid
  /// cosignature kept.
  public func cosignedCheckpoint(size: Int64, policy: WitnessPolicy, realNow: Instant)
    async throws(RegistryError) -> StoredCheckpoint
  {
    try await read { snapshot in
      guard let stored = try snapshot.checkpoint(size: size) else {
        throw RegistryError.log("the log has no checkpoint of size \(size)")
      }
      guard let note = try? SignedNote(parsing: Array(stored.note.utf8)) else { return stored }
      let cosigned = Self.cosigned(
        note, kept: try snapshot.cosignatures(size: size), policy: policy, realNow: realNow)
      return StoredCheckpoint(size: size, note: cosigned.serialized)
    }
  }

  /// `note` with, for each witness of `policy`, its newest valid cosignature among `kept`
  /// (at most ``maximumCosignatures``).
  static func cosigned(
    _ note: SignedNote, kept: [KeptCosignature], policy: WitnessPolicy, realNow: Instant
  ) -> SignedNote {
    var chosen: [(timestamp: UInt64, signature: NoteSignature)] = []
    for witness in policy.witnesses {
      var best: (UInt64, NoteSignature)?
      for cosignature in kept where cosignature.witnessKey == witness.key.verifierKey {
        guard let signature = try? NoteSignature(line: cosignature.line),
          let timestamp = witness.key.timestamp(of: signature, on: note.text),
          policy.cosigners(of: note.text, signatures: [signature], realNow: realNow).count == 1
        else { continue }
        if best.map({ timestamp > $0.0 }) ?? true { best = (timestamp, signature) }
      }
      if let best { chosen.append(best) }
    }
    let cosignatures = chosen.sorted { $0.timestamp > $1.timestamp }
      .prefix(maximumCosignatures).map(\.signature)
    let own = note.signatures.filter { signature in
      !chosen.contains { $0.signature == signature }
    }.prefix(1)
    return SignedNote(text: note.text, signatures: Array(own) + cosignatures)
  }

  /// The inclusion evidence of the entry at `index` in the newest checkpoint carrying the
  /// quorum of `policy` (see ``witnessedCheckpoint(holding:policy:realNow:)``).
  ///
  /// - Throws: ``RegistryError/notWitnessed(attestation:reason:)`` (naming `attestation`) when
  ///   no checkpoint qualifies yet.
  public func witnessedEvidence(
    index: Int64, attestation: String, policy: WitnessPolicy, realNow: Instant
  ) async throws(RegistryError) -> InclusionEvidence {
    switch try await witnessedCheckpoint(holding: index, policy: policy, realNow: realNow) {
    case .success(let checkpoint):
      let proof = try await inclusionEvidence(index: index, size: checkpoint.size).proof
      return InclusionEvidence(index: index, proof: proof, checkpointNote: checkpoint.note)
    case .failure(let failure):
      throw .notWitnessed(attestation: attestation, reason: failure.description)
    }
  }

  /// Refuses to go on when a witness revealed a rollback.
  func checkNoRollback() throws(RegistryError) {
    if let rollback = witnessing.rollback {
      throw .integrity(
        "witness \(rollback.witness) holds a tree of \(rollback.size) entries of this log that the database (\(rollback.databaseSize) entries) does not have (rolled back, an older backup restored, or a fork)"
      )
    }
  }
}

/// A listed witness as a page shows it: how far behind the log its newest cosignature is.
public struct WitnessStanding: Hashable, Sendable {
  /// The witness as listed.
  public let witness: ListedWitness
  /// The size of the newest checkpoint it validly cosigned, if any.
  public let cosignedSize: Int64?
  /// The timestamp of that cosignature.
  public let cosignedAt: Instant?
  /// Its last answer to this server's rounds, if it had any.
  public let lastAnswer: String?
}

extension RegistryService {
  /// Each witness of `policy` with its newest valid cosignature kept (among the newest
  /// `depth` cosigned checkpoints), and what it last answered this process's rounds.
  public func witnessStandings(policy: WitnessPolicy, depth: Int = 64) async throws(RegistryError)
    -> [WitnessStanding]
  {
    let found: [String: (Int64, UInt64)] = try await read { snapshot in
      var found: [String: (Int64, UInt64)] = [:]
      for size in try snapshot.cosignedSizes(limit: depth) {
        guard let stored = try snapshot.checkpoint(size: size),
          let note = try? SignedNote(parsing: Array(stored.note.utf8))
        else { continue }
        for kept in try snapshot.cosignatures(size: size) where found[kept.witnessKey] == nil {
          guard
            let witness = policy.witnesses.first(where: { $0.key.verifierKey == kept.witnessKey }),
            let signature = try? NoteSignature(line: kept.line),
            let timestamp = witness.key.timestamp(of: signature, on: note.text)
          else { continue }
          found[kept.witnessKey] = (size, timestamp)
        }
      }
      return found
    }
    return policy.witnesses.map { witness in
      let newest = found[witness.key.verifierKey]
      let seen = witnessing.witnesses.first { $0.name == witness.name }
      return WitnessStanding(
        witness: witness, cosignedSize: newest?.0,
        cosignedAt: newest.map { Instant(millisecondsSinceEpoch: Int64($0.1) * 1000) },
        lastAnswer: seen?.lastAnswer)
    }
  }
}
