/// Base64url without padding (RFC 7515 §2), in its one canonical form.
public enum Base64URL {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
  private static let values: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
    return table
  }()

  /// The base64url text of `bytes`, without padding.
  public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let input = Array(bytes)
    let length = input.count / 3 * 4 + [0, 2, 3][input.count % 3]
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
      return out
    }
  }

  /// Decodes canonical base64url: only the URL-safe alphabet, no padding, no white space, and
  /// the unused low bits of the last character zero, so that each byte string has exactly one
  /// accepted text. Returns nil for anything else.
  public static func decode<Text: Collection<UInt8>>(_ text: Text) -> [UInt8]? {
    guard text.count % 4 != 1 else { return nil }
    var output: [UInt8] = []
    output.reserveCapacity(text.count * 3 / 4)
    var buffer: UInt32 = 0
    var bits = 0
    for byte in text {
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
    guard buffer == 0 else { return nil }
    return output
  }

  /// Decodes canonical base64url text.
  public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }
}
