public import AmexistDomain
public import Attestation
import Foundation
import RegistryStore
import Synchronization
import TransparencyLog

/// An attestation just issued: the bundle to hand out and the logged issuance.
public struct IssuedAttestation: Sendable {
  public let bundle: AttestationBundle
  public let claims: AttestationClaims
  /// The `attestationIssued` event.
  public let logged: LoggedEvent
  /// Whether it was issued earlier for the same decision (and returned, not issued again).
  public let reused: Bool
  /// The body's signed decision the bundle carries, if any.
  public var decision: String? { bundle.decision }
}

extension RegistryService {
  /// Every issuer key in the log (not the certifying bodies' keys), in the order they were
  /// added.
  public func keyRecords() async throws(RegistryError) -> [KeyRecord] {
    try await read { snapshot in
      try snapshot.addedKeyIDs().compactMap { kid in
        KeyRecord.fold(try snapshot.events(about: .key(kid)))
      }.filter { $0.owner == nil && $0.purpose == .attestations }
    }
  }

  /// Every status key in the log, in the order they were added.
  public func statusKeyRecords() async throws(RegistryError) -> [KeyRecord] {
    try await read { snapshot in
      try snapshot.addedKeyIDs().compactMap { kid in
        KeyRecord.fold(try snapshot.events(about: .key(kid)))
      }.filter { $0.purpose == .status }
    }
  }

  /// How long a registry list is valid after it is signed: a list frozen by an attacker stops
  /// verifying within this time (catalogue B6). The registry re-signs at every change and at
  /// least daily.
  public static let registryListLifetimeMilliseconds: Int64 = 30 * 86_400_000

  /// The trust file from the keys and bodies in the log, with the log's verifier key: unsigned
  /// (`amexist-trust/1`, for `issuer` named `issuerName`) without `signing`, else
  /// `amexist-trust/2`, the registry list signed under the newest root (whose issuer it keeps).
  ///
  /// - Throws: ``RegistryError/keys(_:)`` when the root names another log key or scheme than
  ///   the registry's.
  public func trustFile(
    issuer: String, issuerName: String? = nil, signing: TrustSigning? = nil
  ) async throws(RegistryError) -> TrustFile {
    guard let log = logVerifier else {
      throw .keys("the log key is not loaded, so the trust file cannot name it")
    }
    let (size, keys, bodies, scheme, bodySignedFrom, statusKeys) = try await read { snapshot in
      let records = try snapshot.addedKeyIDs().compactMap { kid in
        KeyRecord.fold(try snapshot.events(about: .key(kid)))
      }
      let keys = try records.filter { $0.owner == nil && $0.purpose == .attestations }.map {
        record throws(RegistryError) in try TrustedKey(record)
      }
      let statusKeys = try records.filter { $0.purpose == .status }.map {
        record throws(RegistryError) in try TrustedKey(record)
      }
      let bodies = try snapshot.registeredBodies().compactMap { id -> TrustedBody? in
        guard let body = BodyRecord.fold(try snapshot.events(about: .body(id))) else { return nil }
        return TrustedBody(
          id: body.id, name: body.name, accreditation: body.accreditation,
          keys: try records.filter { $0.owner == id }.map { record throws(RegistryError) in
            try TrustedKey(record)
          })
      }
      return (
        try snapshot.count(), keys, bodies, try Self.scheme(of: snapshot),
        try Self.bodySignedFrom(snapshot), statusKeys
      )
    }
    guard let signing else {
      return TrustFile(
        issuer: issuer, issuerName: issuerName, keys: keys, log: log, scheme: scheme,
        bodies: bodies, bodySignedFrom: bodySignedFrom, statusKeys: statusKeys)
    }
    guard signing.root.log == log else {
      throw .keys(
        "root version \(signing.root.version) names another log key than the registry's")
    }
    guard signing.root.scheme == scheme else {
      throw .keys(
        "root version \(signing.root.version) names the scheme \(signing.root.scheme.rawValue), the log \(scheme.rawValue)"
      )
    }
    let list = RegistryList(
      version: size,
      expires: clock.now().adding(milliseconds: Self.registryListLifetimeMilliseconds),
      keys: keys, bodies: bodies, statusKeys: statusKeys)
    do {
      return TrustFile(
        signed: try SignedTrust.signing(
          list, with: signing.registryKey, under: signing.rootPart))
    } catch {
      throw .keys("the registry list cannot be signed: \(error)")
    }
  }

