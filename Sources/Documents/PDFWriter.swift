/// A PDF 1.7 file written object by object (ISO 32000-1, clause 7): header, indirect objects,
/// one cross-reference table, trailer. Output is a pure function of what is added, so the same
/// document always gives the same bytes.
///
/// Written here rather than taken from a package because none of the Swift packages this
/// project may use writes PDF on Linux; only what the attestation needs is supported: objects
/// written as text, uncompressed streams.
struct PDFWriter {
  /// A reference to an indirect object (generation 0).
  struct Reference: Hashable {
    let number: Int
    var text: String { "\(number) 0 R" }
  }

  private var bodies: [[UInt8]?] = []

  /// Reserves an object number, for objects that refer to each other.
  mutating func reserve() -> Reference {
    bodies.append(nil)
    return Reference(number: bodies.count)
  }

  /// Sets the body of a reserved object: a dictionary, array or other direct object as text.
  mutating func set(_ reference: Reference, _ object: String) {
    bodies[reference.number - 1] = Array(object.utf8)
  }

  /// Adds an object; returns its reference.
  mutating func add(_ object: String) -> Reference {
    let reference = reserve()
    set(reference, object)
    return reference
  }

  /// Adds a stream whose dictionary holds `dictionary` entries (without `/Length`).
  mutating func addStream(_ dictionary: String, _ data: [UInt8]) -> Reference {
    let reference = reserve()
    bodies[reference.number - 1] =
      Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8) + data
      + Array("\nendstream".utf8)
    return reference
  }

  /// The file: every object, the cross-reference table and the trailer naming `root` and `info`.
  func file(root: Reference, info: Reference, id: [UInt8]) -> [UInt8] {
    // The binary comment marks the file as binary for transfer programs (7.5.2).
    var output = Array("%PDF-1.7\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
    var offsets: [Int] = []
    for (index, body) in bodies.enumerated() {
      offsets.append(output.count)
      output += Array("\(index + 1) 0 obj\n".utf8)
      output += body ?? Array("null".utf8)
      output += Array("\nendobj\n".utf8)
    }
    let table = output.count
    output += Array("xref\n0 \(bodies.count + 1)\n0000000000 65535 f\r\n".utf8)
    for offset in offsets {
      let digits = String(offset)
      output += Array(
        (String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n\r\n").utf8)
    }
    let identifier = "<" + PDFText.hex(id) + ">"
    output += Array(
      """
      trailer
      << /Size \(bodies.count + 1) /Root \(root.text) /Info \(info.text) /ID [\(identifier) \(identifier)] >>
      startxref
      \(table)
      %%EOF

      """.utf8)
    return output
  }
}

/// PDF string and name syntax (7.3.4, 7.3.5, 7.9.2).
enum PDFText {
  /// A literal string of `bytes`: `(`, `)` and `\` escaped, bytes outside printable ASCII as
  /// octal escapes, so the file stays readable as text.
  static func literal(_ bytes: [UInt8]) -> String {
    var text = "("
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
        text += "\\" + String(UnicodeScalar(byte))
      case 0x20...0x7E:
        text.append(Character(UnicodeScalar(byte)))
      default:
        let octal = String(byte, radix: 8)
        text += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
      }
    }
    return text + ")"
  }

  /// A literal string of ASCII `text` (names of files, URIs).
  static func ascii(_ text: String) -> String { literal(Array(text.utf8)) }

  /// A text string (7.9.2.2) for document information: UTF-16BE with its byte order mark.
  static func unicode(_ text: String) -> String {
    var bytes: [UInt8] = [0xFE, 0xFF]
    for unit in text.utf16 { bytes += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
    return "<" + hex(bytes) + ">"
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var text: [UInt8] = []
    for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
    return String(decoding: text, as: UTF8.self)
  }

  /// A number with at most two decimals and no exponent, as content streams want.
  static func number(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let whole = abs(hundredths) / 100
    let fraction = abs(hundredths) % 100
    if fraction == 0 { return "\(sign)\(whole)" }
    return "\(sign)\(whole)."
      + (fraction < 10 ? "0\(fraction)" : "\(fraction % 10 == 0 ? fraction / 10 : fraction)")
  }
}
