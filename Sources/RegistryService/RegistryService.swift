public import AmexistDomain
import Foundation
public import RegistryStore
public import TransparencyLog

/// A source of the current instant, injected so that tests can fix time.
public protocol RegistryClock: Sendable {
  /// The current instant.
  func now() -> Instant
}

/// The machine's clock.
public struct SystemClock: RegistryClock {
  /// The system clock.
  public init() {}
  public func now() -> Instant { Instant(Date()) }
}

/// The registry's application service: checks every event against the rules and appends it.
///
/// Every write goes through ``append(_:)``: the rules are checked inside the store's write
/// transaction, against everything appended before, so concurrent writers (tasks or processes)
/// cannot break a rule between the check and the write.
public struct RegistryService: Sendable {
  /// The store events are appended to.
  public let store: any RegistryStore
  /// The clock that stamps recorded events.
  public let clock: any RegistryClock
  /// The log's signer; without it the service only reads.
  public let logSigner: LogSigner?
  /// The log's public key: the signer's, or the one given to a service that only reads.
  public let logVerifier: NoteVerifier?
  /// Where the newest signed checkpoint is kept outside the database, if anywhere.
  public let publishedCheckpoint: CheckpointFile?
  /// What the service's reads have verified of the log so far (shared by its copies).
  public let verifiedLog: VerifiedLogCache
  /// What the registry's witnesses last answered (shared by the service's copies).
  public let witnessing: WitnessingState
  /// The status snapshot and lists this process hands out (shared by the service's copies).
  public let currentStatus: CurrentStatus
  /// The status board's per-service results (shared by the service's copies).
  public let statusBoards: StatusBoardCache
  /// Every service's state as last folded (shared by the service's copies).
  public let serviceStates: ServiceStatesCache

  /// A service over `store`, stamping events with `clock`, sealing every write with a
  /// checkpoint signed by `logSigner` and recording it in `publishedCheckpoint`.
  ///
  /// Before each write the store must agree with `publishedCheckpoint`: a database older than,
  /// or forked from, the newest checkpoint the log signed is refused for writing (D3).
  /// `verifiedLogFile`, when given, keeps what the reads verified between processes.
  public init(
    store: any RegistryStore, logSigner: LogSigner? = nil, logVerifier: NoteVerifier? = nil,
    publishedCheckpoint: CheckpointFile? = nil, verifiedLogFile: VerifiedLogFile? = nil,
    clock: any RegistryClock = SystemClock()
  ) {
    self.store = store
    self.logSigner = logSigner
    self.logVerifier = logSigner?.verifier ?? logVerifier
    self.publishedCheckpoint = publishedCheckpoint
    self.clock = clock
    self.verifiedLog = VerifiedLogCache(file: verifiedLogFile)
    self.witnessing = WitnessingState()
    self.currentStatus = CurrentStatus()
    self.statusBoards = StatusBoardCache()
    self.serviceStates = ServiceStatesCache()
  }

  /// Today's date in Paris, by the service's clock.
  public func today() -> CalendarDate { CalendarDate(parisDayOf: clock.now()) }

  /// Appends `events` as one batch after checking each against the rules (later events of the
  /// batch see the earlier ones). Nothing is written if any event is refused.
  ///
  /// - Throws: ``RegistryError/refused(_:)`` naming the broken rule,
  ///   ``RegistryError/invalidArgument(_:)`` for an event a body signed (those are recorded
  ///   from their token by ``recordSignedDecision(_:dryRun:)``), or ``RegistryError/storage(_:)``.
  ///
  /// With `dryRun`, every check is made and the entries that would be appended are returned;
  /// nothing is written or signed.
  @discardableResult
  public func append(_ events: [Event], dryRun: Bool = false) async throws(RegistryError)
    -> [LoggedEvent]
  {
    // A body's decision enters the log only from its token, verified against the log.
    if let signed = events.first(where: { $0.signedBy != nil }) {
      throw .invalidArgument(
        "\(signed.kind) signed by \(signed.signedBy?.body ?? "a body"): a body's decision is recorded from its signed file (`amexist decision record FILE`), not as an event"
      )
    }
    return try await appendChecked(events.map { ($0, nil) }, dryRun: dryRun)
  }

  /// Registers a new service.
  @discardableResult
  public func register(_ siret: SIRET, profile: ServiceProfile) async throws(RegistryError)
    -> LoggedEvent
  {
    try await append([.serviceRegistered(ServiceRegistered(siret: siret, profile: profile))])[0]
  }

