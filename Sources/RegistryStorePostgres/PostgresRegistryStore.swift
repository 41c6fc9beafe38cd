public import AmexistDomain
import Foundation
public import Logging
import NIOCore
import NIOPosix
import PostgresNIO
public import RegistryStore
import Synchronization
public import TransparencyLog

/// The shared registry store: a PostgreSQL database that several `amexist serve` instances use at
/// once, through postgres-nio.
///
/// - Appends are serialised across every instance by a transaction-level advisory lock taken
///   before the append reads anything, so indexes stay gapless and one checkpoint is signed per
///   size; the database's own triggers and primary keys refuse anything else (G1, G4).
/// - Reads run in `REPEATABLE READ READ ONLY` transactions: a whole snapshot, never part of a batch
///   (G3).
/// - At most ``Options/maximumConnections`` connections; a caller that cannot have one within
///   ``Options/maximumWait`` (or finds the queue full) is refused with ``StoreError/busy(_:)`` at
///   once (F10).
/// - A connection lost before `COMMIT` is sent leaves nothing: the append is run again once on a
///   fresh connection. A connection lost during `COMMIT` is resolved by looking, under the same
///   advisory lock, for the checkpoint the batch was about to store: found, the append succeeded;
///   absent, it did not and is run again once (F10).
///
/// The store protocol reads synchronously (GRDB's model), and postgres-nio answers on its event
/// loops; so each operation's closure runs on a thread of the store's own pool, one per
/// connection, where it may wait for query results without holding an event loop or a Swift
/// concurrency thread.
public final class PostgresRegistryStore: RestorableStore {
  /// Limits of the connection pool.
  public struct Options: Sendable {
    /// Connections open at most (and threads that run operations).
    public var maximumConnections = 8
    /// Operations that may wait for a connection; more are refused at once.
    public var queueLimit = 64
    /// How long an operation waits for a connection before it is refused (appends queue behind
    /// the sequencer lock while holding theirs, so a burst of writes needs some patience).
    public var maximumWait: Duration = .seconds(10)
    /// How long an append waits for another instance's append to finish.
    public var lockTimeout: Duration = .seconds(20)
    /// How long an operation waits for the database to answer its connection.
    public var connectTimeout: Duration = .seconds(5)

    /// The defaults: 8 connections, 64 waiting operations, 10 s wait, 20 s lock wait, 5 s to
    /// connect.
    public init() {}
  }

  /// What opening does about the schema.
  public enum SchemaPolicy: Sendable {
    /// Apply pending migrations (`amexist init`, `amexist migrate`, the demo).
    case migrate
    /// Refuse a database whose schema is not exactly this version's.
    case requireCurrent
    /// Check nothing: for `amexist migrate`, which calls ``PostgresRegistryStore/migrate(writer:)``
    /// itself.
    case unchecked
  }

  /// Where the database is.
  public let location: PostgresLocation
  private let client: PostgresClient
  private let clientTask: Task<Void, Never>
  private let threads: NIOThreadPool
  private let permits: ConnectionPermits

  /// The database connections in use and the requests waiting for one.
  public var connectionUsage: ConnectionUsage? { permits.usage }
  private let options: Options
  private let logger: Logger

  private init(location: PostgresLocation, options: Options, logger: Logger) {
    self.location = location
    self.options = options
    self.logger = logger
    var configuration = location.clientConfiguration()
    configuration.options.maximumConnections = options.maximumConnections
    configuration.options.connectTimeout = options.connectTimeout
    configuration.options.additionalStartupParameters = [("application_name", "amexist")]
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    self.client = client
    clientTask = Task { await client.run() }
    threads = NIOThreadPool(numberOfThreads: options.maximumConnections)
    threads.start()
    permits = ConnectionPermits(
      permits: options.maximumConnections, queueLimit: options.queueLimit,
      maximumWait: options.maximumWait)
  }

