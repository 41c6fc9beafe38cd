// Status benchmark: at N attestations (one per service), what a status snapshot and the status
// lists cost to build and sign, and how large the snapshot is; and what renewing them after one
// write costs (the work a server does after each write), each next to one durable append of a
// decision in the same run (the reference). About 2 % of the services are suspended or
// withdrawn, so the snapshot lists about 2 % of the attestations. Prints `name value` lines.
//
// Usage: amexist-status-benchmark FOLDER [ATTESTATIONS, default 1000]
import AmexistDomain
import Attestation
import Foundation
import RegistryService
import RegistryStore
import RegistryStoreSQLite
import TransparencyLog

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: amexist-status-benchmark FOLDER [N]\n".utf8))
  exit(2)
}
let folder = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2])! : 1_000
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let logKey = SigningKey(generating: .edDSA)
let signer = try logKey.logSigner(origin: "bench.amexist.example/log")
let statusKey = SigningKey(generating: .edDSA)
let issuer = "https://bench.amexist.example"

/// A clock that moves on by a millisecond at each reading.
final class BenchClock: RegistryClock, @unchecked Sendable {
  private let lock = NSLock()
  private var current = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
  func now() -> Instant {
    lock.lock()
    defer { lock.unlock() }
    current = current.adding(milliseconds: 1)
    return current
  }
}
let clock = BenchClock()

func siret(_ number: Int) -> SIRET {
  let digits = String(number)
  let stem = "9" + String(repeating: "0", count: 8 - digits.count) + digits + "0001"
  return (0...9).lazy.compactMap { try? SIRET(stem + String($0)) }.first!
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
  let clock = ContinuousClock()
  let elapsed = try await clock.measure(body)
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func report(_ name: String, _ value: Double) {
  print(name, String(format: value >= 100 ? "%.0f" : "%.3f", value))
}

let store = try SQLiteRegistryStore(
  path: (folder as NSString).appendingPathComponent("registry.sqlite"), create: true)
// Each service: registered, granted level 1, attested (status index = its number); every 100th
// is suspended and every 100th (offset 50) withdrawn. Appended in sealed batches.
let decided = CalendarDate(parisDayOf: clock.now())
var random = SystemRandomNumberGenerator()
var taken: Set<Int64> = []
let batch = 300
var next = 0
while next < total {
  var events: [RecordedEvent] = []
  let base = Int64(try await store.read { try $0.count() })
  for number in next..<min(next + batch, total) {
    let at = clock.now()
    let service = siret(number)
    events.append(
      RecordedEvent(
        recordedAt: at,
        event: .serviceRegistered(
          ServiceRegistered(
            siret: service,
            profile: try ServiceProfile(name: "Service de santé au travail \(number)")))))
    let grantIndex = base + Int64(events.count)
    events.append(
      RecordedEvent(
        recordedAt: at,
        event: .levelGranted(
          try LevelGranted(
            siret: service, level: .commitment, decided: decided,
            validUntil: decided.adding(years: 3).adding(days: -1)))))
    let index = StatusListLayout.draw(avoiding: taken, using: &random)
    taken.insert(index)
    events.append(
      RecordedEvent(
        recordedAt: at,
        event: .attestationIssued(
          try AttestationIssued(
            siret: service, attestationID: "urn:uuid:" + UUID().uuidString.lowercased(),
            decisionIndex: grantIndex, payloadSHA256: String(repeating: "0", count: 64),
            statusIndex: index))))
    if number % 100 == 0 {
      events.append(
        RecordedEvent(
          recordedAt: at,
          event: .levelSuspended(
            try LevelSuspended(siret: service, decided: decided, reason: "Contrôle en cours"))))
    } else if number % 100 == 50 {
      events.append(
        RecordedEvent(
          recordedAt: at,
          event: .levelWithdrawn(
            try LevelWithdrawn(siret: service, decided: decided, reason: "Fin d'activité"))))
    }
  }
  let sealed = events
  _ = try await store.append(signer: signer) { _ in sealed }
  next += batch
}
let service = RegistryService(store: store, logSigner: signer, clock: clock)
report("attestations", Double(total))
report("log_events", Double(try await service.eventCount()))

// The reference: one durable append of a decision, median of 50.
var appends: [Double] = []
for round in 0..<50 {
  let target = siret((round * 20 + 1) % total)
  appends.append(
    try await seconds {
      try await service.decide(
        .levelSuspended(try LevelSuspended(siret: target, decided: decided, reason: "Essai")))
    })
  try await service.decide(.levelReinstated(LevelReinstated(siret: target, decided: decided)))
}
let append = appends.sorted()[appends.count / 2]
report("durable_append_milliseconds", append * 1000)

let statusSigner = (key: statusKey, kid: statusKey.publicKey.keyID)
// The first release also runs the verified pass over the whole log, as a server's first read.
var release: StatusRelease?
let first = try await seconds {
  release = try await service.publishStatus(
    signer: statusSigner, issuer: issuer, policy: .none, realNow: clock.now())
}
report("first_release_with_verified_pass_milliseconds", first * 1000)
service.statusBoards.forget()
let full = try await seconds { _ = try await service.statusBoard() }
report("full_board_milliseconds", full * 1000)
let board = try await seconds { _ = try await service.statusBoard() }
report("board_unchanged_milliseconds", board * 1000)
report("snapshot_bytes", Double(release!.snapshot.utf8.count))
report("snapshot_listed", Double((total + 99) / 100 + (total + 49) / 100))
report("lists", Double(release!.lists.count))
report("list_bytes", Double(release!.lists[0]!.utf8.count))

// What a server does after each write: the write, then a new release (median of 10): the
// board folds the one service the write touched, then the snapshot and lists are signed.
var renewals: [Double] = []
for round in 0..<10 {
  try await service.decide(
    .levelSuspended(
      try LevelSuspended(siret: siret((round * 20 + 2) % total), decided: decided, reason: "Essai"))
  )
  renewals.append(
    try await seconds {
      _ = try await service.publishStatus(
        signer: statusSigner, issuer: issuer, policy: .none, realNow: clock.now())
    })
}
let renewal = renewals.sorted()[renewals.count / 2]
report("renewal_after_write_milliseconds", renewal * 1000)
report("ratio_renewal_to_append", renewal / append)
