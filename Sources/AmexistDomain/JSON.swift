/// A JSON value restricted to what the registry's signed and stored documents use.
///
/// Numbers are integers that fit in 64 bits: no registry format has fractions, and refusing them
/// removes every rounding and `-0` ambiguity from what is hashed and signed.
public enum JSONValue: Hashable, Sendable {
  case null
  case bool(Bool)
  case integer(Int64)
  case string(String)
  case array([JSONValue])
  /// Member names are unique by construction: the parser refuses duplicates.
  case object([String: JSONValue])

  /// The member named `name` when this value is an object.
  public subscript(name: String) -> JSONValue? {
    if case .object(let members) = self { return members[name] }
    return nil
  }
}

/// What the strict parser refuses, with the byte offset where it stopped.
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
  /// Why the document was refused.
  public let reason: String
  /// Byte offset in the input.
  public let offset: Int

  /// An error at `offset` for `reason`.
  public init(reason: String, offset: Int) {
    self.reason = reason
    self.offset = offset
  }

  public var description: String { "\(reason) at byte \(offset)" }
}

/// Parses JSON strictly: one parser for every signed or stored document, so that all of them
/// agree on what a document means.
///
/// Written here rather than taken from Foundation because Foundation on Linux accepts duplicate
/// member names (and `JSONDecoder` and `JSONSerialization` disagree on which one wins), lone
/// surrogates and unbounded nesting. This parser refuses: duplicate member names at any depth
/// (compared after unescaping), invalid UTF-8, unescaped control characters, lone surrogates,
/// numbers that are not 64-bit integers (fractions, exponents, `-0`, leading zeros), nesting
/// deeper than ``maximumDepth``, trailing bytes and inputs larger than ``maximumSize``.
public struct StrictJSONParser: Sendable {
  /// The largest input accepted, in bytes; checked before any parsing.
  public var maximumSize: Int
  /// The deepest nesting of arrays and objects accepted.
  public var maximumDepth: Int

  /// A parser with the given caps (64 KiB and 32 levels by default).
  public init(maximumSize: Int = 65_536, maximumDepth: Int = 32) {
    self.maximumSize = maximumSize
    self.maximumDepth = maximumDepth
  }

  /// Parses one JSON document that must span all of `bytes`.
  ///
  /// - Throws: ``JSONParseError`` naming the first problem.
  public func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(JSONParseError) -> JSONValue {
    guard bytes.count <= maximumSize else {
      throw JSONParseError(reason: "document larger than \(maximumSize) bytes", offset: 0)
    }
    var cursor = Cursor(bytes: Array(bytes), maximumDepth: maximumDepth)
    cursor.skipWhitespace()
    let value = try cursor.parseValue(depth: 0)
    cursor.skipWhitespace()
    guard cursor.offset == cursor.bytes.count else {
      throw cursor.error("unexpected bytes after the document")
    }
    return value
  }

  private struct Cursor {
    let bytes: [UInt8]
    let maximumDepth: Int
    var offset = 0

    func error(_ reason: String) -> JSONParseError {
      JSONParseError(reason: reason, offset: offset)
    }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipWhitespace() {
      while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
        offset += 1
      }
    }

