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
      let (stored, record, state) = try Self.issued(id, in: snapshot, at: moment)
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

extension RegistryService {
  /// The live status at `instant` (now by default) of the attestation `id` that a verifier has
  /// already verified (its payload hash `payloadSHA256`, signed with the issuer key `kid`), or
  /// nil when the log holds another document under this id. The registry's kept copy is not
  /// verified again: the log's record of `kid` decides whether a revocation reaches it.
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when no attestation has this id.
  public func status(
    ofVerified id: String, payloadSHA256: String, kid: String, at instant: Instant? = nil
  ) async throws(RegistryError) -> AttestationStatus? {
    let moment = instant ?? clock.now()
    return try await read { snapshot in
      let (_, record, state) = try Self.issued(id, in: snapshot, at: moment)
      guard record.payloadSHA256 == payloadSHA256 else { return nil }
      return AttestationStatus.of(record, in: state, signingKey: KeyLookup(snapshot).record(kid))
    }
  }
}

extension RegistryService {
  /// The kept attestation `id`, its record in its service's state at `moment` (or at its
  /// issuance, if later), and that state.
  ///
  /// - Throws: ``RegistryError/attestationNotFound(_:)`` when no attestation has this id.
  fileprivate static func issued(
    _ id: String, in snapshot: any RegistrySnapshot, at moment: Instant
  )
    throws -> (stored: StoredAttestation, record: AttestationRecord, state: ServiceState)
  {
    guard let stored = try snapshot.attestation(id: id),
      let entry = try snapshot.event(at: stored.index),
      case .attestationIssued(let issued) = entry.event,
      issued.attestationID == id,
      let state = ServiceState.fold(
        try snapshot.events(about: .service(issued.siret)), at: max(moment, entry.recordedAt)),
      let record = state.attestations.first(where: { $0.index == stored.index })
    else {
      throw RegistryError.attestationNotFound(id)
    }
    return (stored, record, state)
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
