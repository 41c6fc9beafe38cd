import AmexistDomain
import Attestation
import Crypto
import Foundation
import RegistryService
import RegistryStoreSQLite
import RegistryTesting
import Testing
import TransparencyLog

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A registry with witnesses (DESIGN, "Witnesses"), run as its operator and verifiers do:
/// `witnesses add/quorum/remove`, `attest` waiting for the quorum (exit 75 without it),
/// `amexist bundle ID`, `verify` requiring the quorum, and a split view caught end to end
/// (catalogue D21–D23, D26).
@Suite("A registry with witnesses")
struct WitnessedRegistryTests {
  static let siret = "73282932000074"
  static let other = "78467169500087"
  static let third = "12345678200010"

  /// A running witness: its process, URL, folder and vkey.
  struct RunningWitness {
    let process: Process
    let url: URL
    let dir: String
    let vkey: String
  }

  /// Makes the witness `dir` following the registry's log and starts it.
  static func startWitness(_ cli: CommandRunner, _ dir: String) async throws -> RunningWitness {
    let made = try await cli.run(["witness", "init", "--dir", dir, "--name", "\(dir).example/w"])
    #expect(made.status == 0, "\(made.stderr)")
    let trust = try TrustCLITests.readJSON(cli.path("Keys/trust.json"))
    guard case .string(let origin) = trust["root"]?["signed"]?["log"]?["origin"],
      case .string(let key) = trust["root"]?["signed"]?["log"]?["key"]
    else { throw CommandRunner.ServeFailure(description: "no log in the trust file") }
    let added = try await cli.run([
      "witness", "add-log", "--dir", dir, "--origin", origin, "--key", key,
    ])
    #expect(added.status == 0, "\(added.stderr)")
    let (process, url) = try await WitnessCLITests.serve(cli, dir: dir)
    return RunningWitness(
      process: process, url: url, dir: dir,
      vkey: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// A registry with the witnesses `names` listed and a quorum of `quorum`, one service granted
  /// level 1.
  static func witnessedRegistry(_ names: [String], quorum: Int) async throws -> (
    CommandRunner, [RunningWitness]
  ) {
    let cli = try CommandRunner()
    try await cli.mustRun(["init"])
    var witnesses: [RunningWitness] = []
    for name in names {
      let witness = try await startWitness(cli, name)
      witnesses.append(witness)
      try await cli.mustRun([
        "witnesses", "add", name, "--url", witness.url.absoluteString, "--key", witness.vkey,
      ])
    }
    try await cli.mustRun(["witnesses", "quorum", "\(quorum)"])
    try await cli.mustRun(["service", "add", siret, "--name", "Santé Travail Lyon"])
    try await cli.mustRun([
      "decision", "grant", siret, "--level", "1", "--decided", "2026-01-10", "--valid-until",
      "2029-01-09",
    ])
    return (cli, witnesses)
  }

  static func stop(_ witnesses: [RunningWitness]) {
    for witness in witnesses where witness.process.isRunning { witness.process.terminate() }
  }

  /// The bundle's checkpoint note.
  static func checkpointNote(_ cli: CommandRunner, _ bundle: String) throws -> String {
    guard case .string(let proof) = try TrustCLITests.readJSON(cli.path(bundle))["log"]?["proof"]
    else { return "" }
    // The tlog-proof's checkpoint follows its first blank line.
    return String(proof[proof.range(of: "\n\n")!.upperBound...])
  }

  /// Rewrites the bundle at `path` with its checkpoint note replaced by `edit`'s.
  static func editCheckpoint(
    _ cli: CommandRunner, _ path: String, to out: String, _ edit: (String) -> String
  ) throws {
    var bundle = try TrustCLITests.readJSON(cli.path(path))
    guard case .object(var members) = bundle, case .string(let proof) = bundle["log"]?["proof"],
      let split = proof.range(of: "\n\n")
    else { return }
    let edited = String(proof[..<split.upperBound]) + edit(String(proof[split.upperBound...]))
    members["log"] = .object(["proof": .string(edited)])
    bundle = .object(members)
    try Data(CanonicalJSON.encode(bundle)).write(to: URL(fileURLWithPath: cli.path(out)))
  }

  @Test(
    "attest waits for the quorum; verify requires it (exit 6 naming who is missing), ignores unknown cosigners; Python checks a cosignature from C2SP alone (D21, D22)"
  )
  func attestWithQuorum() async throws {
    let (cli, witnesses) = try await Self.witnessedRegistry(["dreets", "ministere"], quorum: 2)
    defer {
      Self.stop(witnesses)
      cli.folder.remove()
    }
    let attested = try await cli.run(["attest", Self.siret, "--out", "out"])
    #expect(attested.status == 0, "\(attested.stderr)")
    let bundle = attested.stdout.firstLine
    let verified = try await TrustCLITests.expect(cli, ["verify", bundle], status: 0)
    #expect(verified.stdout.contains("cosigned by dreets, ministere"), "\(verified.stdout)")
    let note = try Self.checkpointNote(cli, bundle)
    #expect(note.components(separatedBy: "\n— ").count - 1 == 3, "\(note)")

    // Outside check: the witness's cosignature, from the C2SP specifications alone.
    try note.write(toFile: cli.path("note.txt"), atomically: true, encoding: .utf8)
    let python = try await ExternalTool.run(
      "python3",
      [
        Vectors.packageRoot + "/Tests/Interop/cosignature_check.py", witnesses[1].vkey,
        cli.path("note.txt"),
      ])
    #expect(python.status == 0 && python.text.hasPrefix("cosigned at"), "\(python.stderr)")

    // One cosignature removed: the quorum is missing, and the verdict names who.
    try Self.editCheckpoint(cli, bundle, to: "one.json") { note in
      note.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("— ministere.example/w ") }.joined(separator: "\n")
    }
    let missing = try await TrustCLITests.expect(cli, ["verify", "one.json"], status: 6)
    #expect(missing.stdout.contains("missing: ministere"), "\(missing.stdout)")

    // A later checkpoint with the quorum, and the consistency proof to it, stands for the
    // bundle's (--checkpoint); a proof that does not lead to it is a fork.
    let size = try #require(Int(note.split(separator: "\n")[1]))
    try await cli.mustRun([
      "decision", "renew", Self.siret, "--decided", "2026-02-01", "--valid-until", "2029-02-01",
    ])
    try await cli.mustRun(["attest", Self.siret, "--out", "out"])
    let latest = try #require(
      Int(try await cli.run(["log", "checkpoint"]).stdout.split(separator: "\n")[1]))
    let proof = try await cli.run([
      "log", "prove", "--from", "\(size)", "--to", "\(latest)", "--json",
    ])
    try proof.stdout.write(toFile: cli.path("later.json"), atomically: true, encoding: .utf8)
    let replaced = try await TrustCLITests.expect(
      cli, ["verify", "one.json", "--checkpoint", "later.json"], status: 0)
    #expect(
      replaced.stdout.contains("on a later checkpoint of \(latest) entries"), "\(replaced.stdout)")
    guard case .object(var members) = try json(proof),
      case .array(let hashes) = members["proof"], !hashes.isEmpty
    else {
      Issue.record("no consistency proof: \(proof.stdout)")
      return
    }
    members["proof"] = .array(
      [.string(MerkleHash(bytes: [UInt8](repeating: 0, count: 32))!.base64)] + hashes.dropFirst())
    try Data(CanonicalJSON.encode(.object(members))).write(
      to: URL(fileURLWithPath: cli.path("bad.json")))
    try await TrustCLITests.expect(
      cli, ["verify", bundle, "--checkpoint", "bad.json"], status: 6)

