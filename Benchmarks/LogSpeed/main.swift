// Log benchmark: durable append throughput through the SQLite store (batches of 1 and of
// 1,000 events, each batch sealed by a signed checkpoint) next to plain durable inserts of the
// same bytes into a bare SQLite table with the same settings (WAL, synchronous=FULL), in the
// same run; then, at 10^6 events, inclusion and consistency proof generation next to reading
// one entry by index. Prints `name value` lines.
//
// Usage: amexist-log-benchmark FOLDER [EVENTS, default 1000000]
import AmexistDomain
import Attestation
import Foundation
import GRDB
import RegistryStore
import RegistryStoreSQLite
import TransparencyLog

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: amexist-log-benchmark FOLDER [EVENTS]\n".utf8))
  exit(2)
}
let folder = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2])! : 1_000_000
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let signer = try SigningKey(generating: .edDSA).logSigner(origin: "bench.amexist.example/log")
let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)

/// The n-th sample event: a service registration (about 150 bytes of canonical JSON).
func event(_ number: Int) -> RecordedEvent {
  let digits = String(number)
  let stem = "9" + String(repeating: "0", count: 8 - digits.count) + digits + "0001"
  let siret = (0...9).lazy.compactMap { try? SIRET(stem + String($0)) }.first!
  let profile = try! ServiceProfile(name: "Service de santé au travail \(number)", region: "84")
  return RecordedEvent(
    recordedAt: start.adding(milliseconds: Int64(number)),
    event: .serviceRegistered(ServiceRegistered(siret: siret, profile: profile)))
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
  let clock = ContinuousClock()
  let elapsed = try await clock.measure(body)
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// The reference: the same bytes inserted durably into a bare table, no tree, no checkpoint.
func plainInserts(_ path: String, batches: Int, size: Int, offset: Int) async throws -> Double {
  var configuration = Configuration()
  configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
  let pool = try DatabasePool(path: path, configuration: configuration)
  try await pool.writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA synchronous = FULL")
    try db.execute(
      sql: "CREATE TABLE IF NOT EXISTS plain (idx INTEGER PRIMARY KEY, body BLOB NOT NULL)")
  }
  let bodies = (0..<batches * size).map { EventCoding.encode(event(offset + $0)) }
  return try await seconds {
    for batch in 0..<batches {
      try await pool.write { db in
        let insert = try db.cachedStatement(sql: "INSERT INTO plain (idx, body) VALUES (?, ?)")
        for index in batch * size..<(batch + 1) * size {
          try insert.execute(arguments: [offset + index, Data(bodies[index])])
        }
      }
    }
  }
}

func appends(_ store: SQLiteRegistryStore, batches: Int, size: Int, offset: Int) async throws
  -> Double
{
  let events = (0..<batches * size).map { event(offset + $0) }
  return try await seconds {
    for batch in 0..<batches {
      let slice = Array(events[batch * size..<(batch + 1) * size])
      _ = try await store.append(signer: signer) { _ in slice }
    }
  }
}

func report(_ name: String, _ value: Double) {
  print(name, String(format: value >= 100 ? "%.0f" : "%.3f", value))
}

let store = try SQLiteRegistryStore(
  path: (folder as NSString).appendingPathComponent("log.sqlite"), create: true)
let plainPath = (folder as NSString).appendingPathComponent("plain.sqlite")

// Batches of 1: one fsync-bound transaction per event.
let singles = 1_000
let logSingles = try await appends(store, batches: singles, size: 1, offset: 0)
let plainSingles = try await plainInserts(plainPath, batches: singles, size: 1, offset: 0)
report("append_batch1_events_per_second", Double(singles) / logSingles)
report("plain_insert_batch1_events_per_second", Double(singles) / plainSingles)
report("ratio_batch1", plainSingles / logSingles)

// Batches of 1,000, up to `total` events; the rate is measured on the last 100 batches.
var filled = singles
let batch = 1_000
while filled + batch * 100 < total {
  _ = try await appends(store, batches: 10, size: batch, offset: filled)
  filled += 10 * batch
}
let remaining = (total - filled) / batch
let logBatches = try await appends(store, batches: remaining, size: batch, offset: filled)
let plainBatches = try await plainInserts(
  plainPath, batches: remaining, size: batch, offset: singles)
filled += remaining * batch
report("log_events", Double(filled))
report("append_batch1000_events_per_second", Double(remaining * batch) / logBatches)
report("plain_insert_batch1000_events_per_second", Double(remaining * batch) / plainBatches)
report("ratio_batch1000", plainBatches / logBatches)

// Proofs at the full size: each is a few point reads of stored hashes.
let size = Int64(filled)
let rounds = 2_000
let indexes = (0..<rounds).map { _ in Int64.random(in: 0..<size) }
let proofSeconds = try await seconds {
  for index in indexes {
    _ = try await store.read { snapshot in
      try StoredTree.inclusionProof(index: index, size: size, reader: snapshot)
    }
  }
}
let consistencySeconds = try await seconds {
  for index in indexes {
    _ = try await store.read { snapshot in
      try StoredTree.consistencyProof(size1: max(1, index), size2: size, reader: snapshot)
    }
  }
}
let readSeconds = try await seconds {
  for index in indexes {
    _ = try await store.read { snapshot in try snapshot.event(at: index) }
  }
}
report("inclusion_proof_microseconds", proofSeconds / Double(rounds) * 1e6)
report("consistency_proof_microseconds", consistencySeconds / Double(rounds) * 1e6)
report("read_one_entry_microseconds", readSeconds / Double(rounds) * 1e6)
report("ratio_inclusion_proof_to_entry_read", proofSeconds / readSeconds)
