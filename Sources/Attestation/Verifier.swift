public import AmexistDomain
import Crypto
import Foundation
public import TransparencyLog

/// Why an attestation does not verify. One case per reason; ``exitCode`` is the table that maps
/// each reason to the `amexist verify` exit status.
public enum VerificationFailure: Error, Hashable, Sendable, CustomStringConvertible {
  /// Not a bundle or compact JWS, or its claims are not an AMEXIST attestation.
  case malformed(String)
  /// The token is well formed but refused by the JWS rules or its signature does not verify.
  case invalidSignature(String)
  /// Signed by a trusted key but for another issuer.
  case wrongIssuer(String)
  /// No trusted key has the token's key id, or the key was not valid when the attestation says
  /// it was issued.
  case untrustedKey(String)
  /// The signing key was revoked.
  case keyRevoked(kid: String, at: Instant)
  /// The attestation's validity has ended.
  case expired(Instant)
  /// The attestation is not valid yet.
  case notYetValid(Instant)
  /// The live status could not be established.
  case statusUnknown(String)
  /// The registry's live status says the attestation is no longer in force (never `.valid`).
  case notInForce(AttestationStatus)
  /// A status snapshot lists the attestation: what happened, since when (a date or an
  /// instant) and why.
  case listedInSnapshot(AttestationStatus, since: String, reason: String?)
  /// There is no valid proof that the log holds the attestation: no proof, a malformed one, a
  /// checkpoint not signed by the trusted log, or an inclusion proof that does not hold.
  case logProof(String)
  /// A printed attestation (PDF) whose page or link is not the one the registry makes for the
  /// signed bundle it carries.
  case documentAltered(String)
  /// A printed attestation whose QR code links to an origin the verifier did not pin (the
  /// page may be genuine; the link is not one this verifier trusts).
  case unpinnedLink(String)
  /// A certifying body's decision behind the level is not trusted: the body, or its key, is not
  /// in the trust file, the key was revoked or outside its window, the body was not accredited
  /// on the decision date, or the level needed a body's decision and the attestation has none.
  case untrustedBody(String)
  /// The body's signed decision the bundle carries is not the one the credential names, or
  /// says something else than the credential.
  case bodyDecision(String)
  /// Every check passed, but the trust data (the root or the registry list) has expired: a
  /// frozen trust file may hide a later revocation, so the verifier must update it (or accept
  /// it knowingly).
  case trustExpired(Instant)

  /// The exit status of `amexist verify` for this reason (0 is valid).
  public var exitCode: Int32 {
    switch self {
    case .malformed, .invalidSignature, .wrongIssuer, .documentAltered: return 1
    case .expired, .notYetValid: return 3
    case .notInForce(let status): return status == .expired ? 3 : 4
    case .listedInSnapshot: return 4
    case .keyRevoked: return 4
    case .statusUnknown: return 5
    case .logProof: return 6
    case .bodyDecision: return 1
    case .untrustedKey, .unpinnedLink, .untrustedBody: return 7
    case .trustExpired: return 8
    }
  }

  /// A short machine-readable name of the reason.
  public var code: String {
    switch self {
    case .malformed: return "malformed"
    case .invalidSignature: return "invalid-signature"
    case .wrongIssuer: return "wrong-issuer"
    case .untrustedKey: return "untrusted-key"
    case .keyRevoked: return "revoked"
    case .expired: return "expired"
    case .notYetValid: return "not-yet-valid"
    case .statusUnknown: return "status-unknown"
    case .notInForce(let status): return status.rawValue
    case .listedInSnapshot(let status, _, _): return status.rawValue
    case .logProof: return "log-proof"
    case .documentAltered: return "document-altered"
    case .unpinnedLink: return "unpinned-link"
    case .untrustedBody: return "untrusted-body"
    case .bodyDecision: return "body-decision"
    case .trustExpired: return "trust-expired"
    }
  }

