import AmexistDomain
import Foundation
import GRDB
import RegistryService
import RegistryStore
import RegistryStoreSQLite
import RegistryTesting
import SQLitePowerLoss
import Synchronization
import Testing
import TransparencyLog

/// Catalogue F3: power loss, simulated by a VFS that loses, keeps or tears every sector written
/// since its file was last synced (the method of SQLite's crash tests). Images of the disk are
/// taken at random moments while a registry appends; each must open, pass SQLite's integrity
/// check and the log audit, and hold every append acknowledged before the power failed.
@Suite("Power loss", .serialized)
struct PowerLossTests {
  static let modes: [amexist_power_loss_mode] = [
    AMEXIST_POWER_LOSS_DROP, AMEXIST_POWER_LOSS_RANDOM, AMEXIST_POWER_LOSS_TEAR,
  ]

  @Test("F3: with WAL and synchronous=FULL no acknowledged append is lost and nothing is corrupt")
  func registryUnderPowerLoss() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let live = folder.file("live")
    try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
    #expect(amexist_power_loss_track(live + "/") == 0)
    let service = RegistryService(
      store: try SQLiteRegistryStore(path: live + "/registry.sqlite", create: true),
      logSigner: TestValues.logSigner)
    let acknowledged = Counter()
    // Smoke: 60 appends, 15 images; AMEXIST_FULL_TESTS=1: 300 and 60.
    let appends = TestScale.count("AMEXIST_POWER_LOSS_APPENDS", smoke: 60, full: 300)
    let images = TestScale.count("AMEXIST_POWER_LOSS_IMAGES", smoke: 15, full: 60)
    var taken: [(path: String, acknowledged: Int, mode: amexist_power_loss_mode)] = []
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for number in 0..<appends {
          try await service.register(
            TestValues.generatedSIRET(30_000 + number),
            profile: try ServiceProfile(name: "Service \(number)"))
          acknowledged.value.add(1, ordering: .sequentiallyConsistent)
        }
      }
      for image in 0..<images {
        try await Task.sleep(for: .microseconds(Int.random(in: 0...8000)))
        // Counted before the image: every append acknowledged by now must be in it.
        let before = acknowledged.value.load(ordering: .sequentiallyConsistent)
        let path = folder.file("image-\(image)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mode = Self.modes[image % Self.modes.count]
        #expect(amexist_power_loss_image(path, UInt32(image), mode) == 0)
        taken.append((path, before, mode))
      }
      try await group.waitForAll()
    }
    #expect(amexist_power_loss_track("/nonexistent/") == 0)
    var imagesDuringAppends = 0
    for image in taken {
      let file = image.path + "/registry.sqlite"
      let check = try await DatabaseQueue(path: file).read { db in
        try String.fetchAll(db, sql: "PRAGMA integrity_check")
      }
      #expect(check == ["ok"], "\(image.path) (mode \(image.mode.rawValue))")
      let restored = RegistryService(
        store: try SQLiteRegistryStore(path: file), logSigner: TestValues.logSigner)
      let entries = try await restored.eventCount()
      // The first entry is none of the appends: the registry starts empty.
      #expect(
        entries >= Int64(image.acknowledged),
        "\(image.path): \(entries) entries, \(image.acknowledged) acknowledged")
      let audit = try await restored.audit(log: TestValues.logSigner.verifier)
      #expect(audit.problem == nil, "\(image.path): \(String(describing: audit.problem))")
      #expect(audit.entries == entries)
      imagesDuringAppends += Int(entries) < appends ? 1 : 0
    }
    #expect(taken.count == images)
    // The images were taken while appends were running, not all after them.
    #expect(imagesDuringAppends > 0, "no image was taken before the last append")
  }

  @Test(
    "F3: the VFS loses unsynced commits: with synchronous=NORMAL acknowledged commits are lost, never the file"
  )
  func normalLosesCommits() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let live = folder.file("live")
    try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
    #expect(amexist_power_loss_track(live + "/") == 0)
    defer { _ = amexist_power_loss_track("/nonexistent/") }
    var counts: [String: Int] = [:]
    for synchronous in ["NORMAL", "FULL"] {
      let path = live + "/\(synchronous).sqlite"
      let queue = try DatabaseQueue(path: path)
      try queue.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        try db.execute(sql: "CREATE TABLE t (n INTEGER)")
        // The table itself is made durable: only the commits after it are at stake.
        _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
      }
      for number in 0..<50 {
        try queue.write { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [number])
        }
      }
      let image = folder.file("image-\(synchronous)")
      try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: true)
      #expect(amexist_power_loss_image(image, 1, AMEXIST_POWER_LOSS_DROP) == 0)
      try queue.close()
      let copy = try DatabaseQueue(path: image + "/\(synchronous).sqlite")
      let (check, rows) = try copy.read { db in
        (
          try String.fetchAll(db, sql: "PRAGMA integrity_check"),
          try Int.fetchOne(db, sql: "SELECT count(*) FROM t") ?? -1
        )
      }
      #expect(check == ["ok"])
      counts[synchronous] = rows
    }
    #expect(counts["FULL"] == 50, "FULL keeps every acknowledged commit")
    #expect(
      (counts["NORMAL"] ?? 50) < 50, "NORMAL loses the unsynced commits: the VFS simulates loss")
  }

  @Test(
    "F5: a failed write or fsync fails the append (503), writes nothing visible, and the next append works",
    arguments: [(1, 0), (0, 1), (3, 0)])
  func ioErrors(writes: Int32, syncs: Int32) async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(amexist_power_loss_track(folder.path + "/") == 0)
    defer { _ = amexist_power_loss_track("/nonexistent/") }
    let service = RegistryService(
      store: try SQLiteRegistryStore(path: folder.file("registry.sqlite"), create: true),
      logSigner: TestValues.logSigner)
    for number in 0..<3 {
      try await service.register(
        TestValues.generatedSIRET(40_000 + number), profile: try ServiceProfile(name: "S\(number)"))
    }
    amexist_power_loss_fail_next(writes, syncs)
    let failed = TestValues.generatedSIRET(40_100)
    do {
      try await service.register(failed, profile: try ServiceProfile(name: "Failed"))
      Issue.record("the append succeeded through a failed write or fsync")
    } catch {
      // The store's I/O failure, which the server answers with 503.
      guard case .storage(.unavailable(let message))? = error as? RegistryError, !message.isEmpty
      else {
        Issue.record("unexpected error \(error)")
        return
      }
    }
    amexist_power_loss_fail_next(0, 0)
    // Not retried blindly; the next write goes through on the same store.
    try await service.register(
      TestValues.generatedSIRET(40_101), profile: try ServiceProfile(name: "After"))
    #expect(try await service.eventCount() == 4)
    await #expect(throws: RegistryError.self) { try await service.state(of: failed) }
    let audit = try await service.audit(log: TestValues.logSigner.verifier)
    #expect(audit.problem == nil)
    #expect(audit.entries == 4)
  }
}

/// A count shared by tasks.
final class Counter: Sendable {
  let value = Atomic<Int>(0)
}
