import Crypto
import Foundation
import RegistryTesting
import Testing

@testable import TransparencyLog

/// Test keys of golang.org/x/mod `sumdb/note/note_test.go` (public test constants).
enum GoNoteKAT {
  static let verifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
  /// The signer key's seed, from `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`.
  static let signerKeyData = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
  static let text =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
  static let note =
    text
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
  /// A verifier key whose base64 contains '+' (transparency-dev/formats tests).
  static let plusKey = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
}

/// The shared test log, and another key.
enum TestLog {
  static let signer = TestValues.logSigner
  static let origin = signer.origin
  static let otherKey = try! Curve25519.Signing.PrivateKey(
    rawRepresentation: [UInt8](repeating: 9, count: 32))
}

@Suite("C2SP signed notes and checkpoints (A17, A21, A22)")
struct NoteTests {
  static func parse(_ text: String) throws -> SignedNote {
    try SignedNote(parsing: Array(text.utf8))
  }

  @Test("the Go sumdb/note example: same bytes when signed, verifies, key round-trips")
  func goKnownAnswer() throws {
    let verifier = try NoteVerifier(verifierKey: GoNoteKAT.verifierKey)
    #expect(verifier.verifierKey == GoNoteKAT.verifierKey)
    let seed = Base64.decode(Array(GoNoteKAT.signerKeyData.utf8))!
    let signer = try NoteSigner(
      name: "PeterNeumann",
      key: try Curve25519.Signing.PrivateKey(rawRepresentation: seed.dropFirst()))
    #expect(signer.verifier == verifier)
    #expect(try signer.sign(GoNoteKAT.text).serialized == GoNoteKAT.note)
    let note = try Self.parse(GoNoteKAT.note)
    #expect(note.text == GoNoteKAT.text)
    #expect(try note.verified(by: [verifier]) == [verifier])
    #expect(throws: NoteError.invalidSignature(keyName: "PeterNeumann")) {
      try Self.parse(GoNoteKAT.note.replacingOccurrences(of: "cryptography", with: "cryptographY"))
        .verified(by: [verifier])
    }
    #expect(try NoteVerifier(verifierKey: GoNoteKAT.plusKey).verifierKey == GoNoteKAT.plusKey)
  }

  @Test("A21: verifier keys with a wrong hash, type, length or name are refused")
  func badVerifierKeys() {
    let key = GoNoteKAT.verifierKey
    for bad in [
      key.replacingOccurrences(of: "c74f20a3", with: "c74f20a4"),
      key.replacingOccurrences(of: "c74f20a3", with: "C74F20A3"),
      key.replacingOccurrences(of: "+ARpc", with: "+AhpC"),
      "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
      "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+c74f20a3",
      String(key.dropLast(4)),
    ] {
      #expect(throws: NoteError.self, "\(bad)") { try NoteVerifier(verifierKey: bad) }
    }
  }

  @Test(
    "A21: malformed notes are rejected",
    arguments: [
      ("missing final newline", String(GoNoteKAT.note.dropLast())),
      ("CR line ends", GoNoteKAT.note.replacingOccurrences(of: "\n", with: "\r\n")),
      (
        "control character", GoNoteKAT.note.replacingOccurrences(of: "answer", with: "an\u{01}swer")
      ),
      ("tab", GoNoteKAT.note.replacingOccurrences(of: " to your", with: "\tto your")),
      ("no blank line", GoNoteKAT.text + "— PeterNeumann AAAA\n"),
      ("no signature", GoNoteKAT.text + "\n"),
      ("hyphen for em dash", GoNoteKAT.note.replacingOccurrences(of: "—", with: "-")),
      (
        "name with plus",
        GoNoteKAT.note.replacingOccurrences(of: "— PeterNeumann", with: "— Peter+Neumann")
      ),
      (
        "name with no-break space",
        GoNoteKAT.note.replacingOccurrences(of: "— PeterNeumann", with: "— Peter\u{A0}Neumann")
      ),
      ("empty name", GoNoteKAT.note.replacingOccurrences(of: "— PeterNeumann ", with: "—  ")),
      ("signature too short", GoNoteKAT.text + "\n— PeterNeumann AAAAAA==\n"),
      ("non-canonical base64", GoNoteKAT.note.replacingOccurrences(of: "nAM=", with: "nAN=")),
      ("unpadded base64", GoNoteKAT.note.replacingOccurrences(of: "nAM=\n", with: "nAM\n")),
      ("blank line among signatures", GoNoteKAT.note + "\n"),
    ]
  )
  func malformed(_ name: String, _ text: String) {
    #expect(throws: NoteError.self, "\(name)") { try Self.parse(text) }
  }

  @Test("standard base64 is accepted in its one canonical padded form only")
  func canonicalBase64() {
    #expect(Base64.decode(Array("AA==".utf8)) == [0])
    #expect(Base64.decode(Array("AAA=".utf8)) == [0, 0])
    #expect(Base64.decode(Array("+/8=".utf8)) == [0xFB, 0xFF])
    #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
    for bad in ["AA=", "AAA", "AB==", "AAB=", "AAAA====", "=AAA", "A===", "-_8=", "AA ==", ""] {
      #expect(Base64.decode(Array(bad.utf8)) == (bad.isEmpty ? [] : nil), "\(bad)")
    }
  }

  @Test("A21: invalid UTF-8 is rejected")
  func invalidUTF8() {
    var bytes = Array(GoNoteKAT.note.utf8)
    bytes[3] = 0xFF
    #expect(throws: NoteError.malformed("not UTF-8")) { try SignedNote(parsing: bytes) }
  }

  @Test(
    "A22: unknown keys only; a bad known signature next to a good one; twice the same key; same name other key"
  )
  func signatureRules() throws {
    let log = TestLog.signer
    let note = try log.noteSigner.sign("a\n")
    let good = note.signatures[0]
    let other = try NoteSigner(name: "witness.example", key: TestLog.otherKey)
    let witness = try other.sign("a\n").signatures[0]

    // Only unknown-key signatures: rejected.
    #expect(throws: NoteError.noTrustedSignature) {
      try SignedNote(text: "a\n", signatures: [witness]).verified(by: [log.verifier])
    }
    // A known key with a bad signature next to a good one: rejected.
    var flipped = good.signature
    flipped[0] ^= 1
    let bad = NoteSignature(name: good.name, keyID: good.keyID, signature: flipped)
    #expect(throws: NoteError.invalidSignature(keyName: log.origin)) {
      try SignedNote(text: "a\n", signatures: [good, bad]).verified(by: [log.verifier])
    }
    // The same key twice: counted once.
    #expect(
      try SignedNote(text: "a\n", signatures: [good, good]).verified(by: [log.verifier])
        == [log.verifier])
    // Unknown key sharing the name (not the ID), or the ID (not the name): ignored.
    let sameName = try NoteSigner(name: log.origin, key: TestLog.otherKey).sign("a\n")
      .signatures[0]
    let sameID = NoteSignature(name: "other.example", keyID: good.keyID, signature: flipped)
    #expect(
      try SignedNote(text: "a\n", signatures: [sameName, sameID, witness, good])
        .verified(by: [log.verifier]) == [log.verifier])
    // The serialized form parses back to the same note.
    let mixed = SignedNote(text: "a\n", signatures: [witness, good])
    #expect(try Self.parse(mixed.serialized) == mixed)
  }

  @Test("A17: more than 16 signatures or more than 64 KiB is refused before verification")
  func sizeCaps() throws {
    let good = try TestLog.signer.noteSigner.sign("a\n").signatures[0]
    let sixteen = SignedNote(text: "a\n", signatures: Array(repeating: good, count: 16))
    #expect(try Self.parse(sixteen.serialized).signatures.count == 16)
    let seventeen = SignedNote(text: "a\n", signatures: Array(repeating: good, count: 17))
    #expect(throws: NoteError.tooLarge) { try Self.parse(seventeen.serialized) }
    let huge = String(repeating: "x", count: 70_000) + "\n\n" + good.line + "\n"
    #expect(throws: NoteError.tooLarge) { try Self.parse(huge) }
  }

  @Test("checkpoints round-trip and verify with the log key and origin")
  func checkpointRoundTrip() throws {
    let signed = try TestLog.signer.sign(size: 12, root: Merkle.leafHash([1]))
    let verified = try SignedCheckpoint(verifying: signed.note, log: TestLog.signer.verifier)
    #expect(
      verified.checkpoint
        == Checkpoint(origin: TestLog.origin, size: 12, root: Merkle.leafHash([1])))
    #expect(signed.note.hasPrefix("test.amexist.example/log\n12\n"))
    // Another log's key with the same origin: not trusted.
    let impostor = try LogSigner(origin: TestLog.origin, key: TestLog.otherKey)
    #expect(throws: NoteError.noTrustedSignature) {
      try SignedCheckpoint(
        verifying: try impostor.sign(size: 12, root: Merkle.emptyRoot).note,
        log: TestLog.signer.verifier)
    }
  }

  @Test(
    "A21: malformed checkpoint texts are rejected",
    arguments: [
      "test.amexist.example/log\n012\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
      "test.amexist.example/log\n+12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
      "test.amexist.example/log\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
      "test.amexist.example/log\n99999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
      "test.amexist.example/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
      "test.amexist.example/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
      "test.amexist.example/log\n12\n",
      "\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
      "test.amexist.example/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension\n",
      "test.amexist.example/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ]
  )
  func malformedCheckpoint(_ text: String) throws {
    #expect(throws: NoteError.self) { try Checkpoint(text: text) }
    // Signed by the right key, the note is still refused for its text.
    let note = try TestLog.signer.noteSigner.sign(text.hasSuffix("\n") ? text : text + "\n")
    if !text.hasSuffix("\n") { return }
    #expect(throws: NoteError.self) {
      try SignedCheckpoint(verifying: note.serialized, log: TestLog.signer.verifier)
    }
  }

  @Test("A21: a checkpoint from another origin signed by the log's key is refused")
  func originMismatch() throws {
    let text = Checkpoint(origin: "elsewhere.example/log", size: 1, root: Merkle.emptyRoot).text
    let note = try TestLog.signer.noteSigner.sign(text)
    #expect(throws: NoteError.self) {
      try SignedCheckpoint(verifying: note.serialized, log: TestLog.signer.verifier)
    }
  }
}

