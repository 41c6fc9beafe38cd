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

/// Standard base64 with padding (RFC 4648 §4) in its one canonical form, as C2SP notes use it.
public enum Base64 {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  private static let values: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
    return table
  }()

  /// The padded base64 text of `bytes`.
  public static func encode(_ bytes: [UInt8]) -> String {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let count = min(3, bytes.count - index)
      var chunk: UInt32 = 0
      for offset in 0..<3 {
        chunk = chunk << 8 | UInt32(offset < count ? bytes[index + offset] : 0)
      }
      for position in 0..<4 {
        output.append(
          position <= count ? alphabet[Int((chunk >> UInt32(18 - 6 * position)) & 63)] : 0x3D)
      }
      index += 3
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Decodes canonical padded base64: the standard alphabet, `=` padding to a multiple of four,
  /// no white space, unused bits zero. Nil for anything else.
  public static func decode(_ text: [UInt8]) -> [UInt8]? {
    guard text.count % 4 == 0 else { return nil }
    let padding = text.reversed().prefix(while: { $0 == 0x3D }).count
    guard padding <= 2 else { return nil }
    var output: [UInt8] = []
    output.reserveCapacity(text.count / 4 * 3)
    var buffer: UInt32 = 0
    var bits = 0
    for byte in text.dropLast(padding) {
      let value = values[Int(byte)]
      guard value != 0xFF else { return nil }
      buffer = buffer << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
        buffer &= (1 << UInt32(bits)) - 1
      }
    }
    // The one canonical text: re-encoding gives back exactly the input (padding, spare bits).
    guard encode(output).utf8.elementsEqual(text) else { return nil }
    return output
  }
}
