import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

/// The signed parts of `amexist-trust/2` (DESIGN, "The trust root"): threshold counting,
/// version chains, rollback, skipped versions, swaps and delegation (catalogue B3–B5, D25).
@Suite("Signed trust metadata: roots, thresholds, chains, registry lists")
struct TrustMetadataTests {
  static let now = TestValues.instant(TestValues.noon)

  /// Root keys with their verifier keys.
  struct Keys {
    let privateKeys: [SigningKey]
    let verifiers: [NoteVerifier]

    init(privateKeys: [SigningKey], verifiers: [NoteVerifier]) {
      self.privateKeys = privateKeys
      self.verifiers = verifiers
    }

    init(_ count: Int, name: String = "root") throws {
      privateKeys = (0..<count).map { _ in SigningKey(generating: .edDSA) }
      verifiers = try privateKeys.enumerated().map { offset, key in
        try key.logSigner(origin: "\(name)-\(offset)").verifier
      }
    }
  }

  static let registryKey = SigningKey(generating: .edDSA)

  static func root(
    version: Int64, roots: Keys, threshold: Int, expires: String = "2027-11-25T12:00:00Z",
    registryKey: SigningKey = registryKey
  ) throws -> TrustRoot {
    try TrustRoot(
      version: version, expires: TestValues.instant(expires), roots: roots.verifiers,
      threshold: threshold, scheme: .amexist, bodySignedFrom: 0,
      issuer: "https://registre.example.fr", issuerName: "Fédération (exemple)",
      log: TestValues.logSigner.verifier,
      registryKeys: [
        (
          try registryKey.logSigner(origin: "registry").verifier,
          TestValues.instant("2027-02-25T12:00:00Z")
        )
      ])
  }

  static func signed(_ root: TrustRoot, by keys: [SigningKey]) throws
    -> SignedPart
  {
    var part = SignedPart(signed: root.json)
    for key in keys { try part.sign(with: key) }
    return part
  }