  /// Replaces a registered service's profile.
  @discardableResult
  public func update(_ siret: SIRET, profile: ServiceProfile) async throws(RegistryError)
    -> LoggedEvent
  {
    try await append([.serviceUpdated(ServiceUpdated(siret: siret, profile: profile))])[0]
  }

  /// Records one decision (grant, renewal, suspension, reinstatement or withdrawal); with
  /// `dryRun`, checks it and returns the entry it would be, writing nothing.
  @discardableResult
  public func decide(_ decision: Event, dryRun: Bool = false) async throws(RegistryError)
    -> LoggedEvent
  {
    try await append([decision], dryRun: dryRun)[0]
  }

  /// The state of the service with `siret` at `instant` (now by default).
  ///
  /// - Throws: ``RegistryError/notFound(_:)`` when no such service is registered.
  public func state(of siret: SIRET, at instant: Instant? = nil) async throws(RegistryError)
    -> ServiceState
  {
    let moment = instant ?? clock.now()
    let events = try await read { snapshot in try snapshot.events(about: .service(siret)) }
    guard let state = ServiceState.fold(events, at: moment) else { throw .notFound(siret) }
    return state
  }

  /// The state of every registered service at `instant` (now by default), in registration order.
  public func allServices(at instant: Instant? = nil) async throws(RegistryError) -> [ServiceState]
  {
    let moment = instant ?? clock.now()
    return try await read { snapshot in try Self.foldEveryService(snapshot, at: moment) }
  }

  /// The number of events in the registry.
  public func eventCount() async throws(RegistryError) -> Int64 {
    try await read { snapshot in try snapshot.count() }
  }

  /// Reads from a consistent snapshot whose every entry was verified (DESIGN, "Reads that prove
  /// themselves"): the snapshot's entries have the root of its latest checkpoint, signed by the
  /// log key; the database is not older than the checkpoint kept outside it; lookups are taken
  /// from the verified entries, never from lookup columns, and every entry read is checked
  /// against its verified leaf hash. Use it for whatever is signed or shown.
  ///
  /// - Throws: ``RegistryError/integrity(_:)`` when the database does not match its log;
  ///   ``RegistryError/keys(_:)`` without the log's key; store failures.
  public func read<Result: Sendable>(
    _ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result
  )
    async throws(RegistryError) -> Result
  {
    try await verifiedRead(body)
  }

  /// ``read(_:)`` with the verified snapshot itself, for the lookups only the verified log has.
  func verifiedRead<Result: Sendable>(
    _ body: @escaping @Sendable (VerifiedSnapshot) throws -> Result
  )
    async throws(RegistryError) -> Result
  {
    guard let log = logVerifier else {
      throw .keys(
        "the log key is not known, so nothing read can be verified: give the registry's published trust file (--keys DIR holding trust.json)"
      )
    }
    try checkNoRollback()
    let cache = verifiedLog
    let published = publishedCheckpoint
    var attempt = 0
    while true {
      do {
        return try await store.read { snapshot in
          try body(
            try VerifiedSnapshot.make(
              snapshot, cache: cache, log: log,
              published: { () throws(RegistryError) in try published?.read(log: log) }))
        }
      } catch let older as VerifiedSnapshot.OlderThanVerified {
        // A snapshot taken just before a write committed is older than what that write
        // published; a fresh one is not. A database that stays older was rolled back.
        attempt += 1
        if attempt < 3 { continue }
        throw .integrity(
          "it holds \(older.size) entries but the log already verified or published \(older.verified) (rolled back, or an older backup restored)"
        )
      } catch {
        throw RegistryError(error)
      }
    }
  }

  /// Reads the store as it is, nothing verified: for the audit, copies and the log's own
  /// proofs (which whoever receives them verifies). Never sign or show what it returns.
  public func uncheckedRead<Result: Sendable>(
    _ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result
  )
    async throws(RegistryError) -> Result
  {
    do {
      return try await store.read(body)
    } catch {
      throw RegistryError(error)
    }
  }

  /// The instant to record the next event at: the clock's, or the last event's if the clock
  /// went back, so that recorded instants never decrease along the log.
  static func recordingInstant(_ snapshot: any RegistrySnapshot, clock: any RegistryClock) throws
    -> Instant
  {
    let count = try snapshot.count()
    let last = try count > 0 ? snapshot.event(at: count - 1)?.recordedAt : nil
    return max(clock.now(), last ?? Instant(millisecondsSinceEpoch: .min))
  }

