import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryTesting
import TransparencyLog

/// An issuer with one Ed25519 and one P-256 test key, and helpers to forge tokens.
struct TestIssuer {
  static let issuer = "https://registry.test.example"
  let ed = SigningKey(generating: .edDSA)
  let p256 = SigningKey(generating: .es256)
  let edKid = "Test_ed25519"
  let p256Kid = "Test_p256"
  let keysFrom = TestValues.instant("2026-01-01T00:00:00Z")
  let issuedAt = TestValues.instant("2026-11-25T10:00:00Z")

  func trust(
    edUntil: Instant? = nil, edRevoked: Instant? = nil, edRevocationIndex: Int64? = nil,
    edFrom: Instant? = nil, issuer: String = Self.issuer
  ) -> TrustFile {
    TrustFile(
      issuer: issuer,
      keys: [
        TrustedKey(
          kid: edKid, publicKey: ed.publicKey, validFrom: edFrom ?? keysFrom, validUntil: edUntil,
          revokedAt: edRevoked, revocationIndex: edRevocationIndex),
        TrustedKey(
          kid: p256Kid, publicKey: p256.publicKey, validFrom: keysFrom, validUntil: nil,
          revokedAt: nil),
      ],
      log: TestValues.logSigner.verifier
    )
  }

  func claims(issuedAt: Instant? = nil, issuer: String = Self.issuer) throws -> AttestationClaims {
    var ledger: [LoggedEvent] = []
    let siret = TestValues.siret("73282932000074")
    ledger.append(
      LoggedEvent(
        index: 4,
        recorded: RecordedEvent(
          recordedAt: keysFrom, event: TestValues.registration(siret, name: "Santé Travail Test"))))
    ledger.append(
      LoggedEvent(
        index: 5,
        recorded: RecordedEvent(
          recordedAt: keysFrom,
          event: try TestValues.grant(
            siret, .certification, decided: "2026-01-10", validUntil: "2029-01-09",
            evaluator: "AFNOR Certification")
        )
      )
    )
    let moment = issuedAt ?? self.issuedAt
    let state = ServiceState.fold(ledger, at: moment)!
    return AttestationClaims(
      state: state, id: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", issuer: issuer,
      issuedAt: moment)!
  }

  /// A token with the given header members and payload bytes, signed with `key`.
  func forge(header: String, payload: [UInt8], key: SigningKey? = nil) throws -> String {
    let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(payload)
    let signature = try (key ?? ed).signature(for: Array(input.utf8))
    return input + "." + Base64URL.encode(signature)
  }

  /// A genuine attestation token.
  func token(kid: String? = nil, key: SigningKey? = nil, claims: AttestationClaims? = nil) throws
    -> String
  {
    try CompactJWS.sign(
      payload: (claims ?? self.claims()).payload, key: key ?? ed, kid: kid ?? edKid,
      type: AttestationClaims.jwsType
    )
  }

  /// Verifies `token` as the registry hands it out: in a bundle with its log proof (entry at
  /// index 6), or bare when it is not a well-formed attestation token.
  func verify(_ token: String, trust: TrustFile? = nil, at now: String = "2026-11-26T00:00:00Z")
    -> VerificationReport
  {
    let input = InMemoryLog.bundle(token).map { CanonicalJSON.encode($0.json) } ?? Array(token.utf8)
    return AttestationVerifier(trust: trust ?? self.trust()).verify(
      input, now: TestValues.instant(now))
  }
}
