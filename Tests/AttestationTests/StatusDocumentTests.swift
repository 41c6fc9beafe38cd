import AmexistDomain
import Attestation
import CompressNIO
import Foundation
import NIOCore
import RegistryTesting
import Testing
import TransparencyLog

/// Status snapshots and Bitstring Status Lists as documents (DESIGN, "Status"; catalogue C7,
/// C26, C27): what they say, and what a verifier refuses.
@Suite("Status snapshots and status lists")
struct StatusDocumentTests {
  static let issuer = TestIssuer.issuer
  static let statusKey = SigningKey(generating: .edDSA)
  static let statusKid = "Status_ed25519"
  static let now = TestValues.instant("2026-11-25T12:00:00Z")

  static func trust(issuer: String = issuer, statusKey: SigningKey = statusKey) -> TrustFile {
    let base = TestIssuer().trust(issuer: issuer)
    return TrustFile(
      issuer: issuer, keys: base.keys, log: base.log,
      statusKeys: [
        TrustedKey(
          kid: statusKid, publicKey: statusKey.publicKey,
          validFrom: TestValues.instant("2026-01-01T00:00:00Z"), validUntil: nil, revokedAt: nil)
      ])
  }

  static func list(_ number: Int64, set positions: [Int64]) -> StatusListCredential {
    StatusListCredential(
      issuer: issuer, number: number, set: positions, validFrom: now,
      validUntil: now.adding(milliseconds: StatusSnapshot.lifetimeMilliseconds))
  }

  @Test("C27: list bits read back at their positions, index 0 the first byte's high bit")
  func bitsReadBack() throws {
    let list = Self.list(1, set: [0, 9, 131_071])
    let token = try list.signed(with: Self.statusKey, kid: Self.statusKid)
    let read = try StatusListCredential.verify(
      Array(token.utf8), trust: Self.trust(), number: 1, now: Self.now)
    #expect(read.purpose == .suspension)
    #expect(read.bits[0] == 0x80 && read.bits[1] == 0x40 && read.bits.last == 0x01)
    #expect(read.bit(at: 9) == true && read.bit(at: 10) == false)
    #expect(read.bit(at: 131_071) == true)
    // C27: an index beyond the list, or negative, is refused rather than read as "clear".
    #expect(read.bit(at: 131_072) == nil && read.bit(at: -1) == nil)
    #expect(read.url == "\(Self.issuer)/status/lists/1")
  }

  /// Signs `payload` edited by `edit` as a status list credential would be.
  static func forged(
    _ edit: (inout [String: JSONValue], inout [String: JSONValue]) -> Void,
    key: SigningKey = statusKey
  ) throws -> [UInt8] {
    guard case .object(var members) = list(0, set: [3]).json,
      case .object(var subject) = members["credentialSubject"]
    else { throw CancellationError() }
    edit(&members, &subject)
    members["credentialSubject"] = .object(subject)
    return Array(
      try CompactJWS.sign(
        payload: CanonicalJSON.encode(.object(members)), key: key, kid: statusKid,
        type: StatusListCredential.jwsType
      ).utf8)
  }

  /// `bytes` GZIP-compressed, as multibase base64url.
  static func encoded(_ bytes: [UInt8]) throws -> JSONValue {
    var buffer = ByteBuffer(bytes: bytes)
    let gzipped = try buffer.compress(with: .gzip(), allocator: ByteBufferAllocator())
    return .string("u" + Base64URL.encode(Array(gzipped.readableBytesView)))
  }

