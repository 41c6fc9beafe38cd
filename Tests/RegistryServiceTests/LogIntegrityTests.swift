import AmexistDomain
import Foundation
import GRDB
import RegistryService
import RegistryStore
import RegistryStoreSQLite
import RegistryTesting
import Testing
import TransparencyLog

/// A registry filled with the sample services in batches (one checkpoint each), and direct
/// access to its SQLite file, as an attacker or a damaged disk would have.
struct TamperHarness {
  let harness: Harness
  var service: RegistryService { harness.service }
  var path: String { harness.folder.file("registry.sqlite") }

  init() async throws {
    harness = try Harness()
    try await harness.service.appendSample(batchSize: 5)
  }

  /// Runs `sql` on the file directly, triggers dropped first (they guard the API, not the disk).
  func tamper(_ sql: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.writeWithoutTransaction { db in
      for trigger in try String.fetchAll(
        db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
      {
        try db.execute(sql: "DROP TRIGGER \(trigger)")
      }
      try db.execute(sql: sql)
    }
    try queue.close()
  }

  func audit(since: SignedCheckpoint? = nil) async throws -> AuditReport {
    try await service.audit(log: TestValues.logSigner.verifier, since: since)
  }

  func checkpointSizes() async throws -> [Int64] {
    try await service.uncheckedRead { snapshot in
      var sizes: [Int64] = []
      try snapshot.forEachCheckpoint { sizes.append($0.size) }
      return sizes
    }
  }
}

@Suite("Log integrity: tampering, restored backups, forks (group D)")
struct LogIntegrityTests {
  @Test("an untouched log audits clean, with one checkpoint per batch")
  func clean() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let report = try await registry.audit()
    #expect(report.problem == nil)
    let count = try await registry.service.eventCount()
    #expect(report.entries == count)
    let sizes = try await registry.checkpointSizes()
    #expect(sizes.last == count)
    #expect(report.checkpoints == sizes.count)
    // Batches of five, and one entry for each body's signed decision.
    #expect(zip([0] + sizes, sizes).allSatisfy { $1 > $0 && $1 - $0 <= 5 })
  }

