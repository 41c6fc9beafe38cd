/// The module grid of one symbol: function patterns, codeword placement and masking
/// (ISO/IEC 18004 clauses 6.3, 7.7–7.10).
struct QRGrid {
  let size: Int
  let version: Int
  /// Row-major, `true` for dark.
  private(set) var modules: [Bool]
  /// Modules of function patterns and format and version information: never masked.
  private var reserved: [Bool]

  init(version: Int) {
    self.version = version
    size = QRLayout.size(version)
    modules = Array(repeating: false, count: size * size)
    reserved = Array(repeating: false, count: size * size)
    drawFunctionPatterns()
  }

  private mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
    modules[y * size + x] = dark
    reserved[y * size + x] = true
  }

  private mutating func drawFunctionPatterns() {
    // Timing patterns (row and column 6), drawn first: finders and alignments overwrite them.
    for index in 0..<size {
      set(6, index, index % 2 == 0)
      set(index, 6, index % 2 == 0)
    }
    drawFinder(centreX: 3, centreY: 3)
    drawFinder(centreX: size - 4, centreY: 3)
    drawFinder(centreX: 3, centreY: size - 4)
    let centres = QRLayout.alignmentCentres(version)
    for (row, y) in centres.enumerated() {
      for (column, x) in centres.enumerated() {
        // None where a finder pattern sits.
        let last = centres.count - 1
        if (row == 0 && column == 0) || (row == 0 && column == last)
          || (row == last && column == 0)
        {
          continue
        }
        for dy in -2...2 {
          for dx in -2...2 { set(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) }
        }
      }
    }
    // Reserve the format information areas (written with the mask) and the dark module.
    drawFormat(0)
    if version >= 7 { drawVersion() }
  }

  /// A finder pattern with its light separator, clipped to the symbol.
  private mutating func drawFinder(centreX: Int, centreY: Int) {
    for dy in -4...4 {
      for dx in -4...4 {
        let x = centreX + dx
        let y = centreY + dy
        guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
        let ring = max(abs(dx), abs(dy))
        set(x, y, ring != 2 && ring != 4)
      }
    }
  }

  /// The 15 format bits (clause 7.9): level and mask, BCH(15,5) code, XOR 101010000010010.
  static func formatBits(_ level: QRCode.ErrorCorrection, mask: Int) -> Int {
    let data = level.formatBits << 3 | mask
    var remainder = data
    for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
    return (data << 10 | remainder) ^ 0x5412
  }

  /// Both copies of the format information, bit 0 the least significant.
  private mutating func drawFormat(_ bits: Int) {
    func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
    for index in 0...5 { set(8, index, bit(index)) }
    set(8, 7, bit(6))
    set(8, 8, bit(7))
    set(7, 8, bit(8))
    for index in 9..<15 { set(14 - index, 8, bit(index)) }
    for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
    for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
    set(8, size - 8, true)
  }

  /// The 18 version bits (clause 7.10): version and BCH(18,6) code, in two 6 × 3 blocks.
  private mutating func drawVersion() {
    var remainder = version
    for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
    let bits = version << 12 | remainder
    for index in 0..<18 {
      let dark = (bits >> index) & 1 == 1
      let a = size - 11 + index % 3
      let b = index / 3
      set(a, b, dark)
      set(b, a, dark)
    }
  }

  /// Places codewords in the two-module-wide columns, right to left, alternately upwards and
  /// downwards, skipping function modules and the vertical timing pattern (clause 7.7.3).
  mutating func placeData(_ codewords: [UInt8]) {
    var bitIndex = 0
    let bitCount = codewords.count * 8
    var right = size - 1
    while right >= 1 {
      if right == 6 { right = 5 }
      let upward = (right + 1) & 2 == 0
      for step in 0..<size {
        let y = upward ? size - 1 - step : step
        for x in [right, right - 1] where !reserved[y * size + x] && bitIndex < bitCount {
          modules[y * size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
          bitIndex += 1
        }
      }
      right -= 2
    }
  }

  /// Whether mask pattern `mask` inverts the module at column `x`, row `y` (table 10).
  static func masks(_ mask: Int, x: Int, y: Int) -> Bool {
    switch mask {
    case 0: (x + y) % 2 == 0
    case 1: y % 2 == 0
    case 2: x % 3 == 0
    case 3: (x + y) % 3 == 0
    case 4: (x / 3 + y / 2) % 2 == 0
    case 5: x * y % 2 + x * y % 3 == 0
    case 6: (x * y % 2 + x * y % 3) % 2 == 0
    default: ((x + y) % 2 + x * y % 3) % 2 == 0
    }
  }

  /// This grid with `mask` applied to the data modules and its format information written.
  func masked(_ mask: Int, _ level: QRCode.ErrorCorrection) -> QRGrid {
    var copy = self
    for y in 0..<size {
      for x in 0..<size where !reserved[y * size + x] && Self.masks(mask, x: x, y: y) {
        copy.modules[y * size + x].toggle()
      }
    }
    copy.drawFormat(Self.formatBits(level, mask: mask))
    return copy
  }
}

