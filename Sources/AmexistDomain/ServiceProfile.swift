import Foundation

/// What the registry publishes about a service besides its SIRET.
public struct ServiceProfile: Hashable, Sendable {
  /// The longest street address accepted, in characters.
  public static let maximumAddressLength = 300
  /// The longest city accepted, in characters.
  public static let maximumCityLength = 100
  /// The longest address a credential carries: the street address, `, ` and the city.
  public static let maximumPostalAddressLength = maximumAddressLength + 2 + maximumCityLength

  /// The service's name, as it should appear on attestations.
  public let name: String
  /// Street address, if published.
  public let address: String?
  /// City of the establishment, if published.
  public let city: String?
  /// Region of the establishment, if known.
  public let region: Region?
  /// The service's website, always an `https` URL.
  public let website: String?

  /// A profile from user input: text is trimmed and normalised (Unicode NFC), empty optional
  /// fields become nil.
  ///
  /// - Throws: ``DomainError/invalidText(field:reason:)``, ``DomainError/invalidRegion(input:)`` or
  ///   ``DomainError/invalidWebsite(input:reason:)``.
  public init(
    name: String, address: String? = nil, city: String? = nil, region: String? = nil,
    website: String? = nil
  )
    throws(DomainError)
  {
    self.name = try TextRules.required(name, field: "name", maximumLength: 200)
    self.address = try TextRules.optional(
      address, field: "address", maximumLength: Self.maximumAddressLength)
    self.city = try TextRules.optional(city, field: "city", maximumLength: Self.maximumCityLength)
    let regionCode = try TextRules.optional(region, field: "region", maximumLength: 3)
    self.region = try regionCode.map { code throws(DomainError) in try Region(code: code) }
    self.website = try TextRules.optional(website, field: "website", maximumLength: 200).map {
      text throws(DomainError) in try Website.validate(text)
    }
  }
}

extension ServiceProfile {
  /// Refuses a profile whose name, address or city a printed attestation could not show.
  public func checkPrintable() throws(DomainError) {
    try TextRules.checkPrintable(name, field: "name")
    try TextRules.checkPrintable(address, field: "address")
    try TextRules.checkPrintable(city, field: "city")
  }
}

/// Rules for the free text the registry stores, shows and signs.
public enum TextRules {
  /// Trims and normalises `text` and checks it: not empty, at most `maximumLength` characters,
  /// no control, bidirectional-override or line-separator characters (they would let a name
  /// forge lines in logs or reorder what a page shows).
  public static func required(_ text: String, field: String, maximumLength: Int) throws(DomainError)
    -> String
  {
    guard text.utf8.count <= maximumLength * 8 else {
      throw .invalidText(field: field, reason: "longer than \(maximumLength) characters")
    }
    let normalised =
      isNormalised(text)
      ? text
      : text.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
    guard !normalised.isEmpty else { throw .invalidText(field: field, reason: "it is empty") }
    // No more bytes than the limit is no more characters (counting characters is slower).
    guard normalised.utf8.count <= maximumLength || normalised.count <= maximumLength else {
      throw .invalidText(field: field, reason: "longer than \(maximumLength) characters")
    }
    if let bad = normalised.unicodeScalars.first(where: isForbidden) {
      throw .invalidText(
        field: field,
        reason: "character U+\(String(bad.value, radix: 16, uppercase: true)) is not allowed"
      )
    }
    return normalised
  }

  /// What trimming removes, made once: Foundation builds the set again at each access, and
  /// every entry read checks its texts.
  private static let blank = CharacterSet.whitespacesAndNewlines

  /// Whether `text` is already what trimming and NFC would make it: no white space at either
  /// end, and only scalars below U+0300 (below the combining marks every scalar is its own NFC
  /// form and composes with nothing). Every entry read from the log is checked again, so the
  /// common case skips Foundation's normalisation.
  static func isNormalised(_ text: String) -> Bool {
    let scalars = text.unicodeScalars
    guard let first = scalars.first, let last = scalars.last, !blank.contains(first),
      !blank.contains(last)
    else { return false }
    return scalars.allSatisfy { $0.value < 0x300 }
  }

  /// Like ``required(_:field:maximumLength:)`` but nil or blank input gives nil.
  public static func optional(_ text: String?, field: String, maximumLength: Int)
    throws(DomainError) -> String?
  {
    // Blank is all white space (what trimming would leave empty), checked without a copy.
    guard let text, !text.unicodeScalars.allSatisfy({ blank.contains($0) }) else {
      return nil
    }
    return try required(text, field: field, maximumLength: maximumLength)
  }

  /// The first character of `text` that printed attestations cannot show, or nil.
  ///
  /// The PDF's standard fonts use the Windows-1252 repertoire (Latin-1 and 27 typographic
  /// characters: every French letter, œ, €, quotes and dashes); anything else would print as
  /// something it is not, so new text that goes on a document is refused at input instead.
  public static func firstUnprintable(_ text: String) -> Unicode.Scalar? {
    text.unicodeScalars.first { scalar in
      switch scalar.value {
      case 0x20...0x7E, 0xA0...0xFF: return false
      default: return !windows1252Extras.contains(scalar.value)
      }
    }
  }

  /// The characters Windows-1252 puts at 0x80–0x9F.
  static let windows1252Extras: Set<UInt32> = [
    0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x017D, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
    0x0161, 0x203A, 0x0153, 0x017E, 0x0178,
  ]

  /// Refuses `text` (of `field`) when a printed attestation could not show one of its
  /// characters.
  static func checkPrintable(_ text: String?, field: String) throws(DomainError) {
    guard let text, let bad = firstUnprintable(text) else { return }
    throw .ruleViolated(.notPrintable(field: field, character: bad))
  }

  /// Whether `scalar` may never appear in stored text.
  static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: return true  // C0 and C1 controls, DEL
    case 0x2028, 0x2029: return true  // line and paragraph separators
    case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidirectional controls
    case 0xFEFF: return true  // byte order mark
    default: return false
    }
  }
}

/// A service's website: absolute `https` URLs only, since pages and badges link to it.
enum Website {
  static func validate(_ text: String) throws(DomainError) -> String {
    guard let components = URLComponents(string: text), components.scheme?.lowercased() == "https"
    else {
      throw .invalidWebsite(input: text, reason: "it must be an absolute https:// URL")
    }
    guard let host = components.host, !host.isEmpty, host.contains(".") else {
      throw .invalidWebsite(input: text, reason: "it has no host name")
    }
    guard components.user == nil, components.password == nil else {
      throw .invalidWebsite(input: text, reason: "user names and passwords are not allowed in it")
    }
    guard !text.contains(where: { $0.isWhitespace }) else {
      throw .invalidWebsite(input: text, reason: "it contains spaces")
    }
    return text
  }
}
