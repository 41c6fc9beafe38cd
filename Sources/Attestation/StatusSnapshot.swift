public import AmexistDomain
public import TransparencyLog

/// An attestation a status snapshot lists: no longer valid for a reason other than expiry.
public struct StatusException: Hashable, Sendable {
  /// The attestation's id (`urn:uuid:…`).
  public let id: String
  /// Log index of its `attestationIssued` entry.
  public let index: Int64
  /// Suspended, withdrawn, superseded or revoked.
  public let status: AttestationStatus
  /// Since when: the decision's date (`YYYY-MM-DD`), or the revocation's instant.
  public let since: String
  /// The decision's stated reason, when it has one.
  public let reason: String?

  /// A listed attestation; `status` is never `valid` nor `expired`.
  public init(id: String, index: Int64, status: AttestationStatus, since: String, reason: String?) {
    self.id = id
    self.index = index
    self.status = status
    self.since = since
    self.reason = reason
  }
}

/// A service whose réserves were not lifted by their deadline ("réserves non levées").
public struct OverdueReserves: Hashable, Sendable {
  public let siret: SIRET
  /// The day by which they were to be lifted.
  public let deadline: CalendarDate

  /// A service with overdue réserves.
  public init(siret: SIRET, deadline: CalendarDate) {
    self.siret = siret
    self.deadline = deadline
  }
}

/// A status snapshot (DESIGN, "Status"): the exceptions to "every attestation logged below
/// this checkpoint's size is valid unless it has expired", signed by the registry's status key
/// as a compact JWS (`typ` `amexist-status+jwt`), so that a verifier offline learns what
/// happened after an attestation was issued.
///
/// Payload members (all required, nothing else accepted): `format` (`amexist-status/1`),
/// `issuer`, `checkpoint` (the signed checkpoint note it reflects, with the witnesses'
/// cosignatures), `issued`, `nextUpdate`, `statement` (the sentence above, in French and
/// English), `attestations` (`[{"id", "entry", "status", "since", "reason" or null}]`, by entry)
/// and `reservesOverdue` (`[{"siret", "deadline"}]`).
public struct StatusSnapshot: Hashable, Sendable {
  /// The JWS `typ` of snapshots.
  public static let jwsType = "amexist-status+jwt"
  /// The payload format this version reads and writes.
  public static let format = "amexist-status/1"
  /// The largest snapshot accepted, in bytes (about 40,000 listed attestations).
  public static let maximumSize = 8_388_608
  /// How long a snapshot stands: `nextUpdate` is `issued` plus this.
  public static let lifetimeMilliseconds: Int64 = 86_400_000
  /// How long past `nextUpdate` a verifier still accepts a snapshot by default.
  public static let graceMilliseconds: Int64 = 3_600_000
  /// What the snapshot states about the attestations it does not list.
  public static let statement =
    "Toute attestation journalisée sous la taille de ce point de contrôle est valide sauf si elle a expiré ou figure ici. / Every attestation logged below this checkpoint's size is valid unless it has expired or is listed here."

  public let issuer: String
  /// The signed checkpoint note whose tree the snapshot reflects, with cosignatures.
  public let checkpoint: String
  public let issued: Instant
  public let nextUpdate: Instant
  /// The listed attestations, by log index.
  public let attestations: [StatusException]
  /// The services with overdue réserves, by SIRET.
  public let reservesOverdue: [OverdueReserves]

  /// A snapshot of the registry's exceptions at `checkpoint`, issued at `issued`.
  public init(
    issuer: String, checkpoint: String, issued: Instant, attestations: [StatusException],
    reservesOverdue: [OverdueReserves]
  ) {
    self.issuer = issuer
    self.checkpoint = checkpoint
    self.issued = issued
    self.nextUpdate = issued.adding(milliseconds: Self.lifetimeMilliseconds)
    self.attestations = attestations.sorted { $0.index < $1.index }
    self.reservesOverdue = reservesOverdue.sorted { $0.siret.digits < $1.siret.digits }
  }

  /// The payload as JSON.
  public var json: JSONValue {
    .object([
      "format": .string(Self.format), "issuer": .string(issuer),
      "checkpoint": .string(checkpoint), "issued": .string(issued.description),
      "nextUpdate": .string(nextUpdate.description), "statement": .string(Self.statement),
      "attestations": .array(
        attestations.map { entry in
          .object([
            "id": .string(entry.id), "entry": .integer(entry.index),
            "status": .string(entry.status.rawValue), "since": .string(entry.since),
            "reason": entry.reason.map(JSONValue.string) ?? .null,
          ])
        }),
      "reservesOverdue": .array(
        reservesOverdue.map { entry in
          .object([
            "siret": .string(entry.siret.digits), "deadline": .string(entry.deadline.description),
          ])
        }),
    ])
  }

