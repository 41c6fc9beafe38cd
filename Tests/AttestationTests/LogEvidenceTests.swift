import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

@Suite("Bundles: the log's proof that it holds the attestation (A17, D5, H2, H3)")
struct LogEvidenceTests {
  let issuer = TestIssuer()

  func verify(_ bundle: AttestationBundle, trust: TrustFile? = nil) -> VerificationReport {
    AttestationVerifier(trust: trust ?? issuer.trust()).verify(
      CanonicalJSON.encode(bundle.json), now: TestValues.instant("2026-11-26T00:00:00Z"))
  }

  func expectLogFailure(
    _ bundle: AttestationBundle, trust: TrustFile? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let report = verify(bundle, trust: trust)
    #expect(report.failure?.code == "log-proof", sourceLocation: sourceLocation)
    #expect(report.exitCode == 6, sourceLocation: sourceLocation)
    #expect(report.inclusion == nil, sourceLocation: sourceLocation)
  }

  func evidence(_ bundle: AttestationBundle) throws -> InclusionEvidence {
    try InclusionEvidence(parsing: bundle.logProof)
  }

  @Test("a genuine bundle verifies and reports where the log holds it")
  func genuine() throws {
    let bundle = try #require(InMemoryLog.bundle(try issuer.token()))
    let report = verify(bundle)
    #expect(report.isValid)
    #expect(report.inclusion?.index == 6)
    #expect(report.inclusion?.checkpoint.checkpoint.size == 9)
    #expect(report.inclusion?.checkpoint.checkpoint.origin == TestValues.logSigner.origin)
  }

  @Test("a bare JWS is not proven logged (exit 6)")
  func bareToken() throws {
    let report = AttestationVerifier(trust: issuer.trust()).verify(
      Array(try issuer.token().utf8), now: TestValues.instant("2026-11-26T00:00:00Z"))
    #expect(report.failure?.code == "log-proof")
    #expect(report.attestation != nil)
  }

  @Test("D5: the proof of another attestation, a moved index or a bit flip do not hold")
  func wrongProofs() throws {
    let token = try issuer.token()
    let other = try issuer.token(
      claims: try issuer.claims(issuedAt: TestValues.instant("2026-11-25T11:00:00Z")))
    let bundle = try #require(InMemoryLog.bundle(token))
    let otherBundle = try #require(InMemoryLog.bundle(other))
    // Another attestation's proof, in the same log position.
    expectLogFailure(AttestationBundle(jws: token, logProof: otherBundle.logProof))
    let evidence = try evidence(bundle)
    for index: Int64 in [5, 7, 6 ^ 1, 9, 18] {
      expectLogFailure(
        AttestationBundle(
          jws: token,
          evidence: InclusionEvidence(
            index: index, proof: evidence.proof, checkpointNote: evidence.checkpointNote)))
    }
    var flipped = evidence.proof
    flipped[1] = MerkleHash(bytes: flipped[1].bytes.map { $0 ^ 0x01 })!
    expectLogFailure(
      AttestationBundle(
        jws: token,
        evidence: InclusionEvidence(
          index: 6, proof: flipped, checkpointNote: evidence.checkpointNote)))
    expectLogFailure(
      AttestationBundle(
        jws: token,
        evidence: InclusionEvidence(
          index: 6, proof: evidence.proof + [evidence.proof[0]],
          checkpointNote: evidence.checkpointNote)))
    // A checkpoint whose root was changed: its signature no longer holds.
    let root = try Checkpoint(
      text: try SignedNote(parsing: Array(evidence.checkpointNote.utf8)).text
    ).root
    expectLogFailure(
      AttestationBundle(
        jws: token,
        logProof: bundle.logProof.replacingOccurrences(
          of: root.base64, with: Merkle.emptyRoot.base64)))
    expectLogFailure(AttestationBundle(jws: token, logProof: "not a proof"))
  }

  @Test("H2: a checkpoint signed by another key, or for another origin, is refused")
  func untrustedCheckpoint() throws {
    let token = try issuer.token()
    let stranger = try LogSigner(
      origin: TestValues.logSigner.origin,
      key: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 5, count: 32)))
    expectLogFailure(try #require(InMemoryLog.bundle(token, signer: stranger)))
    let elsewhere = try LogSigner(
      origin: "elsewhere.example/log",
      key: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 32)))
    expectLogFailure(try #require(InMemoryLog.bundle(token, signer: elsewhere)))
    // The same key trusted under another origin does not vouch for this one either.
    let trustElsewhere = TrustFile(
      issuer: TestIssuer.issuer, keys: issuer.trust().keys, log: elsewhere.verifier)
    expectLogFailure(try #require(InMemoryLog.bundle(token)), trust: trustElsewhere)
    // A witness cosignature by an unknown key next to the log's signature is ignored.
    let bundle = try #require(InMemoryLog.bundle(token))
    let evidence = try evidence(bundle)
    var note = try SignedNote(parsing: Array(evidence.checkpointNote.utf8))
    note = SignedNote(
      text: note.text,
      signatures: note.signatures + (try stranger.noteSigner.sign(note.text)).signatures)
    let cosigned = AttestationBundle(
      jws: token,
      evidence: InclusionEvidence(index: 6, proof: evidence.proof, checkpointNote: note.serialized))
    #expect(verify(cosigned).isValid)
  }

  @Test("A17: a checkpoint with more than 16 signatures or a proof of more than 64 hashes")
  func oversizedEvidence() throws {
    let token = try issuer.token()
    let bundle = try #require(InMemoryLog.bundle(token))
    let evidence = try evidence(bundle)
    let note = try SignedNote(parsing: Array(evidence.checkpointNote.utf8))
    let crowded = SignedNote(
      text: note.text, signatures: Array(repeating: note.signatures[0], count: 17))
    expectLogFailure(
      AttestationBundle(
        jws: token,
        evidence: InclusionEvidence(
          index: 6, proof: evidence.proof, checkpointNote: crowded.serialized)))
    expectLogFailure(
      AttestationBundle(
        jws: token,
        evidence: InclusionEvidence(
          index: 6, proof: Array(repeating: evidence.proof[0], count: 65),
          checkpointNote: evidence.checkpointNote)))
  }
}