/// The penalty score of a masked symbol (clause 7.8.3, table 11); the mask with the lowest
/// score is used. Modules outside the symbol count as light (the quiet zone), as the reference
/// decoders do for the finder-like pattern rule.
enum QRPenalty {
  static func score(_ grid: QRGrid) -> Int { score(grid.modules, size: grid.size) }

  /// The score of `size` × `size` row-major modules.
  static func score(_ modules: [Bool], size: Int) -> Int {
    modules.withUnsafeBufferPointer { modules in
      var score = 0
      for line in 0..<size {
        score += lineScore(modules, start: line * size, stride: 1, count: size)
        score += lineScore(modules, start: line, stride: size, count: size)
      }
      // Rule 2: 3 for each 2 × 2 block of one colour.
      for y in 0..<(size - 1) {
        for x in 0..<(size - 1) {
          let index = y * size + x
          let colour = modules[index]
          if modules[index + 1] == colour, modules[index + size] == colour,
            modules[index + size + 1] == colour
          {
            score += 3
          }
        }
      }
      // Rule 4: 10 for each full 5 % step of the dark proportion away from 50 %.
      var dark = 0
      for module in modules where module { dark += 1 }
      score += abs(dark * 2 - modules.count) * 10 / modules.count * 10
      return score
    }
  }

  /// Rules 1 and 3 on the row or column of `count` modules from `start`, `stride` apart.
  static func lineScore(
    _ modules: UnsafeBufferPointer<Bool>, start: Int, stride: Int, count: Int
  ) -> Int {
    var score = 0
    // Rule 1: a run of 5 + i modules of one colour scores 3 + i.
    var runLength = 1
    var previous = modules[start]
    for position in 1..<count {
      let current = modules[start + position * stride]
      if current == previous {
        runLength += 1
      } else {
        if runLength >= 5 { score += runLength - 2 }
        runLength = 1
        previous = current
      }
    }
    if runLength >= 5 { score += runLength - 2 }
    // Rule 3: 40 for each dark-light-dark-dark-dark-light-dark with four light modules on
    // either side. Windows of 11 modules are read as 11-bit numbers over the line with four
    // light modules added at each end (the quiet zone): 00001011101 is the pattern with light
    // before it, 10111010000 with light after it; one occurrence scores once.
    guard count >= 7 else { return score }
    let padded = count + 8
    func bit(_ index: Int) -> Int {
      let position = index - 4
      return position >= 0 && position < count && modules[start + position * stride] ? 1 : 0
    }
    var windows = [Int](repeating: 0, count: padded - 10)
    var value = 0
    for index in 0..<padded {
      value = (value << 1 | bit(index)) & 0x7FF
      if index >= 10 { windows[index - 10] = value }
    }
    for first in 0...(count - 7) where windows[first] == 0x05D || windows[first + 4] == 0x5D0 {
      score += 40
    }
    return score
  }
}
