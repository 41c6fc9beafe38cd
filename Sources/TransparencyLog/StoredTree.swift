/// Reads hashes of the stored tree by their stored index (see ``StoredTree``).
public protocol StoredHashReader {
  /// The stored hashes at `indexes`, in the same order.
  ///
  /// - Throws: when a hash is missing or cannot be read.
  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash]
}

/// The log's tree kept as the hashes of all its complete subtrees, so that appending a leaf and
/// proving anything cost O(log n) hash reads, never a rescan.
///
/// Layout of golang.org/x/mod `sumdb/tlog`: the hash of the complete subtree of 2^level leaves
/// starting at leaf `n · 2^level` has the stored index ``index(level:n:)``; the hashes written
/// when leaf n is appended (its leaf hash, then every subtree it completes) are consecutive,
/// starting at `index(level: 0, n: n)`, so the stored hashes of a tree of n leaves are exactly
/// the indexes below ``hashCount(leaves:)``.
public enum StoredTree {
  /// The stored index of the hash of the complete subtree with 2^`level` leaves starting at leaf
  /// `n · 2^level`.
  public static func index(level: Int, n: Int64) -> Int64 {
    precondition(level >= 0 && level < 63 && n >= 0, "stored hash index out of range")
    var leaf = n
    for _ in 0..<level { leaf = 2 * leaf + 1 }
    var index: Int64 = 0
    var rest = leaf
    while rest > 0 {
      index += rest
      rest >>= 1
    }
    return index + Int64(level)
  }

  /// The number of stored hashes of a tree of `leaves` leaves.
  public static func hashCount(leaves: Int64) -> Int64 {
    guard leaves > 0 else { return 0 }
    var count = index(level: 0, n: leaves - 1) + 1
    var completed = UInt64(leaves - 1)
    while completed & 1 == 1 {
      count += 1
      completed >>= 1
    }
    return count
  }

  /// The stored indexes whose hashes ``hashesForLeaf(_:leafHash:siblings:)`` needs to append
  /// leaf `n`: the left siblings of every subtree the leaf completes, lowest level first.
  public static func siblingIndexes(forLeaf n: Int64) -> [Int64] {
    let completed = UInt64(n + 1).trailingZeroBitCount
    return (0..<completed).map { level in index(level: level, n: (n >> Int64(level)) - 1) }
  }

  /// The hashes to store when leaf `n` is appended, in stored-index order from
  /// `index(level: 0, n: n)`: the leaf hash, then each subtree hash it completes.
  ///
  /// - Parameter siblings: the hashes at ``siblingIndexes(forLeaf:)``, in that order.
  public static func hashesForLeaf(_ n: Int64, leafHash: MerkleHash, siblings: [MerkleHash])
    -> [MerkleHash]
  {
    precondition(siblings.count == UInt64(n + 1).trailingZeroBitCount, "wrong sibling count")
    var hashes = [leafHash]
    var hash = leafHash
    for sibling in siblings {
      hash = Merkle.nodeHash(sibling, hash)
      hashes.append(hash)
    }
    return hashes
  }

  /// MTH(D[0:size]), the root of the tree of the first `size` leaves (RFC 9162 §2.1.1).
  public static func rootHash(size: Int64, reader: some StoredHashReader) throws -> MerkleHash {
    precondition(size >= 0, "negative tree size")
    guard size > 0 else { return Merkle.emptyRoot }
    return try hashes(of: [LeafRange(0, size)], reader: reader)[0]
  }

  /// The stored indexes whose hashes ``rootHash(size:reader:)`` reads, in the order it reads
  /// them; empty for the empty tree.
  public static func rootIndexes(size: Int64) -> [Int64] {
    precondition(size >= 0, "negative tree size")
    guard size > 0 else { return [] }
    return completeSubtrees(LeafRange(0, size)).map { index(level: $0.level, n: $0.n) }
  }