  /// Connects to the database at `location` and checks (or brings up to date) its schema.
  ///
  /// - Throws: ``StoreError`` when the server cannot be reached, the database has no registry
  ///   (and `schema` is `.requireCurrent`), needs `amexist migrate`, or was written by a newer
  ///   version.
  public static func open(
    _ location: PostgresLocation, options: Options = Options(), schema: SchemaPolicy,
    logger: Logger = Logger(label: "amexist.postgres")
  ) async throws -> PostgresRegistryStore {
    let store = PostgresRegistryStore(location: location, options: options, logger: logger)
    do {
      switch schema {
      case .migrate: _ = try await store.migrate()
      case .requireCurrent: try await store.requireCurrentSchema()
      case .unchecked: break
      }
      return store
    } catch {
      await store.close()
      throw error
    }
  }

  /// Closes every connection and stops the store's threads; the store is unusable afterwards.
  public func close() async {
    clientTask.cancel()
    _ = await clientTask.value
    try? await threads.shutdownGracefully()
  }

  // MARK: Schema

  /// Applies the migrations not yet applied, each in its own transaction, one instance at a time;
  /// grants `writer` (when given) reading and appending, and nothing else.
  ///
  /// - Returns: the identifiers of the migrations this call applied.
  @discardableResult
  public func migrate(writer: String? = nil) async throws -> [String] {
    let location = self.location
    return try await withSession(retrying: false) { session in
      var applied: [String] = []
      try session.transaction {
        try session.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
        try session.execute(
          "CREATE TABLE IF NOT EXISTS amexist_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
      }
      for migration in PostgresSchema.migrations {
        try session.transaction {
          try session.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
          let done = try session.rows(
            "SELECT 1 FROM amexist_migrations WHERE id = \(migration.id)")
          guard done.isEmpty else { return }
          for statement in migration.statements {
            try session.execute(PostgresQuery(unsafeSQL: statement))
          }
          CrashPoint.midMigration.reach()
          try session.execute("INSERT INTO amexist_migrations (id) VALUES (\(migration.id))")
          applied.append(migration.id)
        }
      }
      try Self.checkVersion(try Self.appliedMigrations(session), location: location)
      if let writer {
        try session.transaction {
          for statement in PostgresSchema.writerGrants(to: writer) {
            try session.execute(PostgresQuery(unsafeSQL: statement))
          }
        }
      }
      return applied
    }
  }

  /// The identifiers of the applied migrations, sorted.
  public func appliedMigrations() async throws -> [String] {
    try await withSession(retrying: true) { session in try Self.appliedMigrations(session) }
  }

  private func requireCurrentSchema() async throws {
    let location = self.location
    try await withSession(retrying: true) { session in
      let exists = try session.rows("SELECT to_regclass('amexist_migrations') IS NOT NULL")
      guard try exists.first?.decode(Bool.self) == true else {
        throw StoreError.unavailable(
          "no registry in the PostgreSQL database \(location): run `amexist init` or `amexist migrate` first"
        )
      }
      try Self.checkVersion(try Self.appliedMigrations(session), location: location)
    }
  }

  private static func appliedMigrations(_ session: Session) throws -> [String] {
    try session.rows("SELECT id FROM amexist_migrations ORDER BY id").map {
      try $0.decode(String.self)
    }
  }

  private static func checkVersion(_ applied: [String], location: PostgresLocation) throws {
    let known = PostgresSchema.migrations.map(\.id)
    if applied.contains(where: { !known.contains($0) }) {
      throw StoreError.tooNew(
        "the registry database \(location) was written by a newer version of amexist")
    }
    let pending = known.filter { !applied.contains($0) }
    guard pending.isEmpty else {
      throw StoreError.unavailable(
        "the registry database \(location) needs `amexist migrate` (pending: \(pending.joined(separator: ", ")))"
      )
    }
  }

  // MARK: RegistryStore

  public func read<Result: Sendable>(
    _ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result
  ) async throws -> Result {
    let path = location.description
    return try await withSession(retrying: true) { session in
      try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
        try body(Snapshot(session: session, path: path))
      }
    }
  }