@Suite("C2SP tlog-proof inclusion evidence (D5, A17, H3)")
struct InclusionEvidenceTests {
  static func evidence(index: Int64 = 2) throws -> (InclusionEvidence, [[UInt8]]) {
    let leaves = MerkleTests.leaves(7)
    var tree = MemoryTree()
    for leaf in leaves { try tree.append(leaf) }
    let checkpoint = try TestLog.signer.sign(
      size: 7, root: try StoredTree.rootHash(size: 7, reader: tree))
    let proof = try StoredTree.inclusionProof(index: index, size: 7, reader: tree)
    return (InclusionEvidence(index: index, proof: proof, checkpointNote: checkpoint.note), leaves)
  }

  @Test("the proof text round-trips and verifies; extra data has no effect")
  func roundTrip() throws {
    let (evidence, leaves) = try Self.evidence()
    let parsed = try InclusionEvidence(parsing: evidence.text)
    #expect(parsed == evidence)
    #expect(evidence.text.hasPrefix("c2sp.org/tlog-proof@v1\nindex 2\n"))
    let checkpoint = try parsed.verify(leaf: leaves[2], log: TestLog.signer.verifier)
    #expect(checkpoint.checkpoint.size == 7)
    // H3: the unauthenticated extra line changes nothing.
    let withExtra = InclusionEvidence(
      index: 2, proof: evidence.proof, checkpointNote: evidence.checkpointNote, extra: [1, 2, 3])
    let reparsed = try InclusionEvidence(parsing: withExtra.text)
    #expect(reparsed.extra == [1, 2, 3])
    #expect(try reparsed.verify(leaf: leaves[2], log: TestLog.signer.verifier) == checkpoint)
  }

