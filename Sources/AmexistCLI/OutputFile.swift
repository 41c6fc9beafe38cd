import Foundation
import RegistryService

/// A file a command was asked to create with `--out`: no command destroys a file it was not
/// asked to create.
///
/// - An existing file is refused unless `--force` is given.
/// - The keys folder and the registry's database (and its journal files) are never written,
///   even with `--force`: a key or trust command writes there itself, atomically.
/// - The file is written whole or not at all (a temporary file renamed into place).
struct OutputFile {
  let path: String

  /// Checks that `path` may be written by a command run with `global`'s options.
  ///
  /// - Throws: a usage error (exit 2) naming what would be destroyed.
  init(_ path: String, force: Bool, global: GlobalOptions) throws(CLIError) {
    self.path = path
    let target = Self.resolved(path)
    if Self.isInside(target, folder: Self.resolved(global.keys)) {
      throw CLIError(
        "\(path) is in the keys folder \(global.keys), which only the key and trust commands write: choose another path",
        exitCode: AmexistCLI.usageError)
    }
    if case .sqlite(let database) = try? global.databaseLocation() {
      let live = Self.resolved(database)
      if [live, live + "-wal", live + "-shm", live + "-journal"].contains(target) {
        throw CLIError(
          "\(path) is the registry's database: choose another path", exitCode: AmexistCLI.usageError
        )
      }
    }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
    if isFolder.boolValue {
      throw CLIError("\(path) is a folder: give a file name", exitCode: AmexistCLI.usageError)
    }
    if Self.isSQLiteDatabase(path) {
      throw CLIError(
        "\(path) is a database: it is never overwritten, even with --force",
        exitCode: AmexistCLI.usageError)
    }
    guard force else {
      throw CLIError(
        "\(path) exists: choose another name, or pass --force to replace it",
        exitCode: AmexistCLI.usageError)
    }
  }

  /// Writes `bytes` whole: into a temporary file beside the target, then renamed over it.
  func write(_ bytes: some Sequence<UInt8>) throws(CLIError) {
    let folder = (path as NSString).deletingLastPathComponent
    let temporary =
      (folder.isEmpty ? "." : folder)
      + "/.\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
      throw CLIError("cannot write \(path)")
    }
    guard rename(temporary, path) == 0 else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw CLIError("cannot write \(path)")
    }
  }

  /// Whether the folder `folder` is `path` or holds it.
  static func isInside(_ path: String, folder: String) -> Bool {
    path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
  }

  /// `path` absolute, with `.`, `..` and symbolic links of its existing part resolved.
  static func resolved(_ path: String) -> String {
    let absolute =
      path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    let url = URL(fileURLWithPath: absolute).standardizedFileURL
    // Resolve the deepest existing folder, so that a link to the keys folder is seen as it.
    let folder = url.deletingLastPathComponent().resolvingSymlinksInPath()
    let last = url.lastPathComponent
    let resolvedFile = URL(fileURLWithPath: folder.path + "/" + last).resolvingSymlinksInPath()
    return resolvedFile.path
  }

  /// Whether the file at `path` starts with SQLite's header.
  static func isSQLiteDatabase(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let header = (try? handle.read(upToCount: 16)) ?? Data()
    return header == Data("SQLite format 3\0".utf8)
  }
}