  public var description: String {
    switch self {
    case .malformed(let reason): return "malformed: \(reason)"
    case .invalidSignature(let reason): return "invalid signature: \(reason)"
    case .wrongIssuer(let issuer):
      return "issued by \"\(issuer.prefix(80))\", not by the trusted issuer"
    case .untrustedKey(let reason): return "untrusted key: \(reason)"
    case .keyRevoked(let kid, let at): return "key \(kid) was revoked at \(at)"
    case .expired(let at): return "expired at \(at)"
    case .notYetValid(let from): return "not valid before \(from)"
    case .statusUnknown(let reason): return "status unknown: \(reason)"
    case .notInForce(let status): return "the registry reports it \(status.englishName)"
    case .listedInSnapshot(let status, let since, let reason):
      return "the status snapshot lists it \(status.englishName) since \(since)"
        + (reason.map { " (reason: \($0))" } ?? "")
    case .logProof(let reason): return "not proven logged: \(reason)"
    case .documentAltered(let reason): return "altered document: \(reason)"
    case .unpinnedLink(let reason): return "links to an origin you did not pin: \(reason)"
    case .untrustedBody(let reason): return "untrusted certifying body: \(reason)"
    case .bodyDecision(let reason): return "body's decision: \(reason)"
    case .trustExpired(let at):
      return
        "valid, but the trust data has expired (at \(at)): update it (`amexist trust update`, or the registry's /.well-known/amexist-trust.json)"
    }
  }
}

/// An attestation whose signature verified with a trusted key and whose claims were read from
/// the signed bytes. Only ``AttestationVerifier`` makes one.
public struct VerifiedAttestation: Hashable, Sendable {
  public let claims: AttestationClaims
  /// The key that signed it.
  public let kid: String
  public let algorithm: SigningAlgorithm
  /// SHA-256 of the signed payload, lower-case hex: with the id, what identifies the attestation.
  public let payloadSHA256: String
  /// The certifying body's signed decision the credential names, once it verified.
  public internal(set) var decision: VerifiedDecision? = nil
}

/// Where the log holds an attestation, as its verified inclusion proof shows.
public struct VerifiedInclusion: Hashable, Sendable {
  /// The log index of the `attestationIssued` event.
  public let index: Int64
  /// The checkpoint the proof leads to, signed by the trusted log key.
  public let checkpoint: SignedCheckpoint
  /// The listed witnesses whose cosignature counted toward the quorum in force for the
  /// checkpoint (empty when the trust file sets none for its size).
  public internal(set) var witnesses: [String] = []
  /// The size of the checkpoint whose cosignatures counted: the bundle's, or a later one that
  /// extends it; nil when no quorum applied.
  public internal(set) var witnessedSize: Int64? = nil
}

/// The outcome of one verification: what was verified, and the verdict.
public struct VerificationReport: Hashable, Sendable {
  /// The instant the checks used.
  public let checkedAt: Instant
  /// Set once the signature and claims verified, even if a later check (time, revocation) failed.
  public let attestation: VerifiedAttestation?
  /// Set once the inclusion proof verified.
  public let inclusion: VerifiedInclusion?
  /// Nil when every check passed.
  public let failure: VerificationFailure?

  /// Whether every check ran and passed.
  public var isValid: Bool { failure == nil && attestation != nil }
  /// 0 when valid, else the failure's exit status.
  public var exitCode: Int32 { failure?.exitCode ?? 0 }

  /// A report of input refused before any check could run.
  public static func refused(_ failure: VerificationFailure, at instant: Instant)
    -> VerificationReport
  {
    VerificationReport(checkedAt: instant, attestation: nil, inclusion: nil, failure: failure)
  }

  /// The same report failing for `failure` rather than for its own reason, if any: for a check
  /// whose failure says more than the earlier ones (a printed page that is not the signed one).
  public func replacingFailure(_ failure: VerificationFailure) -> VerificationReport {
    VerificationReport(
      checkedAt: checkedAt, attestation: attestation, inclusion: inclusion, failure: failure)
  }

  /// The same report with a later check failed (an online status check, say). A report can be
  /// made to fail this way, never to pass: only the verifier makes a valid one.
  public func failing(_ failure: VerificationFailure) -> VerificationReport {
    VerificationReport(
      checkedAt: checkedAt, attestation: attestation, inclusion: inclusion,
      failure: self.failure ?? failure
    )
  }
}

