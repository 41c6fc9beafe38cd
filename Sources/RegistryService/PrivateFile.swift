import Foundation

/// Small files beside the private keys: written whole (a new file renamed over the old one,
/// mode 0600, synced) and updated under an exclusive lock shared by every process.
enum PrivateFile {
  /// Runs `body` holding the exclusive lock `path.lock`.
  static func withLock<Result>(
    _ path: String, _ body: () throws(RegistryError) -> Result
  ) throws(RegistryError) -> Result {
    let lockPath = path + ".lock"
    let lock = open(lockPath, O_RDWR | O_CREAT, 0o600)
    guard lock >= 0 else { throw .keys("cannot open \(lockPath)") }
    defer { close(lock) }
    guard flock(lock, LOCK_EX) == 0 else { throw .keys("cannot lock \(lockPath)") }
    return try body()
  }

  /// Replaces the file at `path` with `bytes`, all or nothing.
  static func write(_ bytes: [UInt8], to path: String) throws(RegistryError) {
    let temporary = path + ".new"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { throw .keys("cannot write \(temporary)") }
    let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    let synced = fsync(descriptor) == 0
    close(descriptor)
    guard written == bytes.count, synced, rename(temporary, path) == 0 else {
      throw .keys("cannot write \(path)")
    }
  }
}