  /// Appends the events `body` returns and seals them with a checkpoint; every write of the
  /// service goes through here.
  ///
  /// The store is first checked against the published checkpoint, inside the write
  /// transaction; once committed, the new checkpoint is published. A failure to publish is not
  /// an error of the write (it is committed): the file stays behind, which is safe, and the
  /// next write publishes again.
  func sealedAppend(
    _ body: @escaping @Sendable (VerifiedSnapshot) throws -> [RecordedEvent]
  ) async throws(RegistryError) -> AppendReceipt {
    guard let logSigner else {
      throw .keys("the log key is not loaded, so nothing can be written")
    }
    try checkNoRollback()
    let published = try publishedCheckpoint?.read(log: logSigner.verifier)
    let cache = verifiedLog
    let receipt: AppendReceipt
    do {
      receipt = try await store.append(signer: logSigner) { snapshot in
        if let published { try CheckpointFile.check(snapshot, against: published) }
        // The rules and the issuer's claims see only verified entries: nothing the log does
        // not prove is signed.
        return try body(
          try VerifiedSnapshot.make(
            snapshot, cache: cache, log: logSigner.verifier, published: { published }))
      }
    } catch let older as VerifiedSnapshot.OlderThanVerified {
      throw .integrity(
        "it holds \(older.size) entries but the log already verified or published \(older.verified) (rolled back, or an older backup restored)"
      )
    } catch {
      throw RegistryError(error)
    }
    CrashPoint.afterCommit.reach()
    if let checkpoint = receipt.checkpoint {
      try? publishedCheckpoint?.publish(checkpoint, log: logSigner.verifier)
    }
    return receipt
  }

  /// Appends events, each with an optional source line for error messages; with `dryRun`,
  /// makes every check on a verified snapshot and returns the entries that would be appended,
  /// writing and signing nothing.
  func appendChecked(_ events: [(Event, Int?)], dryRun: Bool = false) async throws(RegistryError)
    -> [LoggedEvent]
  {
    let clock = self.clock
    if dryRun {
      return try await read { snapshot in
        let first = try snapshot.count()
        return try Self.checkedBatch(events, snapshot: snapshot, clock: clock).enumerated().map {
          LoggedEvent(index: first + Int64($0.offset), recorded: $0.element)
        }
      }
    }
    return try await sealedAppend { snapshot in
      try Self.checkedBatch(events, snapshot: snapshot, clock: clock)
    }.events
  }

  /// The scheme the registry of `snapshot` applies: the one its entry 0 names, or
  /// ``SchemeName/amexist`` for a registry made before schemes were logged.
  static func scheme(of snapshot: any RegistrySnapshot) throws -> SchemeName {
    guard try snapshot.count() > 0 else { return .amexist }
    return try snapshot.event(at: 0)?.event.configuredScheme ?? .amexist
  }

  /// The scheme this registry applies (see ``scheme(of:)``).
  public func scheme() async throws(RegistryError) -> SchemeName {
    try await read { snapshot in try Self.scheme(of: snapshot) }
  }

  /// Names the scheme of a new, empty registry as its entry 0; a registry that already names
  /// its scheme, or that holds entries, is refused (a registry never changes scheme).
  @discardableResult
  public func configure(scheme: SchemeName) async throws(RegistryError) -> LoggedEvent {
    try await append([.registryConfigured(RegistryConfigured(scheme: scheme))])[0]
  }

