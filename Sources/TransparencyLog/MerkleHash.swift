import Crypto

/// A SHA-256 hash in the log's Merkle tree: a leaf hash, an interior node hash or a root.
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
  /// The size of every hash, in bytes.
  public static let size = 32

  /// The 32 bytes of the hash.
  public let bytes: [UInt8]

  /// The hash with these bytes, or nil when there are not exactly 32 of them.
  public init?(bytes: [UInt8]) {
    guard bytes.count == Self.size else { return nil }
    self.bytes = bytes
  }

  init(digest: SHA256.Digest) {
    bytes = Array(digest)
  }

  /// The hash from its standard base64 text (RFC 4648 §4, canonical), or nil.
  public init?(base64 text: some StringProtocol) {
    guard let bytes = Base64.decode(Array(text.utf8)) else { return nil }
    self.init(bytes: bytes)
  }

  /// Standard base64, as checkpoints and proofs write hashes.
  public var base64: String { Base64.encode(bytes) }

  public var description: String { base64 }
}

/// The hashing of RFC 6962 §2.1 (RFC 9162 §2.1.1), with its domain separation: a leaf hash can
/// never equal an interior node hash.
public enum Merkle {
  /// MTH({}) = SHA-256(): the root of the empty tree.
  public static let emptyRoot = MerkleHash(digest: SHA256.hash(data: [UInt8]()))

  /// MTH({d}) = SHA-256(0x00 ‖ d): the hash of the leaf `entry`.
  public static func leafHash(_ entry: some Sequence<UInt8>) -> MerkleHash {
    var hasher = SHA256()
    hasher.update(data: [0x00])
    hasher.update(data: Array(entry))
    return MerkleHash(digest: hasher.finalize())
  }

  /// SHA-256(0x01 ‖ left ‖ right): the hash of an interior node.
  public static func nodeHash(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
    var hasher = SHA256()
    hasher.update(data: [0x01])
    hasher.update(data: left.bytes)
    hasher.update(data: right.bytes)
    return MerkleHash(digest: hasher.finalize())
  }
}
