import AmexistDomain
import Attestation
import Foundation
import RegistryService
import RegistryTesting
import Testing
import TransparencyLog

/// Item 3 of "Certifying bodies": a body signs its own decision, the registry records it only
/// when everything about it holds (catalogue C20–C23, C28).
@Suite("Body-signed decisions")
struct SignedDecisionTests {
  static let body = "afnor-certification"
  let siret = TestValues.siret("73282932000074")

  /// A registry with one accredited body whose key was added today, and one service.
  struct Setup {
    let harness: Harness
    let key: SigningKey
    var service: RegistryService { harness.service }
    var kid: String { key.publicKey.keyID }

    init(algorithm: SigningAlgorithm = .edDSA, accreditedFrom: String = "2024-01-01") async throws {
      harness = try Harness()
      key = SigningKey(generating: algorithm)
      try await harness.service.register(
        TestValues.siret("73282932000074"), profile: try ServiceProfile(name: "Service"))
      try await harness.service.registerBody(
        try BodyRegistered(
          body: SignedDecisionTests.body, name: "AFNOR Certification", accreditor: "COFRAC",
          number: "5-0012", validFrom: TestValues.date(accreditedFrom),
          validUntil: TestValues.date("2028-12-31")))
      try await harness.service.addBodyKey(key.publicKey, body: SignedDecisionTests.body)
    }

    /// Claims for `kind` with the registry's own audience and scheme, decided today.
    func claims(
      _ kind: DecisionKind = .grant, jti: String = UUID().uuidString.lowercased(),
      audience: String? = nil, scheme: SchemeName = .amexist, decided: String = "2026-11-25",
      signedAt: String = TestValues.noon, level: Level? = .certification,
      validUntil: String? = "2029-11-24", reason: String? = nil,
      body: String = SignedDecisionTests.body
    ) throws -> DecisionClaims {
      let window = kind == .grant || kind == .renew
      return try DecisionClaims(
        audience: audience ?? TestValues.logSigner.verifier.name, scheme: scheme, id: jti,
        issuedAt: TestValues.instant(signedAt).millisecondsSinceEpoch / 1000, body: body,
        kind: kind, siret: TestValues.siret("73282932000074"), decided: TestValues.date(decided),
        level: window ? level : nil, validFrom: window ? TestValues.date(decided) : nil,
        validUntil: window ? validUntil.map(TestValues.date) : nil,
        reference: window ? "CERT-42" : nil, reason: reason)
    }

    func token(_ claims: DecisionClaims, key: SigningKey? = nil) throws -> String {
      let signer = key ?? self.key
      return try claims.signed(with: signer, kid: signer.publicKey.keyID)
    }

    func record(_ token: String) async throws -> RecordedDecision {
      try await service.recordSignedDecision(token)
    }
  }

  /// The message a refusal gives, or nil when `body` succeeds.
  func refusal(_ body: () async throws -> Void) async -> RegistryError? {
    do {
      try await body()
      return nil
    } catch let error as RegistryError {
      return error
    } catch {
      Issue.record("unexpected error \(error)")
      return nil
    }
  }

