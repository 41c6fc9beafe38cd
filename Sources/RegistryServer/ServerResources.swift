import Foundation
import Mustache

/// The templates, stylesheet and OpenAPI document shipped with the server, read from a folder
/// found wherever `amexist` is installed (see `ServerResources.folder`).
struct ServerResources: Sendable {
  static let templateNames = [
    "layout", "search", "service", "attestation", "verify", "error", "bodies", "log", "open-data",
    "accessibility", "legal", "api", "api-operation",
  ]
  /// The folder's name in the build tree (SwiftPM's resource bundle, beside the executable).
  static let bundleName = "amexist_RegistryServer.resources"

  /// The folder holding `templates/`, `style.css`, `verify.js` and `openapi.yaml`.
  let folder: String

  /// The resources in `configured` when given, else the first folder of `candidates()` that
  /// holds them.
  init(configured: String?) throws(ResourcesError) {
    if let configured {
      guard Self.holdsResources(configured) else {
        throw ResourcesError(searched: [configured])
      }
      folder = configured
      return
    }
    let candidates = Self.candidates()
    guard let found = candidates.first(where: Self.holdsResources) else {
      throw ResourcesError(searched: candidates)
    }
    folder = found
  }

  /// Where an installed or built `amexist` keeps its resources, relative to the executable:
  /// `share/amexist/resources` beside its `bin/` (the install layout), then SwiftPM's bundle
  /// beside the executable (the build tree).
  static func candidates() -> [String] {
    guard let executable = executablePath() else { return [] }
    let binFolder = (executable as NSString).deletingLastPathComponent
    let prefix = (binFolder as NSString).deletingLastPathComponent
    return [
      (prefix as NSString).appendingPathComponent("share/amexist/resources"),
      (binFolder as NSString).appendingPathComponent(bundleName + "/Resources"),
    ]
  }

  /// The running executable's resolved path (through symbolic links).
  static func executablePath() -> String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    return Bundle.main.executableURL?.resolvingSymlinksInPath().path
  }

  static func holdsResources(_ folder: String) -> Bool {
    FileManager.default.fileExists(
      atPath: (folder as NSString).appendingPathComponent("templates/layout.mustache"))
  }

  func bytes(_ name: String, ext: String, subdirectory: String? = nil) throws -> [UInt8] {
    var path = folder
    if let subdirectory { path = (path as NSString).appendingPathComponent(subdirectory) }
    path = (path as NSString).appendingPathComponent("\(name).\(ext)")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ResourcesError(searched: [path])
    }
    return Array(data)
  }

  func templates() throws -> MustacheLibrary {
    var library = MustacheLibrary()
    for name in Self.templateNames {
      let text = String(
        decoding: try bytes(name, ext: "mustache", subdirectory: "templates"), as: UTF8.self)
      try library.register(text, named: name)
    }
    return library
  }
}

/// The server's resources are not where they were looked for.
public struct ResourcesError: Error, CustomStringConvertible, Sendable {
  /// The folders or files looked at.
  public let searched: [String]

  public var description: String {
    "the server's templates and stylesheet are not found (looked in \(searched.joined(separator: ", "))): give --resources DIR or AMEXIST_RESOURCES (the install's share/amexist/resources)"
  }
}
