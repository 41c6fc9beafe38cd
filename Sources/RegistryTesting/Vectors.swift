public import AmexistDomain
import Foundation

/// Public conformance data, kept with their licences in `Tests/Vectors/` (copied from the
/// sources its README names), so that a fresh clone tests itself. Tests that need it fail (they
/// do not skip) when the folder is missing.
public enum Vectors {
  /// The vectors folder: `$AMEXIST_VECTORS`, or `Tests/Vectors` in the package.
  public static var folder: String {
    if let override = ProcessInfo.processInfo.environment["AMEXIST_VECTORS"] { return override }
    return URL(fileURLWithPath: packageRoot).appendingPathComponent("Tests/Vectors").path
  }

  /// The package root.
  public static var packageRoot: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }

  /// Errors reading vector files.
  public struct Missing: Error, CustomStringConvertible {
    public let description: String
  }

  /// The JSON of `relativePath` inside the vectors folder, parsed strictly.
  public static func json(_ relativePath: String) throws -> JSONValue {
    let path = (folder as NSString).appendingPathComponent(relativePath)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw Missing(
        description: "test vectors missing: \(path) (Tests/Vectors is part of the repository)")
    }
    return try StrictJSONParser(maximumSize: 64 << 20, maximumDepth: 64).parse([UInt8](data))
  }

  /// The files below `relativeFolder`, recursively, sorted.
  public static func files(under relativeFolder: String) throws -> [String] {
    let base = (folder as NSString).appendingPathComponent(relativeFolder)
    guard let enumerator = FileManager.default.enumerator(atPath: base) else {
      throw Missing(description: "test vectors missing: \(base)")
    }
    let files = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
    guard !files.isEmpty else { throw Missing(description: "no vectors in \(base)") }
    return files.map { (relativeFolder as NSString).appendingPathComponent($0) }
  }
}

/// Hex helpers for vectors.
public enum Hex {
  /// The bytes of a hex string; the text must be valid hex.
  public static func bytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
      let next = text.index(index, offsetBy: 2)
      bytes.append(UInt8(text[index..<next], radix: 16)!)
      index = next
    }
    return bytes
  }
}

extension JSONValue {
  /// The string value, or nil.
  public var stringValue: String? {
    if case .string(let text) = self { return text }
    return nil
  }

  /// The integer value, or nil.
  public var integerValue: Int64? {
    if case .integer(let number) = self { return number }
    return nil
  }

  /// The elements of an array, or an empty list.
  public var arrayValue: [JSONValue] {
    if case .array(let elements) = self { return elements }
    return []
  }
}
