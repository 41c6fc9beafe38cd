/// The identifier of an establishment in the French business register (SIRENE): 14 digits.
///
/// A `SIRET` value always holds 14 digits whose Luhn checksum holds, or, for establishments of
/// La Poste (SIREN 356000000), whose digit sum is a multiple of 5, the rule INSEE applies to them.
public struct SIRET: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The 14 digits, without spaces.
  public let digits: String

  /// The SIREN of La Poste, whose establishments follow their own checksum rule.
  public static let laPosteSIREN = "356000000"

  /// Parses user input: ASCII spaces and the non-breaking spaces used as French digit group
  /// separators are removed; any other non-digit is refused.
  ///
  /// - Throws: ``DomainError/invalidSIRET(input:problem:)`` saying what is wrong.
  public init(_ input: String) throws(DomainError) {
    // The stored form (14 ASCII digits) is checked on its bytes, without grapheme breaking;
    // anything else takes the path that names the problem.
    if Self.isStoredForm(input) {
      self.digits = input
      return
    }
    var digits: [UInt8] = []
    var position = 0
    for character in input {
      position += 1
      if character == " " || character == "\u{00A0}" || character == "\u{202F}" {
        continue
      }
      guard let ascii = character.asciiValue,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
      else {
        throw .invalidSIRET(
          input: input, problem: .unexpectedCharacter(character, position: position))
      }
      digits.append(ascii - UInt8(ascii: "0"))
      // Anything this long is wrong: stop before counting an enormous input.
      if digits.count > 64 { break }
    }
    guard !digits.isEmpty else { throw .invalidSIRET(input: input, problem: .empty) }
    guard digits.count == 14 else {
      throw .invalidSIRET(input: input, problem: .wrongLength(digits.count))
    }
    guard digits.prefix(9).contains(where: { $0 != 0 }) else {
      throw .invalidSIRET(input: input, problem: .zeroSIREN)
    }
    let text = String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    guard Self.checksumHolds(digits: digits, isLaPoste: text.hasPrefix(Self.laPosteSIREN)) else {
      throw .invalidSIRET(input: input, problem: .badChecksum)
    }
    self.digits = text
  }

  /// The first nine digits: the SIREN of the company the establishment belongs to.
  public var siren: String { String(digits.prefix(9)) }

  /// The number grouped as INSEE prints it: `123 456 789 00012`.
  public var formatted: String {
    let characters = Array(digits)
    return
      "\(String(characters[0..<3])) \(String(characters[3..<6])) \(String(characters[6..<9])) \(String(characters[9...]))"
  }

  public var description: String { digits }

  public static func < (lhs: SIRET, rhs: SIRET) -> Bool { lhs.digits < rhs.digits }

  /// Whether `input` is exactly 14 ASCII digits forming a valid SIRET, checked on its bytes.
  static func isStoredForm(_ input: String) -> Bool {
    let utf8 = input.utf8
    guard utf8.count == 14, utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return false }
    let digits = utf8.lazy.map { $0 - UInt8(ascii: "0") }
    return digits.prefix(9).contains(where: { $0 != 0 })
      && checksumHolds(digits: digits, isLaPoste: input.hasPrefix(laPosteSIREN))
  }

  /// Luhn over the 14 digits (doubling every second digit from the right), or La Poste's rule.
  static func checksumHolds(digits: some BidirectionalCollection<UInt8>, isLaPoste: Bool) -> Bool {
    if isLaPoste {
      return digits.reduce(0) { $0 + Int($1) } % 5 == 0
    }
    var sum = 0
    for (offset, digit) in digits.reversed().enumerated() {
      var value = Int(digit)
      if offset % 2 == 1 {
        value *= 2
        if value > 9 { value -= 9 }
      }
      sum += value
    }
    return sum % 10 == 0
  }
}
