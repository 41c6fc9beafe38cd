/// Data encoding, error correction blocks and interleaving (ISO/IEC 18004 clauses 7.4–7.6).
enum QRCapacity {
  /// Error correction codewords per block, by level (L, M, Q, H) then version (table 9).
  private static let correctionPerBlock: [[Int]] = [
    [
      7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30,
      30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
      10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
      28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
      13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30,
      30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
      17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30,
      30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
  ]

  /// Number of error correction blocks, by level (L, M, Q, H) then version (table 9).
  private static let blockCount: [[Int]] = [
    [
      1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14,
      15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
      1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
      26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
      1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34,
      34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
      1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37,
      40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
  ]

  static func correctionCodewords(_ version: Int, _ level: QRCode.ErrorCorrection) -> Int {
    correctionPerBlock[level.rawValue][version - 1]
  }

  static func blocks(_ version: Int, _ level: QRCode.ErrorCorrection) -> Int {
    blockCount[level.rawValue][version - 1]
  }

  static func totalCodewords(_ version: Int) -> Int { QRLayout.dataModules(version) / 8 }

  /// Data bits the symbol holds at `level`.
  static func dataBits(version: Int, _ level: QRCode.ErrorCorrection) -> Int {
    (totalCodewords(version) - correctionCodewords(version, level) * blocks(version, level)) * 8
  }

  /// Width of the byte mode character count (table 3).
  static func countBits(_ version: Int) -> Int { version <= 9 ? 8 : 16 }

  /// Bits of one byte-mode segment of `byteCount` bytes: mode, count, data.
  static func bitsNeeded(byteCount: Int, version: Int) -> Int {
    guard byteCount < 1 << countBits(version) else { return .max }
    return 4 + countBits(version) + 8 * byteCount
  }

  /// The most bytes `version` holds in byte mode at `level`.
  static func byteCapacity(version: Int, _ level: QRCode.ErrorCorrection) -> Int {
    (dataBits(version: version, level) - 4 - countBits(version)) / 8
  }

  /// The data codewords (clause 7.4): mode 0100, count, bytes, terminator, padding to a byte,
  /// then the pad codewords 0xEC and 0x11 in turn. The data must fit (checked by the caller).
  static func dataCodewords(_ data: [UInt8], version: Int, _ level: QRCode.ErrorCorrection)
    -> [UInt8]
  {
    let capacity = dataBits(version: version, level)
    var bits = BitBuffer()
    bits.append(0b0100, count: 4)
    bits.append(data.count, count: countBits(version))
    for byte in data { bits.append(Int(byte), count: 8) }
    bits.append(0, count: min(4, capacity - bits.count))
    bits.append(0, count: (8 - bits.count % 8) % 8)
    var codewords = bits.bytes
    var pad: UInt8 = 0xEC
    while codewords.count * 8 < capacity {
      codewords.append(pad)
      pad = pad == 0xEC ? 0x11 : 0xEC
    }
    return codewords
  }

  /// The final sequence (clause 7.6): data split into blocks (the shorter blocks first), each
  /// followed by its Reed-Solomon codewords, then data and correction codewords interleaved
  /// block by block.
  static func interleavedCodewords(
    _ data: [UInt8], version: Int, _ level: QRCode.ErrorCorrection
  ) -> [UInt8] {
    let blockTotal = blocks(version, level)
    let correction = correctionCodewords(version, level)
    let total = totalCodewords(version)
    let shortBlocks = blockTotal - total % blockTotal
    let shortData = total / blockTotal - correction
    let generator = ReedSolomon.generator(degree: correction)
    var dataBlocks: [ArraySlice<UInt8>] = []
    var correctionBlocks: [[UInt8]] = []
    var start = 0
    for block in 0..<blockTotal {
      let length = shortData + (block < shortBlocks ? 0 : 1)
      let slice = data[start..<(start + length)]
      dataBlocks.append(slice)
      correctionBlocks.append(ReedSolomon.remainder(Array(slice), generator: generator))
      start += length
    }
    var result: [UInt8] = []
    result.reserveCapacity(total)
    for index in 0..<(shortData + 1) {
      for block in dataBlocks where index < block.count {
        result.append(block[block.startIndex + index])
      }
    }
    for index in 0..<correction {
      for block in correctionBlocks { result.append(block[index]) }
    }
    return result
  }
}

/// Bits appended most significant first.
struct BitBuffer {
  private(set) var bytes: [UInt8] = []
  private(set) var count = 0

  mutating func append(_ value: Int, count width: Int) {
    for shift in stride(from: width - 1, through: 0, by: -1) {
      if count % 8 == 0 { bytes.append(0) }
      if (value >> shift) & 1 == 1 { bytes[count / 8] |= 0x80 >> UInt8(count % 8) }
      count += 1
    }
  }
}

/// Reed-Solomon error correction over GF(2⁸) with the polynomial x⁸+x⁴+x³+x²+1 (annex A).
enum ReedSolomon {
  /// α^i for i in 0..<510 (twice round, so that a sum of two logarithms needs no modulo).
  private static let powers: [UInt8] = {
    var powers = [UInt8](repeating: 0, count: 510)
    var value = 1
    for power in 0..<255 {
      powers[power] = UInt8(value)
      powers[power + 255] = UInt8(value)
      value <<= 1
      if value & 0x100 != 0 { value ^= 0x11D }
    }
    return powers
  }()

  /// log_α(v) for v in 1...255.
  private static let logarithms: [Int] = {
    var logarithms = [Int](repeating: 0, count: 256)
    for power in 0..<255 { logarithms[Int(powers[power])] = power }
    return logarithms
  }()

  static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
    guard a != 0, b != 0 else { return 0 }
    return powers[logarithms[Int(a)] + logarithms[Int(b)]]
  }

  /// Coefficients (highest degree first, leading 1 omitted) of ∏ (x − α^i), i in 0..<degree.
  static func generator(degree: Int) -> [UInt8] {
    var coefficients = [UInt8](repeating: 0, count: degree)
    coefficients[degree - 1] = 1
    var root: UInt8 = 1
    for _ in 0..<degree {
      for index in 0..<degree {
        coefficients[index] = multiply(coefficients[index], root)
        if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
      }
      root = multiply(root, 2)
    }
    return coefficients
  }

  /// The remainder of data·x^degree divided by the generator: the correction codewords.
  static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: generator.count)
    for byte in data {
      let factor = byte ^ result[0]
      result.removeFirst()
      result.append(0)
      for index in result.indices { result[index] ^= multiply(generator[index], factor) }
    }
    return result
  }
}
