public import AmexistDomain
public import Attestation
import RegistryStore
import Synchronization
import TransparencyLog

/// The status release a server hands out: the newest one it published (nil before the first).
public final class CurrentStatus: Sendable {
  let state = Mutex<StatusRelease?>(nil)

  /// None yet.
  public init() {}

  /// The release served now.
  public var release: StatusRelease? { state.withLock { $0 } }

  /// Serves `release` from now on.
  public func publish(_ release: StatusRelease) { state.withLock { $0 = release } }
}

/// The per-service results of the last status board this process computed (shared by the
/// service's copies), so that a renewal after a write folds only what the write touched.
public final class StatusBoardCache: Sendable {
  /// One service's part of the board.
  struct ServiceStanding: Sendable {
    var exceptions: [StatusException] = []
    var overdue: OverdueReserves?
    var indexed: [(index: Int64, status: AttestationStatus)] = []
  }

  /// The board as of a log size and a Paris day.
  struct State: Sendable {
    var size: Int64
    var day: CalendarDate
    var services: [SIRET: ServiceStanding]
  }

  let state = Mutex<State?>(nil)

  /// Empty: the first board folds every service.
  public init() {}

  /// Forgets every result: the next board folds every service, as on a new day.
  public func forget() { state.withLock { $0 = nil } }
}

/// Every attestation's standing at one tree size, read from a complete verified read: what
/// the status snapshot lists and the status lists' bits say.
public struct StatusBoard: Sendable {
  /// The tree size read.
  public let size: Int64
  /// The instant the statuses were computed at.
  public let asOf: Instant
  /// The attestations that are neither valid nor expired, with since when and why.
  public let exceptions: [StatusException]
  /// The services with overdue réserves.
  public let reservesOverdue: [OverdueReserves]
  /// The status index and status of every attestation that has one.
  public let indexed: [(index: Int64, status: AttestationStatus)]

  /// How many status lists exist: two (revocation, suspension) per block of the capacity.
  public var listCount: Int64 {
    StatusListLayout.capacity(taken: indexed.count) / StatusListLayout.entries * 2
  }

  /// The positions set in list `number`: withdrawn, superseded and revoked attestations in
  /// revocation lists, suspended ones in suspension lists.
  public func setPositions(ofList number: Int64) -> [Int64] {
    let first = StatusListLayout.firstIndex(ofList: number)
    let purpose = StatusListLayout.purpose(ofList: number)
    return indexed.compactMap { entry in
      guard entry.index >= first, entry.index < first + StatusListLayout.entries,
        Self.purpose(of: entry.status) == purpose
      else { return nil }
      return entry.index - first
    }
  }

  /// The list whose bit a status sets; nil for valid and expired.
  static func purpose(of status: AttestationStatus) -> StatusPurpose? {
    switch status {
    case .valid, .expired: nil
    case .suspended: .suspension
    case .withdrawn, .superseded, .revoked: .revocation
    }
  }
}

/// What the registry hands out for its status at one tree size: the snapshot and its lists.
public struct StatusRelease: Sendable {
  /// The snapshot's compact JWS.
  public let snapshot: String
  /// Its SHA-256 (lower-case hex), which the log holds.
  public let sha256: String
  /// Its `statusPublished` entry.
  public let logged: LoggedEvent?
  /// The status list credentials, by number.
  public let lists: [Int64: String]
  /// The tree size it reflects.
  public let size: Int64
  /// When it was issued.
  public let issued: Instant
}

extension RegistryService {
  /// Creates a status key (Ed25519): its private file in `folder`, its `keyAdded` event, then
  /// the trust file for `issuer`, which lists it under `statusKeys`.
  ///
  /// - Returns: the new key's id.
  @discardableResult
  public func createStatusKey(folder: KeyFolder, issuer: String, issuerName: String? = nil)
    async throws(RegistryError) -> String
  {
    let key = SigningKey(generating: .edDSA)
    let kid = key.publicKey.keyID
    try folder.writePrivateKey(key, kid: kid)
    let now = clock.now()
    let event = try Self.refusing { () throws(DomainError) in
      try KeyAdded(
        kid: kid, algorithm: key.algorithm.rawValue, publicKey: key.publicKey.jwk(kid: kid),
        validFrom: now, validUntil: nil, purpose: .status)
    }
    try await append([.keyAdded(event)])
    try await publishTrust(folder: folder, issuer: issuer, issuerName: issuerName)
    return kid
  }

