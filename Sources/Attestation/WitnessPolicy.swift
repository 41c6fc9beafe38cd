public import AmexistDomain
public import TransparencyLog

/// A witness as the trust root lists it: its name, where the registry reaches it, its
/// cosignature key, and the window of cosignature timestamps it counts for (so that retiring a
/// witness never breaks a bundle it cosigned inside its window).
public struct ListedWitness: Hashable, Sendable {
  /// A short name for people.
  public let name: String
  /// Its `add-checkpoint` prefix.
  public let url: String
  /// Its Ed25519 cosignature key.
  public let key: CosignatureVerifier
  /// Its cosignatures count from this instant.
  public let from: Instant
  /// Its cosignatures stop counting from this instant (nil while it serves).
  public let until: Instant?

  /// A listed witness.
  public init(name: String, url: String, key: CosignatureVerifier, from: Instant, until: Instant?) {
    self.name = name
    self.url = url
    self.key = key
    self.from = from
    self.until = until
  }

  /// Whether a cosignature made at `instant` counts.
  public func counts(at instant: Instant) -> Bool {
    instant >= from && (until.map { instant < $0 } ?? true)
  }
}

/// How many distinct witnesses must cosign a checkpoint, from a tree size on: raising the
/// quorum from a size never breaks a bundle whose checkpoint is older.
public struct QuorumRule: Hashable, Sendable {
  /// The number of distinct witnesses.
  public let k: Int
  /// The smallest tree size it applies to.
  public let fromSize: Int64

  /// A quorum of `k` from the tree of `fromSize` leaves.
  public init(k: Int, fromSize: Int64) {
    self.k = k
    self.fromSize = fromSize
  }
}

/// The witnesses and quorums a trust root publishes (DESIGN, "Witnesses"), and the check of a
/// checkpoint's cosignatures against them.
public struct WitnessPolicy: Hashable, Sendable {
  /// The witnesses, as listed.
  public let witnesses: [ListedWitness]
  /// The quorums, by increasing `fromSize`.
  public let quorums: [QuorumRule]

  /// How far past the verifier's real clock a cosignature's timestamp may be.
  public static let clockLeewaySeconds: Int64 = 60

  /// No witness, no quorum: checkpoints need only the log's signature.
  public static let none = WitnessPolicy(unchecked: [], quorums: [])

  private init(unchecked witnesses: [ListedWitness], quorums: [QuorumRule]) {
    self.witnesses = witnesses
    self.quorums = quorums
  }

  /// A policy; refused when a key is listed twice (under one name or two: it would count
  /// twice), a name twice, a quorum larger than the witnesses or not positive, or quorums not
  /// in increasing `fromSize`.
  public init(witnesses: [ListedWitness], quorums: [QuorumRule]) throws(TrustChainError) {
    guard Set(witnesses.map(\.key.publicKeyBytes)).count == witnesses.count else {
      throw .malformed("a witness key is listed twice")
    }
    guard Set(witnesses.map(\.name)).count == witnesses.count else {
      throw .malformed("a witness name is listed twice")
    }
    for (offset, rule) in quorums.enumerated() {
      guard rule.k >= 1, rule.k <= witnesses.count, rule.fromSize >= 0 else {
        throw .malformed("a quorum must be between 1 and the number of witnesses")
      }
      guard offset == 0 || quorums[offset - 1].fromSize < rule.fromSize else {
        throw .malformed("quorums are listed by increasing fromSize")
      }
    }
    self.init(unchecked: witnesses, quorums: quorums)
  }

  /// The quorum in force for a checkpoint of `size` leaves; nil before the first quorum.
  public func quorum(forSize size: Int64) -> QuorumRule? {
    quorums.last { $0.fromSize <= size }
  }

  /// The witnesses whose valid cosignature of the note text `text` is among `signatures`, in
  /// the list's order, each once (by public key), made inside its window and no later than `realNow` plus the
  /// leeway. Unknown keys, other notes' cosignatures and lines that do not verify are ignored.
  public func cosigners(of text: String, signatures: [NoteSignature], realNow: Instant)
    -> [ListedWitness]
  {
    timedCosigners(of: text, signatures: signatures, realNow: realNow).map(\.witness)
  }

  /// ``cosigners(of:signatures:realNow:)`` with the instant each cosignature states.
  func timedCosigners(of text: String, signatures: [NoteSignature], realNow: Instant)
    -> [(witness: ListedWitness, at: Instant)]
  {
    let latest = realNow.millisecondsSinceEpoch / 1000 + Self.clockLeewaySeconds
    // In the list's order, not the note's: cosignatures arrive in whatever order the witnesses
    // answered, and verdicts name the witnesses the same way every time.
    var found: [(witness: ListedWitness, at: Instant)] = []
    for witness in witnesses where !found.contains(where: { $0.witness.key == witness.key }) {
      for signature in signatures {
        guard let timestamp = witness.key.timestamp(of: signature, on: text),
          Int64(timestamp) <= latest
        else { continue }
        let at = Instant(millisecondsSinceEpoch: Int64(timestamp) * 1000)
        guard witness.counts(at: at) else { continue }
        found.append((witness, at))
        break
      }
    }
    return found
  }

