import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryTesting
import Testing

@Suite("Keys, trust file and time (groups B, C, H)")
struct KeyAndTimeTests {
  let issuer = TestIssuer()

  @Test(
    "B1: a revoked key's attestation stands only if the log proves it held it before the revocation"
  )
  func revokedKey() throws {
    let token = try issuer.token()
    let revokedAt = TestValues.instant("2026-11-25T12:00:00Z")
    // The bundle proves the issuance at log index 6.
    // No revocation index: no evidence of order, whatever the claimed time: refused.
    let unknownOrder = issuer.verify(token, trust: issuer.trust(edRevoked: revokedAt))
    #expect(unknownOrder.failure == .keyRevoked(kid: issuer.edKid, at: revokedAt))
    #expect(unknownOrder.exitCode == 4)
    // Revoked at index 7: the log held the attestation before: it stands.
    let loggedBefore = issuer.verify(
      token, trust: issuer.trust(edRevoked: revokedAt, edRevocationIndex: 7))
    #expect(loggedBefore.isValid)
    #expect(loggedBefore.inclusion?.index == 6)
    // Revoked at index 6 or earlier: logged after the revocation: refused.
    for index: Int64 in [6, 2] {
      let loggedAfter = issuer.verify(
        token, trust: issuer.trust(edRevoked: revokedAt, edRevocationIndex: index))
      #expect(loggedAfter.failure?.code == "revoked")
    }
    // A bare token carries no evidence at all: refused before the revocation question.
    let bare = AttestationVerifier(
      trust: issuer.trust(edRevoked: revokedAt, edRevocationIndex: 7)
    ).verify(Array(token.utf8), now: TestValues.instant("2026-11-26T00:00:00Z"))
    #expect(bare.exitCode == 6)
  }

  @Test("B2: a key that did not exist, or had retired, when the attestation says it was issued")
  func keyWindow() throws {
    let token = try issuer.token()
    let notYet = issuer.verify(
      token, trust: issuer.trust(edFrom: TestValues.instant("2026-11-25T10:00:01Z")))
    #expect(notYet.failure?.code == "untrusted-key")
    #expect(notYet.exitCode == 7)
    let retired = issuer.verify(
      token, trust: issuer.trust(edUntil: TestValues.instant("2026-11-25T10:00:00Z")))
    #expect(retired.failure?.code == "untrusted-key")
    // Retired after issuance: what it signed inside its window still verifies.
    let later = issuer.verify(
      token, trust: issuer.trust(edUntil: TestValues.instant("2026-11-25T10:00:00.001Z")))
    #expect(later.isValid)
  }