  /// The status key to sign with now: the newest status key of the log that may sign and
  /// whose private file is in `folder`, as the trust file lists it. With `creating`, a
  /// registry that has none gets one (logged, and published in the trust file).
  public func statusSigner(from folder: KeyFolder, creating: Bool = true)
    async throws(RegistryError) -> (key: SigningKey, kid: String)
  {
    let now = clock.now()
    var record = try await statusKeyRecords().last {
      $0.maySign(at: now) && folder.hasPrivateKey($0.kid)
    }
    if record == nil, creating {
      let trust = try folder.loadTrust()
      let kid = try await createStatusKey(
        folder: folder, issuer: trust.issuer, issuerName: trust.issuerName)
      record = try await statusKeyRecords().first { $0.kid == kid }
    }
    guard let record else {
      throw .keys(
        "no status key may sign here: `amexist status export` on the registry host makes one")
    }
    let trust = try folder.loadTrust()
    guard let trusted = trust.statusKey(record.kid),
      (try? JWK.publicKey(record.publicKey)) == trusted.publicKey
    else {
      throw .keys("\(folder.trustPath) does not list the status key \(record.kid)")
    }
    return (try folder.loadPrivateKey(record.kid, expected: trusted.publicKey), record.kid)
  }

  /// Every attestation's status at the log's current size, now, from a complete verified read.
  ///
  /// A service's state changes only with its own events and at Paris day boundaries (decision
  /// dates, validity and réserves deadlines are days), so after the first read only the services
  /// that new entries touch are folded again, the same day; a new day, or a key event (a
  /// revocation reaches any service), folds them all.
  public func statusBoard() async throws(RegistryError) -> StatusBoard {
    let now = clock.now()
    let cache = statusBoards
    let (board, foldedAll) = try await read { snapshot in
      let size = try snapshot.count()
      let day = CalendarDate(parisDayOf: now)
      var state = cache.state.withLock { $0 }
      var touched: Set<SIRET>?
      if let known = state, known.day == day, known.size <= size {
        var changed: Set<SIRET> = []
        var keysChanged = false
        try snapshot.forEachEvent(from: known.size) { logged in
          switch logged.event.subject {
          case .service(let siret): changed.insert(siret)
          case .key: keysChanged = true
          case .registry, .status, .body: break
          }
        }
        if !keysChanged { touched = changed }
      }
      if touched == nil { state = StatusBoardCache.State(size: size, day: day, services: [:]) }
      guard var board = state else { throw RegistryError.log("no status board") }
      let keys = try snapshot.addedKeyIDs().compactMap { kid in
        KeyRecord.fold(try snapshot.events(about: .key(kid)))
      }.filter { $0.owner == nil && $0.purpose == .attestations }
      if let touched {
        for siret in touched {
          board.services[siret] = try Self.standing(
            of: ServiceState.fold(
              try snapshot.events(about: .service(siret)), at: now, keepingHistory: false),
            at: now, keys: keys, snapshot: snapshot)
        }
      } else {
        for (siret, state) in try Self.foldedServices(snapshot, at: now, keepingHistory: false) {
          board.services[siret] = try Self.standing(
            of: state, at: now, keys: keys, snapshot: snapshot)
        }
      }
      board.size = size
      let kept = board
      cache.state.withLock { $0 = kept }
      var exceptions: [StatusException] = []
      var overdue: [OverdueReserves] = []
      var indexed: [(index: Int64, status: AttestationStatus)] = []
      for standing in board.services.values {
        exceptions += standing.exceptions
        if let reserves = standing.overdue { overdue.append(reserves) }
        indexed += standing.indexed
      }
      let made = StatusBoard(
        size: size, asOf: now, exceptions: exceptions, reservesOverdue: overdue,
        indexed: indexed.sorted { $0.index < $1.index })
      return (made, foldedAll: touched == nil)
    }
    // Every service was folded: see ``currentServices()``.
    if foldedAll { HeapTrim.releaseFreeMemory() }
    return board
  }

  /// What the status says of one service's attestations, from its `state` at `now` (nil for a
  /// service not registered at `now`).
  static func standing(
    of state: ServiceState?, at now: Instant, keys: [KeyRecord], snapshot: any RegistrySnapshot
  ) throws -> StatusBoardCache.ServiceStanding {
    var standing = StatusBoardCache.ServiceStanding()
    guard let state else { return standing }
    if state.reservesOverdue, let reserves = state.reserves {
      standing.overdue = OverdueReserves(siret: state.siret, deadline: reserves.deadline)
    }
    for record in state.attestations {
      let key = try Self.signingKey(of: record, keys: keys, snapshot: snapshot)
      let status = AttestationStatus.of(record, in: state, signingKey: key)
      if let index = record.statusIndex { standing.indexed.append((index, status)) }
      guard let (since, reason) = Self.cause(of: status, state: state, key: key) else { continue }
      standing.exceptions.append(
        StatusException(
          id: record.id, index: record.index, status: status, since: since, reason: reason))
    }
    return standing
  }

