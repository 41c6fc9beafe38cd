import AmexistDomain
import Foundation
import GRDB
import RegistryStore
import RegistryStoreSQLite
import RegistryTesting
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
  static let checkNames = StoreConformance.all.map(\.name)

  @Test("conformance", arguments: checkNames)
  func conformance(_ name: String) async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = try SQLiteRegistryStore(path: folder.file("registry.sqlite"), create: true)
    let check = try #require(StoreConformance.all.first { $0.name == name }?.check)
    try await check(store)
  }

  /// A store with a few events, and its path.
  func filledStore(_ folder: TemporaryFolder, events count: Int = 3) async throws -> String {
    let path = folder.file("registry.sqlite")
    let store = try SQLiteRegistryStore(path: path, create: true)
    _ = try await store.append(signer: TestValues.logSigner) { _ in
      (0..<count).map { index in
        RecordedEvent(
          recordedAt: TestValues.instant("2026-11-25T12:00:00Z"),
          event: TestValues.registration(
            TestValues.siret(["73282932000074", "90011223400019", "90122334500017"][index % 3]),
            name: "Service \(index)"
          )
        )
      }
    }
    return path
  }

  @Test("the database runs in WAL mode with synchronous=FULL")
  func pragmas() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = try await filledStore(folder)
    let store = try SQLiteRegistryStore(path: path)
    let settings = try await store.settings()
    #expect(settings.journalMode == "wal")
    // 2 is FULL: every commit is synced before it is acknowledged.
    #expect(settings.synchronous == 2)
    #expect(
      settings.migrations == [
        "v1-events", "v2-log", "v3-attestations", "v4-applied-requests", "v5-cosignatures",
      ])
  }

  /// D13: opened directly, the file still refuses UPDATE and DELETE of events.
  @Test("D13: UPDATE and DELETE of events fail in the database itself")
  func appendOnlyInDatabase() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = try await filledStore(folder)
    let queue = try DatabaseQueue(path: path)
    let statements = [
      "UPDATE events SET body = X'00' WHERE idx = 1",
      "UPDATE events SET subject = 'x'",
      "DELETE FROM events WHERE idx = 2",
      "DELETE FROM events",
      "INSERT INTO events (idx, subject, kind, recorded_at, body) VALUES (7, 's', 'k', 't', X'00')",
      "INSERT INTO events (idx, subject, kind, recorded_at, body) VALUES (1, 's', 'k', 't', X'00')",
      "INSERT OR REPLACE INTO events (idx, subject, kind, recorded_at, body) VALUES (0, 's', 'k', 't', X'00')",
    ]
    for sql in statements {
      await #expect(throws: DatabaseError.self, "\(sql)") {
        try await queue.write { db in try db.execute(sql: sql) }
      }
    }
    let count = try await queue.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events")
    }
    #expect(count == 3)
    let store = try SQLiteRegistryStore(path: path)
    let names = try await store.read { snapshot in
      try snapshot.events(about: .service(TestValues.siret("90011223400019"))).count
    }
    #expect(names == 1)
  }

  @Test("an event whose bytes were altered is reported, never returned")
  func alteredBytesAreRefused() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = try await filledStore(folder)
    // Someone with the file drops the triggers and edits a row: the store still refuses it.
    let queue = try DatabaseQueue(path: path)
    try await queue.write { db in
      try db.execute(sql: "DROP TRIGGER events_are_append_only_update")
      try db.execute(
        sql:
          "UPDATE events SET body = CAST(REPLACE(CAST(body AS TEXT), 'Service 1', 'Service 9') || ' ' AS BLOB) WHERE idx = 1"
      )
    }
    let store = try SQLiteRegistryStore(path: path)
    await #expect(throws: StoreError.self) {
      _ = try await store.read { snapshot in try snapshot.event(at: 1) }
    }
    #expect(try await store.read { snapshot in try snapshot.event(at: 0) } != nil)
  }

  /// F7: damaged files are refused at open with a message that says so.
  @Test(
    "F7: a corrupted database file is refused with a clear message",
    arguments: ["flip", "truncate", "zero-header", "garbage", "empty-pages"])
  func corruption(_ kind: String) async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = try await filledStore(folder, events: 300)
    // Fold the WAL into the main file, then damage the main file while nothing has it open.
    let queue = try DatabaseQueue(path: path)
    try await queue.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
    }
    try queue.close()
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    switch kind {
    case "flip":
      for offset in stride(from: 4096 + 100, to: bytes.count, by: 4096) {
        bytes[offset] ^= 0xFF
        bytes[offset + 1] ^= 0x5A
      }
    case "truncate":
      bytes = Array(bytes.prefix(bytes.count / 2 + 17))
    case "zero-header":
      for offset in 0..<100 { bytes[offset] = 0 }
    case "garbage":
      bytes = Array(repeating: 0x41, count: 8192)
    default:
      for offset in 4096..<min(bytes.count, 3 * 4096) { bytes[offset] = 0 }
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    try? FileManager.default.removeItem(atPath: path + "-wal")
    try? FileManager.default.removeItem(atPath: path + "-shm")
    let sizeBefore = bytes.count
    do {
      let store = try SQLiteRegistryStore(path: path)
      _ = try await store.read { snapshot in
        try snapshot.forEachEvent(from: 0) { _ in }
      }
      Issue.record("a damaged registry (\(kind)) was opened and read")
    } catch let error as StoreError {
      guard case .corrupt(let message) = error else {
        Issue.record("expected a corruption error, got \(error)")
        return
      }
      #expect(message.contains("damaged"))
      #expect(message.contains(path))
    }
    #expect((try Data(contentsOf: URL(fileURLWithPath: path))).count == sizeBefore)
  }

  @Test("a missing registry is refused unless creation is asked")
  func missing() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(
      throws: StoreError.unavailable(
        "no registry at \(folder.file("none.sqlite")): run `amexist init` first")
    ) {
      try SQLiteRegistryStore(path: folder.file("none.sqlite"))
    }
    #expect(!FileManager.default.fileExists(atPath: folder.file("none.sqlite")))
  }

  @Test("a database from a newer version is refused")
  func newerSchema() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = try await filledStore(folder)
    let queue = try DatabaseQueue(path: path)
    try await queue.write { db in
      try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
    }
    try queue.close()
    #expect(throws: StoreError.self) { try SQLiteRegistryStore(path: path) }
  }

  /// G1/G2 at the store level: two store objects (as two processes would) on one file.
  @Test("G2: two connections on one file serialise their appends")
  func twoConnections() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("registry.sqlite")
    let first = try SQLiteRegistryStore(path: path, create: true)
    let second = try SQLiteRegistryStore(path: path)
    let rounds = 30
    try await withThrowingTaskGroup(of: Void.self) { group in
      for (store, offset) in [(first, 0), (second, 1000)] {
        group.addTask {
          for round in 0..<rounds {
            _ = try await store.append(signer: TestValues.logSigner) { _ in
              [
                RecordedEvent(
                  recordedAt: TestValues.instant("2026-11-25T12:00:00Z"),
                  event: .keyRetired(
                    try KeyRetired(
                      kid: "k\(offset + round)", at: TestValues.instant("2026-11-25T12:00:00Z")))
                )
              ]
            }
          }
        }
      }
      try await group.waitForAll()
    }
    let all = try await first.read { snapshot in
      var indexes: [Int64] = []
      try snapshot.forEachEvent(from: 0) { indexes.append($0.index) }
      return indexes
    }
    #expect(all == (0..<Int64(2 * rounds)).map { $0 })
  }
}