  @Test("B9: unusable keys in the trust file refuse the whole file")
  func badTrustKeys() throws {
    let good = issuer.trust()
    func withKey(_ jwk: JSONValue, kid: String = "bad", alg: String = "EdDSA") -> [UInt8] {
      guard case .object(var members) = good.json, case .array(var keys) = members["keys"] else {
        return []
      }
      keys.append(
        .object([
          "kid": .string(kid), "alg": .string(alg), "jwk": jwk,
          "validFrom": .string("2026-01-01T00:00:00Z"), "validUntil": .null, "revokedAt": .null,
        ]))
      members["keys"] = .array(keys)
      return CanonicalJSON.encode(.object(members))
    }
    let p256 = issuer.p256.publicKey.jwk()
    func replacing(_ jwk: JSONValue, _ name: String, _ value: JSONValue?) -> JSONValue {
      guard case .object(var members) = jwk else { return jwk }
      members[name] = value
      return .object(members)
    }
    let y = Base64URL.decode(p256["y"]!.stringValue!)!
    let offCurve = Base64URL.encode(Array(y.dropLast()) + [y.last! ^ 1])
    let cases: [(String, [UInt8])] = [
      ("point not on the curve", withKey(replacing(p256, "y", .string(offCurve)), alg: "ES256")),
      (
        "point at infinity",
        withKey(
          replacing(
            replacing(p256, "x", .string(Base64URL.encode([UInt8](repeating: 0, count: 32)))), "y",
            .string(Base64URL.encode([UInt8](repeating: 0, count: 32)))), alg: "ES256")
      ),
      (
        "wrong length",
        withKey(
          .object([
            "kty": .string("OKP"), "crv": .string("Ed25519"),
            "x": .string(Base64URL.encode([UInt8](repeating: 7, count: 31))),
          ]))
      ),
      (
        "small-order Ed25519",
        withKey(
          .object([
            "kty": .string("OKP"), "crv": .string("Ed25519"),
            "x": .string(Base64URL.encode([1] + [UInt8](repeating: 0, count: 31))),
          ]))
      ),
      ("alg and curve disagree", withKey(replacing(p256, "alg", .string("EdDSA")), alg: "ES256")),
      ("entry alg disagrees", withKey(issuer.ed.publicKey.jwk(), alg: "ES256")),
      ("duplicate kid", withKey(issuer.ed.publicKey.jwk(), kid: issuer.edKid)),
      ("empty key", withKey(.object([:]))),
      (
        "AES key",
        withKey(.object(["kty": .string("oct"), "k": .string("AAAAAAAAAAAAAAAAAAAAAA")]))
      ),
      ("private member", withKey(replacing(issuer.ed.publicKey.jwk(), "d", .string("AAAA")))),
    ]
    for (name, bytes) in cases {
      #expect(throws: AttestationError.self, "\(name)") { try TrustFile(bytes: bytes) }
    }
    #expect(try TrustFile(bytes: CanonicalJSON.encode(good.json)) == good)
  }

