// The cost of witnessing (DESIGN, "Witnesses"): one round (the newest checkpoint to two
// witnesses on loopback in parallel, cosignatures verified and kept), an append followed by a
// round as `amexist attest` does it, and an append while rounds run back to back as under
// `serve`, next to the reference: the same durable append alone.
// Usage: amexist-witness-benchmark FOLDER [appends, default 200]
import AmexistDomain
import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import RegistryService
import RegistryStoreSQLite
import Synchronization
import TransparencyLog
import Witness

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: amexist-witness-benchmark FOLDER [appends]\n".utf8))
  exit(2)
}
let folder = arguments[1]
let count = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200

let signer = try LogSigner(origin: "bench.example/log", key: Curve25519.Signing.PrivateKey())
let service = RegistryService(
  store: try SQLiteRegistryStore(path: folder + "/registry.sqlite", create: true),
  logSigner: signer)
_ = try await service.configure(scheme: .amexist)

/// Starts a witness on a free loopback port; returns its URL and vkey.
func startWitness(_ name: String) async throws -> (url: String, key: String) {
  let store = try WitnessStore(path: folder + "/\(name).sqlite", create: true)
  try store.addLog(signer.verifier)
  let cosigner = try Cosigner(name: "\(name).example/w", key: Curve25519.Signing.PrivateKey())
  let port = AsyncStream<Int>.makeStream()
  let app = WitnessServer.application(
    store: store, cosigner: cosigner, port: 0,
    onServerRunning: { bound in port.continuation.yield(bound) })
  Task { try await app.runService() }
  var iterator = port.stream.makeAsyncIterator()
  let bound = await iterator.next() ?? 0
  return ("http://127.0.0.1:\(bound)", cosigner.verifier.verifierKey)
}

for name in ["w1", "w2"] {
  let witness = try await startWitness(name)
  try await service.append([
    .witnessAdded(
      try WitnessAdded(name: name, url: witness.url, key: witness.key, at: service.clock.now()))
  ])
}
try await service.append([.quorumSet(try QuorumSet(k: 2, fromSize: 1))])

let client = HTTPClient(eventLoopGroupProvider: .singleton)
let rounds = WitnessRounds(service: service)
await rounds.run(client: client)

let serials = Mutex(0)
func appendOne() async throws {
  let serial = serials.withLock {
    $0 += 1
    return $0
  }
  // A distinct valid SIRET: the stem, and the last digit that makes it valid.
  let stem = "9" + String(format: "%08d", serial) + "0001"
  guard let siret = (0...9).lazy.compactMap({ try? SIRET(stem + String($0)) }).first else {
    fatalError("no valid SIRET for \(stem)")
  }
  _ = try await service.append([
    .serviceRegistered(
      ServiceRegistered(siret: siret, profile: try ServiceProfile(name: "Service \(serial)")))
  ])
}

func milliseconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func measure(_ body: () async throws -> Void) async rethrows -> [Double] {
  var samples: [Double] = []
  for _ in 0..<count {
    let start = ContinuousClock.now
    try await body()
    samples.append(milliseconds(ContinuousClock.now - start))
  }
  return samples.sorted()
}

func summary(_ name: String, _ samples: [Double], reference: Double) {
  let median = samples[samples.count / 2]
  let p95 = samples[min(samples.count - 1, samples.count * 95 / 100)]
  print(
    String(
      format: "%@ median %7.3f ms  p95 %7.3f ms  ratio %5.2f",
      name.padding(toLength: 36, withPad: " ", startingAt: 0), median, p95, median / reference))
}

let appendAlone = try await measure { try await appendOne() }
let appendThenRound = try await measure {
  try await appendOne()
  let report = await rounds.run(client: client)
  guard report.cosigned.count == 2 else { fatalError("a witness refused: \(report.failed)") }
}
let roundOnly = await measure {
  let report = await rounds.run(client: client)
  guard report.cosigned.count == 2 else { fatalError("a witness refused: \(report.failed)") }
}
// As `serve` runs: rounds back to back in the background while appends go on.
let background = Task {
  while !Task.isCancelled { await rounds.run(client: client) }
}
let appendDuringRounds = try await measure { try await appendOne() }
background.cancel()
_ = await background.value
let reference = appendAlone[appendAlone.count / 2]
print("\(count) samples each; reference: one durable append alone (SQLite, synchronous=FULL)")
summary("append alone (reference)", appendAlone, reference: reference)
summary("round alone (2 witnesses)", roundOnly, reference: reference)
summary("append, then round (as attest)", appendThenRound, reference: reference)
summary("append, rounds running (as serve)", appendDuringRounds, reference: reference)
exit(0)