/// Verifies attestations offline against a trust file. Fails closed: the report is valid only
/// when every check ran and passed.
public struct AttestationVerifier: Sendable {
  /// Allowed clock difference when checking that an attestation is already valid.
  public static let leewayMilliseconds: Int64 = 60_000
  /// The largest input accepted (a bundle), in bytes.
  public static let maximumInputSize = AttestationBundle.maximumSize

  /// The issuer and keys trusted.
  public let trust: TrustFile
  /// The verifier's real clock: witness cosignatures may not be later than it (+ 60 s), even
  /// when `now` checks another instant.
  public let realClock: @Sendable () -> Instant
  /// A later checkpoint that may stand for a bundle's (it must extend the bundle's tree).
  public let laterCheckpoint: LaterCheckpoint?
  /// The checkpoints this verifier has verified, so that bundles sharing one cost one
  /// signature each (copies of this verifier share them).
  public let checkpoints: VerifiedCheckpoints

  /// A verifier that trusts exactly the issuer, keys and witnesses of `trust`; with
  /// `laterCheckpoint`, a bundle's checkpoint may be replaced by that later one when it
  /// carries the witness quorum. It remembers up to `rememberedCheckpoints` checkpoints it
  /// verified.
  public init(
    trust: TrustFile, laterCheckpoint: LaterCheckpoint? = nil,
    realClock: @escaping @Sendable () -> Instant = { Instant(Date()) },
    rememberedCheckpoints: Int = 64
  ) {
    self.trust = trust
    self.laterCheckpoint = laterCheckpoint
    self.realClock = realClock
    self.checkpoints = VerifiedCheckpoints(capacity: rememberedCheckpoints)
  }

  /// Verifies a bundle (`{...}`) or a bare compact JWS (one trailing line end allowed) at `now`.
  ///
  /// Checks, in order: size, form, JWS rules and signature with the key named by `kid`,
  /// claims, issuer, that the key's window covers the issuance instant; then that the log
  /// holds the attestation (the bundle's checkpoint is signed by the trusted log key for its
  /// origin, and its inclusion proof leads from the `attestationIssued` entry rebuilt from the
  /// verified claims to the checkpoint's root; a bare JWS has no such proof); then that the key
  /// is not revoked, or was revoked after the log held the attestation (its revocation index
  /// is larger); then validity at `now` (`now >= validUntil` is expired; `validFrom` may be up
  /// to ``leewayMilliseconds`` ahead of `now`).
  public func verify(_ input: [UInt8], now: Instant) -> VerificationReport {
    var attestation: VerifiedAttestation?
    var inclusion: VerifiedInclusion?
    func report(_ failure: VerificationFailure?) -> VerificationReport {
      VerificationReport(
        checkedAt: now, attestation: attestation, inclusion: inclusion, failure: failure)
    }
    guard input.count <= Self.maximumInputSize else {
      return report(.malformed("the input is larger than \(Self.maximumInputSize / 1024) KiB"))
    }
    var token = input
    var logProof: String?
    var decisionToken: String?
    if input.first == UInt8(ascii: "{") {
      do {
        let bundle = try AttestationBundle(bytes: input)
        token = Array(bundle.jws.utf8)
        logProof = bundle.logProof
        decisionToken = bundle.decision
      } catch {
        return report(.malformed(error.description))
      }
    } else {
      if token.last == UInt8(ascii: "\n") { token.removeLast() }
      if token.last == UInt8(ascii: "\r") { token.removeLast() }
    }

    let verified: VerifiedJWS
    do {
      verified = try CompactJWS.verify(
        token, key: { trust.key($0)?.publicKey }, expectedType: AttestationClaims.jwsType)
    } catch {
      switch error {
      case .malformed, .tooLarge: return report(.malformed(error.description))
      case .unknownKey: return report(.untrustedKey(error.description))
      default: return report(.invalidSignature(error.description))
      }
    }
    let claims: AttestationClaims
    do {
      claims = try AttestationClaims(verifiedPayload: verified.payload)
    } catch {
      return report(.malformed(error.description))
    }
    let verifiedAttestation = VerifiedAttestation(
      claims: claims, kid: verified.header.kid, algorithm: verified.header.algorithm,
      payloadSHA256: PayloadHash.hex(of: verified.payload)
    )
    attestation = verifiedAttestation
    guard claims.issuer == trust.issuer else { return report(.wrongIssuer(claims.issuer)) }
    guard let key = trust.key(verified.header.kid) else {
      return report(.untrustedKey("unknown key"))
    }
    guard key.signs(at: claims.validFrom) else {
      return report(
        .untrustedKey("key \(key.kid) did not sign attestations issued at \(claims.validFrom)"))
    }
    guard let logProof else {
      return report(
        .logProof("a bare JWS carries no proof that the registry logged it: verify its bundle"))
    }
    do {
      inclusion = try Self.inclusion(
        of: verifiedAttestation, proof: logProof, log: trust.log, checkpoints: checkpoints)
    } catch {
      return report(.logProof(error.description))
    }
    switch witnesses(of: inclusion, realNow: realClock()) {
    case .success(let witnessed):
      inclusion?.witnesses = witnessed.names
      inclusion?.witnessedSize = witnessed.size
    case .failure(let failure): return report(failure)
    }
    switch Self.bodyDecision(of: claims, token: decisionToken, trust: trust) {
    case .success(let decision): attestation?.decision = decision
    case .failure(let failure): return report(failure)
    }
    // A revoked key's signature stands only on independent evidence that the log held the
    // attestation before the revocation (B1), and only for what it dated before the
    // revocation's instant (B13).
    if let revokedAt = key.revokedAt,
      KeyRevocation.revokes(
        revokedAt: revokedAt, revocationIndex: key.revocationIndex,
        validFrom: claims.validFrom, logIndex: inclusion?.index)
    {
      return report(.keyRevoked(kid: key.kid, at: revokedAt))
    }
    if now < claims.validFrom.adding(milliseconds: -Self.leewayMilliseconds) {
      return report(.notYetValid(claims.validFrom))
    }
    if now >= claims.validUntil { return report(.expired(claims.validUntil)) }
    return report(nil)
  }

