public import RegistryStore
public import TransparencyLog

extension RegistryService {
  /// The checkpoint of the largest size, as stored.
  public func latestCheckpoint() async throws(RegistryError) -> StoredCheckpoint? {
    try await read { snapshot in try snapshot.latestCheckpoint() }
  }

  /// The inclusion evidence (C2SP `tlog-proof`) of the entry at `index` in the tree of the
  /// checkpoint of `size` leaves (the latest checkpoint by default).
  ///
  /// - Throws: ``RegistryError/log(_:)`` when the index is outside that tree or no checkpoint
  ///   has that size.
  public func inclusionEvidence(index: Int64, size: Int64? = nil) async throws(RegistryError)
    -> InclusionEvidence
  {
    try await read { snapshot in
      let checkpoint = try Self.checkpoint(size: size, in: snapshot)
      do {
        let proof = try StoredTree.inclusionProof(
          index: index, size: checkpoint.size, reader: snapshot)
        return InclusionEvidence(index: index, proof: proof, checkpointNote: checkpoint.note)
      } catch {
        throw RegistryError.log("\(error)")
      }
    }
  }

  /// The consistency proof between the checkpoints of `size1` and `size2` leaves, with both.
  public func consistencyProof(from size1: Int64, to size2: Int64) async throws(RegistryError)
    -> (proof: [MerkleHash], from: StoredCheckpoint, to: StoredCheckpoint)
  {
    try await read { snapshot in
      let from = try Self.checkpoint(size: size1, in: snapshot)
      let to = try Self.checkpoint(size: size2, in: snapshot)
      do {
        return (
          try StoredTree.consistencyProof(size1: size1, size2: size2, reader: snapshot), from, to
        )
      } catch {
        throw RegistryError.log("\(error)")
      }
    }
  }

  private static func checkpoint(size: Int64?, in snapshot: any RegistrySnapshot) throws
    -> StoredCheckpoint
  {
    if let size {
      guard let checkpoint = try snapshot.checkpoint(size: size) else {
        let latest = try snapshot.latestCheckpoint()?.size ?? 0
        throw RegistryError.log(
          "the log has no checkpoint of size \(size) (latest: \(latest)); every batch ends with one"
        )
      }
      return checkpoint
    }
    guard let latest = try snapshot.latestCheckpoint() else {
      throw RegistryError.log("the log has no checkpoint yet")
    }
    return latest
  }
}
