/// Why a Merkle proof was not produced or does not hold.
public enum ProofError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The leaf index is not inside the tree.
  case indexBeyondSize(index: Int64, size: Int64)
  /// The first size of a consistency proof is larger than the second (or negative).
  case sizesOutOfOrder(size1: Int64, size2: Int64)
  /// The proof has the wrong number of hashes for its sizes.
  case wrongLength(got: Int, expected: Int)
  /// A hash (leaf, root or proof component) is not 32 bytes.
  case malformedHash
  /// The proof leads to another root than the one it was checked against.
  case rootMismatch
  /// The stored tree could not be read.
  case unreadable(String)

  public var description: String {
    switch self {
    case .indexBeyondSize(let index, let size):
      return "index \(index) is not inside a tree of size \(size)"
    case .sizesOutOfOrder(let size1, let size2):
      return "size \(size1) is larger than size \(size2)"
    case .wrongLength(let got, let expected):
      return "the proof has \(got) hashes where \(expected) are needed"
    case .malformedHash: return "a hash is not 32 bytes"
    case .rootMismatch: return "the proof does not lead to the expected root"
    case .unreadable(let reason): return "the stored tree cannot be read: \(reason)"
    }
  }
}

/// Verification of inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2), in the
/// decomposition of transparency-dev/merkle `proof/verify.go`.
public enum ProofVerifier {
  /// The most hashes a proof can need in a tree of at most 2^63 leaves.
  public static let maximumProofLength = 64

  /// The root that the inclusion proof of `leafHash` at `index` in a tree of `size` leads to.
  public static func rootFromInclusionProof(
    index: Int64, size: Int64, leafHash: MerkleHash, proof: [MerkleHash]
  ) throws(ProofError) -> MerkleHash {
    guard index >= 0, index < size else { throw .indexBeyondSize(index: index, size: size) }
    let (inner, border) = decomposition(index: UInt64(index), size: UInt64(size))
    guard proof.count == inner + border else {
      throw .wrongLength(got: proof.count, expected: inner + border)
    }
    let hash = chainInner(leafHash, proof[..<inner], index: UInt64(index))
    return chainBorderRight(hash, proof[inner...])
  }

  /// Checks that `leafHash` is the leaf at `index` of the tree of `size` leaves with `root`.
  public static func verifyInclusion(
    index: Int64, size: Int64, leafHash: MerkleHash, proof: [MerkleHash], root: MerkleHash
  ) throws(ProofError) {
    guard
      try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        == root
    else { throw .rootMismatch }
  }

  /// Checks that the tree of `size2` leaves with `root2` extends the tree of `size1` leaves
  /// with `root1`. Every tree is consistent with the empty tree, with an empty proof.
  public static func verifyConsistency(
    size1: Int64, size2: Int64, root1: MerkleHash, root2: MerkleHash, proof: [MerkleHash]
  ) throws(ProofError) {
    guard size1 >= 0, size1 <= size2 else { throw .sizesOutOfOrder(size1: size1, size2: size2) }
    if size1 == size2 {
      guard proof.isEmpty else { throw .wrongLength(got: proof.count, expected: 0) }
      guard root1 == root2 else { throw .rootMismatch }
      return
    }
    if size1 == 0 {
      guard proof.isEmpty else { throw .wrongLength(got: proof.count, expected: 0) }
      return
    }
    guard !proof.isEmpty else { throw .wrongLength(got: 0, expected: 1) }
    let full = decomposition(index: UInt64(size1 - 1), size: UInt64(size2))
    let shift = UInt64(size1).trailingZeroBitCount
    let inner = full.inner - shift
    let border = full.border
    // The proof starts with the hash of the subtree of 2^shift leaves ending at size1, unless
    // size1 is that subtree, whose hash is root1.
    let (seed, start) = size1 == Int64(1) << Int64(shift) ? (root1, 0) : (proof[0], 1)
    guard proof.count == start + inner + border else {
      throw .wrongLength(got: proof.count, expected: start + inner + border)
    }
    let path = proof[start...]
    let mask = UInt64(size1 - 1) >> UInt64(shift)
    let innerPath = path.prefix(inner)
    let borderPath = path.dropFirst(inner)
    let hash1 = chainBorderRight(chainInnerRight(seed, innerPath, index: mask), borderPath)
    guard hash1 == root1 else { throw .rootMismatch }
    let hash2 = chainBorderRight(chainInner(seed, innerPath, index: mask), borderPath)
    guard hash2 == root2 else { throw .rootMismatch }
  }

  /// The number of proof hashes below (inner) and on (border) the path where leaf `index`'s
  /// and the last leaf's paths to the root part.
  static func decomposition(index: UInt64, size: UInt64) -> (inner: Int, border: Int) {
    let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
    return (inner, (index >> UInt64(inner)).nonzeroBitCount)
  }

  static func chainInner(
    _ seed: MerkleHash, _ proof: some Collection<MerkleHash>, index: UInt64
  ) -> MerkleHash {
    var hash = seed
    for (level, sibling) in proof.enumerated() {
      hash =
        (index >> UInt64(level)) & 1 == 0
        ? Merkle.nodeHash(hash, sibling) : Merkle.nodeHash(sibling, hash)
    }
    return hash
  }

  static func chainInnerRight(
    _ seed: MerkleHash, _ proof: some Collection<MerkleHash>, index: UInt64
  ) -> MerkleHash {
    var hash = seed
    for (level, sibling) in proof.enumerated() where (index >> UInt64(level)) & 1 == 1 {
      hash = Merkle.nodeHash(sibling, hash)
    }
    return hash
  }

  static func chainBorderRight(_ seed: MerkleHash, _ proof: some Collection<MerkleHash>)
    -> MerkleHash
  {
    proof.reduce(seed) { hash, sibling in Merkle.nodeHash(sibling, hash) }
  }
}
