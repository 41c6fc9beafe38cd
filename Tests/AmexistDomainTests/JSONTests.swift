import AmexistDomain
import Testing

@Suite("Strict JSON and canonical form")
struct JSONTests {
  let parser = StrictJSONParser()

  func parse(_ text: String) throws -> JSONValue { try parser.parse(Array(text.utf8)) }

  @Test("well-formed documents parse")
  func wellFormed() throws {
    #expect(
      try parse(#" {"a": [1, -2, true, false, null, "x"], "b": {}} "#)
        == .object([
          "a": .array([.integer(1), .integer(-2), .bool(true), .bool(false), .null, .string("x")]),
          "b": .object([:]),
        ]))
    #expect(try parse(#""\u00e9\ud83d\ude00\/\n""#) == .string("é😀/\n"))
    #expect(try parse("9223372036854775807") == .integer(.max))
    #expect(try parse("-9223372036854775808") == .integer(.min))
  }

  @Test(
    "A12: duplicate member names are refused at any depth, escaped or not",
    arguments: [
      #"{"a":1,"a":2}"#, #"{"a":1,"\u0061":2}"#, #"{"x":{"level":1,"level":2}}"#,
      #"[{"k":1},{"k":1,"k":1}]"#,
      #"{"é":1,"\u00e9":2}"#,
    ]
  )
  func duplicates(_ text: String) {
    #expect(throws: JSONParseError.self) { try parse(text) }
  }

  @Test(
    "A16: hostile documents are refused",
    arguments: [
      "1e309", "-0", "18446744073709551616", "9223372036854775808", "1.0", "01", "1E2", "+1", "NaN",
      #""\ud800""#, #""\udc00x""#, #""\ud800\u0041""#, "\"a\u{0000}b\"", "\"tab\there\"", #""\x""#,
      #""\u12""#,
      "{\"a\":1,}", "[1,]", "{'a':1}", "tru", "nul", "[1] [2]", "{\"a\":1}x", "", "   ",
    ]
  )
  func hostile(_ text: String) {
    #expect(throws: JSONParseError.self) { try parse(text) }
  }

  @Test("A16: invalid and overlong UTF-8 are refused")
  func badUTF8() {
    let samples: [[UInt8]] = [
      [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
      [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong 3-byte
      [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-8 encoded surrogate
      [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // beyond U+10FFFF
      [0x22, 0xFF, 0x22],
      [0x22, 0xC3, 0x22],  // truncated sequence
    ]
    for bytes in samples {
      #expect(throws: JSONParseError.self) { try parser.parse(bytes) }
    }
    #expect(try! parser.parse([0x22, 0xC3, 0xA9, 0x22]) == .string("é"))
  }

  @Test("A16: nesting deeper than the cap is refused in bounded time")
  func deepNesting() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: JSONParseError.self) {
      try StrictJSONParser(maximumSize: 1_000_000).parse(Array(deep.utf8))
    }
    let allowed = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
    #expect(throws: Never.self) { try parse(allowed) }
    let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
    #expect(throws: JSONParseError.self) { try parse(tooDeep) }
  }

  @Test("A17: the size cap is checked before parsing")
  func sizeCap() {
    let big = "\"" + String(repeating: "a", count: 70_000) + "\""
    #expect(throws: JSONParseError(reason: "document larger than 65536 bytes", offset: 0)) {
      try parse(big)
    }
  }

  @Test("RFC 8785: members sort by UTF-16 code units")
  func sorting() throws {
    // The example of RFC 8785 §3.2.3, with string values.
    let value = try parse(#"{"€":"a","\r":"b","דּ":"c","1":"d","😀":"e","\u0080":"f","ö":"g"}"#)
    #expect(
      CanonicalJSON.string(value)
        == "{\"\\r\":\"b\",\"1\":\"d\",\"\u{80}\":\"f\",\"ö\":\"g\",\"€\":\"a\",\"😀\":\"e\",\"דּ\":\"c\"}"
    )
  }

  @Test("RFC 8785: ASCII names sort by their bytes (upper case, digits and punctuation included)")
  func asciiSorting() throws {
    let value = try parse(#"{"b":1,"B":2,"_":3,"a1":4,"a":5,"0":6,"~":7,"a0b":8,"A":9}"#)
    #expect(
      CanonicalJSON.string(value)
        == #"{"0":6,"A":9,"B":2,"_":3,"a":5,"a0b":8,"a1":4,"b":1,"~":7}"#)
  }

  @Test("RFC 8785: strings escape only what they must")
  func escaping() throws {
    // The string example of RFC 8785 §3.2.2.2.
    let value = try parse(#""\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/""#)
    #expect(CanonicalJSON.string(value) == #""€$\u000f\nA'B\"\\\\\"/""#)
    #expect(
      CanonicalJSON.string(.string("\u{08}\u{09}\u{0C}\u{0D}\u{7F}\u{2028}"))
        == "\"\\b\\t\\f\\r\u{7F}\u{2028}\"")
  }

  @Test("canonical bytes parse back to the same value")
  func roundTrip() throws {
    let value = JSONValue.object([
      "z": .array([.integer(-5), .null, .bool(true)]), "a": .object(["é": .string("œ\"\\")]),
      "m": .integer(0),
    ])
    let bytes = CanonicalJSON.encode(value)
    #expect(try parser.parse(bytes) == value)
    #expect(
      String(decoding: bytes, as: UTF8.self) == #"{"a":{"é":"œ\"\\"},"m":0,"z":[-5,null,true]}"#)
  }
}
