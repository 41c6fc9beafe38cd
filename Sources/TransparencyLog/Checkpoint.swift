public import Crypto

/// A C2SP `tlog-checkpoint`: the log's origin, tree size and root hash (RFC 6962 tree).
public struct Checkpoint: Hashable, Sendable {
  /// The log's identity, e.g. `registry.amexist.example/log`.
  public let origin: String
  /// The number of leaves.
  public let size: Int64
  /// MTH of the first `size` leaves.
  public let root: MerkleHash

  /// A checkpoint of the tree of `size` leaves with `root`.
  public init(origin: String, size: Int64, root: MerkleHash) {
    precondition(size >= 0, "negative tree size")
    self.origin = origin
    self.size = size
    self.root = root
  }

  /// The note text: origin, size and base64 root, one a line.
  public var text: String { "\(origin)\n\(size)\n\(root.base64)\n" }

  /// Parses a checkpoint's note text strictly: a non-empty origin, a decimal size without sign
  /// or leading zero, a canonical base64 32-byte root, then only non-empty extension lines
  /// (which this log never writes, and refuses).
  public init(text: String) throws(NoteError) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.last == "" else { throw .malformed("a checkpoint ends in a newline") }
    lines.removeLast()
    guard lines.count >= 3 else { throw .malformed("a checkpoint has origin, size and root") }
    guard lines.count == 3 else { throw .malformed("unexpected checkpoint extension lines") }
    guard !lines[0].isEmpty else { throw .malformed("empty origin") }
    guard let size = Self.decimal(lines[1]) else {
      throw .malformed("the tree size is not a canonical decimal number")
    }
    guard let root = MerkleHash(base64: lines[2]) else {
      throw .malformed("the root hash is not 32 bytes of canonical base64")
    }
    self.init(origin: String(lines[0]), size: size, root: root)
  }

  /// A non-negative decimal with no sign and no leading zero, within Int64.
  static func decimal(_ text: some StringProtocol) -> Int64? {
    let digits = Array(text.utf8)
    guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      digits.count == 1 || digits[0] != 0x30
    else { return nil }
    return Int64(text)
  }
}

/// A checkpoint whose note verified with the log's key.
public struct SignedCheckpoint: Hashable, Sendable {
  /// The checkpoint.
  public let checkpoint: Checkpoint
  /// The signed note as transmitted.
  public let note: String

  /// Parses and verifies `note` as a checkpoint of the log `log` (origin and key).
  ///
  /// - Throws: ``NoteError`` when the note is malformed, is not signed by the log's key, or
  ///   names another origin.
  public init(verifying note: String, log: NoteVerifier) throws(NoteError) {
    let signed = try SignedNote(parsing: Array(note.utf8))
    _ = try signed.verified(by: [log])
    let checkpoint = try Checkpoint(text: signed.text)
    guard checkpoint.origin == log.name else {
      throw .malformed(
        "the checkpoint is from another log (origin \(checkpoint.origin.prefix(80)))")
    }
    self.checkpoint = checkpoint
    self.note = note
  }

  /// A checkpoint the caller just signed or read from its own verified store.
  init(checkpoint: Checkpoint, note: String) {
    self.checkpoint = checkpoint
    self.note = note
  }
}

/// The log's signer: signs checkpoints with its Ed25519 key, under the key name equal to the
/// origin (as C2SP `tlog-checkpoint` recommends).
public struct LogSigner: Sendable {
  /// The note signer; its name is the origin.
  public let noteSigner: NoteSigner

  /// The signer of the log `origin` with `key`.
  public init(origin: String, key: Curve25519.Signing.PrivateKey) throws(NoteError) {
    noteSigner = try NoteSigner(name: origin, key: key)
  }

  /// The log's origin.
  public var origin: String { noteSigner.verifier.name }
  /// The verifier of the log's checkpoints.
  public var verifier: NoteVerifier { noteSigner.verifier }

  /// Signs the checkpoint of the tree of `size` leaves with `root`.
  public func sign(size: Int64, root: MerkleHash) throws -> SignedCheckpoint {
    let checkpoint = Checkpoint(origin: origin, size: size, root: root)
    return SignedCheckpoint(
      checkpoint: checkpoint, note: try noteSigner.sign(checkpoint.text).serialized)
  }
}