  @Test(
    "C7: a list with a bad signature, another issuer, the wrong purpose, a GZIP bomb or fewer than 131,072 entries is refused"
  )
  func listAttacks() throws {
    let trust = Self.trust()
    func refusal(_ token: [UInt8], number: Int64 = 0) -> VerificationFailure? {
      do {
        _ = try StatusListCredential.verify(token, trust: trust, number: number, now: Self.now)
        return nil
      } catch {
        return error
      }
    }
    let genuine = Array(
      try Self.list(0, set: [3]).signed(with: Self.statusKey, kid: Self.statusKid).utf8)
    #expect(refusal(genuine) == nil)
    // Another key under the status key's name: the signature does not verify.
    #expect(
      refusal(try Self.forged({ _, _ in }, key: SigningKey(generating: .edDSA)))?.exitCode == 5)
    #expect(
      refusal(try Self.forged { members, _ in members["issuer"] = .string("https://x.example") })?
        .exitCode == 7)
    #expect(
      refusal(try Self.forged { _, subject in subject["statusPurpose"] = .string("suspension") })
        != nil)
    // List 1 is a suspension list: a revocation list served as list 1 is refused.
    #expect(refusal(genuine, number: 1) != nil)
    #expect(
      refusal(
        try Self.forged { _, subject in
          subject["encodedList"] = try! Self.encoded([UInt8](repeating: 0, count: 1024))
        }) != nil)
    // 64 MiB of zeros compress to about 64 KiB: inflating stops at 16 MiB.
    let bomb = try Self.encoded([UInt8](repeating: 0, count: 64 * 1_048_576))
    #expect(refusal(try Self.forged { _, subject in subject["encodedList"] = bomb }) != nil)
    #expect(
      refusal(try Self.forged { _, subject in subject["encodedList"] = .string("zABC") }) != nil)
    // Stale: valid until its next update only.
    #expect(
      (try? StatusListCredential.verify(
        genuine, trust: trust, number: 0, now: Self.now.adding(milliseconds: 86_400_001))) == nil)
  }

  @Test(
    "C27: status indexes drawn over 10^5 issuances never collide, and blocks grow to stay half free"
  )
  func indexesNeverCollide() {
    var random = SystemRandomNumberGenerator()
    var taken: Set<Int64> = []
    let count = TestScale.count("AMEXIST_STATUS_DRAWS", smoke: 100_000, full: 100_000)
    for _ in 0..<count {
      let index = StatusListLayout.draw(avoiding: taken, using: &random)
      #expect(index >= 0 && index < StatusListLayout.capacity(taken: taken.count))
      taken.insert(index)
    }
    #expect(taken.count == count)
    // 10^5 indexes spread over two blocks of 131,072 (four lists), at most half full.
    #expect(StatusListLayout.capacity(taken: count) == 2 * StatusListLayout.entries)
    #expect(taken.contains { $0 >= StatusListLayout.entries })
  }

  @Test("a credential names its two status list entries and reads them back; others are refused")
  func credentialStatusEntries() throws {
    let claims = try TestIssuer().claims()
    let indexed = AttestationClaims(
      state: try Self.state(), id: claims.id, issuer: Self.issuer, issuedAt: claims.validFrom,
      statusIndex: 131_072 + 42)!
    guard case .array(let entries) = indexed.json["credentialStatus"] else {
      Issue.record("no credentialStatus")
      return
    }
    #expect(entries.count == 2)
    #expect(entries[0]["statusListCredential"] == .string("\(Self.issuer)/status/lists/2"))
    #expect(entries[1]["statusListCredential"] == .string("\(Self.issuer)/status/lists/3"))
    #expect(entries[0]["statusListIndex"] == .string("42"))
    #expect(entries[1]["statusPurpose"] == .string("suspension"))
    #expect(try AttestationClaims(verifiedPayload: indexed.payload).statusIndex == 131_114)
    // An entry pointing at another registry's list is refused.
    guard case .object(var members) = indexed.json else { return }
    members["credentialStatus"] = .array([
      entries[0].replacing(
        "statusListCredential", with: .string("https://x.example/status/lists/2")),
      entries[1],
    ])
    #expect(throws: ClaimsError.self) {
      try AttestationClaims(verifiedPayload: CanonicalJSON.encode(.object(members)))
    }
  }

  static func state() throws -> ServiceState {
    let siret = TestValues.siret("73282932000074")
    let at = TestValues.instant("2026-01-01T00:00:00Z")
    return ServiceState.fold(
      [
        LoggedEvent(
          index: 0,
          recorded: RecordedEvent(recordedAt: at, event: TestValues.registration(siret))),
        LoggedEvent(
          index: 1,
          recorded: RecordedEvent(
            recordedAt: at,
            event: try TestValues.grant(
              siret, .commitment, decided: "2026-01-10", validUntil: "2027-01-09"))),
      ], at: Self.now)!
  }

  /// A snapshot of a checkpoint of `size` entries signed by the test log.
  static func snapshot(size: Int64, listing: [StatusException] = [], issued: Instant = now)
    throws -> StatusSnapshot
  {
    let checkpoint = try TestValues.logSigner.sign(
      size: size, root: MerkleHash(bytes: Array(repeating: 7, count: 32))!)
    return StatusSnapshot(
      issuer: Self.issuer, checkpoint: checkpoint.note, issued: issued, attestations: listing,
      reservesOverdue: [])
  }

  @Test(
    "C26: a snapshot lists what it lists (4), is stale past nextUpdate + 1 h (5), cannot speak for an attestation its tree does not hold (5), and is refused when signed by another key (7), from another registry (7) or edited (1)"
  )
  func snapshotVerdicts() throws {
    let id = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"
    let listed = StatusException(
      id: id, index: 3, status: .suspended, since: "2026-11-20", reason: "Contrôle")
    let token = try Self.snapshot(size: 10, listing: [listed]).signed(
      with: Self.statusKey, kid: Self.statusKid)
    let verified = try StatusSnapshot.verify(
      Array(token.utf8), trust: Self.trust(), realNow: Self.now)
    #expect(verified.asOf == Self.now)
    #expect(
      verified.failure(forEntry: 3, id: id, now: Self.now)
        == .listedInSnapshot(.suspended, since: "2026-11-20", reason: "Contrôle"))
    #expect(
      verified.failure(
        forEntry: 4, id: "urn:uuid:1f8fad5b-d9cb-469f-a165-70867728950e", now: Self.now) == nil)
    #expect(
      verified.failure(
        forEntry: 10, id: "urn:uuid:1f8fad5b-d9cb-469f-a165-70867728950e", now: Self.now)?.exitCode
        == 5)
    let late = Self.now.adding(milliseconds: 25 * 3_600_000 + 1)
    #expect(
      verified.failure(forEntry: 4, id: "urn:uuid:1f8fad5b-d9cb-469f-a165-70867728950e", now: late)?
        .exitCode == 5)
    #expect(
      verified.failure(
        forEntry: 4, id: "urn:uuid:1f8fad5b-d9cb-469f-a165-70867728950e",
        now: Self.now.adding(milliseconds: 7_200_000), maximumAgeMilliseconds: 3_600_000)?.exitCode
        == 5)
    func refusal(_ bytes: [UInt8], trust: TrustFile = Self.trust()) -> Int32? {
      do {
        _ = try StatusSnapshot.verify(bytes, trust: trust, realNow: Self.now)
        return nil
      } catch {
        return error.exitCode
      }
    }
    // The issuer key is trusted for attestations, not for status.
    let issuerSigned = try Self.snapshot(size: 10).signed(
      with: TestIssuer().ed, kid: TestIssuer().edKid)
    #expect(refusal(Array(issuerSigned.utf8)) == 7)
    #expect(refusal(Array(token.utf8), trust: Self.trust(issuer: "https://other.example")) == 7)
    var parts = token.split(separator: ".").map(String.init)
    let payload = String(decoding: Base64URL.decode(Array(parts[1].utf8))!, as: UTF8.self)
      .replacingOccurrences(of: "suspended", with: "withdrawn")
    parts[1] = Base64URL.encode(Array(payload.utf8))
    #expect(refusal(Array(parts.joined(separator: ".").utf8)) == 1)
  }
}

extension JSONValue {
  /// The object with `name` set to `value`.
  fileprivate func replacing(_ name: String, with value: JSONValue) -> JSONValue {
    guard case .object(var members) = self else { return self }
    members[name] = value
    return .object(members)
  }
}