  @Test("D5: wrong leaf, index, proof or log key fail")
  func attacks() throws {
    let (evidence, leaves) = try Self.evidence()
    let log = TestLog.signer.verifier
    #expect(throws: InclusionError.self) { try evidence.verify(leaf: leaves[3], log: log) }
    for index: Int64 in [1, 3, 2 ^ 1, 7, 14] {
      let moved = InclusionEvidence(
        index: index, proof: evidence.proof, checkpointNote: evidence.checkpointNote)
      #expect(throws: InclusionError.self, "index \(index)") {
        try moved.verify(leaf: leaves[2], log: log)
      }
    }
    let truncated = InclusionEvidence(
      index: 2, proof: Array(evidence.proof.dropLast()), checkpointNote: evidence.checkpointNote)
    #expect(throws: InclusionError.self) { try truncated.verify(leaf: leaves[2], log: log) }
    let other = try LogSigner(origin: TestLog.origin, key: TestLog.otherKey).verifier
    #expect(throws: InclusionError.self) { try evidence.verify(leaf: leaves[2], log: other) }
  }

  @Test("A17: a proof of more than 64 hashes, or a malformed one, is refused when parsed")
  func malformed() throws {
    let (evidence, _) = try Self.evidence()
    let long = InclusionEvidence(
      index: 2, proof: Array(repeating: evidence.proof[0], count: 65),
      checkpointNote: evidence.checkpointNote)
    #expect(throws: NoteError.tooLarge) { try InclusionEvidence(parsing: long.text) }
    for bad in [
      evidence.text.replacingOccurrences(of: "index 2", with: "index 02"),
      evidence.text.replacingOccurrences(of: "index 2", with: "index +2"),
      evidence.text.replacingOccurrences(
        of: "c2sp.org/tlog-proof@v1", with: "c2sp.org/tlog-proof@v2"),
      evidence.text.replacingOccurrences(of: "\n\n", with: "\n"),
      "c2sp.org/tlog-proof@v1\nindex 2\nnot base64\n\n" + evidence.checkpointNote,
    ] {
      #expect(throws: NoteError.self) { try InclusionEvidence(parsing: bad) }
    }
  }
}