  public func append(
    signer: LogSigner, _ body: @escaping @Sendable (any RegistrySnapshot) throws -> [RecordedEvent]
  ) async throws -> AppendReceipt {
    var lost: InterruptedAppend?
    for pause in Self.pausesBeforeRetry {
      if let lost {
        // Nothing of the batch is stored (a lost connection before COMMIT, or a COMMIT found not
        // to have happened): run it again, on a fresh snapshot.
        logger.warning("append interrupted, run again: \(lost.reason)")
        try await Task.sleep(for: pause)
      }
      do {
        return try await appendOnce(signer: signer, body)
      } catch let failure as InterruptedAppend {
        lost = failure
      }
    }
    throw StoreError.unavailable(
      "the PostgreSQL database \(location) was lost \(Self.pausesBeforeRetry.count) times during a write (\(lost?.reason ?? "")); nothing was written"
    )
  }

  /// The pause before each attempt of an operation whose connection was lost: a server that
  /// restarted or killed backends leaves the pool holding connections it has not yet seen close,
  /// and the next lease can be one of them.
  static let pausesBeforeRetry: [Duration] = [.zero, .milliseconds(50), .milliseconds(250)]

  public func restore(_ log: StoredLog) async throws {
    let path = location.description
    try await withSession(retrying: false) { session in
      try session.transaction {
        try session.execute("SELECT pg_advisory_xact_lock(\(Self.sequencerLock))")
        try log.write(into: Snapshot(session: session, path: path), path: path)
      }
    }
  }

  public func keepCosignatures(_ cosignatures: [KeptCosignature]) async throws {
    guard !cosignatures.isEmpty else { return }
    let path = location.description
    // Idempotent: a retry after a lost connection inserts nothing twice.
    try await withSession(retrying: true) { session in
      try session.transaction {
        let snapshot = Snapshot(session: session, path: path)
        for kept in cosignatures {
          guard try snapshot.checkpoint(size: kept.size) != nil else {
            throw StoreError.unavailable(
              "no checkpoint of size \(kept.size) to keep cosignatures of")
          }
          try session.execute(
            """
            INSERT INTO cosignatures (size, witness_key, line) \
            VALUES (\(kept.size), \(kept.witnessKey), \(kept.line)) ON CONFLICT DO NOTHING
            """)
        }
      }
    }
  }

  /// A write that did not happen and may be run again.
  private struct InterruptedAppend: Error {
    let reason: String
  }

  private func appendOnce(
    signer: LogSigner, _ body: @escaping @Sendable (any RegistrySnapshot) throws -> [RecordedEvent]
  ) async throws -> AppendReceipt {
    let path = location.description
    let lockTimeout = Int(options.lockTimeout.components.seconds * 1000)
    let request = AppliedRequest.current
    enum Outcome: Sendable {
      case done(AppendReceipt)
      case commitLost(AppendReceipt, String)
    }
    let outcome: Outcome = try await withSession(retrying: false) { session in
      let receipt: AppendReceipt
      do {
        try session.send("BEGIN ISOLATION LEVEL READ COMMITTED")
        let locked = try session.rows(
          """
          SELECT entry_count, hash_count, checkpoint_size, checkpoint_note \
          FROM amexist_lock_log(\(Int32(clamping: lockTimeout)), \(Self.sequencerLock))
          """)
        guard let row = locked.first else {
          throw StoreError.corrupt("the registry database \(path) did not report its log's tail")
        }
        let (count, hashCount, size, note) = try row.decode((Int64, Int64, Int64?, String?).self)
        let snapshot = Snapshot(
          session: session, path: path,
          lockedTail: LogTail(
            count: count, storedHashCount: hashCount,
            latestCheckpoint: size.flatMap { size in
              note.map { StoredCheckpoint(size: size, note: $0) }
            }))
        receipt = try LogSequencer.append(
          { try body(snapshot) }, to: snapshot, signer: signer, request: request, path: path)
      } catch {
        session.rollBack()
        if Self.isConnectionLoss(error) {
          throw InterruptedAppend(reason: "\(Self.storeError(error, location: path))")
        }
        throw error
      }
      do {
        try session.execute("COMMIT")
        return .done(receipt)
      } catch {
        guard Self.isConnectionLoss(error), receipt.checkpoint != nil else { throw error }
        return .commitLost(receipt, "\(Self.storeError(error, location: path))")
      }
    }
    switch outcome {
    case .done(let receipt):
      return receipt
    case .commitLost(let receipt, let reason):
      return try await resolveLostCommit(receipt, reason: reason)
    }
  }