  @Test("B4 threshold counting: a signature twice, a key outside the role, a bad signature")
  func thresholdCounting() throws {
    let keys = try Keys(3)
    let root = try Self.root(version: 1, roots: keys, threshold: 2)
    var once = try Self.signed(root, by: [keys.privateKeys[0]])
    #expect(throws: TrustChainError.threshold(role: "root version 1")) {
      try TrustRoot.verify(once, after: nil)
    }
    // The same signature listed twice counts once.
    guard case .object(var members) = once.json, case .array(let signatures) = members["signatures"]
    else {
      Issue.record("a part is an object")
      return
    }
    members["signatures"] = .array(signatures + signatures)
    let doubled = try SignedPart(json: .object(members))
    #expect(doubled.signers(among: keys.verifiers).count == 1)
    #expect(throws: TrustChainError.self) { try TrustRoot.verify(doubled, after: nil) }
    // A key outside the role does not count.
    try once.sign(with: SigningKey(generating: .edDSA))
    #expect(once.signers(among: keys.verifiers).count == 1)
    // The same key under two names is refused in the root itself.
    let twice = [keys.verifiers[0], try keys.privateKeys[0].logSigner(origin: "alias").verifier]
    #expect(throws: TrustChainError.self) {
      try TrustRoot(
        version: 1, expires: Self.now, roots: twice, threshold: 2, scheme: .amexist,
        bodySignedFrom: 0, issuer: "https://x", log: TestValues.logSigner.verifier,
        registryKeys: [])
    }
    // A signature of other bytes does not count.
    let other = try Self.signed(
      try Self.root(version: 1, roots: keys, threshold: 2, expires: "2030-01-01T00:00:00Z"),
      by: [keys.privateKeys[1]])
    guard case .object(var forged) = try Self.signed(root, by: [keys.privateKeys[0]]).json,
      case .array(let own) = forged["signatures"], case .object(let theirs) = other.json,
      case .array(let stolen) = theirs["signatures"]
    else {
      Issue.record("parts are objects")
      return
    }
    forged["signatures"] = .array(own + stolen)
    #expect(try SignedPart(json: .object(forged)).signers(among: keys.verifiers).count == 1)
    // Two distinct keys reach the threshold.
    let good = try Self.signed(root, by: Array(keys.privateKeys.prefix(2)))
    #expect(try TrustRoot.verify(good, after: nil) == root)
  }

  @Test("B3 version N+1 needs the threshold of the old roots and of the new ones")
  func rotation() throws {
    let old = try Keys(2, name: "old")
    let new = try Keys(2, name: "new")
    let first = try Self.root(version: 1, roots: old, threshold: 2)
    let second = try Self.root(version: 2, roots: new, threshold: 2)
    for signers in [new.privateKeys, old.privateKeys] {
      #expect(throws: TrustChainError.self) {
        try TrustRoot.verify(try Self.signed(second, by: signers), after: first)
      }
    }
    let both = try Self.signed(second, by: old.privateKeys + new.privateKeys)
    #expect(try TrustRoot.verify(both, after: first) == second)
  }

  @Test("B5, D25 rollback, skipped version, swap and a retired root are refused; expiry is apart")
  func chain() throws {
    let keys = try Keys(3)
    let all = keys.privateKeys
    let v1 = try Self.root(version: 1, roots: keys, threshold: 2)
    let v2 = try Self.root(version: 2, roots: keys, threshold: 2)
    // Version 3 retires root 0.
    let remaining = Keys(
      privateKeys: Array(all.dropFirst()), verifiers: Array(keys.verifiers.dropFirst()))
    let v3 = try Self.root(version: 3, roots: remaining, threshold: 2)
    let v4 = try Self.root(
      version: 4, roots: remaining, threshold: 2, expires: "2026-11-01T00:00:00Z")
    let parts = [
      try Self.signed(v2, by: all), try Self.signed(v3, by: all),
      try Self.signed(v4, by: Array(all.dropFirst())),
    ]
    // Walked in any order, from the pin.
    let walked = try TrustChain.walk(from: v1, through: parts.reversed(), at: Self.now)
    #expect(walked.root == v4)
    #expect(walked.expired)
    #expect(try !TrustChain.walk(from: v1, through: Array(parts.prefix(2)), at: Self.now).expired)
    // Rollback: an older version than the one trusted.
    #expect(throws: TrustChainError.rollback(have: 2, given: 1)) {
      try TrustChain.walk(from: v2, through: [try Self.signed(v1, by: all)], at: Self.now)
    }
    // Skipped version.
    #expect(throws: TrustChainError.skippedVersion(expected: 2, given: 3)) {
      try TrustChain.walk(from: v1, through: [parts[1]], at: Self.now)
    }
    // Swap: a version 2 signed by other roots.
    let others = try Keys(3, name: "other")
    let swapped = try Self.signed(
      try Self.root(version: 2, roots: others, threshold: 2), by: others.privateKeys)
    #expect(throws: TrustChainError.self) {
      try TrustChain.walk(from: v1, through: [swapped], at: Self.now)
    }
    // A retired root with one current root does not reach version 3's threshold for version 5.
    let v5 = try Self.root(version: 5, roots: remaining, threshold: 2)
    #expect(throws: TrustChainError.self) {
      try TrustRoot.verify(try Self.signed(v5, by: [all[0], all[1]]), after: v4)
    }
  }

  @Test("D25 the registry list is signed by a registry key the root delegates to")
  func registryList() throws {
    let keys = try Keys(1)
    let root = try Self.root(version: 1, roots: keys, threshold: 1)
    let list = RegistryList(
      version: 7, expires: TestValues.instant("2026-12-25T12:00:00Z"),
      keys: [
        TrustedKey(
          kid: "ed25519-test", publicKey: SigningKey(generating: .edDSA).publicKey,
          validFrom: Self.now, validUntil: nil, revokedAt: nil)
      ], bodies: [])
    var part = SignedPart(signed: list.json)
    #expect(throws: TrustChainError.undelegated) {
      try RegistryList.verify(part, root: root)
    }
    try part.sign(with: SigningKey(generating: .edDSA))
    #expect(throws: TrustChainError.undelegated) {
      try RegistryList.verify(part, root: root)
    }
    try part.sign(with: Self.registryKey)
    let (read, keyExpires) = try RegistryList.verify(part, root: root)
    #expect(read == list)
    #expect(keyExpires == TestValues.instant("2027-02-25T12:00:00Z"))
    // The whole file expires with the first of the root, the list and the delegation.
    let rootPart = try Self.signed(root, by: keys.privateKeys)
    let trust = try SignedTrust(root: rootPart, registry: part)
    #expect(trust.expires == list.expires)
    let later = RegistryList(
      version: 8, expires: TestValues.instant("2027-06-01T00:00:00Z"), keys: list.keys,
      bodies: [])
    #expect(
      try SignedTrust.signing(later, with: Self.registryKey, under: rootPart).expires
        == keyExpires)
    // Another key listed under the same id is refused.
    let twice = RegistryList(
      version: 9, expires: list.expires, keys: list.keys,
      bodies: [
        TrustedBody(
          id: "body-a", name: "Body A",
          accreditation: Accreditation(
            accreditor: "COFRAC", number: "5-0001",
            validFrom: try CalendarDate(parsing: "2025-01-01"),
            validUntil: try CalendarDate(parsing: "2029-01-01")),
          keys: list.keys)
      ])
    #expect(throws: TrustChainError.self) {
      try SignedTrust.signing(twice, with: Self.registryKey, under: rootPart)
    }
  }

  @Test("the pin is the SHA-256 of the canonical signed root; parts read back exactly")
  func pinAndForm() throws {
    let keys = try Keys(2)
    let root = try Self.root(version: 1, roots: keys, threshold: 2)
    #expect(root.pin == PayloadHash.hex(of: CanonicalJSON.encode(root.json)))
    let part = try Self.signed(root, by: keys.privateKeys)
    #expect(try SignedPart(json: part.json) == part)
    #expect(try TrustRoot(signed: root.json) == root)
    guard case .object(var members) = root.json else { return }
    members["extra"] = .integer(1)
    #expect(throws: TrustChainError.self) { try TrustRoot(signed: .object(members)) }
  }

  @Test("outside check: Python's cryptography verifies both signed parts from DESIGN alone")
  func pythonVerifies() async throws {
    let keys = try Keys(3)
    let root = try Self.root(version: 1, roots: keys, threshold: 2)
    let list = RegistryList(
      version: 1, expires: TestValues.instant("2026-12-25T12:00:00Z"), keys: [], bodies: [])
    var listPart = SignedPart(signed: list.json)
    try listPart.sign(with: Self.registryKey)
    let file = CanonicalJSON.encode(
      .object([
        "root": try Self.signed(root, by: Array(keys.privateKeys.prefix(2))).json,
        "registry": listPart.json,
      ]))
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("trust.json")
    try Data(file).write(to: URL(fileURLWithPath: path))
    let checked = try await ExternalTool.run(
      "python3",
      ["-W", "ignore", Vectors.packageRoot + "/Tests/Interop/trust_metadata_check.py", path])
    #expect(checked.status == 0, "\(checked.text) \(checked.stderr)")
    #expect(checked.text == "root 1: 2 of 3 signatures (threshold 2); registry list signed\n")
  }
}
