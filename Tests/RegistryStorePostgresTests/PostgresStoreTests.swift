import AmexistDomain
import Foundation
import RegistryStore
import RegistryStorePostgres
import RegistryStoreSQLite
import RegistryTesting
import Synchronization
import Testing
import TransparencyLog

/// The PostgreSQL store against a real PostgreSQL server started by the tests (see
/// ``PostgresTestServer``): the same conformance suite as SQLite, then what only a shared server
/// has: roles, migrations, several instances, lost connections and a crashed server.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
  static let checkNames = StoreConformance.all.map(\.name)

  /// A new database, migrated, and a store on it.
  func freshStore(
    _ server: PostgresTestServer, options: PostgresRegistryStore.Options = .underTest
  ) async throws -> (PostgresRegistryStore, String) {
    let url = try await server.makeDatabase()
    let store = try await PostgresRegistryStore.open(
      try PostgresLocation(url: url), options: options, schema: .migrate)
    return (store, url)
  }

  /// What an async call gave, as a value.
  func outcome<Value: Sendable>(_ body: () async throws -> Value) async -> Result<Value, any Error>
  {
    do {
      return .success(try await body())
    } catch {
      return .failure(error)
    }
  }

  static func event(_ number: Int) throws -> RecordedEvent {
    RecordedEvent(
      recordedAt: TestValues.instant("2026-11-25T12:00:00Z"),
      event: .keyRetired(
        try KeyRetired(kid: "k\(number)", at: TestValues.instant("2026-11-25T12:00:00Z"))))
  }

  @Test("conformance", arguments: checkNames)
  func conformance(_ name: String) async throws {
    let server = try await PostgresTestServer.shared()
    let (store, _) = try await freshStore(server)
    let check = try #require(StoreConformance.all.first { $0.name == name }?.check)
    try await check(store)
    await store.close()
  }

  @Test("URLs: user, host, port, socket folder and sslmode are read; the password is never shown")
  func locations() throws {
    let tcp = try PostgresLocation(url: "postgres://amx:s%40cret@db.example.fr:6432/registry")
    #expect(tcp.host == "db.example.fr")
    #expect(tcp.port == 6432)
    #expect(tcp.user == "amx")
    #expect(tcp.password == "s@cret")
    #expect(tcp.tls == .prefer)
    #expect(!tcp.description.contains("cret"))
    let socket = try PostgresLocation(url: "postgresql://amx@/registry?host=/run/postgresql")
    #expect(socket.socketDirectory == "/run/postgresql")
    #expect(socket.tls == .disable)
    #expect(
      try PostgresLocation(url: "postgres://amx@db/registry?sslmode=verify-full").tls == .require)
    for bad in [
      "postgres://db/registry", "postgres://amx@db/", "postgres://amx@/registry",
      "postgres://amx@db/registry?sslmode=maybe", "postgres://amx@db/registry?options=-c%20x",
      "postgres://amx@db:99999/registry", "mysql://amx@db/registry",
      "postgres://amx:pw@db/registry?password=a&password=b",
    ] {
      #expect(throws: StoreError.self, "\(bad)") { try PostgresLocation(url: bad) }
      do {
        _ = try PostgresLocation(url: bad)
      } catch {
        #expect(!error.description.contains("pw"))
      }
    }
  }

  @Test("migrations: a database without a registry is refused; migrate applies each once")
  func migrations() async throws {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase()
    let name = PostgresTestServer.databaseName(of: url)
    let location = try PostgresLocation(url: url)
    do {
      _ = try await PostgresRegistryStore.open(
        location, options: .underTest, schema: .requireCurrent)
      Issue.record("an empty database was taken for a registry")
    } catch let error as StoreError {
      #expect(error.description.contains("amexist init"))
    }
    // Two instances migrating at once: the migrations are serialised, each applied once.
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<2 {
        group.addTask {
          try await PostgresRegistryStore.open(location, options: .underTest, schema: .migrate)
            .close()
        }
      }
      try await group.waitForAll()
    }
    #expect(try await server.sql("SELECT count(*) FROM amexist_migrations", database: name) == "6")
    let store = try await PostgresRegistryStore.open(
      location, options: .underTest, schema: .requireCurrent)
    #expect(
      try await store.appliedMigrations() == [
        "v1-events", "v2-log", "v3-attestations", "v4-applied-requests", "v5-cosignatures",
        "v6-append-lock",
      ])
    #expect(try await store.migrate() == [])
    await store.close()
    _ = try await server.sql(
      "INSERT INTO amexist_migrations (id) VALUES ('v9-future')", database: name)
    do {
      _ = try await PostgresRegistryStore.open(
        location, options: .underTest, schema: .requireCurrent)
      Issue.record("a newer schema was accepted")
    } catch let error as StoreError {
      guard case .tooNew = error else { throw error }
    }
  }

  @Test("F11: a migration that fails half-way leaves nothing, and the store says what to run")
  func interruptedMigration() async throws {
    let server = try await PostgresTestServer.shared()
    let url = try await server.makeDatabase()
    let name = PostgresTestServer.databaseName(of: url)
    // An object in the way makes v1 fail after its first statements ran.
    _ = try await server.sql("CREATE TABLE events (x int)", database: name)
    await #expect(throws: StoreError.self) {
      try await PostgresRegistryStore.open(
        try PostgresLocation(url: url), options: .underTest, schema: .migrate)
    }
    let leftovers = try await server.sql(
      """
      SELECT (SELECT count(*) FROM pg_proc WHERE proname LIKE 'amexist_%') || ' ' || \
      (SELECT count(*) FROM amexist_migrations)
      """, database: name)
    #expect(leftovers == "0 0")
    do {
      _ = try await PostgresRegistryStore.open(
        try PostgresLocation(url: url), options: .underTest, schema: .requireCurrent)
      Issue.record("a database without its migrations was accepted")
    } catch let error as StoreError {
      #expect(error.description.contains("amexist migrate"))
    }
  }

  /// A fresh database migrated by its owner, who granted a new login role the servers' rights:
  /// the owner's store (open), the database's name and the role.
  static func ownerAndWriterRole(_ server: PostgresTestServer, prefix: String) async throws
    -> (owner: PostgresRegistryStore, database: String, role: String)
  {
    let url = try await server.makeDatabase()
    let name = PostgresTestServer.databaseName(of: url)
    let role = "\(prefix)_\(getpid())_\(name.hashValue & 0xffff)"
    _ = try await server.sql("CREATE ROLE \(role) LOGIN", database: name)
    let owner = try await PostgresRegistryStore.open(
      try PostgresLocation(url: url), options: .underTest, schema: .migrate)
    try await owner.migrate(writer: role)
    return (owner, name, role)
  }

  @Test("D13: UPDATE, DELETE and TRUNCATE fail in the database, for the owner and the writer role")
  func appendOnlyInDatabase() async throws {
    let server = try await PostgresTestServer.shared()
    let (owner, name, role) = try await Self.ownerAndWriterRole(server, prefix: "writer")
    await owner.close()
    // The servers' role appends through the store like the owner.
    let writer = try await PostgresRegistryStore.open(
      try PostgresLocation(url: server.url(database: name, user: role)), options: .underTest,
      schema: .requireCurrent)
    _ = try await writer.append(signer: TestValues.logSigner) { _ in [try Self.event(1)] }
    _ = try await writer.append(signer: TestValues.logSigner) { _ in [try Self.event(2)] }
    #expect(try await writer.read { try $0.count() } == 2)
    await writer.close()
    for (table, key) in [("events", "idx"), ("tree_hashes", "idx"), ("checkpoints", "size")] {
      for statement in [
        "UPDATE \(table) SET \(key) = \(key)", "DELETE FROM \(table)", "TRUNCATE \(table) CASCADE",
      ] {
        for user in [server.superuser, role] {
          await #expect(throws: (any Error).self, "\(user): \(statement)") {
            try await server.sql(statement, database: name, user: user)
          }
        }
      }
    }
    // The writer can neither drop the triggers nor insert out of order.
    for statement in [
      "DROP TRIGGER events_are_append_only ON events",
      "ALTER TABLE events DISABLE TRIGGER ALL",
      "INSERT INTO events (idx, subject, kind, recorded_at, body) VALUES (7, 's', 'k', 'r', '\\\\x00')",
      "INSERT INTO checkpoints (size, note) VALUES (1, 'x')",
      "DROP FUNCTION amexist_lock_log(integer, bigint)",
      """
      CREATE OR REPLACE FUNCTION amexist_lock_log(time_limit_ms integer, lock_key bigint)
      RETURNS TABLE (entry_count bigint, hash_count bigint, checkpoint_size bigint,
      checkpoint_note text) LANGUAGE sql AS $$ SELECT 0::bigint, 0::bigint, NULL::bigint, NULL $$
      """,
    ] {
      await #expect(throws: (any Error).self, "\(statement)") {
        try await server.sql(statement, database: name, user: role)
      }
    }
    #expect(try await server.sql("SELECT count(*) FROM events", database: name) == "2")
  }

  @Test("a writer role granted by an earlier version appends once a plain migrate adds v6")
  func writerAfterUpgrade() async throws {
    let server = try await PostgresTestServer.shared()
    let (owner, name, role) = try await Self.ownerAndWriterRole(server, prefix: "upgraded")
    // The database as the previous version left it: v5, the writer's grants given then.
    _ = try await server.sql(
      """
      DROP FUNCTION amexist_lock_log(integer, bigint); \
      DELETE FROM amexist_migrations WHERE id = 'v6-append-lock'
      """, database: name)
    let appURL = try PostgresLocation(url: server.url(database: name, user: role))
    await #expect(throws: StoreError.self) {
      _ = try await PostgresRegistryStore.open(
        appURL, options: .underTest, schema: .requireCurrent)
    }
    #expect(try await owner.migrate() == ["v6-append-lock"])
    await owner.close()
    let writer = try await PostgresRegistryStore.open(
      appURL, options: .underTest, schema: .requireCurrent)
    _ = try await writer.append(signer: TestValues.logSigner) { _ in [try Self.event(1)] }
    #expect(try await writer.read { try $0.count() } == 1)
    await writer.close()
  }

  @Test("F10: with every connection in use and the queue full, a caller is refused at once")
  func poolExhaustion() async throws {
    let server = try await PostgresTestServer.shared()
    var options = PostgresRegistryStore.Options.underTest
    options.maximumConnections = 1
    options.queueLimit = 1
    options.maximumWait = .milliseconds(300)
    let (store, _) = try await freshStore(server, options: options)
    let holding = Mutex(false)
    let release = Mutex(false)
    let holder = Task {
      try await store.read { snapshot in
        holding.withLock { $0 = true }
        // Hold the only connection until told (bounded: at most 10 s).
        for _ in 0..<1000 where !release.withLock({ $0 }) { usleep(10_000) }
        return try snapshot.count()
      }
    }
    while !holding.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
    // One may wait (the queue holds one) and is refused when its wait runs out; the next finds the
    // queue full and is refused without waiting.
    async let waiting = outcome { try await store.read { try $0.count() } }
    try await Task.sleep(for: .milliseconds(50))
    let overflow = await outcome { try await store.read { try $0.count() } }
    for result in [overflow, await waiting] {
      guard case .failure(let error) = result, case .busy = error as? StoreError else {
        Issue.record("expected busy, got \(result)")
        continue
      }
    }
    release.withLock { $0 = true }
    #expect(try await holder.value == 0)
    // Once the connection is free, reads and writes go through again.
    _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(1)] }
    #expect(try await store.read { try $0.count() } == 1)
    await store.close()
  }

  @Test("F10: a backend killed in the middle of an append: the append runs again, stored once")
  func backendKilledMidAppend() async throws {
    let server = try await PostgresTestServer.shared()
    let (store, url) = try await freshStore(server)
    let name = PostgresTestServer.databaseName(of: url)
    _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(0)] }
    let runs = Mutex(0)
    let receipt = try await store.append(signer: TestValues.logSigner) { snapshot in
      let run = runs.withLock { count in
        count += 1
        return count
      }
      if run == 1 {
        // Inside the transaction, with the sequencer lock held: kill this very backend.
        let done = DispatchSemaphore(value: 0)
        Task {
          _ = try? await server.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)' AND application_name = 'amexist' AND pid <> pg_backend_pid() AND state = 'idle in transaction'",
            database: name)
          done.signal()
        }
        done.wait()
      }
      return [try Self.event(1)]
    }
    // Run again after the kill (a third time if the pool's next lease was a connection it had
    // not yet seen close), and stored once.
    #expect(runs.withLock { $0 } >= 2)
    #expect(receipt.events.map(\.index) == [1])
    let stored = try await store.read { snapshot in
      (try snapshot.count(), try snapshot.latestCheckpoint()?.size)
    }
    #expect(stored.0 == 2)
    #expect(stored.1 == 2)
    await store.close()
  }

  @Test("F10: the server crashes and comes back: requests fail fast meanwhile, nothing is lost")
  func serverCrash() async throws {
    let server = try await PostgresTestServer.start()
    // Fail-fast is what is tested (under 30 s while the server is down), with a connect time
    // short enough for that and long enough for a loaded two-core machine.
    var options = PostgresRegistryStore.Options.underTest
    options.connectTimeout = .seconds(15)
    let (store, _) = try await freshStore(server, options: options)
    for number in 0..<5 {
      _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(number)] }
    }
    try await server.crash()
    let started = ContinuousClock.now
    do {
      _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(99)] }
      Issue.record("an append succeeded with the server down")
    } catch let error as StoreError {
      guard case .unavailable = error else { throw error }
    }
    // Bounded by the connect limit, not by a retry loop without end.
    #expect(ContinuousClock.now - started < .seconds(30))
    try await server.restart()
    var appended = false
    for _ in 0..<50 where !appended {
      do {
        _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(5)] }
        appended = true
      } catch is StoreError {
        try await Task.sleep(for: .milliseconds(200))
      }
    }
    #expect(appended)
    let audit = try await store.read { snapshot in
      (
        try snapshot.count(),
        try LogSequencer.verifiedTreeSize(
          snapshot, log: TestValues.logSigner.verifier, path: "test")
      )
    }
    #expect(audit.0 == 6)
    #expect(audit.1 == 6)
    await store.close()
  }

  @Test(
    "G1, G4, D12: three instances on one database append at once: gapless, one checkpoint per size")
  func severalInstances() async throws {
    let server = try await PostgresTestServer.shared()
    let (first, url) = try await freshStore(server)
    var stores = [first]
    for _ in 0..<2 {
      stores.append(
        try await PostgresRegistryStore.open(
          try PostgresLocation(url: url), options: .underTest, schema: .requireCurrent))
    }
    let perWriter = 15
    let sizes = try await withThrowingTaskGroup(of: [Int64].self) { group in
      for (number, store) in stores.enumerated() {
        for task in 0..<2 {
          group.addTask {
            var sizes: [Int64] = []
            for round in 0..<perWriter {
              let receipt = try await store.append(signer: TestValues.logSigner) { _ in
                [try Self.event(number * 10_000 + task * 1000 + round)]
              }
              sizes += receipt.checkpoint.map { [$0.checkpoint.size] } ?? []
            }
            return sizes
          }
        }
      }
      return try await group.reduce(into: []) { $0 += $1 }
    }
    let total = Int64(stores.count * 2 * perWriter)
    #expect(sizes.sorted() == Array(1...total))
    let stored = try await stores[1].read { snapshot in
      var indexes: [Int64] = []
      try snapshot.forEachEvent(from: 0) { indexes.append($0.index) }
      var checkpoints: [Int64] = []
      try snapshot.forEachCheckpoint { checkpoints.append($0.size) }
      let verified = try LogSequencer.verifiedTreeSize(
        snapshot, log: TestValues.logSigner.verifier, path: "test")
      return (indexes, checkpoints, verified)
    }
    #expect(stored.0 == Array(0..<total))
    #expect(stored.1 == Array(1...total))
    #expect(stored.2 == total)
    for store in stores { await store.close() }
  }

  @Test("G3: readers during writes see whole batches only")
  func readersDuringWrites() async throws {
    let server = try await PostgresTestServer.shared()
    let (writer, url) = try await freshStore(server)
    let reader = try await PostgresRegistryStore.open(
      try PostgresLocation(url: url), options: .underTest, schema: .requireCurrent)
    let batch = 5
    async let written: Void = {
      for round in 0..<20 {
        _ = try await writer.append(signer: TestValues.logSigner) { _ in
          try (0..<batch).map { try Self.event(round * 100 + $0) }
        }
      }
    }()
    var counts: [Int64] = []
    for _ in 0..<60 {
      counts.append(
        try await reader.read { snapshot in
          let count = try snapshot.count()
          // The snapshot's checkpoint and its entries agree: no half-batch is visible.
          #expect(try snapshot.latestCheckpoint()?.size ?? 0 == count)
          return count
        })
    }
    try await written
    #expect(counts.allSatisfy { $0 % Int64(batch) == 0 })
    await writer.close()
    await reader.close()
  }

  @Test("copy: SQLite to PostgreSQL and back gives the same bytes, tree, checkpoints and documents")
  func copyBetweenEngines() async throws {
    let server = try await PostgresTestServer.shared()
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let sqlite = try SQLiteRegistryStore(path: folder.file("a.sqlite"), create: true)
    for number in 0..<7 {
      _ = try await sqlite.append(signer: TestValues.logSigner) { _ in
        try (0...number % 3).map { try Self.event(number * 10 + $0) }
      }
    }
    let original = try await sqlite.read { try StoredLog(reading: $0) }
    let (postgres, _) = try await freshStore(server)
    try await postgres.restore(original)
    let viaPostgres = try await postgres.read { try StoredLog(reading: $0) }
    let back = try SQLiteRegistryStore(path: folder.file("b.sqlite"), create: true)
    try await back.restore(viaPostgres)
    let roundTrip = try await back.read { try StoredLog(reading: $0) }
    for copy in [viaPostgres, roundTrip] {
      #expect(copy.entries == original.entries)
      #expect(copy.treeHashes == original.treeHashes)
      #expect(copy.checkpoints == original.checkpoints)
      #expect(copy.attestations == original.attestations)
    }
    // A copy goes into an empty registry only.
    await #expect(throws: StoreError.self) { try await postgres.restore(original) }
    // The copy goes on as a log: the next append extends the copied tree.
    let next = try await postgres.append(signer: TestValues.logSigner) { _ in [try Self.event(999)]
    }
    #expect(next.events.first?.index == Int64(original.entries.count))
    await postgres.close()
  }
}

