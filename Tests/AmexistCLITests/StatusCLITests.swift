import AmexistDomain
import Attestation
import Foundation
import RegistryService
import RegistryTesting
import Testing
import TransparencyLog

/// Status that verifies offline and in every VC verifier (DESIGN, "Status"; catalogue C3–C7,
/// C26, C27), through the commands and the server as an authority and an integrator use them.
@Suite("Status snapshots and status lists, end to end")
struct StatusCLITests {
  let siret = "73282932000074"

  /// A registry with one active service at level 2 (the attestation tests' own).
  func registry() async throws -> CommandRunner { try await AttestationCLITests().registry() }

  func attest(_ cli: CommandRunner) async throws -> String {
    try await AttestationCLITests().attest(cli)
  }

  func export(_ cli: CommandRunner, _ file: String) async throws {
    let output = try await cli.run(["status", "export", "--out", file])
    #expect(output.status == 0, "\(output.stderr)")
  }

  /// A time `hours` from now, for `verify --now`.
  static func later(hours: Int) -> String {
    Instant(Date()).adding(milliseconds: Int64(hours) * 3_600_000).description
  }

  @Test(
    "C3 C5 C6 C26: a suspension after issuance is caught offline with a fresh snapshot (exit 4, with date and reason) and not with a stale one (exit 5); an older snapshot than one accepted is refused (5); a snapshot edited (1), signed by the issuer key (7), or older than the attestation (5) is refused"
  )
  func offlineSnapshot() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let bundle = try await attest(cli)
    try await export(cli, "before.jwt")
    let fresh = try await cli.run(["verify", bundle, "--status", "before.jwt"])
    #expect(fresh.status == 0, "\(fresh.stdout) \(fresh.stderr)")
    #expect(fresh.stdout.contains("Verdict       VALID, status as of "), "\(fresh.stdout)")

    _ = try await cli.run(["decision", "suspend", siret, "--reason", "Audit de suivi"])
    try await export(cli, "after.jwt")
    let caught = try await cli.run(["verify", bundle, "--status", "after.jwt", "--json"])
    #expect(caught.status == 4, "\(caught.stdout) \(caught.stderr)")
    let verdict = try json(caught)
    #expect(verdict["reason"] == .string("suspended"))
    #expect(verdict["message"]?.stringValue?.contains("(reason: Audit de suivi)") == true)
    #expect(verdict["status"]?["treeSize"] != nil)
    // The verify page's offline check, run by Node's WebCrypto on the same files.
    let script = Vectors.packageRoot + "/Tests/Interop/offline_check.js"
    func offline(_ file: String, _ snapshot: String) async throws -> JSONValue {
      let run = try await ExternalTool.run(
        "node", [script, cli.path("Keys/trust.json"), cli.path(file), cli.path(snapshot)])
      #expect(run.status == 0, "\(run.stderr)")
      return try StrictJSONParser().parse(Array(run.text.trimmingCharacters(in: .newlines).utf8))
    }
    let page = try await offline(bundle, "after.jwt")
    #expect(page["code"] == .string("invalid"), "\(page)")
    #expect(page["message"]?.stringValue?.contains("suspendue depuis le") == true, "\(page)")
    // C6: the snapshot taken before the suspension, where the attestation was still clear,
    // is refused once a newer one was accepted: a rollback.
    let rolledBack = try await cli.run(["verify", bundle, "--status", "before.jwt"])
    #expect(rolledBack.status == 5, "\(rolledBack.stdout)")
    #expect(rolledBack.stderr.contains("older than one already accepted"), "\(rolledBack.stderr)")
    // C5: past nextUpdate + 1 hour a snapshot says nothing.
    let stale = try await cli.run([
      "verify", bundle, "--status", "after.jwt", "--now", Self.later(hours: 26),
    ])
    #expect(stale.status == 5, "\(stale.stdout)")
    #expect(stale.stderr.contains("stale since"), "\(stale.stderr)")
    let tooOld = try await cli.run([
      "verify", bundle, "--status", "after.jwt", "--max-status-age", "1h", "--now",
      Self.later(hours: 2),
    ])
    #expect(tooOld.status == 5)
    let badAge = try await cli.run([
      "verify", bundle, "--status", "after.jwt", "--max-status-age", "soon",
    ])
    #expect(badAge.status == 2)