  /// ``witnesses(of:policy:later:log:realNow:)`` under this verifier's trust, a quorum that held
  /// for the same checkpoint before taken from ``checkpoints`` (when no later checkpoint may
  /// stand for the bundle's).
  func witnesses(of inclusion: VerifiedInclusion?, realNow: Instant)
    -> Result<(names: [String], size: Int64?), VerificationFailure>
  {
    guard let note = inclusion?.checkpoint.note, laterCheckpoint == nil else {
      return Self.witnesses(
        of: inclusion, policy: trust.witnessPolicy, later: laterCheckpoint, log: trust.log,
        realNow: realNow)
    }
    if let kept = checkpoints.witnesses(of: note, realNow: realNow) { return .success(kept) }
    let result = Self.witnesses(
      of: inclusion, policy: trust.witnessPolicy, later: nil, log: trust.log, realNow: realNow)
    if case .success(let witnessed) = result {
      checkpoints.remember(
        witnesses: witnessed.names, size: witnessed.size, of: note, realNow: realNow)
    }
    return result
  }

  /// The witnesses counted toward the quorum `policy` sets for the size of the checkpoint
  /// `inclusion` leads to, and that size; or why they are too few (exit 6). A `later`
  /// checkpoint must extend it (else exit 6: the log forked), and stands for it when its own
  /// cosignatures meet the quorum of its size.
  static func witnesses(
    of inclusion: VerifiedInclusion?, policy: WitnessPolicy, later: LaterCheckpoint?,
    log: NoteVerifier, realNow: Instant
  ) -> Result<(names: [String], size: Int64?), VerificationFailure> {
    guard let inclusion else { return .success(([], nil)) }
    let held = inclusion.checkpoint.checkpoint
    var extended: (SignedCheckpoint, SignedNote)?
    if let later {
      do {
        let signed = try SignedCheckpoint(verifying: later.note, log: log)
        try ProofVerifier.verifyConsistency(
          size1: held.size, size2: signed.checkpoint.size, root1: held.root,
          root2: signed.checkpoint.root, proof: later.proof)
        extended = (signed, try SignedNote(parsing: Array(later.note.utf8)))
      } catch {
        return .failure(
          .logProof("the later checkpoint does not extend the bundle's (\(error)): a fork?"))
      }
    }
    func counted(_ note: SignedNote, size: Int64) throws(QuorumFailure) -> [String]? {
      guard policy.quorum(forSize: size) != nil else { return nil }
      return try policy.check(note, size: size, realNow: realNow).map(\.name)
    }
    let ownFailure: QuorumFailure
    do {
      let note = try SignedNote(parsing: Array(inclusion.checkpoint.note.utf8))
      guard let names = try counted(note, size: held.size) else { return .success(([], nil)) }
      return .success((names, held.size))
    } catch let failure as QuorumFailure {
      ownFailure = failure
    } catch {
      return .failure(.logProof("checkpoint: \(error)"))
    }
    if let (signed, note) = extended {
      do {
        if let names = try counted(note, size: signed.checkpoint.size) {
          return .success((names, signed.checkpoint.size))
        }
      } catch {
        return .failure(
          .logProof("witness quorum: \(ownFailure); the later checkpoint too: \(error)"))
      }
    }
    return .failure(.logProof("witness quorum: \(ownFailure)"))
  }

