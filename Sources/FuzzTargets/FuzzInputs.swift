import Foundation

/// Where fuzz inputs are kept on disk.
public enum FuzzInputs {
  /// The file at `path`, or every regular file under the folder at `path`, sorted.
  public static func files(at path: String) -> [String] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
    guard isFolder.boolValue else { return [path] }
    let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
    return names.sorted().map { path + "/" + $0 }.filter { file in
      var folder: ObjCBool = false
      return FileManager.default.fileExists(atPath: file, isDirectory: &folder) && !folder.boolValue
    }
  }
}