  /// Decides whether a batch whose COMMIT got no answer was stored: under the sequencer lock (so
  /// the lost transaction has ended either way), its checkpoint is present with the very note
  /// signed for it, or the batch is not there at all.
  private func resolveLostCommit(_ receipt: AppendReceipt, reason: String) async throws
    -> AppendReceipt
  {
    guard let checkpoint = receipt.checkpoint else { return receipt }
    let path = location.description
    let size = checkpoint.checkpoint.size
    logger.warning("COMMIT unanswered (\(reason)); looking for checkpoint \(size)")
    let stored: String? = try await withSession(retrying: true) { session in
      try session.execute("BEGIN")
      defer { session.rollBack() }
      try session.execute("SELECT pg_advisory_xact_lock(\(Self.sequencerLock))")
      return try Snapshot(session: session, path: path).checkpoint(size: size)?.note
    }
    if stored == checkpoint.note { return receipt }
    throw InterruptedAppend(reason: reason)
  }

  // MARK: Connections

  /// How long an operation waits for a connection to be made before it fails.

  /// The advisory lock key that serialises appends across instances ("amexist seq").
  static let sequencerLock: Int64 = 0x616D_6578_7365_7100
  /// The advisory lock key that serialises migrations across instances.
  static let migrationLock: Int64 = 0x616D_6578_6D69_6700

  /// Runs `work` with a connection of the pool on one of the store's threads; with `retrying`, a
  /// lost connection is replaced and `work` (which must then be a read) runs again, up to three
  /// times in all.
  private func withSession<Result: Sendable>(
    retrying: Bool, _ work: @escaping @Sendable (Session) throws -> Result
  ) async throws -> Result {
    var attempt = 0
    while true {
      do {
        return try await withSessionOnce(work)
      } catch
        where retrying && Self.isConnectionLoss(error)
        && attempt + 1 < Self.pausesBeforeRetry.count
      {
        attempt += 1
        try await Task.sleep(for: Self.pausesBeforeRetry[attempt])
      } catch {
        throw Self.storeError(error, location: location.description)
      }
    }
  }

  private func withSessionOnce<Result: Sendable>(
    _ work: @escaping @Sendable (Session) throws -> Result
  ) async throws -> Result {
    guard await permits.acquire() else {
      throw StoreError.busy(
        "all \(options.maximumConnections) connections to the registry database are in use; try again"
      )
    }
    defer { permits.release() }
    let logger = self.logger
    let threads = self.threads
    let client = self.client
    let location = self.location
    let connectTimeout = options.connectTimeout
    // A server that is down makes the pool retry without end; the caller is answered within the
    // connect time instead. Exactly one of the lease and the timer wins.
    let race = FirstClaim()
    return try await withThrowingTaskGroup(of: Result?.self) { group in
      group.addTask {
        try await client.withConnection { connection in
          guard race.claim() else { return nil }
          return try await threads.runIfActive {
            let session = Session(connection: connection, logger: logger)
            let result = try work(session)
            try session.settle()
            return result
          }
        }
      }
      group.addTask {
        try await Task.sleep(for: connectTimeout)
        if race.claim() {
          throw StoreError.unavailable(
            "cannot connect to the registry database \(location) (no answer within \(connectTimeout))"
          )
        }
        return nil
      }
      while let next = try await group.next() {
        if let result = next {
          group.cancelAll()
          return result
        }
      }
      throw StoreError.unavailable("cannot connect to the registry database \(location)")
    }
  }

