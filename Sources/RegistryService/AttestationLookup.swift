public import AmexistDomain
public import Attestation
import RegistryStore

/// An issued attestation found by id, with its live status and what the registry checked.
public struct AttestationLookup: Sendable {
  /// The `attestationIssued` entry.
  public let record: AttestationRecord
  /// The service's state at the moment of the question.
  public let service: ServiceState
  /// The live status at that moment.
  public let status: AttestationStatus
  /// The signed document, present only when it verified with the issuer key it names (from the
  /// log) and its payload hash is the one the log recorded.
  public let signedDocument: String?
  /// The key that signed it, when the document is kept and verified.
  public let signingKey: KeyRecord?
  /// The claims read from the verified document.
  public let claims: AttestationClaims?
  /// The certifying body's signed decision the attestation's bundle carries, if a body decided:
  /// the token the log keeps, present only when its payload hash is the one the credential
  /// names.
  public let decisionToken: String?
}

extension RegistryService {
  /// The attestation with `id` (`urn:uuid:…`) as the registry holds it at `instant` (now by
  /// default).
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when no attestation has this id.
  public func attestation(id: String, at instant: Instant? = nil) async throws(RegistryError)
    -> AttestationLookup
  {
    let moment = instant ?? clock.now()
    return try await read { snapshot in
      let issuance = try IssuanceEntries.read(id, in: snapshot)
      let stored = issuance.stored
      let (record, state) = try issuance.fold(at: moment)
      let keys = KeyLookup(snapshot)
      let signed = keys.verifiedDocument(stored, record: record)
      let signingKey = signed?.key
      return AttestationLookup(
        record: record, service: state,
        status: AttestationStatus.of(record, in: state, signingKey: signingKey),
        signedDocument: signed?.token, signingKey: signingKey, claims: signed?.claims,
        decisionToken: try signed?.claims.certification.flatMap { certification in
          try Self.bodyDecision(at: record.decisionIndex, snapshot: snapshot).flatMap {
            $0.certification.decisionSHA256 == certification.decisionSHA256 ? $0.token : nil
          }
        })
    }
  }
}

/// The entries of the log an issued attestation's live status is computed from: its
/// issuance, every entry about its service, and the record of one issuer key. Read and
/// verified once, it gives the status at any moment while the log has not grown (the status
/// depends on the moment only through the fold, which ``status(payloadSHA256:at:)`` redoes).
public struct AttestationStatusSource: Sendable {
  /// The attestation's id (`urn:uuid:…`).
  public let id: String
  /// The issuer key whose record was read.
  public let kid: String
  let issuance: IssuanceEntries
  let signingKey: KeyRecord?

  /// The live status at `instant` of the attestation when the document verified has the
  /// payload hash `payloadSHA256` and was signed with ``kid``; nil when the log holds another
  /// document under this id.
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when the service's entries do not
  ///   record it at `instant`.
  public func status(payloadSHA256: String, at instant: Instant) throws(RegistryError)
    -> AttestationStatus?
  {
    let (record, state) = try issuance.fold(at: instant)
    guard record.payloadSHA256 == payloadSHA256 else { return nil }
    return AttestationStatus.of(record, in: state, signingKey: signingKey)
  }
}

extension RegistryService {
  /// What the live status of the attestation `id`, already verified by a verifier and signed
  /// with the issuer key `kid`, is computed from (see ``AttestationStatusSource``). The
  /// registry's kept copy is not verified again: the log's record of `kid` decides whether a
  /// revocation reaches it.
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when no attestation has this id.
  public func statusSource(ofVerified id: String, kid: String) async throws(RegistryError)
    -> AttestationStatusSource
  {
    try await read { snapshot in
      AttestationStatusSource(
        id: id, kid: kid, issuance: try IssuanceEntries.read(id, in: snapshot),
        signingKey: KeyLookup(snapshot).record(kid))
    }
  }
}

/// An issued attestation's `attestationIssued` entry and every entry about its service.
struct IssuanceEntries: Sendable {
  let id: String
  /// The kept attestation row.
  let stored: StoredAttestation
  /// When the `attestationIssued` entry was recorded.
  let recordedAt: Instant
  let serviceEvents: [LoggedEvent]