    mutating func expect(_ literal: String, value: JSONValue) throws(JSONParseError) -> JSONValue {
      let count = literal.utf8.count
      guard offset + count <= bytes.count,
        bytes[offset..<(offset + count)].elementsEqual(literal.utf8)
      else {
        throw error("invalid literal")
      }
      offset += count
      return value
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
      guard let byte = current else { throw error("unexpected end of document") }
      switch byte {
      case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
      case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
      case UInt8(ascii: "\""): return .string(try parseString())
      case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
      case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
      case UInt8(ascii: "n"): return try expect("null", value: .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseInteger()
      default: throw error("unexpected character")
      }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
      guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth)") }
      offset += 1
      var members: [String: JSONValue] = [:]
      skipWhitespace()
      if current == UInt8(ascii: "}") {
        offset += 1
        return .object(members)
      }
      // Room for a log entry's members at once: growing a dictionary rehashes every member.
      members.reserveCapacity(12)
      while true {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
        let nameOffset = offset
        let name = try parseString()
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
        offset += 1
        skipWhitespace()
        let value = try parseValue(depth: depth)
        guard members.updateValue(value, forKey: name) == nil else {
          throw JSONParseError(reason: "duplicate member name", offset: nameOffset)
        }
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","): offset += 1
        case UInt8(ascii: "}"):
          offset += 1
          return .object(members)
        default: throw error("expected ',' or '}'")
        }
      }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
      guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth)") }
      offset += 1
      var elements: [JSONValue] = []
      skipWhitespace()
      if current == UInt8(ascii: "]") {
        offset += 1
        return .array(elements)
      }
      while true {
        skipWhitespace()
        elements.append(try parseValue(depth: depth))
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","): offset += 1
        case UInt8(ascii: "]"):
          offset += 1
          return .array(elements)
        default: throw error("expected ',' or ']'")
        }
      }
    }

    mutating func parseInteger() throws(JSONParseError) -> JSONValue {
      let start = offset
      let negative = current == UInt8(ascii: "-")
      if negative { offset += 1 }
      let digitsStart = offset
      while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { offset += 1 }
      let digits = bytes[digitsStart..<offset]
      guard !digits.isEmpty else { throw error("a number needs digits") }
      if let next = current,
        next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E")
      {
        throw error("only integers are accepted")
      }
      guard digits.count == 1 || digits.first != UInt8(ascii: "0") else {
        throw JSONParseError(reason: "leading zeros are not allowed", offset: start)
      }
      guard !(negative && digits.elementsEqual([UInt8(ascii: "0")])) else {
        throw JSONParseError(reason: "-0 is not allowed", offset: start)
      }
      guard digits.count <= 19,
        let value = Int64(String(decoding: bytes[start..<offset], as: UTF8.self))
      else {
        throw JSONParseError(reason: "integer out of 64-bit range", offset: start)
      }
      return .integer(value)
    }

    mutating func parseString() throws(JSONParseError) -> String {
      offset += 1
      // Validated UTF-8 is collected as bytes and decoded once: appending scalar by scalar
      // to a String costs more than the rest of the parse.
      var utf8: [UInt8] = []
      while true {
        // Copy the run of plain ASCII up to the next quote, backslash or special byte at once.
        let runStart = offset
        while offset < bytes.count {
          let byte = bytes[offset]
          if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80
          {
            break
          }
          offset += 1
        }
        if offset > runStart { utf8.append(contentsOf: bytes[runStart..<offset]) }
        guard let byte = current else { throw error("unterminated string") }
        switch byte {
        case UInt8(ascii: "\""):
          offset += 1
          return String(decoding: utf8, as: UTF8.self)
        case UInt8(ascii: "\\"):
          offset += 1
          utf8.append(contentsOf: String(try parseEscape()).utf8)
        case 0x00..<0x20:
          throw error("control character in a string")
        default:
          let start = offset
          _ = try parseUTF8Sequence()
          utf8.append(contentsOf: bytes[start..<offset])
        }
      }
    }

    mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
      guard let byte = current else { throw error("unterminated escape") }
      offset += 1
      switch byte {
      case UInt8(ascii: "\""): return "\""
      case UInt8(ascii: "\\"): return "\\"
      case UInt8(ascii: "/"): return "/"
      case UInt8(ascii: "b"): return "\u{08}"
      case UInt8(ascii: "f"): return "\u{0C}"
      case UInt8(ascii: "n"): return "\n"
      case UInt8(ascii: "r"): return "\r"
      case UInt8(ascii: "t"): return "\t"
      case UInt8(ascii: "u"):
        let first = try parseHex4()
        if (0xD800...0xDBFF).contains(first) {
          guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count,
            bytes[offset + 1] == UInt8(ascii: "u")
          else { throw error("lone surrogate") }
          offset += 2
          let second = try parseHex4()
          guard (0xDC00...0xDFFF).contains(second) else { throw error("lone surrogate") }
          let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
          return Unicode.Scalar(value)!
        }
        guard !(0xDC00...0xDFFF).contains(first), let scalar = Unicode.Scalar(first) else {
          throw error("lone surrogate")
        }
        return scalar
      default:
        throw error("invalid escape")
      }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
      guard offset + 4 <= bytes.count else { throw error("truncated \\u escape") }
      var value: UInt32 = 0
      for byte in bytes[offset..<(offset + 4)] {
        let digit: UInt8
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
        default: throw error("invalid \\u escape")
        }
        value = value << 4 | UInt32(digit)
      }
      offset += 4
      return value
    }

    /// Decodes one multi-byte UTF-8 sequence, refusing overlong forms, surrogates and values
    /// beyond U+10FFFF (the rules of RFC 3629).
    mutating func parseUTF8Sequence() throws(JSONParseError) -> Unicode.Scalar {
      let lead = bytes[offset]
      let length: Int
      var value: UInt32
      var lowerBound: UInt8 = 0x80
      var upperBound: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF:
        length = 2
        value = UInt32(lead & 0x1F)
      case 0xE0:
        length = 3
        value = 0
        lowerBound = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF:
        length = 3
        value = UInt32(lead & 0x0F)
      case 0xED:
        length = 3
        value = 0x0D
        upperBound = 0x9F
      case 0xF0:
        length = 4
        value = 0
        lowerBound = 0x90
      case 0xF1...0xF3:
        length = 4
        value = UInt32(lead & 0x07)
      case 0xF4:
        length = 4
        value = 4
        upperBound = 0x8F
      default: throw error("invalid UTF-8")
      }
      guard offset + length <= bytes.count else { throw error("invalid UTF-8") }
      for index in 1..<length {
        let byte = bytes[offset + index]
        let range = index == 1 ? lowerBound...upperBound : 0x80...0xBF
        guard range.contains(byte) else { throw error("invalid UTF-8") }
        value = value << 6 | UInt32(byte & 0x3F)
      }
      offset += length
      guard let scalar = Unicode.Scalar(value) else { throw error("invalid UTF-8") }
      return scalar
    }
  }
}