  @Test(
    "a body's signed grant is recorded with its token; the same token again writes nothing (C22)")
  func recordAndReplay() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    let token = try setup.token(try setup.claims())
    let before = try await setup.service.eventCount()
    let dry = try await setup.service.recordSignedDecision(token, dryRun: true)
    #expect(try await setup.service.eventCount() == before)
    let first = try await setup.record(token)
    #expect(!first.alreadyRecorded)
    #expect(first.entry.index == dry.entry.index)
    #expect(first.entry.event.signedBy == (try BodySignature(body: Self.body, token: token)))
    let state = try await setup.service.state(of: siret)
    #expect(state.decision?.body == Self.body)
    #expect(state.decision?.evaluator == "AFNOR Certification")
    #expect(state.heldLevel == .certification)
    let again = try await setup.record(token)
    #expect(again.alreadyRecorded)
    #expect(again.entry.index == first.entry.index)
    #expect(try await setup.service.eventCount() == before + 1)
    // Only the body changes what it decided.
    let federation = await refusal {
      try await setup.service.decide(
        .levelSuspended(
          try LevelSuspended(siret: siret, decided: TestValues.date("2026-11-25"), reason: "x")))
    }
    #expect(federation == .refused(.ruleViolated(.decisionReservedToBody(Self.body))))
    let suspension = try setup.token(
      try setup.claims(.suspend, reason: "Audit de suivi en retard"))
    #expect(!(try await setup.record(suspension)).alreadyRecorded)
    #expect(try await setup.service.state(of: siret).standing == .suspended)
  }

  @Test("C20 forged: another key, a key of no body, typ other, alg none, a changed payload")
  func forged() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    let claims = try setup.claims()
    // A key the log does not hold.
    let stranger = await refusal {
      _ = try await setup.record(try setup.token(claims, key: SigningKey(generating: .edDSA)))
    }
    guard case .untrusted(let unknown)? = stranger else {
      Issue.record("an unknown key was not refused as untrusted: \(String(describing: stranger))")
      return
    }
    #expect(unknown.contains("no certifying body's key"))
    // The issuer's key is not a body's key.
    let issuerKey = SigningKey(generating: .edDSA)
    _ = try await setup.service.addKey(issuerKey)
    let issuerSigned = await refusal {
      _ = try await setup.record(try setup.token(claims, key: issuerKey))
    }
    guard case .untrusted? = issuerSigned else {
      Issue.record("an issuer key signed a body's decision: \(String(describing: issuerSigned))")
      return
    }
    // Another body's key does not sign for this body.
    try await setup.service.registerBody(
      try BodyRegistered(
        body: "bureau-veritas", name: "Bureau Veritas", accreditor: "COFRAC", number: "5-0050",
        validFrom: TestValues.date("2024-01-01"), validUntil: TestValues.date("2028-12-31")))
    let otherKey = SigningKey(generating: .edDSA)
    try await setup.service.addBodyKey(otherKey.publicKey, body: "bureau-veritas")
    let otherBody = await refusal {
      _ = try await setup.record(try setup.token(claims, key: otherKey))
    }
    guard case .untrusted(let message)? = otherBody else {
      Issue.record("another body's key was accepted: \(String(describing: otherBody))")
      return
    }
    #expect(message.contains("not of afnor-certification"))
    // typ other than amexist-decision+jwt, and alg none.
    let payload = CanonicalJSON.encode(claims.json)
    let wrongType = try CompactJWS.sign(
      payload: payload, key: setup.key, kid: setup.kid, type: "vc+jwt")
    guard case .invalidDecision? = await refusal({ _ = try await setup.record(wrongType) }) else {
      Issue.record("a token of another typ was accepted")
      return
    }
    let none =
      Base64URL.encode(
        Array(#"{"alg":"none","kid":"\#(setup.kid)","typ":"amexist-decision+jwt"}"#.utf8))
      + "." + Base64URL.encode(payload) + "."
    #expect(await refusal({ _ = try await setup.record(none) }) != nil)
    // One field changed after signing.
    let token = try setup.token(claims)
    let parts = token.split(separator: ".").map(String.init)
    let changed = String(decoding: payload, as: UTF8.self).replacingOccurrences(
      of: "\"level\":3", with: "\"level\":2")
    let edited = parts[0] + "." + Base64URL.encode(Array(changed.utf8)) + "." + parts[2]
    guard case .invalidDecision(let reason)? = await refusal({ _ = try await setup.record(edited) })
    else {
      Issue.record("an edited payload was accepted")
      return
    }
    #expect(reason.contains("the signature does not verify"))
    #expect(try await setup.service.state(of: siret).decision == nil)
  }

  @Test("C21 a body not accredited on the decision date, or today, cannot decide")
  func accreditation() async throws {
    let setup = try await Setup(accreditedFrom: "2026-11-25")
    defer { setup.harness.folder.remove() }
    let before = await refusal {
      _ = try await setup.record(try setup.token(try setup.claims(decided: "2026-11-24")))
    }
    guard case .untrusted(let early)? = before else {
      Issue.record(
        "a decision before the accreditation was accepted: \(String(describing: before))")
      return
    }
    #expect(early.contains("not accredited on its decision date (2026-11-24: notYet)"))
    try await setup.service.changeAccreditation(
      try BodyAccreditationChanged(
        body: Self.body, change: .suspended, effective: TestValues.date("2026-11-25")))
    let suspended = await refusal {
      _ = try await setup.record(try setup.token(try setup.claims()))
    }
    guard case .untrusted(let message)? = suspended else {
      Issue.record("a suspended body's decision was accepted")
      return
    }
    #expect(message.contains("suspended"))
  }

  @Test("C23/C24 a signed decision whose fields break the scheme is refused, naming the rule")
  func schemeRules() async throws {
    let setup = try await Setup()
    defer { setup.harness.folder.remove() }
    let tooLong = await refusal {
      _ = try await setup.record(try setup.token(try setup.claims(validUntil: "2031-11-25")))
    }
    guard case .refused(let error)? = tooLong else {
      Issue.record("a validity beyond the scheme's cap was accepted")
      return
    }
    #expect("\(error)".hasPrefix("amexist: level 3 is held at most 5 years"))
  }

  @Test(
    "C28 another registry or scheme, a reused jti, a re-encoded or malleated copy, a revoked key, iat late"
  )
  func replays() async throws {
    let setup = try await Setup(algorithm: .es256)
    defer { setup.harness.folder.remove() }
    func refused(_ claims: DecisionClaims) async throws -> RegistryError? {
      let token = try setup.token(claims)
      return await refusal { _ = try await setup.record(token) }
    }
    guard
      case .invalidDecision(let audience)? = try await refused(
        try setup.claims(audience: "other.example/log"))
    else {
      Issue.record("another registry's decision was accepted")
      return
    }
    #expect(audience.contains("not this one"))
    guard
      case .invalidDecision(let scheme)? = try await refused(try setup.claims(scheme: .spsti2023))
    else {
      Issue.record("another scheme's decision was accepted")
      return
    }
    #expect(scheme.contains("this registry applies amexist"))

    let claims = try setup.claims(jti: "3b0e6f0e-58a5-4c55-9a43-5d4a2f0a7c11")
    let token = try setup.token(claims)
    _ = try await setup.record(token)
    // The same jti on another decision.
    guard
      case .invalidDecision(let reused)? = try await refused(
        try setup.claims(jti: "3b0e6f0e-58a5-4c55-9a43-5d4a2f0a7c11", validUntil: "2029-11-20"))
    else {
      Issue.record("a reused jti was accepted")
      return
    }
    #expect(reused.contains("already recorded"))
    // The same payload, signature malleated (ECDSA s → n − s): same payload hash, other token.
    let parts = token.split(separator: ".").map(String.init)
    var signature = try #require(Base64URL.decode(Array(parts[2].utf8)))
    signature.replaceSubrange(32..<64, with: Self.p256OrderMinus(Array(signature[32..<64])))
    let malleated = parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)
    #expect(malleated != token)
    guard case .invalidDecision? = await refusal({ _ = try await setup.record(malleated) }) else {
      Issue.record("a malleated copy was recorded")
      return
    }
    // Signed 31 days after its decision date.
    setup.harness.clock.advance(days: 31)
    guard
      case .invalidDecision(let late)? = try await refused(
        try setup.claims(.suspend, signedAt: "2026-12-26T12:00:00Z", reason: "Audit"))
    else {
      Issue.record("a decision signed 31 days after its date was accepted")
      return
    }
    #expect(late.contains("more than 30 days"))
    // A key valid on the decision date but revoked when the decision is recorded.
    let next = try setup.token(try setup.claims(.suspend, reason: "Audit de suivi en retard"))
    try await setup.service.revokeKey(setup.kid, reason: "Clé compromise", owner: Self.body)
    guard case .untrusted(let revoked)? = await refusal({ _ = try await setup.record(next) }) else {
      Issue.record("a decision was recorded with a revoked key")
      return
    }
    #expect(revoked.contains("was not valid on") || revoked.contains("revoked"))
  }

  /// n − s for the P-256 group order n (both big-endian, 32 bytes).
  static func p256OrderMinus(_ s: [UInt8]) -> [UInt8] {
    let order: [UInt8] = [
      0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF,
      0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25,
      0x51,
    ]
    var result = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in stride(from: 31, through: 0, by: -1) {
      var digit = Int(order[index]) - Int(s[index]) - borrow
      borrow = digit < 0 ? 1 : 0
      if digit < 0 { digit += 256 }
      result[index] = UInt8(digit)
    }
    return result
  }
}