  /// Checks the certifying body's signed decision behind `claims` (DESIGN, "Certifying bodies"):
  /// the body and the key in the trust file, the key valid and not revoked on the decision
  /// date, the body accredited on that day (else ``VerificationFailure/untrustedBody(_:)``, exit
  /// 7); the signature (exit 1); the decision being the one the credential names, for this
  /// registry and scheme, and saying the same level, last day, service and date (else
  /// ``VerificationFailure/bodyDecision(_:)``, exit 1). A credential without a body's decision
  /// is refused (exit 7) when the scheme reserves its level to a body and its decision is at or
  /// after the trust file's `bodySignedFrom`.
  public static func checkBodyDecision(
    of claims: AttestationClaims, token: String?, trust: TrustFile
  ) -> VerificationFailure? {
    if case .failure(let failure) = bodyDecision(of: claims, token: token, trust: trust) {
      return failure
    }
    return nil
  }

  /// The body's decision behind `claims`, verified as ``checkBodyDecision(of:token:trust:)``
  /// says.
  static func bodyDecision(of claims: AttestationClaims, token: String?, trust: TrustFile)
    -> Result<VerifiedDecision?, VerificationFailure>
  {
    guard let certification = claims.certification else {
      if let from = trust.bodySignedFrom, claims.decisionIndex >= from,
        trust.scheme.rules.rule(for: claims.level).signer == .accreditedBody
      {
        return .failure(
          .untrustedBody(
            "\(trust.scheme): level \(claims.level.rawValue) is decided by an accredited body's signed decision, and this attestation carries none"
          ))
      }
      guard token == nil else {
        return .failure(.malformed("the bundle carries a decision its credential does not name"))
      }
      return .success(nil)
    }
    guard let token else {
      return .failure(
        .bodyDecision("the credential names a body's decision that the bundle does not carry"))
    }
    guard let body = trust.body(certification.body) else {
      return .failure(
        .untrustedBody("\(certification.body) is not a certifying body of the trust file"))
    }
    let decision: VerifiedDecision
    do {
      decision = try VerifiedDecision(token: token) { body.key($0)?.publicKey }
    } catch {
      switch error {
      case .signature(.unknownKey(let kid)):
        return .failure(
          .untrustedBody(
            "key \(kid.prefix(64)) is not one of \(body.name)'s keys in the trust file"))
      case .signature(.malformed), .signature(.tooLarge), .malformed:
        return .failure(.bodyDecision(error.description))
      case .signature:
        return .failure(.invalidSignature(error.description))
      }
    }
    let decided = decision.claims
    guard decision.payloadSHA256 == certification.decisionSHA256, decided.body == body.id else {
      return .failure(.bodyDecision("it is not the decision the credential names"))
    }
    guard let key = body.key(decision.kid) else {
      return .failure(.untrustedBody("key \(decision.kid) is not \(body.name)'s"))
    }
    let dayStart = decided.decided.parisStart
    guard key.validFrom < decided.decided.adding(days: 1).parisStart,
      key.validUntil.map({ dayStart < $0 }) ?? true
    else {
      return .failure(
        .untrustedBody("key \(key.kid) of \(body.name) was not valid on \(decided.decided)"))
    }
    if let revokedAt = key.revokedAt,
      KeyRevocation.revokes(
        revokedAt: revokedAt, revocationIndex: key.revocationIndex, validFrom: dayStart,
        logIndex: certification.succession?.index ?? claims.decisionIndex)
    {
      return .failure(.untrustedBody("key \(key.kid) of \(body.name) was revoked at \(revokedAt)"))
    }
    let standing = body.accreditation.standing(on: decided.decided)
    guard standing == .accredited else {
      return .failure(
        .untrustedBody("\(body.name) was not accredited on \(decided.decided) (\(standing))"))
    }
    let siret = certification.succession?.predecessor ?? claims.siret
    var differences: [String] = []
    if decided.audience != trust.log.name { differences.append("aud") }
    if decided.scheme != trust.scheme || (claims.scheme.map { $0 != trust.scheme } ?? false) {
      differences.append("scheme")
    }
    if ![DecisionKind.grant, .renew, .transfer].contains(decided.kind) {
      differences.append("decision")
    }
    if decided.level != claims.level { differences.append("level") }
    if decided.validUntil != claims.levelValidUntil { differences.append("validUntil") }
    if decided.siret != siret { differences.append("siret") }
    if certification.succession == nil, decided.decided != claims.decisionDate {
      differences.append("decided")
    }
    if decided.fromBody != certification.fromBody { differences.append("fromBody") }
    if certification.accreditationNumber != body.accreditation.number {
      differences.append("accreditation number")
    }
    if let first = differences.first {
      return .failure(
        .bodyDecision("the body signed another \(first) than the credential states"))
    }
    return .success(decision)
  }

