import Foundation

/// A French region, by its INSEE code (the 18 regions since 2016).
public struct Region: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The two-digit INSEE code, such as `11` for Île-de-France.
  public let code: String

  /// Every region, by INSEE code, with its name.
  public static let names: [String: String] = [
    "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte",
    "11": "Île-de-France", "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté",
    "28": "Normandie", "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire",
    "53": "Bretagne", "75": "Nouvelle-Aquitaine", "76": "Occitanie", "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur", "94": "Corse",
  ]

  /// Parses an INSEE region code (`1` is read as `01`).
  ///
  /// - Throws: ``DomainError/invalidRegion(input:)`` when the code names no region.
  public init(code input: String) throws(DomainError) {
    // The stored form (every entry read names its region so) without Foundation's trimming.
    if input.utf8.count == 2, Self.names[input] != nil {
      self.code = input
      return
    }
    let trimmed = input.trimmingCharacters(in: .whitespaces)
    let code = trimmed.count == 1 ? "0" + trimmed : trimmed
    guard Self.names[code] != nil else { throw .invalidRegion(input: input) }
    self.code = code
  }

  /// The region's name in French.
  public var name: String { Self.names[code] ?? code }

  public var description: String { code }

  public static func < (lhs: Region, rhs: Region) -> Bool { lhs.code < rhs.code }
}