  /// The trust file this registry publishes: signed under the newest root of `folder` when one
  /// is published, else unsigned. A host without the registry key serves the signed file
  /// `folder` holds as it is.
  public func publishedTrust(folder: KeyFolder, issuer: String, issuerName: String? = nil)
    async throws(RegistryError) -> TrustFile
  {
    if !folder.publishedRootVersions().isEmpty && !folder.hasRegistryKey {
      return try folder.loadTrust()
    }
    return try await trustFile(
      issuer: issuer, issuerName: issuerName, signing: try folder.trustSigning())
  }

  /// The log index from which a level the scheme reserves to a body carries the body's signed
  /// decision: 0 for a registry whose entry 0 names its scheme (made since bodies sign); for an
  /// earlier registry, its first body's registration (no body could sign before), or nil while
  /// it has none. The append rules refuse such a level without a signed decision at any index.
  static func bodySignedFrom(_ snapshot: any RegistrySnapshot) throws -> Int64? {
    guard try snapshot.count() > 0 else { return 0 }
    if try snapshot.event(at: 0)?.event.configuredScheme != nil { return 0 }
    guard let first = try snapshot.registeredBodies().first else { return nil }
    return try snapshot.events(about: .body(first)).first?.index
  }

  /// Adds `key` to the log, signing from now on, and retires the keys in `retiring` now, in one
  /// batch.
  ///
  /// - Returns: the new key's id (see ``PublicKey/keyID``).
  @discardableResult
  public func addKey(_ key: SigningKey, retiring: [String] = []) async throws(RegistryError)
    -> String
  {
    let kid = key.publicKey.keyID
    let now = clock.now()
    let events = try Self.refusing { () throws(DomainError) -> [Event] in
      var events: [Event] = [
        .keyAdded(
          try KeyAdded(
            kid: kid, algorithm: key.algorithm.rawValue, publicKey: key.publicKey.jwk(kid: kid),
            validFrom: now,
            validUntil: nil
          )
        )
      ]
      for old in retiring { events.append(.keyRetired(try KeyRetired(kid: old, at: now))) }
      return events
    }
    try await append(events)
    return kid
  }

  /// Revokes key `kid` from `instant` (now by default): nothing it signed from then on, and
  /// nothing logged after the revocation, verifies. The key must belong to `owner` (a
  /// certifying body's id; nil for the issuer's keys).
  ///
  /// - Parameter backdating: whether `instant` may be earlier than now (an operator's decision
  ///   at the registry host's command line, never the admin API's).
  /// - Throws: ``RegistryError/invalidArgument(_:)`` when `instant` is in the future, before
  ///   the key's start, or in the past without `backdating`; ``RegistryError/keys(_:)`` for an
  ///   unknown key.
  ///
  /// With `dryRun`, every check is made and the entry that would be appended is returned;
  /// nothing is written.
  @discardableResult
  public func revokeKey(
    _ kid: String, at instant: Instant? = nil, reason: String, backdating: Bool = true,
    owner: String? = nil, dryRun: Bool = false
  ) async throws(RegistryError) -> LoggedEvent {
    let now = clock.now()
    let at = instant ?? now
    guard at <= now else {
      throw .invalidArgument("a revocation cannot be dated in the future (now is \(now))")
    }
    guard
      let record = try await read({ snapshot in
        KeyRecord.fold(try snapshot.events(about: .key(kid)))
      })
    else {
      throw .keys(
        owner == nil
          ? "no issuer key \(kid) is in the log (`amexist keys list`)"
          : "no key \(kid) is in the log (`amexist body list`)")
    }
    guard record.owner == owner else {
      throw .refused(.ruleViolated(.keyOwnedElsewhere(kid: kid, owner: record.owner)))
    }
    guard at >= record.validFrom else {
      throw .invalidArgument(
        "key \(kid) started at \(record.validFrom): a revocation cannot be dated before it")
    }
    // One minute of leeway for a client's clock; anything earlier is a decision to set the
    // revocation back in time.
    guard backdating || at >= now.adding(milliseconds: -60_000) else {
      throw .invalidArgument(
        "the admin API revokes from now on; a revocation set back in time is decided with `amexist keys revoke KID --at TIME` on the registry host"
      )
    }
    let revocation = try Self.refusing { () throws(DomainError) in
      try KeyRevoked(kid: kid, at: at, reason: reason)
    }
    return try await append([.keyRevoked(revocation)], dryRun: dryRun)[0]
  }

