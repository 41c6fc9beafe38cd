import AmexistDomain
public import Attestation
public import TransparencyLog

/// A log held in memory in the stored-hash layout, built leaf by leaf as the stores build it.
public struct InMemoryLog: StoredHashReader, Sendable {
  /// The stored hashes, by stored index.
  public private(set) var hashes: [MerkleHash] = []
  /// The number of leaves.
  public private(set) var size: Int64 = 0

  /// An empty log.
  public init() {}

  /// A log of `entries`.
  public init(_ entries: [[UInt8]]) throws {
    for entry in entries { try append(entry) }
  }

  /// Appends the leaf `entry`.
  public mutating func append(_ entry: [UInt8]) throws {
    let siblings = try storedHashes(at: StoredTree.siblingIndexes(forLeaf: size))
    hashes += StoredTree.hashesForLeaf(size, leafHash: Merkle.leafHash(entry), siblings: siblings)
    size += 1
  }

  public func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    try indexes.map { index in
      guard index >= 0, index < hashes.count else { throw MissingHash(index: index) }
      return hashes[Int(index)]
    }
  }

  /// A stored index past the end of the log.
  public struct MissingHash: Error {
    public let index: Int64
  }

  /// The inclusion evidence of the leaf at `index`, with a checkpoint of the whole log signed
  /// by `signer`.
  public func evidence(index: Int64, signer: LogSigner = TestValues.logSigner) throws
    -> InclusionEvidence
  {
    let checkpoint = try signer.sign(
      size: size, root: try StoredTree.rootHash(size: size, reader: self))
    return InclusionEvidence(
      index: index, proof: try StoredTree.inclusionProof(index: index, size: size, reader: self),
      checkpointNote: checkpoint.note)
  }
}

extension InMemoryLog {
  /// The bundle of `token` as the registry would make it: its `attestationIssued` entry (built
  /// from the token's payload, read here without verification) at `index` of a log with
  /// filler entries around it, checkpoint signed by `signer`. Nil when the token is not three
  /// base64url parts with an attestation payload.
  public static func bundle(
    _ token: String, index: Int64 = 6, size: Int64 = 9, signer: LogSigner = TestValues.logSigner
  ) -> AttestationBundle? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
      let claims = try? AttestationClaims(verifiedPayload: payload),
      let issued = try? AttestationIssued(
        siret: claims.siret, attestationID: claims.id, decisionIndex: claims.decisionIndex,
        payloadSHA256: PayloadHash.hex(of: payload))
    else { return nil }
    let entry = EventCoding.encode(
      RecordedEvent(recordedAt: claims.validFrom, event: .attestationIssued(issued)))
    let entries = (0..<size).map { $0 == index ? entry : Array("filler \($0)".utf8) }
    guard let log = try? InMemoryLog(entries),
      let evidence = try? log.evidence(index: index, signer: signer)
    else { return nil }
    return AttestationBundle(jws: token, evidence: evidence)
  }
}

/// RFC 6962 §2.1 written as the RFC's recursion, to check the stored-tree algorithms against.
public enum ReferenceMerkle {
  /// The split point: the largest power of two smaller than `count` (which is at least 2).
  public static func split(_ count: Int) -> Int {
    var k = 1
    while k << 1 < count { k <<= 1 }
    return k
  }

  /// MTH(leaves).
  public static func root(_ leaves: ArraySlice<[UInt8]>) -> MerkleHash {
    if leaves.isEmpty { return Merkle.emptyRoot }
    if leaves.count == 1 { return Merkle.leafHash(leaves.first!) }
    let middle = leaves.startIndex + split(leaves.count)
    return Merkle.nodeHash(root(leaves[..<middle]), root(leaves[middle...]))
  }
}
