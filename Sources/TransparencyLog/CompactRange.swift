/// The root of a growing tree kept from the hashes of its complete subtrees alone (the "compact
/// range" of `[0, size)`, RFC 9162 §2.1.1 applied leaf by leaf): appending costs O(1) amortised
/// and memory O(log n), whatever the size.
///
/// Whoever builds it from leaf bytes they read themselves holds a root that depends on nothing
/// stored beside the leaves (no stored tree hash is trusted).
public struct CompactRange: Hashable, Sendable {
  /// Hashes of the complete subtrees covering `[0, size)`, largest (leftmost) first.
  private var spine: [MerkleHash] = []
  /// The number of leaves appended.
  public private(set) var size: Int64 = 0

  /// An empty tree.
  public init() {}

  /// The tree of `size` leaves whose complete subtrees have the hashes `spine`, largest first
  /// (as ``spine`` gives them), or nil when their number is not the one `size` makes.
  public init?(size: Int64, spine: [MerkleHash]) {
    guard size >= 0, spine.count == UInt64(size).nonzeroBitCount else { return nil }
    self.spine = spine
    self.size = size
  }

  /// The hashes of the complete subtrees covering `[0, size)`, largest (leftmost) first: with
  /// ``size`` they are the whole state of the range (see ``init(size:spine:)``).
  public var spineHashes: [MerkleHash] { spine }

  /// Appends the leaf whose hash (``Merkle/leafHash(_:)``) is `leafHash`.
  ///
  /// - Returns: the leaf hash, then the hash of each subtree this leaf completes, smallest
  ///   first: the hashes ``StoredTree`` stores for this leaf, in its order.
  @discardableResult
  public mutating func append(leafHash: MerkleHash) -> [MerkleHash] {
    var hash = leafHash
    var completed = [hash]
    for _ in 0..<UInt64(size + 1).trailingZeroBitCount {
      hash = Merkle.nodeHash(spine.removeLast(), hash)
      completed.append(hash)
    }
    spine.append(hash)
    size += 1
    return completed
  }

  /// The tree's root hash (RFC 9162 §2.1.1 MTH), ``Merkle/emptyRoot`` for no leaves.
  public var root: MerkleHash {
    guard let last = spine.last else { return Merkle.emptyRoot }
    return spine.dropLast().reversed().reduce(last) { Merkle.nodeHash($1, $0) }
  }
}