    // The same witness's line twice counts once.
    try Self.editCheckpoint(cli, bundle, to: "twice.json") { note in
      let lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      let dreets = lines.filter { $0.hasPrefix("— dreets.example/w ") }
      return lines.filter { !$0.hasPrefix("— ministere.example/w ") }.joined(separator: "\n")
        .replacingOccurrences(of: dreets[0], with: dreets[0] + "\n" + dreets[0])
    }
    try await TrustCLITests.expect(cli, ["verify", "twice.json"], status: 6)

    // An unknown cosigner's line is ignored (the bundle stays valid).
    let stranger = try Cosigner(name: "stranger.example/w", key: Curve25519.Signing.PrivateKey())
    try Self.editCheckpoint(cli, bundle, to: "stranger.json") { note in
      let text = String(note[..<note.range(of: "\n\n")!.upperBound].dropLast())
      let line = (try? stranger.cosign(text, at: UInt64(Date().timeIntervalSince1970)))?.line ?? ""
      return note + line + "\n"
    }
    try await TrustCLITests.expect(cli, ["verify", "stranger.json"], status: 0)
  }

  @Test(
    "D23 split view: a fork of the registry is refused by every witness, cannot produce a bundle with the quorum, its bundles fail verify (exit 6), and `log audit --since` on either side names the fork"
  )
  func splitView() async throws {
    let (cli, witnesses) = try await Self.witnessedRegistry(["dreets", "ministere"], quorum: 2)
    defer {
      Self.stop(witnesses)
      cli.folder.remove()
    }
    try await cli.mustRun(["attest", Self.siret, "--out", "out"])
    // The fork: the whole registry copied (database and keys), then appended differently.
    func fork(_ arguments: [String]) -> [String] {
      arguments + ["--keys", "fork/Keys", "--registry", "fork/Registry"]
    }
    try FileManager.default.createDirectory(
      atPath: cli.path("fork"), withIntermediateDirectories: true)
    for folder in ["Keys", "Registry"] {
      try FileManager.default.copyItem(atPath: cli.path(folder), toPath: cli.path("fork/" + folder))
    }
    try await cli.mustRun(["service", "add", Self.other, "--name", "Service B"])
    try await cli.mustRun([
      "decision", "grant", Self.other, "--level", "1", "--decided", "2026-01-10", "--valid-until",
      "2029-01-09",
    ])
    let honest = try await cli.run(["attest", Self.other, "--out", "out"])
    #expect(honest.status == 0, "\(honest.stderr)")
    let honestCheckpoint = try await cli.run(["log", "checkpoint"]).stdout
    try honestCheckpoint.write(toFile: cli.path("honest.txt"), atomically: true, encoding: .utf8)

    try await cli.mustRun(fork(["service", "add", Self.third, "--name", "Service C"]))
    try await cli.mustRun(
      fork([
        "decision", "grant", Self.third, "--level", "1", "--decided", "2026-01-10",
        "--valid-until", "2029-01-09",
      ]))
    try await cli.mustRun(fork(["service", "update", Self.third, "--name", "Service C bis"]))
    let forkCheckpoint = try await cli.run(fork(["log", "checkpoint"])).stdout
    try forkCheckpoint.write(toFile: cli.path("fork.txt"), atomically: true, encoding: .utf8)
    #expect(honestCheckpoint.split(separator: "\n")[1] == forkCheckpoint.split(separator: "\n")[1])
    try await cli.mustRun(fork(["service", "update", Self.third, "--name", "Service C ter"]))

    // Every witness refuses the fork's checkpoints: no bundle with the quorum.
    let forked = try await cli.run(fork(["attest", Self.third, "--out", "forked", "--wait", "2"]))
    #expect(forked.status == 75, "\(forked.stdout) \(forked.stderr)")
    #expect(forked.stderr.contains("0 of the 2"), "\(forked.stderr)")
    #expect(!FileManager.default.fileExists(atPath: cli.path("forked")))
    // Each witness keeps the fork's signed checkpoints it refused, as evidence.
    let state = try json(try await cli.run(["witness", "status", "--dir", "dreets", "--json"]))
    guard case .array(let followed) = state["logs"], let log = followed.first,
      case .integer(let refusals) = log["refusals"]
    else {
      Issue.record("no witness status: \(state)")
      return
    }
    #expect(refusals >= 1)
    #expect(log["size"] == .integer(Int64(honestCheckpoint.split(separator: "\n")[1]) ?? -1))
    let shown = try await cli.run(["witness", "status", "--dir", "dreets"])
    #expect(shown.stdout.contains("refused request"), "\(shown.stdout)")

    // The fork's bundle as its database gives it (log-signed, no quorum) fails verify, and so
    // does one carrying the honest checkpoint's cosignatures of the same size.
    let trust = try TrustFile(
      bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))))
    let store = try SQLiteRegistryStore(path: cli.path("fork/Registry/registry.sqlite"))
    let service = RegistryService(store: store, logVerifier: trust.log)
    let id = forked.stdout.firstLine
    let lookup = try await service.attestation(id: id)
    let evidence = try await service.inclusionEvidence(index: lookup.record.index)
    let forkBundle = AttestationBundle(
      jws: try #require(lookup.signedDocument), evidence: evidence)
    try Data(CanonicalJSON.encode(forkBundle.json)).write(
      to: URL(fileURLWithPath: cli.path("fork-bundle.json")))
    let refused = try await TrustCLITests.expect(cli, ["verify", "fork-bundle.json"], status: 6)
    #expect(refused.stdout.contains("witness quorum"), "\(refused.stdout)")

    // log audit --since names the fork, on either side.
    let onHonest = try await cli.run(["log", "audit", "--since", "fork.txt"])
    #expect(onHonest.status == 6 && (onHonest.stdout + onHonest.stderr).contains("fork"))
    let onFork = try await cli.run(fork(["log", "audit", "--since", "honest.txt"]))
    #expect(onFork.status == 6 && (onFork.stdout + onFork.stderr).contains("fork"))
  }

  @Test(
    "D26: a registry rolled back (database and published checkpoint restored from a backup) is stopped by a witness holding a larger tree: exit 6, nothing witnessed"
  )
  func rollbackShownByWitness() async throws {
    let (cli, witnesses) = try await Self.witnessedRegistry(["dreets"], quorum: 1)
    defer {
      Self.stop(witnesses)
      cli.folder.remove()
    }
    try FileManager.default.createDirectory(
      atPath: cli.path("backup"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: cli.path("Registry"), toPath: cli.path("backup/Registry"))
    try FileManager.default.copyItem(
      atPath: cli.path("Keys/private/log-checkpoint"), toPath: cli.path("backup/log-checkpoint"))
    try await cli.mustRun(["attest", Self.siret, "--out", "out"])
    // The backup comes back, with the checkpoint file of its time: only the witness knows.
    try FileManager.default.removeItem(atPath: cli.path("Registry"))
    try FileManager.default.copyItem(
      atPath: cli.path("backup/Registry"), toPath: cli.path("Registry"))
    try FileManager.default.removeItem(atPath: cli.path("Keys/private/log-checkpoint"))
    try FileManager.default.copyItem(
      atPath: cli.path("backup/log-checkpoint"), toPath: cli.path("Keys/private/log-checkpoint"))
    let stopped = try await cli.run(["attest", Self.siret, "--out", "again", "--wait", "2"])
    #expect(stopped.status == 6, "\(stopped.stdout) \(stopped.stderr)")
    #expect(stopped.stderr.contains("holds a tree of"), "\(stopped.stderr)")
  }

  static func get(_ url: URL) async throws -> (Int, Data) {
    let (data, response) = try await URLSession.shared.data(from: url)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
  }

  @Test(
    "serve witnesses in rounds: /log shows each witness's lag, /log/checkpoint and bundles carry the cosignatures, the verify page counts the quorum, the admin API's attestation waits for the next round"
  )
  func servedWitnessing() async throws {
    let (cli, witnesses) = try await Self.witnessedRegistry(["dreets", "ministere"], quorum: 2)
    defer {
      Self.stop(witnesses)
      cli.folder.remove()
    }
    let attested = try await cli.run(["attest", Self.siret, "--out", "out"])
    #expect(attested.status == 0, "\(attested.stderr)")
    let uuid = String(attested.stdout.firstLine.split(separator: "/").last!.prefix(36))
    let token = try await cli.run([
      "token", "create", "--name", "ops", "--scope", "decisions", "--scope", "attestations",
    ]).stdout.firstLine
    let (server, base) = try await cli.serve()
    defer { server.terminate() }
    // The server's first round runs as it starts; its lag shows once it ran.
    var page = JSONValue.null
    for _ in 0..<40 {
      let (status, data) = try await Self.get(base.appendingPathComponent("log.json"))
      #expect(status == 200)
      page = try StrictJSONParser(maximumSize: 1_000_000).parse([UInt8](data))
      if case .array(let listed) = page["witnesses"],
        listed.allSatisfy({ $0["lag"] == .integer(0) })
      {
        break
      }
      try await Task.sleep(for: .milliseconds(250))
    }
    #expect(page["quorum"]?["k"] == .integer(2), "\(page)")
    guard case .array(let listed) = page["witnesses"] else {
      Issue.record("no witnesses: \(page)")
      return
    }
    #expect(listed.map { $0["lag"] } == [.integer(0), .integer(0)], "\(page)")
    let (htmlStatus, html) = try await Self.get(base.appendingPathComponent("log"))
    #expect(htmlStatus == 200 && String(decoding: html, as: UTF8.self).contains("ministere"))
    let (_, checkpoint) = try await Self.get(base.appendingPathComponent("log/checkpoint"))
    let note = String(decoding: checkpoint, as: UTF8.self)
    #expect(note.components(separatedBy: "\n— ").count - 1 == 3, "\(note)")
    let (bundleStatus, bundle) = try await Self.get(
      base.appendingPathComponent("attestations/\(uuid)/bundle"))
    #expect(bundleStatus == 200)
    try bundle.write(to: URL(fileURLWithPath: cli.path("served.json")))
    try await TrustCLITests.expect(cli, ["verify", "served.json"], status: 0)
    // The verify page counts the quorum too, and says who cosigned.
    var posted = URLRequest(url: base.appendingPathComponent("verify"))
    posted.httpMethod = "POST"
    posted.setValue("application/json", forHTTPHeaderField: "Content-Type")
    posted.setValue("application/json", forHTTPHeaderField: "Accept")
    posted.httpBody = bundle
    let (verdictData, _) = try await URLSession.shared.data(for: posted)
    let verdict = try StrictJSONParser(maximumSize: 1_000_000).parse([UInt8](verdictData))
    #expect(verdict["valid"] == .bool(true), "\(verdict)")
    #expect(
      verdict["log"]?["witnesses"] == .array([.string("dreets"), .string("ministere")]),
      "\(verdict)")

    // Through the admin API: the answer waits for the server's next round.
    try await cli.mustRun([
      "decision", "renew", Self.siret, "--decided", "2026-01-20", "--valid-until", "2029-01-20",
    ])
    var request = URLRequest(
      url: base.appendingPathComponent("admin/services/\(Self.siret)/attestations"))
    request.httpMethod = "POST"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data("{}".utf8)
    let (adminData, adminResponse) = try await URLSession.shared.data(for: request)
    #expect((adminResponse as? HTTPURLResponse)?.statusCode == 201)
    let issued = try StrictJSONParser(maximumSize: 1_000_000).parse([UInt8](adminData))
    #expect(issued["witnessed"] == .bool(true), "\(issued)")
    if let adminBundle = issued["bundle"] {
      try Data(CanonicalJSON.encode(adminBundle)).write(
        to: URL(fileURLWithPath: cli.path("admin.json")))
      try await TrustCLITests.expect(cli, ["verify", "admin.json"], status: 0)
    }
  }

  @Test(
    "a witness down never blocks writes: attest exits 75 with the id, the server serves no unwitnessed bundle, a retry returns the same attestation, `amexist bundle ID` writes it once the quorum is back; quorum changes apply from the next tree; a removed witness's cosignatures keep counting inside its window"
  )
  func witnessDown() async throws {
    let (cli, witnesses) = try await Self.witnessedRegistry(["dreets", "ministere"], quorum: 2)
    defer {
      Self.stop(witnesses)
      cli.folder.remove()
    }
    let attested = try await cli.run(["attest", Self.siret, "--out", "out"])
    #expect(attested.status == 0, "\(attested.stderr)")
    let (server, base) = try await cli.serve()
    defer { server.terminate() }

    // A witness down: the next attestation is logged, but no witnessed bundle is served.
    witnesses[1].process.terminate()
    witnesses[1].process.waitUntilExit()
    try await cli.mustRun([
      "decision", "renew", Self.siret, "--decided", "2026-02-01", "--valid-until", "2029-02-01",
    ])
    let pending = try await cli.run(["attest", Self.siret, "--out", "out", "--wait", "1"])
    #expect(pending.status == 75, "\(pending.stdout) \(pending.stderr)")
    let id = pending.stdout.firstLine
    #expect(id.hasPrefix("urn:uuid:"))
    #expect(pending.stderr.contains("amexist bundle \(id)"), "\(pending.stderr)")
    let (unwitnessed, _) = try await Self.get(
      base.appendingPathComponent("attestations/\(id.dropFirst("urn:uuid:".count))/bundle"))
    #expect(unwitnessed == 503)
    // A retry returns the same attestation rather than issuing another.
    let again = try await cli.run(["attest", Self.siret, "--out", "out", "--wait", "1"])
    #expect(again.status == 75 && again.stdout.firstLine == id, "\(again.stdout)")
    #expect(try await cli.run(["bundle", id, "--out", "later", "--wait", "1"]).status == 75)

    // A third witness joins (the quorum stays 2): the pending attestation gets its bundle.
    let third = try await Self.startWitness(cli, "cnam")
    defer { Self.stop([third]) }
    try await cli.mustRun([
      "witnesses", "add", "cnam", "--url", third.url.absoluteString, "--key", third.vkey,
    ])
    let later = try await cli.run(["bundle", id, "--out", "later"])
    #expect(later.status == 0, "\(later.stderr)")
    let verified = try await TrustCLITests.expect(
      cli, ["verify", later.stdout.firstLine], status: 0)
    #expect(verified.stdout.contains("cosigned by dreets, cnam"), "\(verified.stdout)")

    // Raising the quorum applies from the next tree: the bundles cosigned by two still verify.
    try await cli.mustRun(["witnesses", "quorum", "3"])
    try await TrustCLITests.expect(cli, ["verify", attested.stdout.firstLine], status: 0)
    try await TrustCLITests.expect(cli, ["verify", later.stdout.firstLine], status: 0)
    try await cli.mustRun(["witnesses", "quorum", "2"])

    // Retiring the witness that is down: the first bundle, which it cosigned, still verifies
    // under the new root version.
    try await cli.mustRun(["witnesses", "remove", "ministere"])
    try await TrustCLITests.expect(cli, ["verify", attested.stdout.firstLine], status: 0)
    let list = try await cli.run(["witnesses", "list", "--json"])
    #expect(list.stdout.contains("\"until\":\"20"), "\(list.stdout)")
    // Removing another would leave fewer witnesses than the quorum.
    let refused = try await cli.run(["witnesses", "remove", "cnam"])
    #expect(refused.status == 1 && refused.stderr.contains("quorum"), "\(refused.stderr)")
  }
}
