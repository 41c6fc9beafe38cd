import TransparencyLog

/// Base64url without padding (RFC 7515 §2), in its one canonical form (see
/// ``TransparencyLog/Base64Codec/url``).
public enum Base64URL {
  /// The base64url text of `bytes`, without padding.
  public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    Base64Codec.url.encode(bytes)
  }

  /// Decodes canonical base64url: only the URL-safe alphabet, no padding, no white space, and
  /// the unused low bits of the last character zero, so that each byte string has exactly one
  /// accepted text. Returns nil for anything else.
  public static func decode<Text: Collection<UInt8>>(_ text: Text) -> [UInt8]? {
    Base64Codec.url.decode(text)
  }

  /// Decodes canonical base64url text.
  public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }
}
