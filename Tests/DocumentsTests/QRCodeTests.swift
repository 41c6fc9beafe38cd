import Foundation
import RegistryTesting
import Testing

@testable import Documents

/// The QR encoder against the `qrencode` tool (libqrencode) and the `zbarimg` decoder.
@Suite("QR codes")
struct QRCodeTests {
  /// Text of `length` bytes that differs from one call to the next in a fixed way.
  static func sampleText(length: Int, seed: Int) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-/:.?=ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return String(
      (0..<length).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return alphabet[Int(state >> 33) % alphabet.count]
      })
  }

  /// The modules `qrencode` draws for `text` in byte mode at `version` (its minimum) and level.
  static func reference(_ text: String, version: Int, level: QRCode.ErrorCorrection) async throws
    -> [[Bool]]
  {
    let letter = ["L", "M", "Q", "H"][level.rawValue]
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Data(text.utf8).write(to: URL(fileURLWithPath: folder.file("data")))
    let output = try await ExternalTool.run(
      "qrencode",
      ["-8", "-l", letter, "-v", "\(version)", "-m", "0", "-t", "ASCII", "-r", folder.file("data")])
    try #require(output.status == 0, "qrencode: \(output.stderr)")
    return output.text.split(separator: "\n").map { line in
      let bytes = Array(line.utf8)
      return stride(from: 0, to: bytes.count, by: 2).map { bytes[$0] == UInt8(ascii: "#") }
    }
  }

  static func rows(_ code: QRCode) -> [[Bool]] {
    (0..<code.size).map { y in (0..<code.size).map { x in code[x: x, y: y] } }
  }

  /// The mask a symbol's first copy of its format information names (clause 7.9.1: the 15 bits
  /// beside the top-left finder pattern, XOR 101010000010010, the mask in bits 10–12).
  static func formatMask(_ rows: [[Bool]]) -> Int {
    var positions = (0...5).map { ($0, 8) } + [(7, 8), (8, 8), (8, 7)]
    positions += (9..<15).map { (8, 14 - $0) }
    let bits = positions.enumerated().reduce(0) { bits, entry in
      let (row, column) = entry.element
      return bits | (rows[row][column] ? 1 << entry.offset : 0)
    }
    return ((bits ^ 0x5412) >> 10) & 7
  }

  @Test(
    "every version at every level equals qrencode's matrix for the same version, level and mask",
    arguments: QRCode.ErrorCorrection.allCases)
  func matchesQrencode(level: QRCode.ErrorCorrection) async throws {
    var sameMaskChoice = 0
    // Smoke: every size class of the format (versions 1–6, 7–9 with version information, the
    // alignment-pattern steps, 40); AMEXIST_FULL_TESTS=1: all forty.
    let versions = TestScale.isFull ? Array(1...40) : [1, 2, 6, 7, 10, 14, 21, 27, 33, 40]
    for version in versions {
      // Long enough to need this version at this level, so that both pick it.
      let capacity = Self.byteCapacity(version: version, level)
      let previous = version == 1 ? 0 : Self.byteCapacity(version: version - 1, level)
      let length = previous + 1 + (capacity - previous - 1) * (version % 3) / 2
      let text = Self.sampleText(length: length, seed: version * 4 + level.rawValue)
      let expected = try await Self.reference(text, version: version, level: level)
      let automatic = try QRCode(Array(text.utf8), errorCorrection: level)
      #expect(automatic.version == version)
      #expect(Self.formatMask(Self.rows(automatic)) == automatic.mask)
      // The matrix with qrencode's mask (which its format information names) is qrencode's.
      let mask = Self.formatMask(expected)
      #expect(
        Self.rows(try QRCode(Array(text.utf8), errorCorrection: level, mask: mask)) == expected,
        "version \(version) \(level): the matrix with qrencode's mask \(mask) is not qrencode's")
      if mask == automatic.mask { sameMaskChoice += 1 }
    }
    // Both score the masks by the four rules of table 11, but libqrencode also counts scaled
    // n:n:3n:n:n runs under rule 3, so the choices agree mostly, not always; any mask decodes.
    print(
      "\(level): the same mask as qrencode for \(sameMaskChoice) of \(versions.count) versions")
  }

  static func byteCapacity(version: Int, _ level: QRCode.ErrorCorrection) -> Int {
    QRCode.byteCapacity(version: version, errorCorrection: level)
  }

  @Test("capacities of byte mode: version 1 and version 40 at each level (table 7)")
  func capacities() throws {
    let expected: [QRCode.ErrorCorrection: (Int, Int)] = [
      .low: (17, 2953), .medium: (14, 2331), .quartile: (11, 1663), .high: (7, 1273),
    ]
    for (level, (first, last)) in expected {
      #expect(Self.byteCapacity(version: 1, level) == first)
      #expect(Self.byteCapacity(version: 40, level) == last)
      // And the encoder agrees: one byte more needs the next version.
      #expect(
        try QRCode([UInt8](repeating: 0x61, count: first), errorCorrection: level).version == 1)
      #expect(
        try QRCode([UInt8](repeating: 0x61, count: first + 1), errorCorrection: level).version == 2)
    }
  }

  @Test("data beyond version 40 is refused with the capacity (H4); bad versions and masks too")
  func tooLong() {
    #expect(throws: QRCodeError.tooLong(byteCount: 2332, capacity: 2331)) {
      try QRCode([UInt8](repeating: 0x41, count: 2332))
    }
    #expect(throws: QRCodeError.versionOutOfRange(41)) {
      try QRCode([0x41], minimumVersion: 41)
    }
    #expect(throws: QRCodeError.maskOutOfRange(8)) { try QRCode([0x41], mask: 8) }
    #expect(throws: QRCodeError.maskOutOfRange(-1)) { try QRCode([0x41], mask: -1) }
  }

  @Test(
    "zbarimg decodes exactly what was encoded",
    arguments: [
      "https://registre.amexist.example/v/0b8e7c1e-5b7d-4f57-9a53-4f3c1b2d9e10",
      "AMEXIST", "Santé au travail — Île-de-France", String(repeating: "0123456789", count: 40),
    ])
  func zbarDecodes(text: String) async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let code = try QRCode(text: text)
    let path = folder.file("code.pbm")
    try Data(Self.portableBitmap(code, scale: 4).utf8).write(to: URL(fileURLWithPath: path))
    let decoded = try await ExternalTool.run("zbarimg", ["--raw", "-q", "-Sbinary", path])
    #expect(decoded.status == 0, "\(decoded.stderr)")
    #expect(decoded.stdout == Data(text.utf8) || decoded.stdout == Data((text + "\n").utf8))
  }

  @Test(
    "zbarimg decodes symbols across versions 1 to 40 at every level",
    arguments: QRCode.ErrorCorrection.allCases)
  func zbarDecodesVersions(level: QRCode.ErrorCorrection) async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    for version in [1, 2, 6, 7, 10, 14, 21, 27, 33, 40] {
      let text = Self.sampleText(
        length: Self.byteCapacity(version: version, level), seed: version + 100 * level.rawValue)
      let code = try QRCode(Array(text.utf8), errorCorrection: level)
      #expect(code.version == version)
      let path = folder.file("v\(version).pbm")
      try Data(Self.portableBitmap(code, scale: 3).utf8).write(to: URL(fileURLWithPath: path))
      let decoded = try await ExternalTool.run("zbarimg", ["--raw", "-q", "-Sbinary", path])
      #expect(decoded.status == 0, "version \(version) \(level): \(decoded.stderr)")
      #expect(decoded.stdout == Data(text.utf8), "version \(version) \(level)")
    }
  }

  /// A plain PBM image of the symbol with its four-module quiet zone.
  static func portableBitmap(_ code: QRCode, scale: Int) -> String {
    let width = (code.size + 8) * scale
    var lines = ["P1", "\(width) \(width)"]
    for y in 0..<(code.size + 8) {
      let row = (0..<(code.size + 8)).map { x -> String in
        let inside = (4..<(code.size + 4)).contains(x) && (4..<(code.size + 4)).contains(y)
        let dark = inside && code[x: x - 4, y: y - 4]
        return String(repeating: dark ? "1 " : "0 ", count: scale)
      }.joined()
      lines += Array(repeating: row, count: scale)
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// The four penalty rules of clause 7.8.3 (table 11), on hand-made lines and symbols.
@Suite("QR mask penalty")
struct QRPenaltyTests {
  static func lineScore(_ pattern: String) -> Int {
    let modules = pattern.map { $0 == "1" }
    return modules.withUnsafeBufferPointer {
      QRPenalty.lineScore($0, start: 0, stride: 1, count: modules.count)
    }
  }

  @Test("rule 1: five in a row score 3, each one more scores 1 more; four score nothing")
  func runs() {
    #expect(Self.lineScore("0101") == 0)
    #expect(Self.lineScore("1111010") == 0)
    #expect(Self.lineScore("1111101") == 3)
    #expect(Self.lineScore("0111111101") == 5)
    #expect(Self.lineScore("00000011111") == 4 + 3)
  }

  @Test("rule 3: 1011101 with four light modules on one side scores 40; the edge counts as light")
  func finderLike() {
    #expect(Self.lineScore("00001011101" + "1") == 40 + 0)
    #expect(Self.lineScore("1" + "10111010000") == 40)
    #expect(Self.lineScore("1011101") == 40)
    #expect(Self.lineScore("10010111011001") == 0)
    #expect(Self.lineScore("1101110101101") == 0)
  }

  @Test("rules 2 and 4: 2 × 2 blocks and the dark proportion")
  func blocksAndBalance() {
    // All light, 21 × 21: 42 runs of 21 (19 each), 400 blocks (3 each), 100 % off balance.
    #expect(QRPenalty.score(Array(repeating: false, count: 441), size: 21) == 42 * 19 + 1200 + 100)
    // Columns alternating: rows score nothing, each column is one run; half dark is balanced.
    let stripes = (0..<400).map { $0 % 20 % 2 == 0 }
    #expect(QRPenalty.score(stripes, size: 20) == 20 * 18)
    // A checkerboard: nothing at all.
    #expect(QRPenalty.score((0..<400).map { ($0 / 20 + $0 % 20) % 2 == 0 }, size: 20) == 0)
  }

  @Test("the chosen mask is the one of lowest score")
  func chosenMask() throws {
    let data = Array("AMEXIST".utf8)
    let scores = try (0...7).map { mask in
      let code = try QRCode(data, mask: mask)
      var grid = QRGrid(version: 1)
      grid.placeData(
        QRCapacity.interleavedCodewords(
          QRCapacity.dataCodewords(data, version: 1, .medium), version: 1, .medium))
      let masked = grid.masked(mask, .medium)
      #expect(
        (0..<21).allSatisfy { y in
          (0..<21).allSatisfy { x in masked.modules[y * 21 + x] == code[x: x, y: y] }
        })
      return QRPenalty.score(masked)
    }
    let chosen = try QRCode(data).mask
    #expect(scores[chosen] == scores.min())
  }
}
