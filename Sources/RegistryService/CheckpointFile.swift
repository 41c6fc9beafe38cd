import Foundation
import RegistryStore
public import TransparencyLog

#if canImport(Glibc)
  import Glibc
#endif

/// The newest checkpoint the log signed, kept in a file outside the database (by default
/// `Keys/private/log-checkpoint`, beside the log key): the log's memory of what it has signed.
///
/// A database restored from an older backup, or another database, would make the log sign a
/// tree inconsistent with one it already signed (a fork); the registry refuses to write to a
/// database that disagrees with this file. Updates are compare-and-swap under an exclusive
/// lock: the file only ever moves to a larger size.
public struct CheckpointFile: Sendable {
  /// The file's path.
  public let path: String

  /// The checkpoint file at `path`.
  public init(path: String) {
    self.path = path
  }

  /// The recorded checkpoint, verified with `log`; nil when no checkpoint was recorded yet.
  ///
  /// - Throws: ``RegistryError/log(_:)`` when the file cannot be read or does not verify.
  public func read(log: NoteVerifier) throws(RegistryError) -> SignedCheckpoint? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    guard let data = FileManager.default.contents(atPath: path),
      data.count <= SignedNote.maximumSize
    else {
      throw .log("cannot read the published checkpoint \(path)")
    }
    do {
      return try SignedCheckpoint(verifying: String(decoding: data, as: UTF8.self), log: log)
    } catch {
      throw .log("the published checkpoint \(path) does not verify with the log key: \(error)")
    }
  }

  /// Records `checkpoint` unless the file already holds a checkpoint at least as large.
  ///
  /// - Throws: ``RegistryError/log(_:)`` when the file holds a different checkpoint of the same
  ///   size (a fork), or cannot be written.
  public func publish(_ checkpoint: SignedCheckpoint, log: NoteVerifier) throws(RegistryError) {
    do {
      try PrivateFile.withLock(path) { () throws(RegistryError) in
        if let current = try read(log: log), current.checkpoint.size >= checkpoint.checkpoint.size {
          if current.checkpoint.size == checkpoint.checkpoint.size,
            current.checkpoint.root != checkpoint.checkpoint.root
          {
            throw .log(
              "SECURITY: two checkpoints of size \(current.checkpoint.size) with different roots (\(path))"
            )
          }
          return
        }
        try PrivateFile.write(Array(checkpoint.note.utf8), to: path)
      }
    } catch .keys(let message) {
      throw .log(message)
    }
  }

  /// Checks, inside a write transaction, that the store extends `published`: its latest
  /// checkpoint is at least as large and its tree has the same root at the published size
  /// (``RegistryError/integrity(_:)`` otherwise: an older copy or a fork).
  static func check(_ snapshot: any RegistrySnapshot, against published: SignedCheckpoint) throws {
    let size = published.checkpoint.size
    let stored = try snapshot.latestCheckpoint()?.size ?? 0
    guard stored >= size else {
      throw RegistryError.integrity(
        "the log already signed a checkpoint of size \(size) but this database holds \(stored) entries under checkpoints: it is an older copy (a restored backup?); writing to it would fork the log, so nothing was written. Restore the newest database."
      )
    }
    let root: MerkleHash
    do {
      root = try StoredTree.rootHash(size: size, reader: snapshot)
    } catch {
      throw RegistryError.integrity("the database's tree cannot be read at size \(size): \(error)")
    }
    guard root == published.checkpoint.root else {
      throw RegistryError.integrity(
        "this database is not the one the log signed (its tree at size \(size) has another root): writing would fork the log, so nothing was written"
      )
    }
  }
}