  /// The issuer key that signed `record`: the one key whose window covers its issuance when
  /// the revocations agree on it, else the key its kept document verifies with.
  static func signingKey(
    of record: AttestationRecord, keys: [KeyRecord], snapshot: any RegistrySnapshot
  ) throws -> KeyRecord? {
    let candidates = keys.filter { key in
      record.recordedAt >= key.validFrom && (key.validUntil.map { record.recordedAt < $0 } ?? true)
    }
    func revokes(_ key: KeyRecord) -> Bool {
      guard let revokedAt = key.revokedAt else { return false }
      return KeyRevocation.revokes(
        revokedAt: revokedAt, revocationIndex: key.revocationIndex,
        validFrom: record.recordedAt, logIndex: record.index)
    }
    // Only which key signed decides a revocation: when no candidate's revocation reaches the
    // attestation, none is needed.
    guard candidates.contains(where: revokes) else { return candidates.first }
    guard let token = try snapshot.attestation(id: record.id)?.signedDocument,
      let verified = try? CompactJWS.verify(
        Array(token.utf8),
        key: { kid in
          candidates.first { $0.kid == kid }.flatMap { try? JWK.publicKey($0.publicKey) }
        }, expectedType: AttestationClaims.jwsType)
    else {
      // A document no candidate verifies is counted as revoked: never "valid" by default.
      return candidates.first(where: revokes)
    }
    return candidates.first { $0.kid == verified.header.kid }
  }

  /// Since when and why an attestation has `status`; nil for valid and expired ones.
  static func cause(of status: AttestationStatus, state: ServiceState, key: KeyRecord?)
    -> (since: String, reason: String?)?
  {
    switch status {
    case .valid, .expired: return nil
    case .revoked:
      return (key?.revokedAt?.description ?? state.asOf.description, key?.revocationReason)
    case .withdrawn:
      return (
        state.withdrawal?.decided.description ?? state.asOf.description, state.withdrawal?.reason
      )
    case .suspended:
      return (
        state.suspension?.decided.description ?? state.asOf.description, state.suspension?.reason
      )
    case .superseded:
      if let successor = state.successor {
        return (successor.decided.description, "activité reprise par \(successor.siret)")
      }
      return (
        (state.decision?.decided ?? state.lastDecisionDate).map(\.description)
          ?? state.asOf.description,
        nil
      )
    }
  }

  /// Builds the status snapshot and lists of the log as it is now, signs them with the status
  /// key `signer` for `issuer`, and logs the snapshot's SHA-256 (`statusPublished`). The
  /// snapshot names the checkpoint of the size it reflects with the cosignatures kept for it
  /// under `policy`.
  public func publishStatus(
    signer: (key: SigningKey, kid: String), issuer: String, policy: WitnessPolicy,
    realNow: Instant
  ) async throws(RegistryError) -> StatusRelease {
    let board = try await statusBoard()
    let checkpoint = try await cosignedCheckpoint(
      size: board.size, policy: policy, realNow: realNow)
    let issued = clock.now()
    let snapshot = StatusSnapshot(
      issuer: issuer, checkpoint: checkpoint.note, issued: issued,
      attestations: board.exceptions, reservesOverdue: board.reservesOverdue)
    let token: String
    var lists: [Int64: String] = [:]
    do {
      token = try snapshot.signed(with: signer.key, kid: signer.kid)
      for number in 0..<board.listCount {
        lists[number] = try StatusListCredential(
          issuer: issuer, number: number, set: board.setPositions(ofList: number),
          validFrom: issued, validUntil: snapshot.nextUpdate
        ).signed(with: signer.key, kid: signer.kid)
      }
    } catch {
      throw .keys("the status key cannot sign: \(error)")
    }
    let sha256 = PayloadHash.hex(of: Array(token.utf8))
    let event = try Self.refusing { () throws(DomainError) in
      try StatusPublished(sha256: sha256, size: board.size, issued: issued)
    }
    let logged = try await append([.statusPublished(event)]).first
    return StatusRelease(
      snapshot: token, sha256: sha256, logged: logged, lists: lists, size: board.size,
      issued: issued)
  }

  /// The `statusPublished` entry that logged the snapshot whose SHA-256 is `sha256`, if any.
  public func statusPublication(sha256: String) async throws(RegistryError) -> LoggedEvent? {
    try await read { snapshot in
      try snapshot.events(about: .status).last { logged in
        if case .statusPublished(let published) = logged.event {
          published.sha256 == sha256
        } else {
          false
        }
      }
    }
  }
}
