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
      var signingKey: KeyRecord?
      var document: String?
      var claims: AttestationClaims?
      if let token = stored.signedDocument {
        let keys = KeyLookup(snapshot)
        if let verified = try? CompactJWS.verify(
          Array(token.utf8), key: keys.publicKey, expectedType: AttestationClaims.jwsType),
          PayloadHash.hex(of: verified.payload) == record.payloadSHA256,
          let decoded = try? AttestationClaims(verifiedPayload: verified.payload)
        {
          signingKey = keys.record(verified.header.kid)
          document = token
          claims = decoded
        }
      }
      return AttestationLookup(
        record: record, service: state,
        status: AttestationStatus.of(record, in: state, signingKey: signingKey),
        signedDocument: document, signingKey: signingKey, claims: claims)
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
}
