public import AmexistDomain
import CompressNIO
import NIOCore

/// What a Bitstring Status List's bits say (W3C Bitstring Status List v1.0, `statusPurpose`).
public enum StatusPurpose: String, CaseIterable, Hashable, Sendable {
  /// Set for good: the attestation was withdrawn, superseded or its key revoked.
  case revocation
  /// Set while the level is suspended, cleared on reinstatement.
  case suspension
}

/// Where an attestation's status bits live: its status index (drawn at random, unique, logged
/// in its `attestationIssued` entry) falls in a block of ``entries`` indexes; each block has a
/// revocation list (`/status/lists/{2b}`) and a suspension list (`/status/lists/{2b+1}`), the
/// attestation's bit at `index mod entries` in both.
public enum StatusListLayout {
  /// Entries per list: the specification's minimum for herd privacy (16 KiB of bits).
  public static let entries: Int64 = 131_072

  /// The number of the list holding `index` for `purpose`.
  public static func list(holding index: Int64, purpose: StatusPurpose) -> Int64 {
    index / entries * 2 + (purpose == .suspension ? 1 : 0)
  }

  /// The bit of `index` in its lists.
  public static func position(of index: Int64) -> Int64 { index % entries }

  /// The purpose of list `number`.
  public static func purpose(ofList number: Int64) -> StatusPurpose {
    number % 2 == 0 ? .revocation : .suspension
  }

  /// The first status index list `number` covers.
  public static func firstIndex(ofList number: Int64) -> Int64 { number / 2 * entries }

  /// The URL of list `number` of the registry whose identifier (a URL) is `issuer`.
  public static func url(issuer: String, list number: Int64) -> String {
    var base = issuer
    while base.hasSuffix("/") { base.removeLast() }
    return "\(base)/status/lists/\(number)"
  }

  /// How many status indexes new attestations draw from, given how many are taken: whole
  /// blocks, at most half full, so a random draw finds a free index within a few tries and an
  /// index tells little about when it was issued.
  public static func capacity(taken: Int) -> Int64 {
    let blocks = max(1, (Int64(taken) * 2 + entries) / entries)
    return blocks * entries
  }

  /// A free status index drawn uniformly from ``capacity(taken:)`` with `random` (a CSPRNG in
  /// the registry; tests pass their own), never one of `taken`.
  public static func draw(
    avoiding taken: Set<Int64>, using random: inout some RandomNumberGenerator
  ) -> Int64 {
    let capacity = capacity(taken: taken.count)
    while true {
      let candidate = Int64.random(in: 0..<capacity, using: &random)
      if !taken.contains(candidate) { return candidate }
    }
  }
}

/// A `BitstringStatusListCredential` (W3C Bitstring Status List v1.0), secured as a compact
/// JWS (`typ` `vc+jwt`) by the registry's status key.
///
/// Payload: `@context` (VC 2.0), `id` (its URL), `type` (`VerifiableCredential`,
/// `BitstringStatusListCredential`), `issuer`, `validFrom`, `validUntil` (the next update), and
/// `credentialSubject` `{"id": URL#list, "type": "BitstringStatusList", "statusPurpose",
/// "encodedList"}`: the multibase (`u`, base64url without padding) of the GZIP of the bits,
/// index 0 the most significant bit of the first byte.
public struct StatusListCredential: Hashable, Sendable {
  /// The JWS `typ`.
  public static let jwsType = "vc+jwt"
  /// The largest credential accepted, in bytes.
  public static let maximumSize = 262_144
  /// The most bytes a list may inflate to (a GZIP bomb stops there): 16 MiB, 2^27 entries.
  public static let maximumInflatedSize = 16_777_216

  public let issuer: String
  /// The list's number (``StatusListLayout``).
  public let number: Int64
  public let purpose: StatusPurpose
  /// The bits, index 0 first (most significant bit of byte 0).
  public let bits: [UInt8]
  public let validFrom: Instant
  public let validUntil: Instant

  /// A list of ``StatusListLayout/entries`` bits, those at `set` positions set.
  public init(
    issuer: String, number: Int64, set positions: some Sequence<Int64>, validFrom: Instant,
    validUntil: Instant
  ) {
    var bits = [UInt8](repeating: 0, count: Int(StatusListLayout.entries / 8))
    for position in positions where position >= 0 && position < StatusListLayout.entries {
      bits[Int(position / 8)] |= 0x80 >> UInt8(position % 8)
    }
    self.init(
      issuer: issuer, number: number, bits: bits, validFrom: validFrom, validUntil: validUntil)
  }

  init(issuer: String, number: Int64, bits: [UInt8], validFrom: Instant, validUntil: Instant) {
    self.issuer = issuer
    self.number = number
    self.purpose = StatusListLayout.purpose(ofList: number)
    self.bits = bits
    self.validFrom = validFrom
    self.validUntil = validUntil
  }

  /// The list's URL.
  public var url: String { StatusListLayout.url(issuer: issuer, list: number) }

  /// Whether the bit at `position` is set; nil beyond the list (refused, catalogue C7).
  public func bit(at position: Int64) -> Bool? {
    guard position >= 0, position < Int64(bits.count) * 8 else { return nil }
    return bits[Int(position / 8)] & (0x80 >> UInt8(position % 8)) != 0
  }