  @Test("B9: Ed25519 points of small order are refused, whatever their sign bit")
  func smallOrder() {
    for hex in [
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
      "0000000000000000000000000000000000000000000000000000000000000080",
    ] {
      #expect(throws: AttestationError.invalidKey("Ed25519 point of small order")) {
        try PublicKey(ed25519: Hex.bytes(hex))
      }
    }
  }

  @Test(
    "H6: a trust file of a newer format or with unknown members is refused with a clear message")
  func futureTrustFile() throws {
    guard case .object(var members) = issuer.trust().json else { return }
    members["format"] = .string("amexist-trust/2")
    #expect(
      throws: AttestationError.invalidTrustFile(
        "format amexist-trust/2 is newer than this amexist reads: upgrade amexist")
    ) {
      try TrustFile(bytes: CanonicalJSON.encode(.object(members)))
    }
    members["format"] = .string(TrustFile.format)
    members["witnesses"] = .array([])
    #expect(throws: AttestationError.self) {
      try TrustFile(bytes: CanonicalJSON.encode(.object(members)))
    }
  }

  @Test("B12: signing the same content twice gives the same Ed25519 signature")
  func determinism() throws {
    let payload = try issuer.claims().payload
    let first = try CompactJWS.sign(
      payload: payload, key: issuer.ed, kid: issuer.edKid, type: "vc+jwt")
    let second = try CompactJWS.sign(
      payload: payload, key: issuer.ed, kid: issuer.edKid, type: "vc+jwt")
    #expect(first == second)
  }

  @Test("B10, B11: keys round-trip through PEM and never print their secret")
  func pem() throws {
    for algorithm in SigningAlgorithm.allCases {
      let key = SigningKey(generating: algorithm)
      let loaded = try SigningKey(pemRepresentation: key.pemRepresentation)
      #expect(loaded.publicKey == key.publicKey)
      #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"))
      #expect("\(key)" == "SigningKey(\(algorithm.rawValue), private)")
      #expect(!String(reflecting: key).contains(key.pemRepresentation.split(separator: "\n")[1]))
    }
    #expect(throws: AttestationError.self) {
      try SigningKey(pemRepresentation: issuer.ed.publicKey.pemRepresentation)
    }
  }

  @Test("the key id is the RFC 7638 thumbprint")
  func thumbprint() throws {
    // RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    let key = try PublicKey(
      ed25519: Base64URL.decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")!)
    #expect(key.thumbprint == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    #expect(key.keyID == "ed25519-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
  }

  /// A thumbprint starts with `-` for about one key in 64; `amexist keys revoke -…h…` would then
  /// print help and revoke nothing. Key ids must never start with `-`.
  @Test(
    "key ids never start with a dash and are valid key ids", arguments: SigningAlgorithm.allCases)
  func keyIDs(_ algorithm: SigningAlgorithm) throws {
    // Among 400 keys, some thumbprint starts with "-" with probability 1 − (63/64)^400 ≈ 99.8 %.
    for _ in 0..<400 {
      let key = SigningKey(generating: algorithm).publicKey
      #expect(!key.keyID.hasPrefix("-"))
      #expect(try Identifiers.keyID(key.keyID) == key.keyID)
    }
  }

  @Test("C1: validUntil is exclusive: at that instant the attestation is expired")
  func expiryBoundary() throws {
    let claims = try issuer.claims()
    #expect(claims.validUntil == TestValues.instant("2029-01-09T23:00:00Z"))
    let token = try issuer.token()
    #expect(issuer.verify(token, at: "2029-01-09T22:59:59.999Z").isValid)
    let expired = issuer.verify(token, at: "2029-01-09T23:00:00Z")
    #expect(expired.failure == .expired(claims.validUntil))
    #expect(expired.exitCode == 3)
    #expect(expired.attestation != nil)
  }

  @Test(
    "C2: a verifier clock off by minutes or years gives a deterministic outcome, with 60 s of leeway"
  )
  func clockSkew() throws {
    let token = try issuer.token()
    #expect(issuer.verify(token, at: "2026-11-25T09:59:00Z").isValid)
    #expect(issuer.verify(token, at: "2026-11-25T09:58:59.999Z").failure?.code == "not-yet-valid")
    #expect(issuer.verify(token, at: "2026-11-25T09:50:00Z").failure?.code == "not-yet-valid")
    #expect(issuer.verify(token, at: "2026-11-25T10:10:00Z").isValid)
    #expect(issuer.verify(token, at: "1970-01-01T00:00:00Z").failure?.code == "not-yet-valid")
    #expect(issuer.verify(token, at: "2100-01-01T00:00:00Z").failure?.code == "expired")
    #expect(
      issuer.verify(token, at: "2100-01-01T00:00:00Z").checkedAt
        == TestValues.instant("2100-01-01T00:00:00Z"))
  }

  @Test("H1: every reason has its own code and a non-zero exit status")
  func exitCodes() {
    let failures: [VerificationFailure] = [
      .malformed("x"), .invalidSignature("x"), .wrongIssuer("x"), .untrustedKey("x"),
      .keyRevoked(kid: "k", at: TestValues.instant(TestValues.noon)),
      .expired(TestValues.instant(TestValues.noon)),
      .notYetValid(TestValues.instant(TestValues.noon)), .statusUnknown("x"),
    ]
    #expect(Set(failures.map(\.code)).count == failures.count)
    #expect(failures.map(\.exitCode) == [1, 1, 1, 7, 4, 3, 3, 5])
  }

  @Test("claims are read strictly: unknown members and inconsistent values are refused")
  func strictClaims() throws {
    let json = try issuer.claims().json
    guard case .object(var top) = json, case .object(var subject) = top["credentialSubject"] else {
      return
    }
    var variants: [JSONValue] = []
    var extra = top
    extra["extra"] = .bool(true)
    variants.append(.object(extra))
    var wrongName = subject
    wrongName["levelName"] = .string("Certification ISO")
    top["credentialSubject"] = .object(wrongName)
    variants.append(.object(top))
    subject.removeValue(forKey: "evaluator")
    top["credentialSubject"] = .object(subject)
    variants.append(.object(top))
    for variant in variants {
      let token = try issuer.forge(
        header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt"}"#,
        payload: CanonicalJSON.encode(variant))
      #expect(issuer.verify(token).failure?.code == "malformed")
    }
  }
}
