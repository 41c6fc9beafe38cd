/// A QR Code symbol (ISO/IEC 18004:2015, Model 2) holding bytes in byte mode.
///
/// The symbol is a square of `size` × `size` modules, `true` for dark. It has no quiet zone: a
/// renderer leaves four light modules around it. Any version from 1 to 40 and any of the four
/// error correction levels can be made; by default the smallest version that holds the data at
/// level M, with the mask of lowest penalty score.
///
/// Written here rather than taken from a package because none of the Swift packages this
/// project may use encodes QR codes; the steps follow the clauses of the standard they cite.
public struct QRCode: Hashable, Sendable {
  /// The error correction level: the share of codewords that can be restored.
  public enum ErrorCorrection: Int, CaseIterable, Hashable, Sendable {
    /// About 7 % of codewords can be restored.
    case low
    /// About 15 % (the default).
    case medium
    /// About 25 %.
    case quartile
    /// About 30 %.
    case high

    /// The two bits of the format information (clause 7.9.1, table 12).
    var formatBits: Int {
      switch self {
      case .low: 1
      case .medium: 0
      case .quartile: 3
      case .high: 2
      }
    }
  }

  /// The version, 1 to 40; the symbol is `17 + 4 × version` modules wide.
  public let version: Int
  /// The error correction level.
  public let errorCorrection: ErrorCorrection
  /// The data mask pattern applied, 0 to 7.
  public let mask: Int
  /// The number of modules on a side.
  public var size: Int { QRLayout.size(version) }
  /// Row-major modules, `true` for dark.
  private let modules: [Bool]

  /// Whether the module in column `x` and row `y` (from the top left, 0-based) is dark.
  public subscript(x x: Int, y y: Int) -> Bool { modules[y * size + x] }

  /// The symbol holding `data` in byte mode.
  ///
  /// - Parameters:
  ///   - errorCorrection: the level; M unless said otherwise.
  ///   - minimumVersion: the smallest version to use (the data may need a larger one).
  ///   - mask: a fixed mask pattern; nil picks the one of lowest penalty score (clause 7.8.3).
  /// - Throws: `QRCodeError` when the data does not fit version 40, or for a version or mask
  ///   out of range.
  public init(
    _ data: [UInt8], errorCorrection: ErrorCorrection = .medium, minimumVersion: Int = 1,
    mask: Int? = nil
  ) throws(QRCodeError) {
    guard (1...40).contains(minimumVersion) else { throw .versionOutOfRange(minimumVersion) }
    if let mask, !(0...7).contains(mask) { throw .maskOutOfRange(mask) }
    guard
      let version = (minimumVersion...40).first(where: {
        QRCapacity.dataBits(version: $0, errorCorrection)
          >= QRCapacity.bitsNeeded(
            byteCount: data.count, version: $0)
      })
    else {
      throw .tooLong(
        byteCount: data.count, capacity: QRCapacity.byteCapacity(version: 40, errorCorrection))
    }
    let codewords = QRCapacity.interleavedCodewords(
      QRCapacity.dataCodewords(data, version: version, errorCorrection),
      version: version, errorCorrection)
    var grid = QRGrid(version: version)
    grid.placeData(codewords)
    var best: (mask: Int, score: Int, grid: QRGrid)?
    for candidate in mask.map({ [$0] }) ?? Array(0...7) {
      let masked = grid.masked(candidate, errorCorrection)
      // Only scored when there is a choice; the first of equal scores wins.
      let score = mask == nil ? QRPenalty.score(masked) : 0
      if best == nil || score < best!.score { best = (candidate, score, masked) }
    }
    self.version = version
    self.errorCorrection = errorCorrection
    self.mask = best!.mask
    self.modules = best!.grid.modules
  }

  /// The most bytes a symbol of `version` (1 to 40) holds in byte mode at `errorCorrection`.
  public static func byteCapacity(version: Int, errorCorrection: ErrorCorrection) -> Int {
    QRCapacity.byteCapacity(version: min(max(version, 1), 40), errorCorrection)
  }

  /// The symbol holding the UTF-8 bytes of `text` in byte mode (no ECI header: readers take
  /// byte-mode text as UTF-8 when it is valid UTF-8).
  public init(text: String, errorCorrection: ErrorCorrection = .medium) throws(QRCodeError) {
    try self.init(Array(text.utf8), errorCorrection: errorCorrection)
  }
}

/// Why a QR code could not be made.
public enum QRCodeError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The data is longer than version 40 holds at the chosen level.
  case tooLong(byteCount: Int, capacity: Int)
  /// A version outside 1...40 was asked for.
  case versionOutOfRange(Int)
  /// A mask outside 0...7 was asked for.
  case maskOutOfRange(Int)

  public var description: String {
    switch self {
    case .tooLong(let count, let capacity):
      "\(count) bytes do not fit in a QR code (at most \(capacity) at this error correction level)"
    case .versionOutOfRange(let version): "QR version \(version) is not 1 to 40"
    case .maskOutOfRange(let mask): "QR mask \(mask) is not 0 to 7"
    }
  }
}

/// Module geometry of a version: size, alignment pattern centres, reserved areas.
enum QRLayout {
  static func size(_ version: Int) -> Int { 17 + 4 * version }

  /// Row and column coordinates of alignment pattern centres (annex E): 6, then evenly spaced
  /// (by an even step) up to `size - 7`.
  static func alignmentCentres(_ version: Int) -> [Int] {
    guard version > 1 else { return [] }
    let count = version / 7 + 2
    let last = size(version) - 7
    let step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
    return [6] + (0..<(count - 1)).reversed().map { last - $0 * step }
  }

  /// Number of modules left for codewords once function patterns are drawn (clause 7.1).
  static func dataModules(_ version: Int) -> Int {
    var modules = (16 * version + 128) * version + 64
    if version >= 2 {
      let count = version / 7 + 2
      modules -= (25 * count - 10) * count - 55
      if version >= 7 { modules -= 36 }
    }
    return modules
  }
}
