import AmexistDomain
import Attestation
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

/// Bundles that share a checkpoint verify its signatures once per verifier; nothing else is
/// taken on trust from the cache.
@Suite("Verified checkpoints: remembered by their bytes, bounded, never a shortcut")
struct CheckpointCacheTests {
  let issuer = TestIssuer()

  func bundleBytes() throws -> [UInt8] {
    let bundle = try #require(InMemoryLog.bundle(try issuer.token()))
    return CanonicalJSON.encode(bundle.json)
  }

  /// `bytes` (a bundle) with its log proof passed through `change`.
  func changingProof(_ bytes: [UInt8], _ change: (String) -> String) throws -> [UInt8] {
    let bundle = try AttestationBundle(bytes: bytes)
    return CanonicalJSON.encode(
      AttestationBundle(jws: bundle.jws, logProof: change(bundle.logProof)).json)
  }

  @Test("a verifier keeps the checkpoint its bundles share: the same verdict as a fresh verifier")
  func sharedCheckpoint() throws {
    let bytes = try bundleBytes()
    let now = TestValues.instant("2026-11-26T00:00:00Z")
    let verifier = AttestationVerifier(trust: issuer.trust())
    let first = verifier.verify(bytes, now: now)
    let second = verifier.verify(bytes, now: now)
    #expect(first.isValid)
    #expect(second == first)
    #expect(verifier.checkpoints.count == 1)
    #expect(AttestationVerifier(trust: issuer.trust()).verify(bytes, now: now) == first)
    // Copies of a verifier share what it verified.
    let copy = verifier
    #expect(copy.verify(bytes, now: now) == first)
    #expect(copy.checkpoints.count == 1)
  }

  @Test(
    "A22, D5: with the good checkpoint kept, a note differing by one signature byte and a proof with a flipped hash still fail"
  )
  func tamperedAfterKept() throws {
    let bytes = try bundleBytes()
    let now = TestValues.instant("2026-11-26T00:00:00Z")
    let verifier = AttestationVerifier(trust: issuer.trust())
    #expect(verifier.verify(bytes, now: now).isValid)
    // The note's signature line is its last "— " line: change one base64 character of it.
    let forgedNote = try changingProof(bytes) { proof in
      var lines = proof.components(separatedBy: "\n")
      // Unchanged when there is no such line: the verdict below then fails the test.
      guard let signature = lines.lastIndex(where: { $0.hasPrefix("\u{2014} ") }) else {
        return proof
      }
      var characters = Array(lines[signature])
      let position = characters.count - 3
      characters[position] = characters[position] == "A" ? "B" : "A"
      lines[signature] = String(characters)
      return lines.joined(separator: "\n")
    }
    guard case .logProof? = verifier.verify(forgedNote, now: now).failure else {
      Issue.record("a note with a changed signature verified from the cache")
      return
    }
    // The proof's first hash is the line after the index: flip one character of it.
    let forgedProof = try changingProof(bytes) { proof in
      var lines = proof.components(separatedBy: "\n")
      var characters = Array(lines[1])
      characters[0] = characters[0] == "A" ? "B" : "A"
      lines[1] = String(characters)
      return lines.joined(separator: "\n")
    }
    guard case .logProof? = verifier.verify(forgedProof, now: now).failure else {
      Issue.record("a proof with a changed hash verified against the kept checkpoint")
      return
    }
    #expect(verifier.checkpoints.count == 1)
    #expect(verifier.verify(bytes, now: now).isValid)
  }

  @Test(
    "the cache is bounded, keeps only notes the log's key signed, and reuses a quorum only at its instant or later"
  )
  func boundedAndMonotonic() throws {
    let cache = VerifiedCheckpoints(capacity: 2)
    let log = TestValues.logSigner
    let root = try #require(MerkleHash(bytes: [UInt8](repeating: 3, count: 32)))
    let notes = try (1...3).map { size in try log.sign(size: Int64(size), root: root).note }
    for note in notes { _ = try cache.checkpoint(note, log: log.verifier) }
    #expect(cache.count == 2)
    // The oldest was forgotten; asked again, it is verified again, and kept.
    #expect(try cache.checkpoint(notes[0], log: log.verifier).checkpoint.size == 1)
    #expect(cache.count == 2)
    // A note signed by another key is refused and not kept.
    let stranger = try SigningKey(generating: .edDSA).logSigner(origin: log.verifier.name)
    let forged = try stranger.sign(size: 9, root: root).note
    #expect(throws: NoteError.self) { try cache.checkpoint(forged, log: log.verifier) }
    #expect(cache.count == 2)
    // A quorum that held at T is reused at T and later, never earlier (a cosignature dated
    // after an earlier real clock would not count there).
    let at = TestValues.instant("2026-11-26T12:00:00Z")
    cache.remember(witnesses: ["a"], size: 1, of: notes[0], realNow: at)
    #expect(cache.witnesses(of: notes[0], realNow: at)?.names == ["a"])
    #expect(cache.witnesses(of: notes[0], realNow: at.adding(milliseconds: 1))?.size == 1)
    #expect(cache.witnesses(of: notes[0], realNow: at.adding(milliseconds: -1)) == nil)
    // Nothing is remembered for a note that is not kept.
    cache.remember(witnesses: ["a"], size: 9, of: forged, realNow: at)
    #expect(cache.witnesses(of: forged, realNow: at) == nil)
  }
}