extension PostgresStoreTests {
  @Test(
    "D13: a row the database refuses after it was sent without waiting fails the append with its reason"
  )
  func refusedSentRow() async throws {
    let server = try await PostgresTestServer.shared()
    let (store, url) = try await freshStore(server)
    let name = PostgresTestServer.databaseName(of: url)
    _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(1)] }
    // The checkpoint row is the last statement an append sends before COMMIT.
    _ = try await server.sql(
      """
      CREATE FUNCTION refuse_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'refused by the test'; END $$;
      CREATE TRIGGER refuse_checkpoint BEFORE INSERT ON checkpoints
      FOR EACH ROW EXECUTE FUNCTION refuse_checkpoint();
      """, database: name)
    let refused = await outcome {
      try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(2)] }
    }
    guard case .failure(let error) = refused, case StoreError.corrupt(let message) = error else {
      Issue.record("expected the checkpoint's refusal, got \(refused)")
      return
    }
    #expect(message.contains("refused by the test"))
    #expect(try await store.read { try $0.count() } == 1)
    // The connection was left clean: once the refusal is gone, appends go on.
    _ = try await server.sql("DROP TRIGGER refuse_checkpoint ON checkpoints", database: name)
    let next = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(3)] }
    #expect(next.checkpoint?.checkpoint.size == 2)
    await store.close()
  }

  @Test(
    "D8: an entry the database stores otherwise than sent is read back as stored: nothing signed")
  func alteredOnInsert() async throws {
    let server = try await PostgresTestServer.shared()
    let (store, url) = try await freshStore(server)
    let name = PostgresTestServer.databaseName(of: url)
    _ = try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(1)] }
    // A database that stores another entry than the one sent (a trigger planted by whoever
    // controls it): the seal hashes what the insert stored, and refuses to sign it.
    _ = try await server.sql(
      """
      CREATE FUNCTION alter_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.body := NEW.body || '\\x20'::bytea; RETURN NEW; END $$;
      CREATE TRIGGER alter_entry BEFORE INSERT ON events
      FOR EACH ROW EXECUTE FUNCTION alter_entry();
      """, database: name)
    let altered = await outcome {
      try await store.append(signer: TestValues.logSigner) { _ in [try Self.event(2)] }
    }
    guard case .failure(let error) = altered, case StoreError.corrupt(let message) = error else {
      Issue.record("expected the altered entry to be refused, got \(altered)")
      return
    }
    #expect(message.contains("is not the one written; nothing was signed"), "\(message)")
    #expect(try await store.read { try $0.count() } == 1)
    #expect(try await store.read { try $0.latestCheckpoint()?.size } == 1)
    await store.close()
  }

  @Test(
    "a batch whose events and tree hashes fill several insert statements is sealed and verifies")
  func largeBatch() async throws {
    let server = try await PostgresTestServer.shared()
    let (store, _) = try await freshStore(server)
    _ = try await store.append(signer: TestValues.logSigner) { _ in
      try (0..<3).map { try Self.event($0) }
    }
    // 1,200 events after 3: a statement of 1,000 events, then 200 inserted by the seal's read;
    // about 2,400 hashes: three statements of at most 1,000 rows.
    let receipt = try await store.append(signer: TestValues.logSigner) { _ in
      try (3..<1203).map { try Self.event($0) }
    }
    let stored = try await store.read { snapshot in
      var leaves: [[UInt8]] = []
      try snapshot.forEachEntry(from: 0) { leaves.append($1) }
      return (
        leaves, try snapshot.storedHashCount(),
        try LogSequencer.verifiedTreeSize(
          snapshot, log: TestValues.logSigner.verifier, path: "test")
      )
    }
    #expect(stored.0.count == 1203)
    #expect(stored.1 == StoredTree.hashCount(leaves: 1203))
    #expect(stored.2 == 1203)
    #expect(receipt.checkpoint?.checkpoint.root == Self.treeHash(stored.0[...]))
    await store.close()
  }

  /// MTH(D[n]) of RFC 9162 §2.1.1, by its definition.
  static func treeHash(_ leaves: ArraySlice<[UInt8]>) -> MerkleHash {
    guard leaves.count > 1 else { return leaves.first.map(Merkle.leafHash) ?? Merkle.emptyRoot }
    var split = 1
    while split * 2 < leaves.count { split *= 2 }
    let middle = leaves.startIndex + split
    return Merkle.nodeHash(treeHash(leaves[..<middle]), treeHash(leaves[middle...]))
  }
}

extension PostgresRegistryStore.Options {
  /// The defaults with a patient connect time: the whole suite runs in one process on two cores,
  /// where CPU-bound tests can hold the scheduler for seconds.
  static var underTest: Self {
    var options = Self()
    options.connectTimeout = .seconds(60)
    options.maximumWait = .seconds(60)
    return options
  }
}
