import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

/// The witnesses and quorums of the trust root, and how a checkpoint's cosignatures count
/// (catalogue D22).
@Suite("Witness policy: distinct keys, windows, quorums by size")
struct WitnessPolicyTests {
  static let now = TestValues.instant(TestValues.noon)
  static let seconds = UInt64(now.millisecondsSinceEpoch / 1000)

  static func witness(
    _ name: String, from: String = "2026-01-01T00:00:00Z", until: String? = nil
  ) throws -> (ListedWitness, Cosigner) {
    let cosigner = try Cosigner(name: "\(name).example/w", key: Curve25519.Signing.PrivateKey())
    return (
      ListedWitness(
        name: name, url: "https://\(name).example/", key: cosigner.verifier,
        from: TestValues.instant(from), until: until.map(TestValues.instant)),
      cosigner
    )
  }

  /// The note of the test log's checkpoint of `size` with `lines` added.
  static func note(size: Int64, root: UInt8 = 7, lines: [NoteSignature]) throws -> SignedNote {
    let signed = try TestValues.logSigner.sign(
      size: size, root: MerkleHash(bytes: [UInt8](repeating: root, count: 32))!
    ).note
    let parsed = try SignedNote(parsing: Array(signed.utf8))
    return SignedNote(text: parsed.text, signatures: parsed.signatures + lines)
  }

  static func text(size: Int64, root: UInt8 = 7) throws -> String {
    try note(size: size, root: root, lines: []).text
  }

  @Test(
    "D22: counted once per key; unknown keys, other notes, future timestamps and closed windows do not count"
  )
  func counting() throws {
    let (a, signA) = try Self.witness("a")
    let (b, signB) = try Self.witness("b", until: "2026-06-01T00:00:00Z")
    let (c, signC) = try Self.witness("c")
    let (_, stranger) = try Self.witness("stranger")
    let policy = try WitnessPolicy(
      witnesses: [a, b, c], quorums: [QuorumRule(k: 2, fromSize: 0)])
    let text = try Self.text(size: 10)
    let t = Self.seconds
    // A's cosignature twice is one.
    let twice = try Self.note(
      size: 10, lines: [try signA.cosign(text, at: t), try signA.cosign(text, at: t - 5)])
    #expect(throws: QuorumFailure.self) { try policy.check(twice, size: 10, realNow: Self.now) }
    // An unknown witness does not count.
    let unknown = try Self.note(
      size: 10, lines: [try signA.cosign(text, at: t), try stranger.cosign(text, at: t)])
    #expect(throws: QuorumFailure.self) { try policy.check(unknown, size: 10, realNow: Self.now) }
    // A cosignature of another checkpoint (an older one replayed, another log) does not count.
    let replayed = try Self.note(
      size: 10,
      lines: [try signA.cosign(text, at: t), try signC.cosign(try Self.text(size: 9), at: t)])
    #expect(throws: QuorumFailure.self) { try policy.check(replayed, size: 10, realNow: Self.now) }
    // A timestamp beyond the real clock + 60 s does not count; at + 60 s it does.
    let future = try Self.note(
      size: 10, lines: [try signA.cosign(text, at: t), try signC.cosign(text, at: t + 61)])
    #expect(throws: QuorumFailure.self) { try policy.check(future, size: 10, realNow: Self.now) }
    let edge = try Self.note(
      size: 10, lines: [try signA.cosign(text, at: t), try signC.cosign(text, at: t + 60)])
    #expect(try policy.check(edge, size: 10, realNow: Self.now).map(\.name) == ["a", "c"])
    // A retired witness counts only for what it cosigned inside its window.
    let retired = try Self.note(
      size: 10, lines: [try signA.cosign(text, at: t), try signB.cosign(text, at: t)])
    let failure = try #require(
      throws: QuorumFailure.self,
      performing: { try policy.check(retired, size: 10, realNow: Self.now) })
    #expect(failure.missing == ["b", "c"])
    let inWindow = UInt64(TestValues.instant("2026-05-01T00:00:00Z").millisecondsSinceEpoch / 1000)
    let old = try Self.note(
      size: 10, lines: [try signA.cosign(text, at: t), try signB.cosign(text, at: inWindow)])
    #expect(try policy.check(old, size: 10, realNow: Self.now).count == 2)
  }

  @Test(
    "D22: a key listed twice (under one name or two) is a bad trust file; quorums apply from their size"
  )
  func listing() throws {
    let (a, _) = try Self.witness("a")
    let (b, signB) = try Self.witness("b")
    let alias = ListedWitness(
      name: "a-again", url: a.url, key: a.key, from: a.from, until: nil)
    #expect(throws: TrustChainError.self) {
      try WitnessPolicy(witnesses: [a, alias], quorums: [QuorumRule(k: 1, fromSize: 0)])
    }
    #expect(throws: TrustChainError.self) {
      try WitnessPolicy(witnesses: [a], quorums: [QuorumRule(k: 2, fromSize: 0)])
    }
    #expect(throws: TrustChainError.self) {
      try WitnessPolicy(
        witnesses: [a, b], quorums: [QuorumRule(k: 1, fromSize: 9), QuorumRule(k: 2, fromSize: 5)])
    }
    // Raised from size 100: a checkpoint of 50 needs one, of 100 two; before 10, none.
    let policy = try WitnessPolicy(
      witnesses: [a, b], quorums: [QuorumRule(k: 1, fromSize: 10), QuorumRule(k: 2, fromSize: 100)])
    #expect(policy.quorum(forSize: 5) == nil)
    #expect(policy.quorum(forSize: 50)?.k == 1)
    #expect(policy.quorum(forSize: 100)?.k == 2)
    let text = try Self.text(size: 50)
    let one = try Self.note(size: 50, lines: [try signB.cosign(text, at: Self.seconds)])
    #expect(try policy.check(one, size: 50, realNow: Self.now).count == 1)
    #expect(try policy.check(try Self.note(size: 5, lines: []), size: 5, realNow: Self.now).isEmpty)
  }

  @Test(
    "the root carries its witnesses and quorums and reads them back; a duplicate key is refused")
  func rootRoundTrip() throws {
    let (a, _) = try Self.witness("a")
    let (b, _) = try Self.witness("b", until: "2026-06-01T00:00:00Z")
    let rootKey = SigningKey(generating: .edDSA)
    let root = try TrustRoot(
      version: 1, expires: TestValues.instant("2027-11-25T12:00:00Z"),
      roots: [try rootKey.logSigner(origin: "root").verifier], threshold: 1, scheme: .amexist,
      bodySignedFrom: 0, issuer: "https://registre.example.fr", log: TestValues.logSigner.verifier,
      registryKeys: [],
      witnessPolicy: try WitnessPolicy(
        witnesses: [a, b], quorums: [QuorumRule(k: 1, fromSize: 0), QuorumRule(k: 2, fromSize: 40)])
    )
    #expect(try TrustRoot(signed: root.json) == root)
    #expect(try TrustRoot(signed: root.json).witnessPolicy.quorum(forSize: 40)?.k == 2)
    guard case .object(var members) = root.json, case .array(let witnesses) = members["witnesses"]
    else { return }
    members["witnesses"] = .array(witnesses + [witnesses[0]])
    #expect(throws: TrustChainError.self) { try TrustRoot(signed: .object(members)) }
    members["witnesses"] = .array(witnesses)
    members["quorum"] = .array([])
    #expect(throws: TrustChainError.self) { try TrustRoot(signed: .object(members)) }
  }
}
