import AmexistDomain
import Crypto
public import RegistryStore
import Testing
import TransparencyLog

/// The guarantees every ``RegistryStore`` engine states, as checks any engine's tests run.
///
/// Each check takes a fresh, empty store and records failures with `#expect`.
public enum StoreConformance {
  /// Every check, in order.
  public static let all:
    [(name: String, check: @Sendable (any RegistryStore) async throws -> Void)] = [
      ("appends get gapless indexes and read back byte for byte", appendsAreGaplessAndExact),
      ("a failing batch writes nothing", failingBatchWritesNothing),
      ("events are found by subject in log order", eventsBySubject),
      ("concurrent appends are serialised and none is lost", concurrentAppendsAreSerialised),
      ("a snapshot never shows part of a batch", snapshotsAreWhole),
      ("every batch ends with a signed checkpoint of the entries' root", batchesAreSealed),
      ("an empty batch writes and signs nothing", emptyBatchSignsNothing),
      ("a store sealed by one log key refuses to be sealed by another", otherLogKeyIsRefused),
      ("an attestation's signed document is kept and found by id", attestationsAreFoundByID),
      ("witness cosignatures are kept beside stored checkpoints only", cosignaturesAreKept),
    ]

  static let clockStart = Instant(millisecondsSinceEpoch: 1_795_000_000_000)

  static func events(count: Int, offset: Int = 0) -> [RecordedEvent] {
    (0..<count).map { index in
      // Key events need no service: any kid makes a distinct, valid event.
      let event: Event
      do {
        event = .keyRetired(try KeyRetired(kid: "conformance-\(offset + index)", at: clockStart))
      } catch {
        preconditionFailure("invalid conformance event")
      }
      return RecordedEvent(
        recordedAt: clockStart.adding(milliseconds: Int64(offset + index)), event: event)
    }
  }