  /// Whether `error` means the connection was lost (the server or the backend went away).
  static func isConnectionLoss(_ error: any Error) -> Bool {
    if error is ConnectionLost { return true }
    guard let error = error as? PSQLError else { return false }
    switch error.code {
    case .serverClosedConnection, .uncleanShutdown, .connectionError, .clientClosedConnection:
      return true
    case .server:
      // 57P01 admin_shutdown (pg_terminate_backend, a fast stop), 57P02 crash_shutdown,
      // 57P03 cannot_connect_now (starting up), 08xxx connection exceptions.
      let state = error.serverInfo?[.sqlState] ?? ""
      return ["57P01", "57P02", "57P03"].contains(state) || state.hasPrefix("08")
    default:
      return false
    }
  }

  /// Maps PostgreSQL failures to store errors an operator can act on; never includes values.
  static func storeError(_ error: any Error, location: String) -> any Error {
    if error is ConnectionLost {
      return StoreError.unavailable(
        "the connection to the registry database \(location) was lost; try again")
    }
    guard let error = error as? PSQLError else { return error }
    let state = error.serverInfo?[.sqlState] ?? ""
    let message = error.serverInfo?[.message] ?? ""
    switch error.code {
    case .server:
      switch state {
      case "AX001", "AX002", "AX003", "23505", "23503", "23514":
        return StoreError.corrupt(
          "the registry database \(location) refused the write: \(message.prefix(200))")
      case "55P03", "40001", "40P01", "57014":
        return StoreError.busy("the registry database \(location) is busy; try again")
      case "42501":
        return StoreError.unavailable(
          "the database role may not do this in \(location) (\(message.prefix(120))): check its grants (`amexist migrate --writer ROLE`)"
        )
      case "53100":
        return StoreError.unavailable(
          "the disk of the registry database \(location) is full; nothing was written")
      case _ where state.hasPrefix("28"):
        return StoreError.unavailable(
          "the PostgreSQL server refused the login for \(location): check the user and password")
      case "3D000":
        return StoreError.unavailable("the PostgreSQL database of \(location) does not exist")
      default:
        return StoreError.unavailable(
          "registry database \(location): \(state) \(message.prefix(160))")
      }
    case .serverClosedConnection, .uncleanShutdown, .connectionError, .clientClosedConnection,
      .poolClosed:
      return StoreError.unavailable(
        "the connection to the registry database \(location) was lost; try again")
    default:
      return StoreError.unavailable("registry database \(location): \(error.code)")
    }
  }
}

/// A connection found closed, or silent past the query deadline.
struct ConnectionLost: Error {}

/// Lets exactly one of several racing parties through (a lease and its timer, an answer and its
/// deadline).
final class FirstClaim: Sendable {
  private let claimed = Mutex(false)

  /// True for the first caller only.
  func claim() -> Bool {
    claimed.withLock { claimed in
      defer { claimed = true }
      return !claimed
    }
  }
}

/// One leased connection, used from one of the store's threads, where waiting is allowed.
///
/// Statements whose answer nothing needs at once (a transaction's start, the rows an append
/// inserts) are sent without waiting: postgres-nio answers a connection's queries in the order
/// they were sent, so they are answered before the next statement that waits, which throws the
/// first of their failures. Only that statement's answer is waited for: each wait is a hop from
/// this thread to the connection's event loop and back.
struct Session: Sendable {
  let connection: PostgresConnection
  let logger: Logger
  private let sent = SentQueries()
  /// Rows an append inserts, held back to travel inside the statement that reads them back (see
  /// ``Snapshot``); any other statement sends them first, in the order they were inserted.
  let held = HeldInserts()

  /// A session over `connection`.
  init(connection: PostgresConnection, logger: Logger) {
    self.connection = connection
    self.logger = logger
  }

  /// Statements sent at most before one waits for their answers, so that a large write (a
  /// restore) never holds more than these in memory.
  static let unansweredLimit = 256

  /// Sends `query` without waiting for its answer; the next ``rows(_:)``, ``execute(_:)`` or
  /// ``settle()`` throws its failure, if any (this one, when it must first wait for earlier
  /// statements to be answered).
  func send(_ query: PostgresQuery) throws {
    try releaseHeld()
    if sent.count >= Self.unansweredLimit { try settle() }
    guard !connection.isClosed else {
      sent.failed(ConnectionLost())
      return
    }
    let answer = connection.query(query, logger: logger)
    let sent = self.sent
    answer.whenFailure { sent.failed($0) }
    sent.add(answer)
  }

