import Foundation

/// Text in the PDF's standard fonts (Helvetica and Helvetica-Bold, WinAnsiEncoding): every
/// character French needs, and the metrics to measure it.
///
/// The standard fonts are not embedded: every PDF reader has them (PDF 1.7, 9.6.2.2). Their
/// WinAnsiEncoding (annex D) holds all French letters, œ and Œ, guillemets, typographic
/// apostrophes and the euro sign, which is why the document uses it rather than a subset of an
/// embedded TrueType font.
public enum PDFFont: Int, Sendable {
  /// Helvetica.
  case regular
  /// Helvetica-Bold.
  case bold

  /// The font's PostScript name.
  var baseFont: String { self == .regular ? "Helvetica" : "Helvetica-Bold" }

  /// The width of `text` set in this font at `size` points.
  public func width(_ text: String, size: Double) -> Double {
    let units = WinAnsi.encode(text).reduce(0) { total, code in
      total + Int(code < 0x20 ? 0 : widths[Int(code) - 0x20])
    }
    return Double(units) * size / 1000
  }

  private var widths: [UInt16] { self == .regular ? Self.regularWidths : Self.boldWidths }

  // Advance widths (1/1000 em) of codes 0x20 to 0xFF in WinAnsiEncoding: the Core 14 metrics
  // of Helvetica and Helvetica-Bold, as published in the URW Nimbus Sans AFM files that share
  // them. Zero marks a code WinAnsiEncoding leaves undefined.
  private static let regularWidths: [UInt16] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
  ]

  private static let boldWidths: [UInt16] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
  ]

}

/// WinAnsiEncoding (PDF 1.7, annex D.2) from Unicode.
enum WinAnsi {
  /// The code of each character of 0x80–0x9F.
  private static let high: [Unicode.Scalar: UInt8] = [
    "\u{20AC}": 0x80, "\u{201A}": 0x82, "\u{0192}": 0x83, "\u{201E}": 0x84, "\u{2026}": 0x85,
    "\u{2020}": 0x86, "\u{2021}": 0x87, "\u{02C6}": 0x88, "\u{2030}": 0x89, "\u{0160}": 0x8A,
    "\u{2039}": 0x8B, "\u{0152}": 0x8C, "\u{017D}": 0x8E, "\u{2018}": 0x91, "\u{2019}": 0x92,
    "\u{201C}": 0x93, "\u{201D}": 0x94, "\u{2022}": 0x95, "\u{2013}": 0x96, "\u{2014}": 0x97,
    "\u{02DC}": 0x98, "\u{2122}": 0x99, "\u{0161}": 0x9A, "\u{203A}": 0x9B, "\u{0153}": 0x9C,
    "\u{017E}": 0x9E, "\u{0178}": 0x9F,
  ]

  /// The code of `scalar`, or nil when the encoding has none.
  static func code(_ scalar: Unicode.Scalar) -> UInt8? {
    switch scalar.value {
    case 0x20...0x7E, 0xA0...0xFF: UInt8(scalar.value)
    default: high[scalar]
    }
  }

  /// `text` in WinAnsiEncoding. A character the encoding lacks is written as its Latin-ASCII
  /// transliteration when there is one (Ł → L, ș → s), otherwise as `?`; composed forms are
  /// tried first (e + ́ → é).
  static func encode(_ text: String) -> [UInt8] {
    // Most text is already made of characters the encoding has: no normalisation needed.
    var direct: [UInt8] = []
    direct.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      guard let code = code(scalar) else { return encodeSlowly(text) }
      direct.append(code)
    }
    return direct
  }

  private static func encodeSlowly(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for character in text.precomposedStringWithCanonicalMapping {
      let scalars = character.unicodeScalars
      if scalars.count == 1, let code = code(scalars.first!) {
        bytes.append(code)
        continue
      }
      let latin =
        String(character).applyingTransform(StringTransform("Latin-ASCII"), reverse: false) ?? ""
      let codes = latin.unicodeScalars.compactMap(code)
      bytes += codes.count == latin.unicodeScalars.count && !codes.isEmpty ? codes : [0x3F]
    }
    return bytes
  }
}