  /// Verifies that the log holds `attestation`: the entry the registry logged when it issued
  /// it is rebuilt from the verified claims, so the proof can only be for this attestation.
  static func inclusion(
    of attestation: VerifiedAttestation, proof: String, log: NoteVerifier,
    checkpoints: VerifiedCheckpoints? = nil
  ) throws(LogEvidenceError) -> VerifiedInclusion {
    let evidence: InclusionEvidence
    do {
      evidence = try InclusionEvidence(parsing: proof)
    } catch {
      throw LogEvidenceError("proof: \(error)")
    }
    let claims = attestation.claims
    let entry: RecordedEvent
    do {
      entry = RecordedEvent(
        recordedAt: claims.validFrom,
        event: .attestationIssued(
          try AttestationIssued(
            siret: claims.siret, attestationID: claims.id, decisionIndex: claims.decisionIndex,
            payloadSHA256: attestation.payloadSHA256, statusIndex: claims.statusIndex)
        )
      )
    } catch {
      throw LogEvidenceError("the attestation cannot be a log entry: \(error)")
    }
    let leaf = EventCoding.encode(entry)
    do throws(InclusionError) {
      guard let checkpoints else {
        let checkpoint = try evidence.verify(leaf: leaf, log: log)
        return VerifiedInclusion(index: evidence.index, checkpoint: checkpoint)
      }
      let signed: SignedCheckpoint
      do {
        signed = try checkpoints.checkpoint(evidence.checkpointNote, log: log)
      } catch {
        throw InclusionError.checkpoint(error)
      }
      let checkpoint = try evidence.verify(leaf: leaf, verified: signed)
      return VerifiedInclusion(index: evidence.index, checkpoint: checkpoint)
    } catch {
      throw LogEvidenceError(error.description)
    }
  }
}

/// Why the log evidence of an attestation does not hold.
struct LogEvidenceError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// SHA-256 digests as the registry writes them.
public enum PayloadHash {
  /// SHA-256 of `bytes`, lower-case hex.
  public static func hex(of bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in SHA256.hash(data: bytes) {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