  /// The entries of attestation `id` in `snapshot`.
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when no attestation has this id.
  static func read(_ id: String, in snapshot: any RegistrySnapshot) throws -> IssuanceEntries {
    guard let stored = try snapshot.attestation(id: id),
      let entry = try snapshot.event(at: stored.index),
      case .attestationIssued(let issued) = entry.event,
      issued.attestationID == id
    else {
      throw RegistryError.attestationNotFound(id)
    }
    return IssuanceEntries(
      id: id, stored: stored, recordedAt: entry.recordedAt,
      serviceEvents: try snapshot.events(about: .service(issued.siret)))
  }

  /// The attestation's record in its service's state at `moment` (or at its issuance, if
  /// later), and that state.
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when the state does not record it.
  func fold(at moment: Instant) throws(RegistryError) -> (
    record: AttestationRecord, state: ServiceState
  ) {
    guard let state = ServiceState.fold(serviceEvents, at: max(moment, recordedAt)),
      let record = state.attestations.first(where: { $0.index == stored.index })
    else {
      throw .attestationNotFound(id)
    }
    return (record, state)
  }
}

/// A service's state with the live status of each of its attestations.
public struct ServiceReport: Sendable {
  /// The service's state at the moment of the question.
  public let state: ServiceState
  /// The status of each attestation, by log index, computed with the key that signed it.
  public let statuses: [Int64: AttestationStatus]

  /// The status of `record`, one of `state.attestations`.
  public func status(of record: AttestationRecord) -> AttestationStatus {
    statuses[record.index] ?? AttestationStatus.of(record, in: state, signingKey: nil)
  }

  /// The service's public document (``StateJSON/document(_:status:)``): `service show --json`
  /// prints it and `GET /services/{siret}.json` serves it, so they never disagree.
  public var document: JSONValue { StateJSON.document(state, status: status(of:)) }
}

extension RegistryService {
  /// The state of the service with `siret` at `instant` (now by default) and the live status of
  /// each of its attestations, each computed with the record of the key that signed it (so a
  /// revoked key's attestations say `revoked` on every page).
  ///
  /// - Throws: ``RegistryError/notFound(_:)`` when no such service is registered.
  public func report(of siret: SIRET, at instant: Instant? = nil) async throws(RegistryError)
    -> ServiceReport
  {
    let moment = instant ?? clock.now()
    return try await read { snapshot in
      guard let state = ServiceState.fold(try snapshot.events(about: .service(siret)), at: moment)
      else {
        throw RegistryError.notFound(siret)
      }
      let keys = KeyLookup(snapshot)
      var statuses: [Int64: AttestationStatus] = [:]
      for record in state.attestations {
        let key = try snapshot.attestation(id: record.id).flatMap {
          keys.verifiedDocument($0, record: record)?.key
        }
        statuses[record.index] = AttestationStatus.of(record, in: state, signingKey: key)
      }
      return ServiceReport(state: state, statuses: statuses)
    }
  }
}

/// Issuer keys from the log, as a JWS verifier looks them up.
private final class KeyLookup {
  let snapshot: any RegistrySnapshot
  var records: [String: KeyRecord?] = [:]

  init(_ snapshot: any RegistrySnapshot) { self.snapshot = snapshot }

  func record(_ kid: String) -> KeyRecord? {
    if let known = records[kid] { return known }
    let record = (try? snapshot.events(about: .key(kid))).flatMap(KeyRecord.fold)
    records[kid] = record
    return record
  }

  func publicKey(_ kid: String) -> PublicKey? {
    record(kid).flatMap { try? JWK.publicKey($0.publicKey) }
  }

  /// The kept document of `record` when it verifies with the issuer key it names (from the log)
  /// and its payload hash is the one the log recorded, with that key and its claims.
  func verifiedDocument(_ stored: StoredAttestation, record: AttestationRecord) -> (
    token: String, key: KeyRecord?, claims: AttestationClaims
  )? {
    guard let token = stored.signedDocument,
      let verified = try? CompactJWS.verify(
        Array(token.utf8), key: publicKey, expectedType: AttestationClaims.jwsType),
      PayloadHash.hex(of: verified.payload) == record.payloadSHA256,
      let claims = try? AttestationClaims(verifiedPayload: verified.payload)
    else { return nil }
    return (token, self.record(verified.header.kid), claims)
  }
}