  /// Runs `build`, turning a refused value into ``RegistryError/refused(_:)``.
  static func refusing<Value>(_ build: () throws(DomainError) -> Value) throws(RegistryError)
    -> Value
  {
    do { return try build() } catch { throw .refused(error) }
  }

  /// Issues the attestation of the decision in force for `siret`, signed by `signer` as `kid`.
  ///
  /// The state is read, the credential signed and the `attestationIssued` event appended in one
  /// write transaction, so the attestation states exactly the decision the log holds when it is
  /// logged. The entry is recorded at the credential's `validFrom`, so that a verifier can
  /// rebuild it from the signed claims; the bundle carries its inclusion proof in the
  /// checkpoint that sealed the issuance. Refused unless the standing is active and `kid` may
  /// sign now.
  ///
  /// - Parameters:
  ///   - lang: the language of the printed document the credential names (`fr`, `en`).
  ///   - reusingEarlier: whether an attestation logged earlier for the same decision, by the
  ///     same key and in the same language, is returned instead of a new one (an `attest`
  ///     retried while its witnesses were slow).
  ///   - document: checks the claims before anything is signed (that the printed page can be
  ///     made); what it throws refuses the issuance, and nothing is logged.
  public func issueAttestation(
    siret: SIRET, signer: SigningKey, kid: String, issuer: String, issuerName: String? = nil,
    lang: String = "fr", reusingEarlier: Bool = false,
    document: (@Sendable (AttestationClaims) throws -> Void)? = nil
  ) async throws(RegistryError) -> IssuedAttestation {
    let clock = self.clock
    let id = "urn:uuid:" + UUID().uuidString.lowercased()
    let issued = Mutex<(AttestationClaims, String, String?, LoggedEvent?)?>(nil)
    let receipt = try await sealedAppend { snapshot in
      let now = try Self.recordingInstant(snapshot, clock: clock)
      let history = try snapshot.events(about: .service(siret))
      guard let state = ServiceState.fold(history, at: now) else {
        throw RegistryError.notFound(siret)
      }
      let bodyDecision = try state.decision.flatMap { decision in
        try Self.bodyDecision(at: decision.latestIndex, snapshot: snapshot)
      }
      guard state.standing == .active,
        let claims = AttestationClaims(
          state: state, id: id, issuer: issuer, issuerName: issuerName, issuedAt: now, lang: lang,
          scheme: try Self.scheme(of: snapshot), certification: bodyDecision?.certification,
          statusIndex: snapshot.drawStatusIndex())
      else {
        throw RegistryError.refused(
          .ruleViolated(.attestationNeedsActiveLevel(siret, standing: state.standing)))
      }
      guard let key = KeyRecord.fold(try snapshot.events(about: .key(kid))), key.owner == nil,
        key.purpose == .attestations, key.maySign(at: now)
      else {
        throw RegistryError.keys(
          "key \(kid) may not sign now (retired, revoked or unknown): run `amexist keys rotate`")
      }
      // An attestation of this very decision, by this key and in this language, is returned
      // rather than issued again (an `attest` retried after its witnesses were slow).
      if reusingEarlier,
        let earlier = try Self.earlierAttestation(
          of: claims, history: history, snapshot: snapshot, kid: kid, key: signer.publicKey)
      {
        issued.withLock { $0 = (earlier.claims, earlier.jws, bodyDecision?.token, earlier.logged) }
        return []
      }
      let payload = claims.payload
      // Nothing unverifiable is ever logged: the credential must read back as a verifier reads it.
      do {
        _ = try AttestationClaims(verifiedPayload: payload)
      } catch {
        throw RegistryError.refused(
          .invalidText(
            field: "attestation",
            reason:
              "it would not verify (\(error)); nothing was issued: correct the service's profile"
          ))
      }
      do {
        try document?(claims)
      } catch {
        throw RegistryError.refused(
          .invalidText(
            field: "attestation",
            reason: "its printed page cannot be made (\(error)); nothing was issued"))
      }
      let jws: String
      do {
        jws = try CompactJWS.sign(
          payload: payload, key: signer, kid: kid, type: AttestationClaims.jwsType)
      } catch {
        throw RegistryError.keys("\(error)")
      }
      let event = Event.attestationIssued(
        try AttestationIssued(
          siret: siret, attestationID: id, decisionIndex: claims.decisionIndex,
          payloadSHA256: PayloadHash.hex(of: payload), statusIndex: claims.statusIndex
        )
      )
      try AppendRules.check(event, recordedAt: now, history: history)
      issued.withLock { $0 = (claims, jws, bodyDecision?.token, nil) }
      return [RecordedEvent(recordedAt: now, event: event, signedDocument: jws)]
    }
    guard let (claims, jws, decision, earlier) = issued.withLock({ $0 }),
      let entry = earlier ?? receipt.events.first
    else {
      throw .storage(.unavailable("the issuance was not recorded"))
    }
    let evidence = try await inclusionEvidence(
      index: entry.index, size: receipt.checkpoint?.checkpoint.size)
    return IssuedAttestation(
      bundle: AttestationBundle(jws: jws, evidence: evidence, decision: decision), claims: claims,
      logged: entry, reused: earlier != nil)
  }

