/// A C2SP `tlog-proof`: offline evidence that the leaf at `index` is in the tree of a signed
/// checkpoint.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// [extra <base64>]
/// index <N>
/// <proof hashes, one a line>
///
/// <checkpoint signed note>
/// ```
/// The `extra` line is unauthenticated and never used; it is kept only to round-trip.
public struct InclusionEvidence: Hashable, Sendable {
  /// The first line of every proof.
  public static let header = "c2sp.org/tlog-proof@v1"

  /// The leaf's index.
  public let index: Int64
  /// The inclusion proof in the checkpoint's tree.
  public let proof: [MerkleHash]
  /// The checkpoint's signed note, not yet verified.
  public let checkpointNote: String
  /// Opaque unauthenticated extra data.
  public let extra: [UInt8]?

  /// Evidence for `index` with `proof` in the tree of `checkpointNote`.
  public init(index: Int64, proof: [MerkleHash], checkpointNote: String, extra: [UInt8]? = nil) {
    self.index = index
    self.proof = proof
    self.checkpointNote = checkpointNote
    self.extra = extra
  }

  /// The proof text.
  public var text: String {
    var lines = [Self.header]
    if let extra { lines.append("extra " + Base64.encode(extra)) }
    lines.append("index \(index)")
    lines += proof.map(\.base64)
    return lines.joined(separator: "\n") + "\n\n" + checkpointNote
  }

  /// Parses a proof strictly (size, header, canonical numbers and hashes, at most
  /// ``ProofVerifier/maximumProofLength`` hashes); the checkpoint is checked by ``verify``.
  public init(parsing text: String) throws(NoteError) {
    let bytes = Array(text.utf8)
    guard bytes.count <= SignedNote.maximumSize + 8_192 else { throw .tooLarge }
    guard
      let blank = bytes.indices.dropLast().first(where: {
        bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A
      })
    else {
      throw .malformed("the proof has no blank line before its checkpoint")
    }
    // Split on the byte: splitting a String on a Character walks grapheme clusters.
    var lines = String(decoding: bytes[..<blank], as: UTF8.self).utf8
      .split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
    guard lines.first == Substring(Self.header) else {
      throw .malformed("not a c2sp.org/tlog-proof@v1 proof")
    }
    lines.removeFirst()
    var extra: [UInt8]?
    if let line = lines.first, line.hasPrefix("extra ") {
      guard let bytes = Base64.decode(Array(line.dropFirst(6).utf8)) else {
        throw .malformed("bad extra line")
      }
      extra = bytes
      lines.removeFirst()
    }
    guard let line = lines.first, line.hasPrefix("index "),
      let index = Checkpoint.decimal(line.dropFirst(6))
    else { throw .malformed("the proof has no canonical index line") }
    lines.removeFirst()
    guard lines.count <= ProofVerifier.maximumProofLength else { throw .tooLarge }
    var proof: [MerkleHash] = []
    for line in lines {
      guard let hash = MerkleHash(base64: line) else {
        throw .malformed("a proof line is not a 32-byte canonical base64 hash")
      }
      proof.append(hash)
    }
    self.init(
      index: index, proof: proof,
      checkpointNote: String(decoding: bytes[(blank + 2)...], as: UTF8.self), extra: extra)
  }

  /// Verifies that `leaf` is the entry at ``index`` of the log `log`: the checkpoint's note is
  /// signed by the log's key for its origin, and the proof leads from the leaf to its root.
  ///
  /// - Returns: the verified checkpoint.
  public func verify(leaf: [UInt8], log: NoteVerifier) throws(InclusionError) -> SignedCheckpoint {
    let signed: SignedCheckpoint
    do {
      signed = try SignedCheckpoint(verifying: checkpointNote, log: log)
    } catch {
      throw .checkpoint(error)
    }
    return try verify(leaf: leaf, verified: signed)
  }

  /// Verifies that `leaf` is the entry at ``index`` of the tree of `signed`, this evidence's
  /// checkpoint as the caller already verified it (for example from a cache of checkpoints
  /// verified with the log's key).
  ///
  /// - Throws: ``InclusionError/checkpoint(_:)`` when `signed` is not this evidence's
  ///   checkpoint, ``InclusionError/proof(_:)`` when the proof does not lead to its root.
  public func verify(leaf: [UInt8], verified signed: SignedCheckpoint) throws(InclusionError)
    -> SignedCheckpoint
  {
    guard signed.note == checkpointNote else {
      throw .checkpoint(.malformed("the verified checkpoint is not this evidence's"))
    }
    do {
      try ProofVerifier.verifyInclusion(
        index: index, size: signed.checkpoint.size, leafHash: Merkle.leafHash(leaf),
        proof: proof, root: signed.checkpoint.root
      )
    } catch {
      throw .proof(error)
    }
    return signed
  }
}

/// Why inclusion evidence does not hold.
public enum InclusionError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The checkpoint is malformed, unsigned by the log, or from another log.
  case checkpoint(NoteError)
  /// The inclusion proof does not lead to the checkpoint's root.
  case proof(ProofError)

  public var description: String {
    switch self {
    case .checkpoint(let error): return "checkpoint: \(error)"
    case .proof(let error): return "inclusion proof: \(error)"
    }
  }
}