    // Reinstated: a new attestation is newer than the last snapshot's tree (5); a fresh
    // snapshot vouches for both, in one run over the folder.
    _ = try await cli.run(["decision", "reinstate", siret])
    let second = try await attest(cli)
    #expect(try await cli.run(["verify", second, "--status", "after.jwt"]).status == 5)
    #expect(try await offline(second, "after.jwt")["code"] == .string("unknown"))
    try await export(cli, "after.jwt")
    let both = try await cli.run(["verify", bundle, second, "--status", "after.jwt"])
    #expect(both.status == 0, "\(both.stdout) \(both.stderr)")
    #expect(both.stdout.contains("2 files: 2 valid, 0 not valid"))
    // log audit checks that no status index is held twice and recomputes the lists.
    let audit = try json(try await cli.run(["log", "audit", "--json"]))
    #expect(audit["ok"] == .bool(true))
    #expect(audit["statusLists"]?.arrayValue.count == 2, "\(audit)")

    // C26: a payload edited.
    let token = try String(contentsOfFile: cli.path("after.jwt"), encoding: .utf8)
      .trimmingCharacters(in: .newlines)
    var parts = token.split(separator: ".").map(String.init)
    let payload = try #require(Base64URL.decode(Array(parts[1].utf8)))
    let edited = String(decoding: payload, as: UTF8.self).replacingOccurrences(
      of: "\"attestations\":[", with: "\"attestations\":[ ")
    parts[1] = Base64URL.encode(Array(edited.utf8))
    try parts.joined(separator: ".").write(
      toFile: cli.path("edited.jwt"), atomically: true, encoding: .utf8)
    #expect(try await cli.run(["verify", bundle, "--status", "edited.jwt"]).status == 1)
    #expect(try await offline(bundle, "after.jwt")["code"] == .string("valid"))
    #expect(try await offline(bundle, "edited.jwt")["code"] == .string("invalid"))
    // C26: the same payload signed by the issuer key (trusted for attestations only).
    let keys = try json(try await cli.run(["keys", "list", "--json"]))
    let kid = try #require(keys.arrayValue.first?["kid"]?.stringValue)
    let issuerKey = try KeyFolder(path: cli.path("Keys")).loadPrivateKey(kid, expected: nil)
    let reSigned = try CompactJWS.sign(
      payload: payload, key: issuerKey, kid: kid, type: StatusSnapshot.jwsType)
    try reSigned.write(toFile: cli.path("issuer.jwt"), atomically: true, encoding: .utf8)
    let untrusted = try await cli.run(["verify", bundle, "--status", "issuer.jwt"])
    #expect(untrusted.status == 7, "\(untrusted.stderr)")
    #expect(untrusted.stderr.contains("not signed by a status key"))
    // A snapshot of another registry (7) is refused in StatusDocumentTests.
  }

  @Test(
    "C3 C27: the served status lists agree with the registry for every attestation of the demo, read by Python from the W3C specification alone; a suspension sets the suspension bit and a reinstatement clears it, a withdrawal sets the revocation bit; /status renews after each write; a snapshot whose hash is not logged fails online (6)"
  )
  func servedStatus() async throws {
    let cli = try await CommandRunner.prepared([["demo", "--no-serve"]])
    defer { cli.folder.remove() }
    let (process, base) = try await cli.serve()
    defer { process.terminate() }
    let bundles = try FileManager.default.contentsOfDirectory(
      atPath: cli.path("Registry/attestations")
    ).filter { $0.hasSuffix(".amexist.json") }.sorted().map {
      cli.path("Registry/attestations/" + $0)
    }
    #expect(bundles.count >= 5)
    let script = Vectors.packageRoot + "/Tests/Interop/status_list_check.py"
    func pythonAgrees() async throws -> JSONValue {
      let checked = try await ExternalTool.run(
        "python3", [script, cli.path("Keys/trust.json"), base.absoluteString] + bundles)
      #expect(checked.status == 0, "\(checked.text) \(checked.stderr)")
      return try StrictJSONParser().parse(
        Array(checked.text.trimmingCharacters(in: .newlines).utf8))
    }
    /// The served snapshot once it reflects every write so far.
    func renewed(after size: Int64) async throws -> String {
      for _ in 0..<100 {
        let (code, body) = try await WitnessedRegistryTests.get(
          base.appendingPathComponent("status"))
        if code == 200 {
          let token = String(decoding: body, as: UTF8.self)
          let verified = try StatusSnapshot.verify(
            Array(token.utf8),
            trust: try TrustFile(
              bytes: Array(try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json"))))),
            realNow: Instant(Date()))
          if verified.checkpoint.checkpoint.size >= size { return token }
        }
        try await Task.sleep(for: .milliseconds(100))
      }
      Issue.record("/status was not renewed")
      return ""
    }
    func size() async throws -> Int64 {
      let note = try await cli.run(["log", "checkpoint"]).stdout
      return Int64(note.split(separator: "\n").dropFirst().first ?? "") ?? 0
    }
    let first = try await pythonAgrees()
    #expect(first["checked"]?.integerValue == Int64(bundles.count * 2))

    // The first demo attestation's service, decided by the federation.
    let claims = try bundles.map { path in
      let bundle = try StrictJSONParser().parse(
        Array(try Data(contentsOf: URL(fileURLWithPath: path))))
      let jws = bundle["jws"]?.stringValue ?? ""
      let payload = Base64URL.decode(Array(jws.split(separator: ".")[1].utf8)) ?? []
      return (path, try AttestationClaims(verifiedPayload: payload))
    }
    let (path, chosen) = try #require(
      claims.first { $0.1.evaluator == nil && $0.1.certification == nil })
    let target = chosen.siret.digits
    #expect(try await cli.run(["decision", "suspend", target, "--reason", "Contrôle"]).status == 0)
    let suspended = try await renewed(after: try await size() - 1)
    let afterSuspension = try await pythonAgrees()
    #expect(afterSuspension["statuses"]?.arrayValue.contains(.string("suspended")) == true)
    try suspended.write(toFile: cli.path("served.jwt"), atomically: true, encoding: .utf8)
    let online = try await cli.run([
      "verify", path, "--status", "served.jwt", "--online", base.absoluteString,
    ])
    #expect(online.status == 4, "\(online.stdout) \(online.stderr)")
    #expect(try await cli.run(["decision", "reinstate", target]).status == 0)
    _ = try await renewed(after: try await size() - 1)
    let reinstated = try await pythonAgrees()
    #expect(reinstated["statuses"]?.arrayValue.contains(.string("suspended")) == false)
    #expect(
      try await cli.run(["decision", "withdraw", target, "--reason", "Fin d'activité"]).status == 0)
    _ = try await renewed(after: try await size() - 1)
    let withdrawn = try await pythonAgrees()
    #expect(withdrawn["statuses"]?.arrayValue.contains(.string("withdrawn")) == true)

    // C26: genuine signature, but the registry never logged this snapshot.
    let status = try json(try await cli.run(["keys", "list", "--json"]))
    #expect(!status.arrayValue.isEmpty)
    let trust = try TrustFile(
      bytes: Array(try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))))
    let statusKid = try #require(trust.statusKeys.last?.kid)
    let statusKey = try KeyFolder(path: cli.path("Keys")).loadPrivateKey(statusKid, expected: nil)
    let served = try StatusSnapshot.verify(
      Array(suspended.utf8), trust: trust, realNow: Instant(Date()))
    let unlogged = try StatusSnapshot(
      issuer: trust.issuer, checkpoint: served.snapshot.checkpoint, issued: Instant(Date()),
      attestations: [], reservesOverdue: []
    ).signed(with: statusKey, kid: statusKid)
    try unlogged.write(toFile: cli.path("unlogged.jwt"), atomically: true, encoding: .utf8)
    #expect(try await cli.run(["verify", path, "--status", "unlogged.jwt"]).status == 0)
    let caught = try await cli.run([
      "verify", path, "--status", "unlogged.jwt", "--online", base.absoluteString,
    ])
    #expect(caught.status == 6, "\(caught.stdout) \(caught.stderr)")
  }
}