  /// The attestation logged earlier for the decision `claims` states, signed by `kid` with
  /// `key` and in the same language, if any.
  static func earlierAttestation(
    of claims: AttestationClaims, history: [LoggedEvent], snapshot: any RegistrySnapshot,
    kid: String, key: PublicKey
  ) throws -> (claims: AttestationClaims, jws: String, logged: LoggedEvent)? {
    for logged in history.reversed() {
      guard case .attestationIssued(let issued) = logged.event,
        issued.decisionIndex == claims.decisionIndex,
        let jws = try snapshot.attestation(id: issued.attestationID)?.signedDocument,
        let verified = try? CompactJWS.verify(
          Array(jws.utf8), key: { $0 == kid ? key : nil }, expectedType: AttestationClaims.jwsType),
        PayloadHash.hex(of: verified.payload) == issued.payloadSHA256,
        let earlier = try? AttestationClaims(verifiedPayload: verified.payload),
        earlier.lang == claims.lang, earlier.certification == claims.certification
      else { continue }
      return (earlier, jws, logged)
    }
    return nil
  }
}

extension RegistryService {
  /// The key to sign with now: the newest key in the log that may sign now and whose private
  /// file is in `folder`, checked against the trust file (same public key) and by a signing
  /// self-test. Refuses to start otherwise, saying why.
  ///
  /// - Returns: the key, its id and the trust file (whose issuer goes into attestations).
  public func signer(from folder: KeyFolder) async throws(RegistryError) -> (
    key: SigningKey, kid: String, trust: TrustFile
  ) {
    let trust = try folder.loadTrust()
    let now = clock.now()
    let records = try await keyRecords()
    guard let record = records.last(where: { $0.maySign(at: now) && folder.hasPrivateKey($0.kid) })
    else {
      throw .keys(
        records.isEmpty
          ? "the registry has no issuer key: run `amexist init`"
          : "no issuer key may sign now (all retired or revoked, or their private files are missing): run `amexist keys rotate`"
      )
    }
    guard let trusted = trust.key(record.kid),
      (try? JWK.publicKey(record.publicKey)) == trusted.publicKey,
      trusted.validFrom == record.validFrom, trusted.revokedAt == record.revokedAt
    else {
      throw .keys(
        "\(folder.trustPath) does not match the registry's key history for key \(record.kid)")
    }
    return (try folder.loadPrivateKey(record.kid, expected: trusted.publicKey), record.kid, trust)
  }
}