  /// The compact JWS of the snapshot, signed by the status key `key` named `kid`.
  public func signed(with key: SigningKey, kid: String) throws(AttestationError) -> String {
    try CompactJWS.sign(
      payload: CanonicalJSON.encode(json), key: key, kid: kid, type: Self.jwsType)
  }

  /// Reads a snapshot's payload strictly.
  init(payload bytes: [UInt8]) throws(VerificationFailure) {
    func bad(_ reason: String) -> VerificationFailure { .malformed("status snapshot: \(reason)") }
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: Self.maximumSize, maximumDepth: 4).parse(bytes)
    } catch {
      throw bad("\(error)")
    }
    guard case .object(let members) = value,
      Set(members.keys) == [
        "format", "issuer", "checkpoint", "issued", "nextUpdate", "statement", "attestations",
        "reservesOverdue",
      ]
    else {
      throw bad("its members are not those of \(Self.format)")
    }
    guard members["format"] == .string(Self.format) else {
      throw bad("format is not \(Self.format): a newer amexist may read it")
    }
    guard case .string(let issuer) = members["issuer"],
      case .string(let checkpoint) = members["checkpoint"],
      case .string(let issuedText) = members["issued"],
      case .string(let nextText) = members["nextUpdate"],
      members["statement"] == .string(Self.statement),
      case .array(let listed) = members["attestations"],
      case .array(let overdue) = members["reservesOverdue"]
    else {
      throw bad("a member has the wrong type, or the statement is not the registry's")
    }
    let issued: Instant
    let nextUpdate: Instant
    do {
      issued = try Instant(parsing: issuedText)
      nextUpdate = try Instant(parsing: nextText)
    } catch {
      throw bad("issued and nextUpdate are RFC 3339 instants")
    }
    guard nextUpdate == issued.adding(milliseconds: Self.lifetimeMilliseconds) else {
      throw bad("nextUpdate is not issued + 24 h")
    }
    var attestations: [StatusException] = []
    var seen: Set<String> = []
    for entry in listed {
      guard case .object(let fields) = entry,
        Set(fields.keys) == ["id", "entry", "status", "since", "reason"],
        case .string(let id) = fields["id"], (try? Identifiers.attestationID(id)) != nil,
        case .integer(let index) = fields["entry"], index >= 0,
        case .string(let statusText) = fields["status"],
        let status = AttestationStatus(rawValue: statusText), status != .valid,
        status != .expired, case .string(let since) = fields["since"],
        (try? CalendarDate(parsing: since)) != nil || (try? Instant(parsing: since)) != nil,
        seen.insert(id).inserted
      else {
        throw bad(
          "a listed attestation is not {\"id\", \"entry\", \"status\", \"since\", \"reason\"}")
      }
      let reason: String?
      switch fields["reason"] {
      case .string(let text): reason = text
      case .null: reason = nil
      default: throw bad("a reason is a string or null")
      }
      attestations.append(
        StatusException(id: id, index: index, status: status, since: since, reason: reason))
    }
    var reserves: [OverdueReserves] = []
    for entry in overdue {
      guard case .object(let fields) = entry, Set(fields.keys) == ["siret", "deadline"],
        case .string(let digits) = fields["siret"], let siret = try? SIRET(digits),
        case .string(let deadline) = fields["deadline"],
        let day = try? CalendarDate(parsing: deadline)
      else {
        throw bad("a service with overdue réserves is {\"siret\", \"deadline\"}")
      }
      reserves.append(OverdueReserves(siret: siret, deadline: day))
    }
    self.init(
      issuer: issuer, checkpoint: checkpoint, issued: issued, attestations: attestations,
      reservesOverdue: reserves)
  }

  /// A status document's compact JWS (line ends after it ignored) verified with a status key of
  /// `trust`: the token and what it says.
  static func verifyStatusJWS(
    _ bytes: [UInt8], trust: TrustFile, type: String, maximumSize: Int
  ) throws(JWSFailure) -> (token: [UInt8], verified: VerifiedJWS) {
    var token = bytes
    while let last = token.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
      token.removeLast()
    }
    let verified = try CompactJWS.verify(
      token, key: { trust.statusKey($0)?.publicKey }, expectedType: type,
      maximumSize: maximumSize)
    return (token, verified)
  }

  /// Verifies a snapshot against `trust`: signed by one of its status keys (another key is
  /// untrusted, exit 7; a signature that does not verify is exit 1), by this registry (its
  /// issuer and its log's checkpoint, else exit 7), its checkpoint signed by the log and, when
  /// the trust file sets a quorum for its size, cosigned by that quorum (else its age is
  /// unknown: exit 5). Its age is measured from the quorum's cosignatures, else from `issued`.
  public static func verify(_ bytes: [UInt8], trust: TrustFile, realNow: Instant)
    throws(VerificationFailure) -> VerifiedStatusSnapshot
  {
    let token: [UInt8]
    let verified: VerifiedJWS
    do {
      (token, verified) = try verifyStatusJWS(
        bytes, trust: trust, type: Self.jwsType, maximumSize: Self.maximumSize)
    } catch {
      switch error {
      case .malformed, .tooLarge: throw .malformed("status snapshot: \(error)")
      case .unknownKey(let kid):
        throw .untrustedKey(
          "the status snapshot is not signed by a status key of the trust file (kid \(kid.prefix(64)))"
        )
      default: throw .invalidSignature("status snapshot: \(error)")
      }
    }
    let snapshot = try StatusSnapshot(payload: verified.payload)
    guard let key = trust.statusKey(verified.header.kid), key.signs(at: snapshot.issued),
      key.revokedAt.map({ snapshot.issued < $0 }) ?? true
    else {
      throw .untrustedKey(
        "status key \(verified.header.kid) did not sign snapshots issued at \(snapshot.issued)")
    }
    guard snapshot.issuer == trust.issuer else {
      throw .untrustedKey(
        "the status snapshot is from another registry (\(snapshot.issuer.prefix(80)))")
    }
    let checkpoint: SignedCheckpoint
    let note: SignedNote
    do {
      checkpoint = try SignedCheckpoint(verifying: snapshot.checkpoint, log: trust.log)
      note = try SignedNote(parsing: Array(snapshot.checkpoint.utf8))
    } catch {
      throw .untrustedKey(
        "the status snapshot's checkpoint is not signed by this registry's log (\(error))")
    }
    let policy = trust.witnessPolicy
    var asOf = snapshot.issued
    var witnesses: [String] = []
    do {
      if let quorum = try policy.quorumInstant(
        of: note, size: checkpoint.checkpoint.size, realNow: realNow)
      {
        asOf = min(quorum.at, snapshot.issued)
        witnesses = quorum.witnesses.map(\.name)
      }
    } catch {
      throw .statusUnknown("the status snapshot's checkpoint lacks the witness quorum: \(error)")
    }
    return VerifiedStatusSnapshot(
      snapshot: snapshot, checkpoint: checkpoint, asOf: asOf, witnesses: witnesses,
      sha256: PayloadHash.hex(of: token))
  }
}

