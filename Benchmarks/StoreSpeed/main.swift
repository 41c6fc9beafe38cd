// Store benchmark: the same workload on any store the registry can open, so that SQLite and
// PostgreSQL are measured side by side in one run (Benchmarks/postgres.sh runs it on both).
// Durable appends of single-event batches (each sealed by a signed checkpoint) from WRITERS
// concurrent tasks, then reads of one event by index from as many tasks. Prints `name value`.
//
// Usage: amexist-store-benchmark DATABASE [EVENTS, default 2000] [WRITERS, default 1]
// DATABASE: a SQLite file path or a postgres:// URL (an empty database).
import AmexistDomain
import Attestation
import Foundation
import RegistryStore
import RegistryStorePostgres
import RegistryStoreSQLite
import TransparencyLog

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  FileHandle.standardError.write(
    Data("usage: amexist-store-benchmark DATABASE [EVENTS] [WRITERS]\n".utf8))
  exit(2)
}
let database = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2])! : 2000
let writers = arguments.count > 3 ? Int(arguments[3])! : 1
let signer = try SigningKey(generating: .edDSA).logSigner(origin: "bench.amexist.example/log")
let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)

/// The n-th sample event: a key retirement (a small, always valid event).
func event(_ number: Int) -> RecordedEvent {
  RecordedEvent(
    recordedAt: start.adding(milliseconds: Int64(number)),
    event: .keyRetired(try! KeyRetired(kid: "bench-\(number)", at: start)))
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
  let elapsed = try await ContinuousClock().measure(body)
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

let store: any RegistryStore
var postgres: PostgresRegistryStore?
if database.hasPrefix("postgres") {
  var options = PostgresRegistryStore.Options()
  options.maximumConnections = max(writers, 2)
  postgres = try await PostgresRegistryStore.open(
    try PostgresLocation(url: database), options: options, schema: .migrate)
  store = postgres!
} else {
  store = try SQLiteRegistryStore(path: database, create: true)
}

let perWriter = total / writers
let appendTime = try await seconds {
  try await withThrowingTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
      group.addTask {
        for number in 0..<perWriter {
          let recorded = event(writer * perWriter + number)
          _ = try await store.append(signer: signer) { _ in [recorded] }
        }
      }
    }
    try await group.waitForAll()
  }
}
let written = try await store.read { try $0.count() }
let reads = total * 5
let readTime = try await seconds {
  try await withThrowingTaskGroup(of: Void.self) { group in
    for reader in 0..<writers {
      group.addTask {
        for number in 0..<reads / writers {
          let index = Int64((number * 7919 + reader) % Int(written))
          _ = try await store.read { try $0.event(at: index) }
        }
      }
    }
    try await group.waitForAll()
  }
}
print("writers", writers)
print("appends_per_second", String(format: "%.0f", Double(perWriter * writers) / appendTime))
print("reads_per_second", String(format: "%.0f", Double(reads) / readTime))
await postgres?.close()