  /// The events as they would be recorded after `snapshot`, each checked against the rules
  /// and the events before it (later events of the batch see the earlier ones).
  static func checkedBatch(
    _ events: [(Event, Int?)], snapshot: any RegistrySnapshot, clock: any RegistryClock
  ) throws -> [RecordedEvent] {
    let count = try snapshot.count()
    let now = try Self.recordingInstant(snapshot, clock: clock)
    let scheme = try Self.scheme(of: snapshot).rules
    var pending: [EventSubject: [LoggedEvent]] = [:]
    var recorded: [RecordedEvent] = []
    for (offset, (event, line)) in events.enumerated() {
      let subject = event.subject
      for needed in [subject] + event.relatedSubjects where pending[needed] == nil {
        pending[needed] = try snapshot.events(about: needed)
      }
      let related = Dictionary(
        event.relatedSubjects.map { ($0, pending[$0]!) }, uniquingKeysWith: { first, _ in first })
      do throws(DomainError) {
        try AppendRules.check(
          event, recordedAt: now, history: pending[subject]!, related: related, scheme: scheme)
        let index = count + Int64(offset)
        if event.configuredScheme != nil, index != 0 {
          throw .ruleViolated(.configurationNotFirst(index: index))
        }
      } catch {
        if let line {
          throw RegistryError.importRejected(line: line, reason: error.description)
        }
        throw RegistryError.refused(error)
      }
      let entry = RecordedEvent(recordedAt: now, event: event)
      pending[subject]!.append(LoggedEvent(index: count + Int64(offset), recorded: entry))
      recorded.append(entry)
    }
    // A succession's predecessor entry is written only with the successor's right after it
    // (whose rules check that it follows its predecessor's).
    for (offset, (event, line)) in events.enumerated() {
      guard case .serviceSucceeded(let succession) = event,
        case .predecessor(let successor) = succession.side
      else { continue }
      let next = events.indices.contains(offset + 1) ? events[offset + 1].0 : nil
      guard case .serviceSucceeded(let following) = next, following.siret == successor,
        case .successor(let predecessor, _) = following.side, predecessor == succession.siret
      else {
        let error = DomainError.ruleViolated(.successionUnpaired(succession.siret))
        if let line { throw RegistryError.importRejected(line: line, reason: error.description) }
        throw RegistryError.refused(error)
      }
    }
    return recorded
  }
}

/// Everything the registry service can refuse or fail at, each with a one-line message.
public enum RegistryError: Error, Hashable, Sendable, CustomStringConvertible {
  /// Input or an event was refused by the domain's rules.
  case refused(DomainError)
  /// No service with this SIRET is registered.
  case notFound(SIRET)
  /// No attestation with this id was issued.
  case attestationNotFound(String)
  /// A row of an import file was refused; nothing of the file was written.
  case importRejected(line: Int, reason: String)
  /// The store failed.
  case storage(StoreError)
  /// An issuer key or the trust file cannot be used.
  case keys(String)
  /// The log refuses the operation: the database disagrees with a checkpoint the log signed,
  /// or a proof was asked for outside the log.
  case log(String)
  /// A value given to the operation is outside what it accepts (a usage error).
  case invalidArgument(String)
  /// The database does not hold what the log proves (an entry, a lookup column, a derived
  /// table or checkpoint edited, moved or deleted, or the database older than a checkpoint the
  /// log published): nothing was read, signed or written. The message names the index.
  case integrity(String)
  /// A keyed request was applied before, or its key was used for another request; nothing
  /// was written this time.
  case replayed(RequestReplay)
  /// A body's signed decision names a key or body the registry does not trust for it (unknown,
  /// revoked, retired, not accredited on the day).
  case untrusted(String)
  /// A body's signed decision is not one the registry records (signature, members, audience,
  /// scheme, dates, replay).
  case invalidDecision(String)
  /// The attestation is logged, but no checkpoint holding it carries the witness quorum yet
  /// (CLI exit 75: try again later with `amexist bundle ID`).
  case notWitnessed(attestation: String, reason: String)

  /// Wraps any error thrown through the store.
  init(_ error: any Error) {
    switch error {
    case let error as RegistryError: self = error
    case let error as DomainError: self = .refused(error)
    case let error as StoreError: self = .storage(error)
    case let replay as RequestReplay: self = .replayed(replay)
    default: self = .storage(.unavailable("registry store: \(error)"))
    }
  }

  public var description: String {
    switch self {
    case .refused(let error): return error.description
    case .notFound(let siret): return "no service with SIRET \(siret) is registered"
    case .attestationNotFound(let id): return "no attestation \(id) was issued"
    case .importRejected(let line, let reason):
      return "line \(line): \(reason); nothing was imported"
    case .storage(let error): return error.description
    case .keys(let message), .log(let message), .invalidArgument(let message),
      .untrusted(let message), .invalidDecision(let message):
      return message
    case .integrity(let message):
      return
        "the registry database does not match its log: \(message); nothing was read or signed (run `amexist log audit`)"
    case .replayed(let replay): return replay.description
    case .notWitnessed(let attestation, let reason):
      return
        "the attestation \(attestation) is logged, but not yet witnessed: \(reason); run `amexist bundle \(attestation)` later"
    }
  }
}
