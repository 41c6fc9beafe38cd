import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

@Suite("Signature and format attacks (group A)")
struct AttackTests {
  let issuer = TestIssuer()

  func expectRefused(
    _ token: String, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let report = issuer.verify(token)
    #expect(!report.isValid, sourceLocation: sourceLocation)
    #expect(
      report.failure?.code == code, "\(String(describing: report.failure))",
      sourceLocation: sourceLocation)
    #expect(report.exitCode != 0, sourceLocation: sourceLocation)
  }

  @Test("a genuine attestation verifies, with both algorithms")
  func genuine() throws {
    let ed = issuer.verify(try issuer.token())
    #expect(ed.isValid)
    #expect(ed.attestation?.claims == (try issuer.claims()))
    let es = issuer.verify(try issuer.token(kid: issuer.p256Kid, key: issuer.p256))
    #expect(es.isValid)
    #expect(es.attestation?.algorithm == .es256)
  }

  @Test(
    "A1: alg none in any case, with or without a signature",
    arguments: ["none", "None", "NONE", "nOnE"])
  func algNone(_ alg: String) throws {
    let header = Base64URL.encode(
      Array(#"{"alg":"\#(alg)","kid":"Test_ed25519","typ":"vc+jwt"}"#.utf8))
    let payload = Base64URL.encode(try issuer.claims().payload)
    expectRefused("\(header).\(payload).", "malformed")
    let genuine = try issuer.token().split(separator: ".")
    expectRefused("\(header).\(payload).\(genuine[2])", "invalid-signature")
  }

  @Test("A2: HS256 MACed with the issuer's public key (raw, PEM, JWK) is refused")
  func algorithmConfusion() throws {
    let publicKey = issuer.ed.publicKey
    // The key as raw bytes, PEM, and JWK (with and without kid).
    let secrets: [[UInt8]] = [
      Base64URL.decode(publicKey.jwk()["x"]!.stringValue!)!,
      Array(publicKey.pemRepresentation.utf8),
      CanonicalJSON.encode(publicKey.jwk()), CanonicalJSON.encode(publicKey.jwk(kid: issuer.edKid)),
    ]
    for secret in secrets {
      let input =
        Base64URL.encode(Array(#"{"alg":"HS256","kid":"Test_ed25519","typ":"vc+jwt"}"#.utf8)) + "."
        + Base64URL.encode(try issuer.claims().payload)
      let mac = HMAC<SHA256>.authenticationCode(
        for: Array(input.utf8), using: SymmetricKey(data: secret))
      expectRefused(input + "." + Base64URL.encode(Array(mac)), "invalid-signature")
    }
  }

  @Test("A3: the header's alg must be the key's algorithm, and present")
  func algorithmMismatch() throws {
    let payload = try issuer.claims().payload
    // ES256 header naming the Ed25519 key, signed with Ed25519.
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"ES256","kid":"Test_ed25519","typ":"vc+jwt"}"#, payload: payload),
      "invalid-signature")
    // EdDSA header naming the P-256 key.
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"EdDSA","kid":"Test_p256","typ":"vc+jwt"}"#, payload: payload,
        key: issuer.ed),
      "invalid-signature"
    )
    expectRefused(
      try issuer.forge(header: #"{"kid":"Test_ed25519","typ":"vc+jwt"}"#, payload: payload),
      "malformed")
  }

  @Test("A4, A5: psychic and misencoded ES256 signatures are refused")
  func psychicSignatures() throws {
    let genuine = try issuer.token(kid: issuer.p256Kid, key: issuer.p256)
    let parts = genuine.split(separator: ".").map(String.init)
    let n = Hex.bytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    let zero = [UInt8](repeating: 0, count: 32)
    let one = [UInt8](repeating: 0, count: 31) + [1]
    let nMinus1 = Array(n.dropLast()) + [n.last! - 1]
    for r in [zero, one, nMinus1, n] {
      for s in [zero, one, nMinus1, n] {
        expectRefused("\(parts[0]).\(parts[1]).\(Base64URL.encode(r + s))", "invalid-signature")
      }
    }
    let signature = Base64URL.decode(parts[2])!
    let der = try P256.Signing.ECDSASignature(rawRepresentation: signature).derRepresentation
    for bad in [
      Array(der), Array(signature.prefix(63)), signature + [0],
      signature + [UInt8](repeating: 0, count: 24), [0] + signature,
    ] {
      expectRefused("\(parts[0]).\(parts[1]).\(Base64URL.encode(bad))", "invalid-signature")
    }
  }

  /// A6: (r, n − s) is a second valid signature of the same payload; it must not make a second,
  /// different attestation: the id and payload hash, what identifies an attestation, are equal.
  @Test("A6: an ECDSA-malleated signature names the same attestation")
  func malleation() throws {
    let genuine = try issuer.token(kid: issuer.p256Kid, key: issuer.p256)
    let parts = genuine.split(separator: ".").map(String.init)
    let signature = Base64URL.decode(parts[2])!
    let n = Hex.bytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    let malleated = Array(signature.prefix(32)) + subtract(n, Array(signature.suffix(32)))
    let other = issuer.verify("\(parts[0]).\(parts[1]).\(Base64URL.encode(malleated))")
    let original = issuer.verify(genuine)
    #expect(other.isValid && original.isValid)
    #expect(other.attestation?.claims.id == original.attestation?.claims.id)
    #expect(other.attestation?.payloadSHA256 == original.attestation?.payloadSHA256)
  }

  @Test(
    "A8, B8: keys offered by the token (jwk, jku, x5u, x5c) are refused, never used",
    arguments: [
      #""jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
      #""jku":"https://attacker.example/keys"#, #""x5u":"https://attacker.example/cert"#,
      #""x5c":["MIIB"]"#, #""x5t":"abc""#,
    ])
  func embeddedKeys(_ member: String) throws {
    let member =
      member.hasSuffix("\"") || member.hasSuffix("}") || member.hasSuffix("]")
      ? member : member + "\""
    let token = try issuer.forge(
      header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt",\#(member)}"#,
      payload: try issuer.claims().payload)
    expectRefused(token, "invalid-signature")
  }

  @Test(
    "A9: kid is an exact lookup",
    arguments: [
      "", "Test_ED25519", "Test_ed25519 ", "../../dev/null", "' OR 1=1--", "Test_ed25519\u{0}",
      "Теst_ed25519",
      String(repeating: "k", count: 10_000),
    ])
  func kids(_ kid: String) throws {
    let escaped = CanonicalJSON.string(.string(kid))
    let token = try issuer.forge(
      header: #"{"alg":"EdDSA","kid":\#(escaped),"typ":"vc+jwt"}"#,
      payload: try issuer.claims().payload)
    let report = issuer.verify(token)
    #expect(!report.isValid)
    #expect(["untrusted-key", "malformed"].contains(report.failure?.code))
  }

  @Test("A9: a missing kid is refused")
  func missingKid() throws {
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"EdDSA","typ":"vc+jwt"}"#, payload: try issuer.claims().payload),
      "untrusted-key")
  }

  @Test(
    "A10, A11: crit and b64 are refused",
    arguments: [
      #""crit":["exp"],"exp":1"#, #""crit":[]"#, #""crit":["alg"]"#, #""crit":["zzz"]"#,
      #""b64":false"#,
      #""b64":false,"crit":["b64"]"#, #""zip":"DEF""#,
    ])
  func critAndB64(_ members: String) throws {
    let token = try issuer.forge(
      header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt",\#(members)}"#,
      payload: try issuer.claims().payload)
    expectRefused(token, "invalid-signature")
  }

  @Test("A12: duplicate names in the header or in the payload are refused")
  func duplicates() throws {
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"EdDSA","alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt"}"#,
        payload: try issuer.claims().payload),
      "malformed"
    )
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"EdDSA","kid":"Test_ed25519","k\u0069d":"Test_p256","typ":"vc+jwt"}"#,
        payload: try issuer.claims().payload),
      "malformed"
    )
    let payload = CanonicalJSON.string(try issuer.claims().json)
    for duplicated in [
      payload.replacingOccurrences(of: #""level":3,"#, with: #""level":3,"level":1,"#),
      payload.replacingOccurrences(
        of: #""validUntil":"#, with: #""validUntil":"2099-01-01T00:00:00Z","validUntil":"#),
      payload.replacingOccurrences(
        of: #""siret":"#, with: #""s\u0069ret":"90011223400019","siret":"#),
    ] {
      #expect(duplicated != payload)
      expectRefused(
        try issuer.forge(
          header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt"}"#,
          payload: Array(duplicated.utf8)), "malformed")
    }
  }

  @Test("A13: the JSON serialisation is refused")
  func jsonSerialisation() throws {
    let parts = try issuer.token().split(separator: ".").map(String.init)
    expectRefused(
      #"{"protected":"\#(parts[0])","payload":"\#(parts[1])","signature":"\#(parts[2])"}"#,
      "malformed")
  }

  @Test("A14: non-canonical base64url is refused")
  func base64() throws {
    let token = try issuer.token()
    let parts = token.split(separator: ".").map(String.init)
    let variants = [
      "\(parts[0])=.\(parts[1]).\(parts[2])", "\(parts[0]).\(parts[1]).\(parts[2])==", " \(token)",
      "\(parts[0]).\(parts[1])\n.\(parts[2])",
      "\(parts[0].replacingOccurrences(of: "_", with: "/").replacingOccurrences(of: "-", with: "+")).\(parts[1]).\(parts[2])+",
      "\(parts[0]).\(parts[1]).\(parts[2].dropLast())\(nonZeroUnusedBits(parts[2].last!))",
      "\(parts[0]).\(parts[1]).\(parts[2])*",
    ]
    for variant in variants {
      #expect(variant != token)
      #expect(!issuer.verify(variant).isValid, "\(variant.prefix(40))")
    }
    #expect(Base64URL.decode("QQ") == [0x41])
    #expect(Base64URL.decode("QR") == nil)
    #expect(Base64URL.decode("QQ==") == nil)
  }

  @Test(
    "A15: broken structures are refused",
    arguments: ["", ".", "..", "a.b", "a.b.c.d", "a.b.c.", ".a.b", "a..b"])
  func structure(_ text: String) {
    expectRefused(text, "malformed")
  }

  @Test("A16: hostile JSON in the payload is refused without crashing")
  func hostilePayload() throws {
    let header = #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt"}"#
    let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
    for payload in [
      [0xFF, 0xFE], Array(#"{"a":"\ud800"}"#.utf8), Array("{\"a\":1e309}".utf8), Array(deep.utf8),
      Array("-0".utf8),
    ] {
      expectRefused(try issuer.forge(header: header, payload: payload), "malformed")
    }
  }

  @Test("A17, H5: oversized tokens and bundles are refused before parsing")
  func oversized() throws {
    let big = String(repeating: "a", count: CompactJWS.maximumSize + 1)
    expectRefused(big, "malformed")
    let bundle =
      "{\"format\":\"amexist-bundle/1\",\"jws\":\"" + String(repeating: "a", count: 70_000) + "\"}"
    expectRefused(bundle, "malformed")
  }

  @Test("A18: another kind of token, or no typ, is not an attestation")
  func typeConfusion() throws {
    let payload = try issuer.claims().payload
    expectRefused(
      try issuer.forge(header: #"{"alg":"EdDSA","kid":"Test_ed25519"}"#, payload: payload),
      "invalid-signature")
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"JWT"}"#, payload: payload),
      "invalid-signature")
    expectRefused(
      try issuer.forge(
        header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"VC+JWT"}"#, payload: payload),
      "invalid-signature")
    // A properly typed token whose payload is something else (an auth token, a checkpoint).
    for other in [#"{"sub":"admin","exp":1900000000}"#, "example.org/log\n12\nq6Y=\n"] {
      expectRefused(
        try issuer.forge(
          header: #"{"alg":"EdDSA","kid":"Test_ed25519","typ":"vc+jwt"}"#,
          payload: Array(other.utf8)), "malformed")
    }
  }

  @Test("A19: a trusted key signing for another issuer is refused")
  func wrongIssuer() throws {
    let token = try issuer.token(claims: try issuer.claims(issuer: "https://attacker.example"))
    expectRefused(token, "wrong-issuer")
  }

  /// A20, H3: only signed bytes are shown; what the bundle adds outside the signature cannot
  /// change the service, level or dates reported.
  @Test("A20, H3: what is reported comes from the signed payload only")
  func displayFromSignedBytes() throws {
    let token = try issuer.token()
    let bundle = try #require(InMemoryLog.bundle(token))
    // The proof's unauthenticated extra line, added or changed, changes nothing.
    let evidence = try InclusionEvidence(parsing: bundle.logProof)
    let altered = AttestationBundle(
      jws: token,
      evidence: InclusionEvidence(
        index: evidence.index, proof: evidence.proof, checkpointNote: evidence.checkpointNote,
        extra: Array("Autre service, niveau 3".utf8)))
    let first = AttestationVerifier(trust: issuer.trust()).verify(
      CanonicalJSON.encode(bundle.json), now: TestValues.instant("2026-12-01T00:00:00Z"))
    let second = AttestationVerifier(trust: issuer.trust()).verify(
      CanonicalJSON.encode(altered.json), now: TestValues.instant("2026-12-01T00:00:00Z"))
    #expect(first.isValid && second.isValid)
    #expect(first.attestation == second.attestation)
    #expect(first.inclusion == second.inclusion)
    var extra = CanonicalJSON.string(bundle.json)
    extra.removeLast()
    expectRefused(extra + #","name":"Autre service"}"#, "malformed")
  }

  func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in (0..<32).reversed() {
      var value = Int(a[index]) - Int(b[index]) - borrow
      borrow = value < 0 ? 1 : 0
      if value < 0 { value += 256 }
      result[index] = UInt8(value)
    }
    return result
  }

  /// The base64url character one value above `last`, which sets an unused low bit when the
  /// signature (64 bytes) ends in a partial group.
  func nonZeroUnusedBits(_ last: Character) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    let index = alphabet.firstIndex(of: last)!
    return String(alphabet[index ^ 1])
  }
}