  /// PATH(index, D[0:size]) of RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the
  /// tree of `size` leaves, from the leaf's sibling up to a child of the root.
  public static func inclusionProof(index: Int64, size: Int64, reader: some StoredHashReader)
    throws(ProofError) -> [MerkleHash]
  {
    guard index >= 0, index < size else { throw .indexBeyondSize(index: index, size: size) }
    return try readHashes(of: pathRanges(index, LeafRange(0, size)), reader: reader)
  }

  /// PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1: the consistency proof between the trees of
  /// `size1` and `size2` leaves; empty when `size1` is 0 or equals `size2`.
  public static func consistencyProof(size1: Int64, size2: Int64, reader: some StoredHashReader)
    throws(ProofError) -> [MerkleHash]
  {
    guard size1 >= 0, size1 <= size2 else {
      throw .sizesOutOfOrder(size1: size1, size2: size2)
    }
    guard size1 > 0, size1 < size2 else { return [] }
    return try readHashes(
      of: subproofRanges(size1, LeafRange(0, size2), complete: true), reader: reader)
  }

  /// A range of leaves [start, end).
  struct LeafRange {
    let start: Int64
    let end: Int64
    init(_ start: Int64, _ end: Int64) {
      self.start = start
      self.end = end
    }
    var count: Int64 { end - start }
    /// The split point of RFC 9162 §2.1.1: the largest power of two smaller than the count.
    var split: Int64 { Int64(1) << (63 - UInt64(count - 1).leadingZeroBitCount) }
  }

  /// The ranges whose hashes make PATH(m, D[range]).
  static func pathRanges(_ m: Int64, _ range: LeafRange) -> [LeafRange] {
    guard range.count > 1 else { return [] }
    let k = range.split
    if m - range.start < k {
      return pathRanges(m, LeafRange(range.start, range.start + k))
        + [LeafRange(range.start + k, range.end)]
    }
    return pathRanges(m, LeafRange(range.start + k, range.end))
      + [LeafRange(range.start, range.start + k)]
  }

  /// The ranges whose hashes make SUBPROOF(m, D[range], complete).
  static func subproofRanges(_ m: Int64, _ range: LeafRange, complete: Bool) -> [LeafRange] {
    if m == range.count { return complete ? [] : [range] }
    let k = range.split
    if m <= k {
      return subproofRanges(m, LeafRange(range.start, range.start + k), complete: complete)
        + [LeafRange(range.start + k, range.end)]
    }
    return subproofRanges(m - k, LeafRange(range.start + k, range.end), complete: false)
      + [LeafRange(range.start, range.start + k)]
  }

  /// The complete subtrees whose hashes, folded from the right, give MTH(D[range]): the left
  /// part of every split is a complete subtree, so only the right spine is decomposed.
  static func completeSubtrees(_ range: LeafRange) -> [(level: Int, n: Int64)] {
    var subtrees: [(level: Int, n: Int64)] = []
    var start = range.start
    while start < range.end {
      let rest = range.end - start
      let level = 63 - UInt64(rest).leadingZeroBitCount
      precondition(start & ((1 << Int64(level)) - 1) == 0, "range is not a proof range")
      subtrees.append((level, start >> Int64(level)))
      start += Int64(1) << Int64(level)
    }
    return subtrees
  }

  /// Reads, in one call, every stored hash needed for the hashes of `ranges`, then folds them.
  static func hashes(of ranges: [LeafRange], reader: some StoredHashReader) throws
    -> [MerkleHash]
  {
    let pieces = ranges.map(completeSubtrees)
    let stored = try reader.storedHashes(
      at: pieces.flatMap { $0.map { index(level: $0.level, n: $0.n) } })
    var offset = 0
    return pieces.map { subtrees in
      let hashes = stored[offset..<offset + subtrees.count]
      offset += subtrees.count
      return hashes.dropLast().reversed().reduce(hashes.last!) { right, left in
        Merkle.nodeHash(left, right)
      }
    }
  }

  private static func readHashes(of ranges: [LeafRange], reader: some StoredHashReader)
    throws(ProofError) -> [MerkleHash]
  {
    do {
      return try hashes(of: ranges, reader: reader)
    } catch {
      throw .unreadable("\(error)")
    }
  }
}