  static func appendsAreGaplessAndExact(_ store: any RegistryStore) async throws {
    let first = try await store.append(signer: TestValues.logSigner) { _ in events(count: 3) }
      .events
    let second = try await store.append(signer: TestValues.logSigner) { _ in
      events(count: 2, offset: 3)
    }.events
    #expect((first + second).map(\.index) == [0, 1, 2, 3, 4])
    let stored = try await store.read { snapshot in
      var all: [LoggedEvent] = []
      try snapshot.forEachEvent(from: 0) { all.append($0) }
      var picked: [(Int64, [UInt8])] = []
      try snapshot.forEachEntry(at: [0, 2, 4, 7]) { picked.append(($0, $1)) }
      return (
        all, try snapshot.count(), try snapshot.event(at: 4), try snapshot.event(at: 5), picked
      )
    }
    #expect(stored.4.map(\.0) == [0, 2, 4], "entries at given indexes: those held, in order")
    #expect(stored.4.map(\.1) == [0, 2, 4].map { (first + second)[$0].canonicalBytes })
    #expect(stored.0 == first + second)
    #expect(
      stored.0.map(\.canonicalBytes) == (first + second).map { EventCoding.encode($0.recorded) })
    #expect(stored.1 == 5)
    #expect(stored.2 == second.last)
    #expect(stored.3 == nil)
  }

  struct Refusal: Error {}

  static func failingBatchWritesNothing(_ store: any RegistryStore) async throws {
    _ = try await store.append(signer: TestValues.logSigner) { _ in events(count: 1) }
    await #expect(throws: Refusal.self) {
      _ = try await store.append(signer: TestValues.logSigner) { _ in throw Refusal() }
    }
    let count = try await store.read { try $0.count() }
    #expect(count == 1)
    let next = try await store.append(signer: TestValues.logSigner) { _ in
      events(count: 1, offset: 1)
    }
    #expect(next.events.map(\.index) == [1])
    #expect(next.checkpoint?.checkpoint.size == 2)
    let sizes = try await store.read { snapshot in
      var sizes: [Int64] = []
      try snapshot.forEachCheckpoint { sizes.append($0.size) }
      return sizes
    }
    #expect(sizes == [1, 2])
  }

  static func eventsBySubject(_ store: any RegistryStore) async throws {
    _ = try await store.append(signer: TestValues.logSigner) { _ in events(count: 4) }
    let found = try await store.read { snapshot in try snapshot.events(about: .key("conformance-2"))
    }
    #expect(found.map(\.index) == [2])
    let none = try await store.read { snapshot in try snapshot.events(about: .key("absent")) }
    #expect(none.isEmpty)
  }

  /// G2: many writers at once; every append lands once, indexes are gapless, and each
  /// writer's check-then-append saw the count left by the one before it.
  static func concurrentAppendsAreSerialised(_ store: any RegistryStore) async throws {
    let writers = 24
    try await withThrowingTaskGroup(of: AppendReceipt.self) { group in
      for writer in 0..<writers {
        group.addTask {
          try await store.append(signer: TestValues.logSigner) { snapshot in
            let count = try snapshot.count()
            return events(count: 1, offset: 1000 + writer).map { recorded in
              // The event records the count its writer saw: serialised writers see 0, 1, 2…
              RecordedEvent(
                recordedAt: clockStart.adding(milliseconds: count), event: recorded.event)
            }
          }
        }
      }
      var indexes: [Int64] = []
      var sizes: [Int64] = []
      for try await receipt in group {
        indexes += receipt.events.map(\.index)
        sizes += receipt.checkpoint.map { [$0.checkpoint.size] } ?? []
      }
      #expect(indexes.sorted() == (0..<Int64(writers)).map { $0 })
      // G1: one checkpoint per size, each writer's own.
      #expect(sizes.sorted() == (1...Int64(writers)).map { $0 })
    }
    let seen = try await store.read { snapshot in
      var offsets: [Int64] = []
      try snapshot.forEachEvent(from: 0) {
        offsets.append($0.recordedAt.millisecondsSinceEpoch - clockStart.millisecondsSinceEpoch)
      }
      return offsets
    }
    #expect(seen == (0..<Int64(writers)).map { $0 })
  }

  static func snapshotsAreWhole(_ store: any RegistryStore) async throws {
    let batch = 50
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for round in 0..<10 {
          _ = try await store.append(signer: TestValues.logSigner) { _ in
            events(count: batch, offset: round * batch)
          }
        }
      }
      group.addTask {
        for _ in 0..<40 {
          let count = try await store.read { try $0.count() }
          #expect(count % Int64(batch) == 0)
        }
      }
      try await group.waitForAll()
    }
  }

  /// The checkpoint after each batch verifies with the log key and has the RFC 6962 root of
  /// every entry so far, recomputed here from the entries read back.
  static func batchesAreSealed(_ store: any RegistryStore) async throws {
    var entries: [[UInt8]] = []
    for round in 0..<5 {
      let offset = entries.count
      let receipt = try await store.append(signer: TestValues.logSigner) { _ in
        events(count: round + 1, offset: offset)
      }
      entries += receipt.events.map(\.canonicalBytes)
      let checkpoint = try #require(receipt.checkpoint)
      #expect(checkpoint.checkpoint.size == Int64(entries.count))
      #expect(checkpoint.checkpoint.root == ReferenceMerkle.root(entries[...]))
      let stored = try await store.read { try $0.latestCheckpoint() }
      #expect(try stored?.verified(by: TestValues.logSigner.verifier) == checkpoint)
    }
  }

  static func emptyBatchSignsNothing(_ store: any RegistryStore) async throws {
    _ = try await store.append(signer: TestValues.logSigner) { _ in events(count: 2) }
    let receipt = try await store.append(signer: TestValues.logSigner) { _ in [] }
    #expect(receipt.events.isEmpty && receipt.checkpoint == nil)
    let latest = try await store.read { try $0.latestCheckpoint()?.size }
    #expect(latest == 2)
  }

  static func otherLogKeyIsRefused(_ store: any RegistryStore) async throws {
    _ = try await store.append(signer: TestValues.logSigner) { _ in events(count: 2) }
    let impostor = try LogSigner(
      origin: TestValues.logSigner.origin,
      key: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 3, count: 32)))
    await #expect(throws: StoreError.self) {
      _ = try await store.append(signer: impostor) { _ in events(count: 1, offset: 2) }
    }
    #expect(try await store.read { try $0.count() } == 2)
  }

  static func attestationsAreFoundByID(_ store: any RegistryStore) async throws {
    @Sendable func issued(_ id: String, document: String?) throws -> RecordedEvent {
      let event = Event.attestationIssued(
        try AttestationIssued(
          siret: try SIRET("73282932000074"), attestationID: id, decisionIndex: 0,
          payloadSHA256: String(repeating: "ab", count: 32)))
      return RecordedEvent(recordedAt: clockStart, event: event, signedDocument: document)
    }
    let first = "urn:uuid:00000000-0000-4000-8000-000000000001"
    let second = "urn:uuid:00000000-0000-4000-8000-000000000002"
    _ = try await store.append(signer: TestValues.logSigner) { _ in
      events(count: 2) + [try issued(first, document: "a.b.c"), try issued(second, document: nil)]
    }
    let found = try await store.read { snapshot in
      (
        try snapshot.attestation(id: first), try snapshot.attestation(id: second),
        try snapshot.attestation(id: "urn:uuid:00000000-0000-4000-8000-000000000003")
      )
    }
    #expect(found.0 == StoredAttestation(index: 2, signedDocument: "a.b.c"))
    #expect(found.1 == StoredAttestation(index: 3, signedDocument: nil))
    #expect(found.2 == nil)
    // The same id twice is refused, and the whole batch with it.
    await #expect(throws: (any Error).self) {
      _ = try await store.append(signer: TestValues.logSigner) { _ in
        [try issued(first, document: "d.e.f")]
      }
    }
    #expect(try await store.read { try $0.count() } == 4)
  }

  static func cosignaturesAreKept(_ store: any RegistryStore) async throws {
    _ = try await store.append(signer: TestValues.logSigner) { _ in events(count: 2) }
    _ = try await store.append(signer: TestValues.logSigner) { _ in events(count: 1, offset: 2) }
    let first = KeptCosignature(size: 2, witnessKey: "w1+00000000+BA==", line: "— w1 AAAA")
    let later = KeptCosignature(size: 2, witnessKey: "w1+00000000+BA==", line: "— w1 BBBB")
    let other = KeptCosignature(size: 3, witnessKey: "w2+00000000+BA==", line: "— w2 CCCC")
    try await store.keepCosignatures([first, other])
    // Kept again (a retry): nothing doubles; a later cosignature of the same size is kept too.
    try await store.keepCosignatures([first, later])
    let kept = try await store.read { snapshot in
      (
        try snapshot.cosignatures(size: 2), try snapshot.cosignatures(size: 3),
        try snapshot.cosignedSizes(limit: 8), try snapshot.cosignedSizes(limit: 1)
      )
    }
    #expect(Set(kept.0) == [first, later] && kept.0.count == 2)
    #expect(kept.1 == [other])
    #expect(kept.2 == [3, 2] && kept.3 == [3])
    // A size that has no checkpoint is refused, and nothing of the call is kept.
    await #expect(throws: (any Error).self) {
      try await store.keepCosignatures([
        KeptCosignature(size: 7, witnessKey: "w1+00000000+BA==", line: "— w1 DDDD")
      ])
    }
    #expect(try await store.read { try $0.cosignedSizes(limit: 8) } == [3, 2])
  }
}
