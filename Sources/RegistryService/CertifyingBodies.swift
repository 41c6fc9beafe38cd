public import AmexistDomain
public import Attestation
import RegistryStore

/// A certifying body with its keys, as the log records them.
public struct CertifyingBody: Hashable, Sendable {
  /// The body and its accreditation.
  public let record: BodyRecord
  /// Its keys, in the order they were added.
  public let keys: [KeyRecord]
  /// The services whose level in force (or suspended) this body decided, in registration order.
  public var services: [ServiceState] = []

  /// The body as `body list --json` and the API publish it: the accreditation with its
  /// standing on `today`, and its keys with whether they sign at `now`.
  public func json(today: CalendarDate, now: Instant) -> JSONValue {
    var accreditation = record.accreditation.json
    if case .object(var members) = accreditation {
      members["standing"] = .string(record.accreditation.standing(on: today).rawValue)
      accreditation = .object(members)
    }
    return .object([
      "id": .string(record.id), "name": .string(record.name), "accreditation": accreditation,
      "services": .array(
        services.map { state in
          .object([
            "siret": .string(state.siret.digits), "name": .string(state.profile.name),
            "level": state.decision.map { .integer(Int64($0.level.rawValue)) } ?? .null,
            "standing": .string(state.standing.rawValue),
            "reservesOverdue": .bool(state.reservesOverdue),
          ])
        }),
      "keys": .array(
        keys.map { key in
          .object([
            "kid": .string(key.kid), "alg": .string(key.algorithm),
            "validFrom": .string(key.validFrom.description),
            "revokedAt": key.revokedAt.map { .string($0.description) } ?? .null,
            "signsNow": .bool(key.maySign(at: now)),
          ])
        }),
    ])
  }
}

extension RegistryService {
  /// Registers a certifying body with its accreditation; with `dryRun`, checks it and returns
  /// the entry it would be.
  @discardableResult
  public func registerBody(_ registration: BodyRegistered, dryRun: Bool = false)
    async throws(RegistryError) -> LoggedEvent
  {
    try await append([.bodyRegistered(registration)], dryRun: dryRun)[0]
  }

  /// Records a change of a body's accreditation.
  @discardableResult
  public func changeAccreditation(_ change: BodyAccreditationChanged, dryRun: Bool = false)
    async throws(RegistryError) -> LoggedEvent
  {
    try await append([.bodyAccreditationChanged(change)], dryRun: dryRun)[0]
  }

  /// Adds `publicKey` as a key of the body `body`, valid from `validFrom` (now when nil; an
  /// earlier instant when the body already signed with it, never before its accreditation): the
  /// body signs its decisions with the private half, which never enters the registry.
  ///
  /// - Returns: the key's entry; its id is derived from the key (``PublicKey/keyID``).
  @discardableResult
  public func addBodyKey(
    _ publicKey: PublicKey, body: String, validFrom: Instant? = nil, dryRun: Bool = false
  )
    async throws(RegistryError) -> LoggedEvent
  {
    let kid = publicKey.keyID
    let start = validFrom ?? clock.now()
    let added = try Self.refusing { () throws(DomainError) in
      try KeyAdded(
        kid: kid, algorithm: publicKey.algorithm.rawValue, publicKey: publicKey.jwk(kid: kid),
        validFrom: start, validUntil: nil, owner: body)
    }
    return try await append([.keyAdded(added)], dryRun: dryRun)[0]
  }

  /// Every certifying body with its keys, in registration order; with `services`, also the
  /// services whose level in force or suspended each decided (which folds every service: the
  /// trust file and single-body lookups do without).
  public func bodies(services: Bool = false) async throws(RegistryError) -> [CertifyingBody] {
    let now = clock.now()
    return try await read { snapshot in
      var certified: [String: [ServiceState]] = [:]
      for siret in try services ? snapshot.registeredServices() : [] {
        guard
          let state = ServiceState.fold(try snapshot.events(about: .service(siret)), at: now),
          let body = state.decision?.body, state.standing == .active || state.standing == .suspended
        else { continue }
        certified[body, default: []].append(state)
      }
      let keys = try snapshot.addedKeyIDs().compactMap { kid in
        KeyRecord.fold(try snapshot.events(about: .key(kid)))
      }
      return try snapshot.registeredBodies().compactMap { id in
        guard let record = BodyRecord.fold(try snapshot.events(about: .body(id))) else {
          return nil
        }
        var body = CertifyingBody(record: record, keys: keys.filter { $0.owner == id })
        body.services = certified[id] ?? []
        return body
      }
    }
  }

  /// The records of the bodies among `ids` that are registered (a light read: each body's own
  /// events only), by id.
  public func bodyRecords(_ ids: Set<String>) async throws(RegistryError) -> [String: BodyRecord] {
    guard !ids.isEmpty else { return [:] }
    return try await read { snapshot in
      var records: [String: BodyRecord] = [:]
      for id in ids {
        records[id] = BodyRecord.fold(try snapshot.events(about: .body(id)))
      }
      return records
    }
  }

  /// The body `id`.
  ///
  /// - Throws: ``RegistryError/refused(_:)`` when no such body is registered.
  public func body(_ id: String) async throws(RegistryError) -> CertifyingBody {
    guard let body = try await bodies().first(where: { $0.record.id == id }) else {
      throw .refused(.ruleViolated(.unknownBody(id)))
    }
    return body
  }
}

extension TrustedKey {
  /// The key as the trust file publishes `record`.
  ///
  /// - Throws: ``RegistryError/keys(_:)`` when the logged JWK is not a usable key.
  init(_ record: KeyRecord) throws(RegistryError) {
    do {
      self.init(
        kid: record.kid, publicKey: try JWK.publicKey(record.publicKey),
        validFrom: record.validFrom, validUntil: record.validUntil, revokedAt: record.revokedAt,
        revocationIndex: record.revocationIndex)
    } catch {
      throw .keys("key \(record.kid) in the log is not usable: \(error)")
    }
  }
}