/// A status snapshot whose signature, origin and checkpoint verified. Only
/// ``StatusSnapshot/verify(_:trust:realNow:)`` makes one.
public struct VerifiedStatusSnapshot: Hashable, Sendable {
  public let snapshot: StatusSnapshot
  /// The checkpoint it reflects, verified with the log key.
  public let checkpoint: SignedCheckpoint
  /// The instant the snapshot speaks for: when the witness quorum had cosigned its checkpoint,
  /// or its `issued` instant without witnesses.
  public let asOf: Instant
  /// The witnesses whose cosignatures counted.
  public let witnesses: [String]
  /// SHA-256 of the token, lower-case hex: what the log's `statusPublished` entry records.
  public let sha256: String

  /// Why the snapshot cannot vouch for the attestation logged at `index` with `id` at `now`:
  /// too old (exit 5; by default once `now` is past `nextUpdate` + 1 hour, or the same span
  /// after ``asOf``; else `maximumAgeMilliseconds` after ``asOf``), older than the
  /// attestation (exit 5), or listing it (exit 4); nil when it vouches for it.
  public func failure(
    forEntry index: Int64, id: String, now: Instant, maximumAgeMilliseconds: Int64? = nil
  ) -> VerificationFailure? {
    let standing =
      snapshot.nextUpdate.millisecondsSinceEpoch - snapshot.issued.millisecondsSinceEpoch
      + StatusSnapshot.graceMilliseconds
    let limit = asOf.adding(milliseconds: maximumAgeMilliseconds ?? standing)
    if now > limit
      || (maximumAgeMilliseconds == nil
        && now > snapshot.nextUpdate.adding(milliseconds: StatusSnapshot.graceMilliseconds))
    {
      return .statusUnknown(
        "the status snapshot of \(asOf) is stale since \(limit): get a fresh one")
    }
    guard index < checkpoint.checkpoint.size else {
      return .statusUnknown(
        "the status snapshot (tree size \(checkpoint.checkpoint.size)) predates the attestation (entry \(index)): get a fresh one"
      )
    }
    if let listed = snapshot.attestations.first(where: { $0.id == id }) {
      guard listed.index == index else {
        return .malformed("the status snapshot lists this id at another log entry")
      }
      return .listedInSnapshot(listed.status, since: listed.since, reason: listed.reason)
    }
    return nil
  }
}
