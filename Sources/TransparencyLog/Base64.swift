/// Base64 (RFC 4648) in its one canonical form per byte string: the standard alphabet with `=`
/// padding (§4, as C2SP notes use it) or the URL-safe alphabet without padding (§5, as JWS uses
/// it). Decoding accepts only the alphabet, exact padding (or none), no white space, and zero
/// unused bits, so that each byte string has exactly one accepted text.
public struct Base64Codec: Sendable {
  /// Standard alphabet, padded: checkpoints, notes, proofs.
  public static let standard = Base64Codec(
    alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", padded: true)
  /// URL-safe alphabet, unpadded: base64url of RFC 7515 §2.
  public static let url = Base64Codec(
    alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", padded: false)

  private let alphabet: [UInt8]
  private let values: [UInt8]
  private let padded: Bool

  private init(alphabet: String, padded: Bool) {
    self.alphabet = Array(alphabet.utf8)
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (index, byte) in self.alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
    self.values = table
    self.padded = padded
  }

  /// The text of `bytes`.
  public func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let input = Array(bytes)
    let tail = [0, 2, 3][input.count % 3]
    let length = input.count / 3 * 4 + (padded && tail > 0 ? 4 : tail)
    return String(unsafeUninitializedCapacity: length) { output in
      var out = 0
      func put(_ value: UInt32) {
        output[out] = alphabet[Int(value & 63)]
        out += 1
      }
      var index = 0
      while index + 3 <= input.count {
        let chunk =
          UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
        put(chunk >> 18)
        put(chunk >> 12)
        put(chunk >> 6)
        put(chunk)
        index += 3
      }
      if input.count - index == 1 {
        let chunk = UInt32(input[index]) << 16
        put(chunk >> 18)
        put(chunk >> 12)
      } else if input.count - index == 2 {
        let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
        put(chunk >> 18)
        put(chunk >> 12)
        put(chunk >> 6)
      }
      while out < length {
        output[out] = UInt8(ascii: "=")
        out += 1
      }
      return out
    }
  }

  /// The bytes of canonical text, or nil for anything else.
  public func decode<Text: Collection<UInt8>>(_ text: Text) -> [UInt8]? {
    // Decoded from contiguous bytes: a generic loop across modules would go through the
    // collection's witness table for every character.
    if let decoded = text.withContiguousStorageIfAvailable({ decode(contiguous: $0) }) {
      return decoded
    }
    return Array(text).withUnsafeBufferPointer { decode(contiguous: $0) }
  }

  private func decode(contiguous text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    var count = text.count
    if padded {
      guard count % 4 == 0 else { return nil }
      var padding = 0
      while padding < count, text[count - 1 - padding] == UInt8(ascii: "=") { padding += 1 }
      guard padding <= 2 else { return nil }
      count -= padding
      // Padding is exactly what the data length needs: none when it fills whole groups.
      guard padding == (4 - count % 4) % 4 else { return nil }
    }
    guard count % 4 != 1 else { return nil }
    return values.withUnsafeBufferPointer { values -> [UInt8]? in
      var output: [UInt8] = []
      output.reserveCapacity(count * 3 / 4)
      var buffer: UInt32 = 0
      var bits = 0
      for index in 0..<count {
        let value = values[Int(text[index])]
        guard value != 0xFF else { return nil }
        buffer = buffer << 6 | UInt32(value)
        bits += 6
        if bits >= 8 {
          bits -= 8
          output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
          buffer &= (1 << UInt32(bits)) - 1
        }
      }
      guard buffer == 0 else { return nil }
      return output
    }
  }
}

/// Standard padded base64 (RFC 4648 §4), canonical: see ``Base64Codec/standard``.
public enum Base64 {
  /// The padded base64 text of `bytes`.
  public static func encode(_ bytes: [UInt8]) -> String { Base64Codec.standard.encode(bytes) }

  /// The bytes of canonical padded base64 text, or nil.
  public static func decode(_ text: [UInt8]) -> [UInt8]? { Base64Codec.standard.decode(text) }
}