  /// The witnesses counted toward the quorum in force for `size`, and the instant by which that
  /// quorum had cosigned `note`: the k-th newest of their cosignature timestamps (k of them
  /// vouch for the checkpoint as of then); nil when no quorum applies to the size.
  ///
  /// - Throws: ``QuorumFailure`` when too few listed witnesses cosigned.
  public func quorumInstant(of note: SignedNote, size: Int64, realNow: Instant)
    throws(QuorumFailure) -> (at: Instant, witnesses: [ListedWitness])?
  {
    guard let rule = quorum(forSize: size) else { return nil }
    let counted = try counted(note, rule: rule, realNow: realNow)
    return (counted.map(\.at).sorted(by: >)[rule.k - 1], counted.map(\.witness))
  }

  /// Checks that the signed checkpoint `note` carries the quorum in force for its size.
  ///
  /// - Returns: the witnesses counted.
  /// - Throws: ``QuorumFailure`` naming how many were needed and which listed witnesses did not
  ///   cosign.
  public func check(_ note: SignedNote, size: Int64, realNow: Instant) throws(QuorumFailure)
    -> [ListedWitness]
  {
    guard let rule = quorum(forSize: size) else { return [] }
    return try counted(note, rule: rule, realNow: realNow).map(\.witness)
  }

  /// The timed cosigners of `note`, at least `rule.k` of them.
  private func counted(_ note: SignedNote, rule: QuorumRule, realNow: Instant)
    throws(QuorumFailure) -> [(witness: ListedWitness, at: Instant)]
  {
    let counted = timedCosigners(of: note.text, signatures: note.signatures, realNow: realNow)
    guard counted.count >= rule.k else {
      throw QuorumFailure(
        needed: rule.k, counted: counted.map(\.witness.name),
        missing: witnesses.filter { witness in !counted.contains { $0.witness == witness } }
          .map(\.name))
    }
    return counted
  }
}

/// A checkpoint without the quorum of witness cosignatures in force for its size.
public struct QuorumFailure: Error, Hashable, Sendable, CustomStringConvertible {
  /// The quorum in force.
  public let needed: Int
  /// The witnesses whose cosignature counted.
  public let counted: [String]
  /// The listed witnesses whose cosignature did not count.
  public let missing: [String]

  /// `counted` of the `needed` cosignatures, `missing` naming the listed witnesses not counted.
  public init(needed: Int, counted: [String], missing: [String]) {
    self.needed = needed
    self.counted = counted
    self.missing = missing
  }

  public var description: String {
    "the checkpoint has \(counted.count) of the \(needed) witness cosignatures needed"
      + (missing.isEmpty ? "" : " (missing: \(missing.joined(separator: ", ")))")
  }
}

/// A checkpoint later than a bundle's, with the consistency proof from the bundle's tree to it:
/// a bundle's checkpoint may be replaced by a later one that carries the witness quorum
/// (`verify --checkpoint FILE`, `verify --online`).
public struct LaterCheckpoint: Hashable, Sendable {
  /// The later checkpoint's signed note, with its cosignatures.
  public let note: String
  /// The consistency proof from the bundle's tree size to the later one's.
  public let proof: [MerkleHash]

  /// The checkpoint `note` with the consistency `proof` leading to it.
  public init(note: String, proof: [MerkleHash]) {
    self.note = note
    self.proof = proof
  }

  /// Reads a consistency proof as the registry serves it (`/log/proof/consistency`, or
  /// `amexist log prove --from A --to B --json`): `{"toCheckpoint", "hashes" or "proof", …}`.
  public init(json bytes: [UInt8]) throws(TrustChainError) {
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: 262_144, maximumDepth: 4).parse(bytes)
    } catch {
      throw .malformed("not a consistency proof: \(error)")
    }
    guard case .string(let note) = value["toCheckpoint"],
      case .array(let items) = value["hashes"] ?? value["proof"], items.count <= 64
    else {
      throw .malformed(
        "a later checkpoint is the JSON of /log/proof/consistency?from=SIZE&to=LATER: toCheckpoint and hashes"
      )
    }
    var proof: [MerkleHash] = []
    for item in items {
      guard case .string(let text) = item, let hash = MerkleHash(base64: text) else {
        throw .malformed("a consistency proof hash is not base64 of 32 bytes")
      }
      proof.append(hash)
    }
    self.init(note: note, proof: proof)
  }
}