  /// The payload as JSON.
  public var json: JSONValue {
    var buffer = ByteBuffer(bytes: bits)
    let gzipped =
      (try? buffer.compress(with: .gzip(), allocator: ByteBufferAllocator()))
      .map { Array($0.readableBytesView) } ?? []
    return .object([
      "@context": AttestationClaims.context, "id": .string(url),
      "type": .array([.string("VerifiableCredential"), .string("BitstringStatusListCredential")]),
      "issuer": .string(issuer), "validFrom": .string(validFrom.description),
      "validUntil": .string(validUntil.description),
      "credentialSubject": .object([
        "id": .string(url + "#list"), "type": .string("BitstringStatusList"),
        "statusPurpose": .string(purpose.rawValue),
        "encodedList": .string("u" + Base64URL.encode(gzipped)),
      ]),
    ])
  }

  /// The compact JWS of the credential, signed by the status key `key` named `kid`.
  public func signed(with key: SigningKey, kid: String) throws(AttestationError) -> String {
    try CompactJWS.sign(payload: CanonicalJSON.encode(json), key: key, kid: kid, type: Self.jwsType)
  }

  /// Verifies a status list credential from `trust`'s registry: signed by one of its status
  /// keys, issued by it, list `number` at its URL with that list's purpose, valid at `now`, and
  /// holding at least ``StatusListLayout/entries`` bits (catalogue C7: bad signature, wrong
  /// issuer, wrong purpose, GZIP bomb, short list are refused).
  public static func verify(
    _ token: [UInt8], trust: TrustFile, number: Int64, now: Instant
  ) throws(VerificationFailure) -> StatusListCredential {
    let verified: VerifiedJWS
    do {
      verified = try StatusSnapshot.verifyStatusJWS(
        token, trust: trust, type: Self.jwsType, maximumSize: Self.maximumSize
      ).verified
    } catch {
      switch error {
      case .unknownKey:
        throw .untrustedKey("the status list is not signed by a status key of the trust file")
      case .malformed, .tooLarge: throw .statusUnknown("status list \(number): \(error)")
      default: throw .statusUnknown("status list \(number): \(error)")
      }
    }
    func bad(_ reason: String) -> VerificationFailure {
      .statusUnknown("status list \(number): \(reason)")
    }
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: Self.maximumSize, maximumDepth: 4).parse(
        verified.payload)
    } catch {
      throw bad("\(error)")
    }
    let url = StatusListLayout.url(issuer: trust.issuer, list: number)
    let purpose = StatusListLayout.purpose(ofList: number)
    guard case .object(let members) = value,
      Set(members.keys) == [
        "@context", "id", "type", "issuer", "validFrom", "validUntil", "credentialSubject",
      ],
      members["@context"] == AttestationClaims.context,
      members["type"]
        == .array([.string("VerifiableCredential"), .string("BitstringStatusListCredential")]),
      case .object(let subject) = members["credentialSubject"],
      Set(subject.keys) == ["id", "type", "statusPurpose", "encodedList"],
      subject["type"] == .string("BitstringStatusList"),
      case .string(let from) = members["validFrom"], let validFrom = try? Instant(parsing: from),
      case .string(let until) = members["validUntil"],
      let validUntil = try? Instant(parsing: until),
      case .string(let encoded) = subject["encodedList"], encoded.hasPrefix("u")
    else {
      throw bad("not a BitstringStatusListCredential")
    }
    guard members["issuer"] == .string(trust.issuer) else {
      throw .untrustedKey("status list \(number) is from another issuer")
    }
    guard members["id"] == .string(url), subject["id"] == .string(url + "#list") else {
      throw bad("its id is not \(url)")
    }
    guard subject["statusPurpose"] == .string(purpose.rawValue) else {
      throw bad("its statusPurpose is not \(purpose.rawValue)")
    }
    guard let key = trust.statusKey(verified.header.kid), key.signs(at: validFrom),
      key.revokedAt.map({ validFrom < $0 }) ?? true
    else {
      throw .untrustedKey("status key \(verified.header.kid) did not sign lists at \(validFrom)")
    }
    guard now < validUntil else { throw bad("stale since \(validUntil): fetch it again") }
    guard let gzipped = Base64URL.decode(Array(encoded.utf8.dropFirst())) else {
      throw bad("encodedList is not multibase base64url")
    }
    var buffer = ByteBuffer(bytes: gzipped)
    guard
      let inflated = try? buffer.decompress(
        with: .gzip(), maxSize: Self.maximumInflatedSize, allocator: ByteBufferAllocator())
    else {
      throw bad("encodedList is not GZIP, or inflates beyond 16 MiB")
    }
    let bits = Array(inflated.readableBytesView)
    guard Int64(bits.count) * 8 >= StatusListLayout.entries else {
      throw bad("shorter than the \(StatusListLayout.entries) entries the specification requires")
    }
    return StatusListCredential(
      issuer: trust.issuer, number: number, bits: bits, validFrom: validFrom,
      validUntil: validUntil)
  }
}