  /// Waits for the answers of every statement sent and not yet waited for; throws the first
  /// failure among them.
  func settle() throws {
    try releaseHeld()
    var lost: (any Error)?
    if let last = sent.latest {
      do { _ = try answer(of: last) } catch { lost = error }
    }
    if let failure = sent.take().firstFailure ?? lost { throw failure }
  }

  /// The longest a query may go unanswered (appends wait at most the lock timeout for the
  /// sequencer lock). A query sent on a connection the server closed while it was idle can go
  /// unanswered for ever; past this the connection is closed and the operation fails.
  static let queryDeadline: TimeAmount = .seconds(60)

  /// The rows of `query`.
  func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
    try releaseHeld()
    let result: Result<PostgresQueryResult, any Error>
    if connection.isClosed {
      result = .failure(ConnectionLost())
    } else {
      let future = connection.query(query, logger: logger)
      result = Result { try answer(of: future) }
    }
    // Answered before this one: a failure among them is the cause of any failure of this one
    // (a transaction aborted by an earlier statement refuses every later one).
    if let failure = sent.take().firstFailure { throw failure }
    return try result.get().rows
  }

  /// Waits for `future`, the answer to the last statement sent, at most the query deadline.
  private func answer(of future: EventLoopFuture<PostgresQueryResult>) throws
    -> PostgresQueryResult
  {
    let loop = future.eventLoop
    let bounded = loop.makePromise(of: PostgresQueryResult.self)
    let settled = FirstClaim()
    let timer = loop.scheduleTask(in: Self.queryDeadline) {
      guard settled.claim() else { return }
      bounded.fail(ConnectionLost())
    }
    future.whenComplete { result in
      timer.cancel()
      guard settled.claim() else { return }
      bounded.completeWith(result)
    }
    do {
      return try bounded.futureResult.wait()
    } catch let error as ConnectionLost {
      let closing: EventLoopFuture<Void> = connection.close()
      _ = closing
      throw error
    }
  }

  /// Runs `query`, ignoring rows.
  func execute(_ query: PostgresQuery) throws {
    _ = try rows(query)
  }

  /// Runs `body` in a transaction, committed when it returns and rolled back when it throws.
  func transaction<Result>(_ begin: PostgresQuery = "BEGIN", _ body: () throws -> Result) throws
    -> Result
  {
    try send(begin)
    do {
      let result = try body()
      try execute("COMMIT")
      return result
    } catch {
      rollBack()
      throw error
    }
  }

  /// Ends the transaction without storing anything, held rows included; a failure is ignored
  /// (the transaction then ended with the connection).
  func rollBack() {
    _ = held.take()
    try? execute("ROLLBACK")
  }
}

/// What a session sent and has not yet waited for: the last statement's answer, how many are
/// outstanding, and the first failure among them (recorded on the event loop as answers arrive,
/// so that checking it needs no hop).
private final class SentQueries: Sendable {
  private struct State {
    var last: EventLoopFuture<PostgresQueryResult>?
    var count = 0
    var firstFailure: (any Error)?
  }
  private let state = Mutex(State())

  /// Statements sent since the last ``take()``.
  var count: Int { state.withLock { $0.count } }

  /// The answer of the latest statement sent since the last ``take()``.
  var latest: EventLoopFuture<PostgresQueryResult>? { state.withLock { $0.last } }

  /// Records `answer` as the latest statement sent.
  func add(_ answer: EventLoopFuture<PostgresQueryResult>) {
    state.withLock { state in
      state.last = answer
      state.count += 1
    }
  }

  /// Records a statement's failure, kept if it is the first.
  func failed(_ error: any Error) {
    state.withLock { state in
      if state.firstFailure == nil { state.firstFailure = error }
    }
  }

  /// The latest statement's answer and the first failure, forgetting both.
  func take() -> (last: EventLoopFuture<PostgresQueryResult>?, firstFailure: (any Error)?) {
    state.withLock { state in
      defer { state = State() }
      return (state.last, state.firstFailure)
    }
  }
}
