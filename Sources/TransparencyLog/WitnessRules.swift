/// Why a witness refuses to cosign (C2SP `tlog-witness`), each with the specification's
/// status code.
public enum WitnessRefusal: Error, Hashable, Sendable, CustomStringConvertible {
  /// The request body is not an old size line, proof lines, a blank line and a checkpoint.
  case malformed(String)
  /// The checkpoint's origin is not a log this witness follows (404).
  case unknownOrigin
  /// No signature on the checkpoint verifies with the log's key (403).
  case notSigned
  /// The old size is larger than the checkpoint's size (400).
  case oldSizeBeyondCheckpoint
  /// The old size is not the size this witness last cosigned (`size`), or the checkpoint has
  /// that size with another root (409, the body saying `size`).
  case conflict(size: Int64)
  /// The consistency proof does not tie the checkpoint to the last one cosigned (422).
  case badProof

  /// The HTTP status the specification gives.
  public var status: Int {
    switch self {
    case .malformed, .oldSizeBeyondCheckpoint: return 400
    case .unknownOrigin: return 404
    case .notSigned: return 403
    case .conflict: return 409
    case .badProof: return 422
    }
  }

  public var description: String {
    switch self {
    case .malformed(let reason): return "malformed add-checkpoint request: \(reason)"
    case .unknownOrigin: return "this witness does not follow the checkpoint's log"
    case .notSigned: return "the checkpoint carries no valid signature by the log's key"
    case .oldSizeBeyondCheckpoint: return "the old size is larger than the checkpoint's size"
    case .conflict(let size): return "this witness last cosigned the tree of size \(size)"
    case .badProof: return "the consistency proof does not verify"
    }
  }
}

/// An `add-checkpoint` request body: `old N`, up to 63 base64 proof hashes, a blank line, then
/// the signed checkpoint (C2SP `tlog-witness`). Parsing checks the form only.
public struct AddCheckpointRequest: Hashable, Sendable {
  /// The size of the previous checkpoint the client holds for the witness.
  public let oldSize: Int64
  /// The consistency proof from `oldSize` to the checkpoint's size.
  public let proof: [MerkleHash]
  /// The signed checkpoint note.
  public let note: SignedNote

  /// The most proof lines the specification allows.
  public static let maximumProofLines = 63

  /// A request of the checkpoint `note` with the proof from `oldSize`.
  public init(oldSize: Int64, proof: [MerkleHash], note: SignedNote) {
    self.oldSize = oldSize
    self.proof = proof
    self.note = note
  }

  /// The body as sent.
  public var body: String {
    "old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note.serialized
  }

  /// Parses a request body strictly.
  public init(parsing bytes: [UInt8]) throws(WitnessRefusal) {
    guard bytes.count <= SignedNote.maximumSize + 8_192 else { throw .malformed("too large") }
    guard
      let blank = bytes.indices.dropLast().first(where: {
        bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A
      })
    else { throw .malformed("no blank line before the checkpoint") }
    let head = bytes[...blank].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
    guard let first = head.first, first.starts(with: Array("old ".utf8)),
      let size = Checkpoint.decimal(String(decoding: first.dropFirst(4), as: UTF8.self))
    else { throw .malformed("the first line must be old SIZE") }
    guard head.count - 1 <= Self.maximumProofLines else {
      throw .malformed("more than \(Self.maximumProofLines) proof lines")
    }
    var proof: [MerkleHash] = []
    for line in head.dropFirst() {
      guard let hash = MerkleHash(base64: String(decoding: line, as: UTF8.self)) else {
        throw .malformed("a proof line is not a base64 hash")
      }
      proof.append(hash)
    }
    do {
      note = try SignedNote(parsing: Array(bytes[(blank + 2)...]))
    } catch {
      throw .malformed("the checkpoint: \(error)")
    }
    self.oldSize = size
    self.proof = proof
  }
}

/// What a witness knows of one log: its key, and the last checkpoint it cosigned.
public struct WitnessedLog: Hashable, Sendable {
  /// The log's checkpoint verifier (its name is the origin).
  public let key: NoteVerifier
  /// The size of the last tree cosigned (0 before the first).
  public let size: Int64
  /// Its root; nil before the first cosignature.
  public let root: MerkleHash?

  /// A log followed by a witness.
  public init(key: NoteVerifier, size: Int64, root: MerkleHash?) {
    self.key = key
    self.size = size
    self.root = root
  }
}

/// The rules of C2SP `tlog-witness` for one request, in its order: unknown origin (404), no
/// valid log signature (403), old size beyond the checkpoint (400), old size not the last
/// cosigned (409), same size with another root (409), bad consistency proof (422). Pure: the
/// caller reads the state and writes the returned checkpoint atomically with the check.
public enum WitnessRules {
  /// The checkpoint to record and cosign for `request`, given the logs the witness follows.
  public static func check(_ request: AddCheckpointRequest, logs: [String: WitnessedLog])
    throws(WitnessRefusal) -> Checkpoint
  {
    // The origin is the note text's first line, read before the signature is checked only to
    // find the key.
    let origin = String(request.note.text.prefix { $0 != "\n" })
    guard let log = logs[origin] else { throw .unknownOrigin }
    let checkpoint: Checkpoint
    do {
      _ = try request.note.verified(by: [log.key])
      checkpoint = try Checkpoint(text: request.note.text)
    } catch {
      throw .notSigned
    }
    guard request.oldSize <= checkpoint.size else { throw .oldSizeBeyondCheckpoint }
    guard request.oldSize == log.size else { throw .conflict(size: log.size) }
    if checkpoint.size == log.size, let root = log.root, root != checkpoint.root {
      throw .conflict(size: log.size)
    }
    if let root = log.root {
      do {
        try ProofVerifier.verifyConsistency(
          size1: log.size, size2: checkpoint.size, root1: root, root2: checkpoint.root,
          proof: request.proof)
      } catch {
        throw .badProof
      }
    } else {
      // Every tree extends the empty one; the empty tree has one root.
      guard request.proof.isEmpty, log.size == 0,
        checkpoint.size > 0 || checkpoint.root == Merkle.emptyRoot
      else { throw .badProof }
    }
    return checkpoint
  }
}
