// Verified reads benchmark: at 10^6 events, what a service page and an attestation page cost
// through the verified reads that every public and signed read now makes (entries selected by
// the verified log, each one checked against its verified leaf hash), next to the same folds
// made on the raw snapshot (lookup columns trusted, nothing checked), in the same run; and the
// one verified pass over the whole log that a server makes at start and a signing command
// makes once; and the open of a new process that restores the verified log kept by an earlier
// one (`VerifiedLogFile`) instead of making that pass. Prints `name value` lines.
//
// Usage: amexist-read-benchmark FOLDER [EVENTS, default 1000000] [SERVICES, default EVENTS]
// (with fewer services than events, the filler registers the services, then updates them in
// turn).
import AmexistDomain
import Attestation
import Foundation
import RegistryService
import RegistryStore
import RegistryStoreSQLite
import TransparencyLog

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: amexist-read-benchmark FOLDER [EVENTS]\n".utf8))
  exit(2)
}
let folder = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2])! : 1_000_000
let services = max(1, arguments.count > 3 ? Int(arguments[3])! : total)
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let issuerKey = SigningKey(generating: .edDSA)
let signer = try issuerKey.logSigner(origin: "bench.amexist.example/log")

/// A fixed clock, a little after the last event.
struct BenchClock: RegistryClock {
  let instant: Instant
  func now() -> Instant { instant }
}
let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
let clock = BenchClock(instant: start.adding(milliseconds: Int64(total) + 86_400_000))

func siret(_ number: Int) -> SIRET {
  let digits = String(number)
  let stem = "9" + String(repeating: "0", count: 8 - digits.count) + digits + "0001"
  return (0...9).lazy.compactMap { try? SIRET(stem + String($0)) }.first!
}

/// The n-th filler event: a service registration (about 150 bytes of canonical JSON), or once
/// every service is registered, an update of one of them.
func filler(_ number: Int) -> RecordedEvent {
  let profile = try! ServiceProfile(name: "Service de santé au travail \(number)", region: "84")
  let service = siret(number % services)
  return RecordedEvent(
    recordedAt: start.adding(milliseconds: Int64(number)),
    event: number < services
      ? .serviceRegistered(ServiceRegistered(siret: service, profile: profile))
      : .serviceUpdated(ServiceUpdated(siret: service, profile: profile)))
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
  let clock = ContinuousClock()
  let elapsed = try await clock.measure(body)
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func report(_ name: String, _ value: Double) {
  print(name, String(format: value >= 100 ? "%.0f" : "%.3f", value))
}

let path = (folder as NSString).appendingPathComponent("registry.sqlite")
let store = try SQLiteRegistryStore(path: path, create: true)
// The filler, in batches of 1,000 sealed by a checkpoint each.
let batch = 1_000
var filled = 0
while filled + batch <= total - 100 {
  let events = (filled..<filled + batch).map(filler)
  _ = try await store.append(signer: signer) { _ in events }
  filled += batch
}
// The measured service: registered, granted, attested, among the filler.
let writer = RegistryService(store: store, logSigner: signer, clock: clock)
let measured = siret(total + 1)
try await writer.register(measured, profile: try ServiceProfile(name: "Service mesuré"))
let decided = CalendarDate(parisDayOf: clock.now())
try await writer.decide(
  .levelGranted(
    try LevelGranted(
      siret: measured, level: .implementation, decided: decided,
      validUntil: decided.adding(years: 3).adding(days: -1))))
let kid = try await writer.addKey(issuerKey)
let issued = try await writer.issueAttestation(
  siret: measured, signer: issuerKey, kid: kid, issuer: "https://bench.amexist.example")
let id = issued.claims.id
let size = try await store.read { try $0.count() }
report("log_events", Double(size))

// The one verified pass a new process makes: every entry read, decoded, hashed and checked.
let reader = RegistryService(store: store, logVerifier: signer.verifier, clock: clock)
let passSeconds = try await seconds { _ = try await reader.eventCount() }
report("verified_pass_seconds", passSeconds)

// The verified log kept between processes: written by a process holding the log key after its
// pass, then restored by the next process instead of making the pass again.
let keptPath = (folder as NSString).appendingPathComponent("verified-log")
let keeper = RegistryService(
  store: store, logSigner: signer,
  verifiedLogFile: VerifiedLogFile(path: keptPath, logSigner: signer), clock: clock)
_ = try await keeper.eventCount()
let keptBytes = try FileManager.default.attributesOfItem(atPath: keptPath)[.size] as? Int ?? 0
report("kept_file_megabytes", Double(keptBytes) / 1e6)
let restoring = RegistryService(
  store: store, logSigner: signer,
  verifiedLogFile: VerifiedLogFile(path: keptPath, logSigner: signer), clock: clock)
let restoredOpen = try await seconds { _ = try await restoring.state(of: measured) }
guard restoring.verifiedLog.keptSize == size else {
  FileHandle.standardError.write(Data("the kept verified log was not restored\n".utf8))
  exit(1)
}
report("restored_open_and_service_page_seconds", restoredOpen)
report("ratio_restored_open_to_verified_pass", restoredOpen / passSeconds)

let rounds = 2_000
let now = clock.now()
// The service page: the state fold (`state(of:)`), next to the same fold on the raw snapshot.
let verifiedService = try await seconds {
  for _ in 0..<rounds { _ = try await reader.state(of: measured, at: now) }
}
let rawService = try await seconds {
  for _ in 0..<rounds {
    _ = try await store.read { snapshot in
      ServiceState.fold(try snapshot.events(about: .service(measured)), at: now)
    }
  }
}
report("service_verified_microseconds", verifiedService / Double(rounds) * 1e6)
report("service_unverified_microseconds", rawService / Double(rounds) * 1e6)
report("ratio_service_verified_to_unverified", verifiedService / rawService)

// The attestation page: the lookup (`attestation(id:)`: entry, document checked against it,
// signature, service fold), next to the same reads and signature check on the raw snapshot.
let trusted = issuerKey.publicKey
let verifiedAttestation = try await seconds {
  for _ in 0..<rounds { _ = try await reader.attestation(id: id) }
}
let rawAttestation = try await seconds {
  for _ in 0..<rounds {
    _ = try await store.read { snapshot in
      let stored = try snapshot.attestation(id: id)!
      _ = try snapshot.event(at: stored.index)
      let state = ServiceState.fold(try snapshot.events(about: .service(measured)), at: now)
      _ = try CompactJWS.verify(
        Array(stored.signedDocument!.utf8), key: { _ in trusted },
        expectedType: AttestationClaims.jwsType)
      return state?.standing
    }
  }
}
report("attestation_verified_microseconds", verifiedAttestation / Double(rounds) * 1e6)
report("attestation_unverified_microseconds", rawAttestation / Double(rounds) * 1e6)
report("ratio_attestation_verified_to_unverified", verifiedAttestation / rawAttestation)