/// Writes JSON in the registry's canonical form, the exact bytes that are hashed and signed.
///
/// The form is that of RFC 8785 (JCS) restricted to integers: members sorted by the UTF-16 code
/// units of their names, no white space, strings as UTF-8 with only `"`, `\` and control
/// characters escaped (`\b \t \n \f \r`, else `\u00xx` in lower-case hex).
/// `JSONEncoder` with `.sortedKeys` is not this: it escapes `/` and sorts differently.
public enum CanonicalJSON {
  /// The canonical bytes of `value`.
  public static func encode(_ value: JSONValue) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(256)
    write(value, into: &output)
    return output
  }

  /// The canonical text of `value`.
  public static func string(_ value: JSONValue) -> String {
    String(decoding: encode(value), as: UTF8.self)
  }

  private static func write(_ value: JSONValue, into output: inout [UInt8]) {
    switch value {
    case .null: output.append(contentsOf: "null".utf8)
    case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
    case .integer(let number): output.append(contentsOf: String(number).utf8)
    case .string(let text): writeString(text, into: &output)
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (index, element) in elements.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        write(element, into: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let members):
      output.append(UInt8(ascii: "{"))
      // Names are nearly always ASCII: checked once per name, not in every comparison. The
      // members are sorted with their values, so that no name is hashed again to find its value.
      let sorted =
        members.keys.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
        ? members.sorted { $0.key < $1.key }  // for ASCII, the standard order is byte order
        : members.sorted { precedes($0.key, $1.key) }
      for (index, member) in sorted.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        writeString(member.key, into: &output)
        output.append(UInt8(ascii: ":"))
        write(member.value, into: &output)
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  /// RFC 8785 order: by UTF-16 code units. For ASCII names, UTF-8 byte order is the same and
  /// much cheaper to compute.
  private static func precedes(_ lhs: String, _ rhs: String) -> Bool {
    if lhs.utf8.allSatisfy({ $0 < 0x80 }) && rhs.utf8.allSatisfy({ $0 < 0x80 }) {
      return lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
    return lhs.utf16.lexicographicallyPrecedes(rhs.utf16)
  }

  private static func writeString(_ text: String, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { bytes in
      var runStart = 0
      for (index, byte) in bytes.enumerated() {
        let escape: String?
        switch byte {
        case UInt8(ascii: "\""): escape = "\\\""
        case UInt8(ascii: "\\"): escape = "\\\\"
        case 0x08: escape = "\\b"
        case 0x09: escape = "\\t"
        case 0x0A: escape = "\\n"
        case 0x0C: escape = "\\f"
        case 0x0D: escape = "\\r"
        case 0x00..<0x20:
          let hex = Array("0123456789abcdef".utf8)
          escape =
            "\\u00" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
        default: escape = nil
        }
        guard let escape else { continue }
        // Bytes that need no escape are copied in runs.
        output.append(contentsOf: bytes[runStart..<index])
        output.append(contentsOf: escape.utf8)
        runStart = index + 1
      }
      output.append(contentsOf: bytes[runStart..<bytes.count])
    }
    output.append(UInt8(ascii: "\""))
  }
}