  @Test("D1: an entry edited in the database is named by the audit")
  func editedEntry() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let index = try await registry.service.read { snapshot in
      var found: Int64 = -1
      try snapshot.forEachEvent(from: 0) { event in
        if found < 0, event.event.kind == "levelGranted" { found = event.index }
      }
      return found
    }
    try registry.tamper(
      "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), '\"level\":1', '\"level\":3') AS BLOB) WHERE idx = \(index)"
    )
    let report = try await registry.audit()
    #expect(report.problem == .entryMismatch(index: index))
    #expect(report.problem?.firstIndex == index)
  }

  @Test("D2: deleted, reordered and truncated entries are named by the audit")
  func deletedReorderedTruncated() async throws {
    for (sql, problem) in [
      ("DELETE FROM events WHERE idx = 7", { (_: [Int64]) in AuditProblem.missingEntry(index: 7) }),
      (
        "UPDATE events SET body = (SELECT body FROM events WHERE idx = 9) WHERE idx = 4",
        { _ in .entryMismatch(index: 4) }
      ),
      (
        "DELETE FROM events WHERE idx >= 12",
        { sizes in .checkpointBeyondLog(size: sizes.first { $0 > 12 }!, entries: 12) }
      ),
      ("DELETE FROM events", { sizes in .checkpointBeyondLog(size: sizes[0], entries: 0) }),
    ] {
      let registry = try await TamperHarness()
      defer { registry.harness.folder.remove() }
      // The first checkpoint beyond what is left is named.
      let expected = problem(try await registry.checkpointSizes())
      try registry.tamper(sql)
      let report = try await registry.audit()
      #expect(report.problem == expected, "\(sql)")
    }
  }

  @Test("a checkpoint whose signature was altered, or stored tree hashes that were, are found")
  func alteredCheckpointOrTree() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    try registry.tamper(
      """
      UPDATE checkpoints SET note = replace(note, char(10) || '10' || char(10), char(10) || '11' || char(10))
      WHERE size = 10
      """)
    let badNote = try await registry.audit()
    guard case .checkpointInvalid(let size, _) = badNote.problem else {
      Issue.record("expected an invalid checkpoint, got \(String(describing: badNote.problem))")
      return
    }
    #expect(size == 10)

    let other = try await TamperHarness()
    defer { other.harness.folder.remove() }
    // The parent hash stored when entry 5 completed its pair.
    let stored = StoredTree.index(level: 1, n: 2)
    try other.tamper("UPDATE tree_hashes SET hash = zeroblob(32) WHERE idx = \(stored)")
    #expect(try await other.audit().problem == .treeMismatch(index: 5))
    // The sequencer checks the stored tree against the latest checkpoint before signing: the
    // hash of the largest complete subtree is part of every root.
    let entries = try await other.service.eventCount()
    let largest = StoredTree.index(level: 63 - entries.leadingZeroBitCount, n: 0)
    try other.tamper("UPDATE tree_hashes SET hash = zeroblob(32) WHERE idx = \(largest)")
    await #expect(throws: RegistryError.self) {
      try await other.service.register(
        TestValues.generatedSIRET(1), profile: try ServiceProfile(name: "Après"))
    }
  }

  @Test("D8: an entry changed between its write and the signing stops the signing")
  func changedBeforeSigning() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let before = try await registry.service.eventCount()
    let sizes = try await registry.checkpointSizes()
    try registry.tamper(
      """
      CREATE TRIGGER flip AFTER INSERT ON events BEGIN
        UPDATE events SET body = CAST(replace(CAST(body AS TEXT), 'Flip', 'Flop') AS BLOB)
        WHERE idx = NEW.idx;
      END
      """)
    await #expect(throws: RegistryError.self) {
      try await registry.service.register(
        TestValues.generatedSIRET(2), profile: try ServiceProfile(name: "Flip"))
    }
    #expect(try await registry.service.eventCount() == before)
    #expect(try await registry.checkpointSizes() == sizes)
  }

  @Test("D3, D26: a restored older copy of the database is refused for writing and reading")
  func restoredBackup() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let backup = registry.harness.folder.file("backup.sqlite")
    let source = try DatabaseQueue(path: registry.path)
    let copy = try DatabaseQueue(path: backup)
    try source.backup(to: copy)
    try copy.close()
    try await registry.service.register(
      TestValues.generatedSIRET(3), profile: try ServiceProfile(name: "Après la sauvegarde"))
    let published = try #require(
      try registry.service.publishedCheckpoint?.read(log: TestValues.logSigner.verifier))
    #expect(published.checkpoint.size == (try await registry.service.eventCount()))

    let restored = RegistryService(
      store: try SQLiteRegistryStore(path: backup), logSigner: TestValues.logSigner,
      publishedCheckpoint: registry.service.publishedCheckpoint, clock: registry.harness.clock)
    let count = try await restored.uncheckedRead { try $0.count() }
    await #expect(throws: RegistryError.self) {
      try await restored.register(
        TestValues.generatedSIRET(4), profile: try ServiceProfile(name: "Sur la copie"))
    }
    // Older than the checkpoint kept outside it: verified reads refuse too.
    await #expect(
      throws: RegistryError.integrity(
        "it holds \(count) entries but the log already verified or published \(count + 1) (rolled back, or an older backup restored)"
      )
    ) {
      try await restored.eventCount()
    }
    #expect(try await restored.uncheckedRead { try $0.count() } == count)
    // Against the newer checkpoint, kept outside the database or given, it is a rollback.
    #expect(
      try await restored.audit(log: TestValues.logSigner.verifier).problem
        == .rollback(size: published.checkpoint.size, entries: count))
    let rollback = try await restored.audit(log: TestValues.logSigner.verifier, since: published)
    #expect(rollback.problem == .rollback(size: published.checkpoint.size, entries: count))
  }

  @Test("D3, D4: a copy written on its own is a fork: refused for writing, and shown by the audit")
  func fork() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let forkPath = registry.harness.folder.file("fork.sqlite")
    let copy = try DatabaseQueue(path: forkPath)
    try DatabaseQueue(path: registry.path).backup(to: copy)
    try copy.close()
    // The original goes on; a second instance writes the copy with its own checkpoint file.
    try await registry.service.register(
      TestValues.generatedSIRET(5), profile: try ServiceProfile(name: "Original"))
    let forked = RegistryService(
      store: try SQLiteRegistryStore(path: forkPath), logSigner: TestValues.logSigner,
      publishedCheckpoint: CheckpointFile(path: registry.harness.folder.file("other-checkpoint")),
      clock: registry.harness.clock)
    try await forked.register(
      TestValues.generatedSIRET(6), profile: try ServiceProfile(name: "Copie"))
    try await forked.register(
      TestValues.generatedSIRET(7), profile: try ServiceProfile(name: "Copie 2"))
    // Against the log's own checkpoint file, the copy is refused: same size, another root.
    let sameFile = RegistryService(
      store: try SQLiteRegistryStore(path: forkPath), logSigner: TestValues.logSigner,
      publishedCheckpoint: registry.service.publishedCheckpoint, clock: registry.harness.clock)
    await #expect(throws: RegistryError.self) {
      try await sameFile.register(
        TestValues.generatedSIRET(8), profile: try ServiceProfile(name: "Encore"))
    }
    // Auditing the copy against the original's checkpoint gives both notes as evidence.
    let original = try #require(
      try registry.service.publishedCheckpoint?.read(log: TestValues.logSigner.verifier))
    let report = try await forked.audit(log: TestValues.logSigner.verifier, since: original)
    guard case .fork(let size, let given, let stored) = report.problem else {
      Issue.record("expected a fork, got \(String(describing: report.problem))")
      return
    }
    #expect(size == original.checkpoint.size)
    #expect(given == original.note)
    #expect(stored != nil && stored != given)
  }

  @Test("D9: a checkpoint committed but not published is caught up; never two per size")
  func unpublishedCheckpoint() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let file = try #require(registry.service.publishedCheckpoint)
    let before = try #require(try file.read(log: TestValues.logSigner.verifier))
    // As if the process died after the commit, before publishing.
    let crashed = RegistryService(
      store: try SQLiteRegistryStore(path: registry.path), logSigner: TestValues.logSigner,
      clock: registry.harness.clock)
    try await crashed.register(
      TestValues.generatedSIRET(9), profile: try ServiceProfile(name: "Avant la panne"))
    #expect(try file.read(log: TestValues.logSigner.verifier) == before)
    try await registry.service.register(
      TestValues.generatedSIRET(10), profile: try ServiceProfile(name: "Après la panne"))
    let sizes = try await registry.checkpointSizes()
    #expect(Set(sizes).count == sizes.count)
    #expect(try file.read(log: TestValues.logSigner.verifier)?.checkpoint.size == sizes.last)
    #expect(try await registry.audit().problem == nil)
  }

  @Test("D12: the database and the checkpoint file only move to larger sizes")
  func compareAndSwap() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    let sizes = try await registry.checkpointSizes()
    let latest = try #require(sizes.last)
    // A second checkpoint for an existing size, or a smaller one, is refused by the database.
    let queue = try DatabaseQueue(path: registry.path)
    for size in [latest, latest - 1] {
      #expect(throws: DatabaseError.self) {
        try queue.write { db in
          try db.execute(
            sql: "INSERT INTO checkpoints (size, note) VALUES (?, 'x')", arguments: [size])
        }
      }
    }
    try queue.close()
    // The file ignores an older checkpoint and refuses another root for its own size.
    let file = try #require(registry.service.publishedCheckpoint)
    let log = TestValues.logSigner
    let current = try #require(try file.read(log: log.verifier))
    try file.publish(try log.sign(size: 5, root: Merkle.emptyRoot), log: log.verifier)
    #expect(try file.read(log: log.verifier) == current)
    #expect(throws: RegistryError.self) {
      try file.publish(try log.sign(size: latest, root: Merkle.emptyRoot), log: log.verifier)
    }
    // Concurrent updates to sizes N and N + K: the file ends at N + K whatever the order.
    let race = CheckpointFile(path: registry.harness.folder.file("race"))
    await withTaskGroup(of: Void.self) { group in
      for size in (1...40).shuffled() {
        group.addTask {
          try? race.publish(
            try! log.sign(size: Int64(size), root: Merkle.leafHash([UInt8(size)])),
            log: log.verifier)
        }
      }
    }
    #expect(try race.read(log: log.verifier)?.checkpoint.size == 40)
  }

  /// Entries sealed by no checkpoint (a database written before the log existed, or rows
  /// appended behind the log's back) are reported unsealed by the audit, and neither read nor
  /// sealed by the next write: nothing the log does not prove is signed.
  @Test("D26: entries without a checkpoint are refused by reads and writes")
  func unsealedEntries() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    try registry.tamper("DELETE FROM checkpoints; DELETE FROM tree_hashes")
    #expect(try await registry.audit().problem == .unsealed(from: 0))
    let upgraded = RegistryService(
      store: try SQLiteRegistryStore(path: registry.path), logSigner: TestValues.logSigner,
      clock: registry.harness.clock)
    await #expect(
      throws: RegistryError.integrity("entries from index 0 are not sealed by a checkpoint")
    ) {
      try await upgraded.register(
        TestValues.generatedSIRET(11), profile: try ServiceProfile(name: "Première écriture"))
    }
    await #expect(throws: RegistryError.self) { try await upgraded.allServices() }
    #expect(try await registry.audit().problem == .unsealed(from: 0))
  }

  @Test(
    "C20/C23: a body decision the log holds but its token does not say, written past the rules, is named by the audit"
  )
  func forgedBodyDecision() async throws {
    let registry = try await TamperHarness()
    defer { registry.harness.folder.remove() }
    #expect(try await registry.audit().problem == nil)
    // A registry operator (holding the log key) writes a level 3 whose token is another genuine
    // decision of the body: it signs nothing of the kind.
    let (token, body) = try await registry.service.read { snapshot in
      var found: (String, String)?
      try snapshot.forEachEvent(from: 0) { logged in
        if found == nil, let signature = logged.event.signedBy {
          found = (signature.token, signature.body)
        }
      }
      return found!
    }
    let forged = Event.levelGranted(
      try LevelGranted(
        siret: TestValues.siret(SampleRegistry.sirets[0]), level: .certification,
        decided: registry.service.today(), validUntil: registry.service.today().adding(years: 2),
        evaluator: "Organisme", signedBy: try BodySignature(body: body, token: token)))
    let store = try SQLiteRegistryStore(path: registry.path)
    let now = TestValues.instant(TestValues.noon)
    _ = try await store.append(signer: TestValues.logSigner) { _ in
      [RecordedEvent(recordedAt: now, event: forged)]
    }
    let report = try await registry.audit()
    guard case .bodyDecisionInvalid(let index, let reason) = report.problem else {
      Issue.record(
        "the audit did not name the forged decision: \(String(describing: report.problem))")
      return
    }
    #expect(index == (try await registry.service.eventCount()) - 1)
    #expect(reason.contains("something else than the body's signed decision"))
  }
}
