import AmexistDomain
import Attestation
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The signed trust root (DESIGN, "The trust root"): its ceremonies as keyholders and the
/// registry's operator run them, and verifiers that pin it (catalogue B3–B7, D25).
@Suite("amexist trust: root keys, ceremonies, pinned verifiers")
struct TrustCLITests {
  static let siret = "73282932000074"

  /// Three root keys made offline (`off1`…`off3`), their vkeys, and a registry whose root
  /// version 1 (2 of 3) is proposed but not published: its trust file is still unsigned, as
  /// for a registry made before the trust root. One attestation is issued then.
  static func offlineRegistry() async throws -> (CommandRunner, bundle: String) {
    let cli = try await CommandRunner.prepared([
      ["trust", "root-keygen", "--out", "off1", "--name", "root-1"],
      ["trust", "root-keygen", "--out", "off2", "--name", "root-2"],
      ["trust", "root-keygen", "--out", "off3", "--name", "root-3"],
      [
        "init", "--root-vkey", "off1/root.vkey", "--root-vkey", "off2/root.vkey", "--root-vkey",
        "off3/root.vkey", "--threshold", "2",
      ],
      ["service", "add", siret, "--name", "Santé Travail Lyon"],
      [
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ],
      ["attest", siret, "--out", "out"],
    ])
    let bundles = try FileManager.default.contentsOfDirectory(atPath: cli.path("out"))
    return (cli, "out/" + (bundles.first { $0.hasSuffix(".amexist.json") } ?? ""))
  }

  /// Runs and expects `status`, returning the output.
  @discardableResult
  static func expect(
    _ cli: CommandRunner, _ arguments: [String], status: Int32, environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> CommandRunner.Output {
    let output = try await cli.run(arguments, environment: environment)
    #expect(
      output.status == status, "\(arguments): \(output.stdout) \(output.stderr)",
      sourceLocation: sourceLocation)
    return output
  }

  static func readJSON(_ path: String) throws -> JSONValue {
    try StrictJSONParser(maximumSize: 1_048_576).parse(
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
  }

  static func copy(_ cli: CommandRunner, _ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: cli.path(to))
    try FileManager.default.copyItem(atPath: cli.path(from), toPath: cli.path(to))
  }

  @Test("init without root keys signs trust/2 under one local root key, with a warning")
  func localRoot() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let made = try await Self.expect(cli, ["init", "--json"], status: 0)
    #expect(made.stderr.contains("belongs offline"))
    let mode =
      try FileManager.default.attributesOfItem(atPath: cli.path("Keys/root/root.pem"))[
        .posixPermissions] as? NSNumber
    #expect(mode?.intValue == 0o600)
    guard case .object(let summary) = try json(made), case .string(let pin) = summary["pin"] else {
      Issue.record("init --json names the pin")
      return
    }
    #expect(try await Self.expect(cli, ["trust", "pin"], status: 0).stdout == pin + "\n")
    let trust = try TrustFile(
      bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))))
    #expect(trust.signed?.root.version == 1)
    #expect(trust.signed?.root.pin == pin)
    #expect(
      FileManager.default.fileExists(atPath: cli.path("Keys/roots/1.json")),
      "every version is kept to be served")
    // Outside check: Python's cryptography verifies both parts from DESIGN's words alone.
    let checked = try await ExternalTool.run(
      "python3",
      [
        "-W", "ignore", Vectors.packageRoot + "/Tests/Interop/trust_metadata_check.py",
        cli.path("Keys/trust.json"),
      ])
    #expect(checked.status == 0, "\(checked.text) \(checked.stderr)")
    #expect(checked.text == "root 1: 1 of 1 signatures (threshold 1); registry list signed\n")
    // Keys already made are never replaced by a second init with root keys.
    try await Self.expect(
      cli, ["trust", "root-keygen", "--out", "off", "--name", "root-x"], status: 0)
    try await Self.expect(
      cli, ["init", "--root-vkey", "off/root.vkey", "--threshold", "1"], status: 2)
  }

  @Test(
    "B4, item 4: a 2-of-3 offline ceremony moves an unsigned registry to trust/2; old attestations verify"
  )
  func offlineCeremony() async throws {
    let (cli, bundle) = try await Self.offlineRegistry()
    defer { cli.folder.remove() }
    let proposal = "Keys/root-1.proposal.json"
    // Before the ceremony: the trust file is unsigned, and nothing can pin it.
    let unsigned = try await Self.expect(cli, ["verify", bundle], status: 0)
    #expect(unsigned.stdout.contains("unsigned trust file (amexist-trust/1)"))
    // One key, even signing twice, is one signature of the two needed.
    try await Self.expect(
      cli, ["trust", "sign", proposal, "--root-key", "off1/root.pem"], status: 0)
    try await Self.expect(
      cli, ["trust", "sign", proposal, "--root-key", "off1/root.pem"], status: 0)
    let short = try await Self.expect(cli, ["trust", "publish", proposal], status: 7)
    #expect(short.stderr.contains("threshold of root version 1"))
    // A key that is not a root does not count either.
    try await Self.expect(
      cli, ["trust", "root-keygen", "--out", "stranger", "--name", "stranger"], status: 0)
    let stranger = try await Self.expect(
      cli, ["trust", "sign", proposal, "--root-key", "stranger/root.pem"], status: 0)
    #expect(stranger.stderr.contains("not a root key of version 1"))
    try await Self.expect(cli, ["trust", "publish", proposal], status: 7)
    try await Self.expect(
      cli, ["trust", "sign", proposal, "--root-key", "off3/root.pem"], status: 0)
    let published = try await Self.expect(cli, ["trust", "publish", proposal], status: 0)
    #expect(published.stdout.contains("Published root version 1"))
    // The attestation issued under the unsigned file verifies with the signed one, pinned.
    let pin = try await Self.expect(cli, ["trust", "pin"], status: 0).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let pinned = try await Self.expect(
      cli, ["verify", bundle, "--root-pin", pin, "--json"], status: 0)
    guard case .object(let verdict) = try json(pinned) else { return }
    #expect(verdict["rootPinned"] == .bool(true))
    // The same through the environment.
    try await Self.expect(
      cli, ["verify", bundle], status: 0, environment: ["AMEXIST_TRUST_PIN": pin])
    // Published versions are never republished.
    try await Self.expect(cli, ["trust", "publish", proposal], status: 7)
    // A new attestation is signed by a key the signed list contains, and verifies.
    try await Self.expect(cli, ["attest", Self.siret, "--out", "out2"], status: 0)
  }

  @Test(
    "B3, D25: N+1 needs old and new thresholds; a retired root cannot sign; verifiers walk N → N+1")
  func rotation() async throws {
    let (cli, bundle) = try await Self.offlineRegistry()
    defer { cli.folder.remove() }
    let first = "Keys/root-1.proposal.json"
    for key in ["off1", "off2"] {
      try await Self.expect(
        cli, ["trust", "sign", first, "--root-key", "\(key)/root.pem"], status: 0)
    }
    try await Self.expect(cli, ["trust", "publish", first], status: 0)
    let pin = try await Self.expect(cli, ["trust", "pin"], status: 0).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    try await Self.expect(cli, ["verify", bundle, "--root-pin", pin], status: 0)
    try Self.copy(cli, "Keys/trust.json", "trust-v1.json")
    // Version 2 replaces every root by two new keys, 2 of 2.
    for name in ["new1", "new2"] {
      try await Self.expect(
        cli, ["trust", "root-keygen", "--out", name, "--name", name], status: 0)
    }
    try await Self.expect(
      cli,
      [
        "trust", "propose", "--out", "v2.json", "--root-vkey", "new1/root.vkey", "--root-vkey",
        "new2/root.vkey", "--threshold", "2",
      ], status: 0)
    // New keys only: refused.
    for key in ["new1", "new2"] {
      try await Self.expect(
        cli, ["trust", "sign", "v2.json", "--root-key", "\(key)/root.pem"], status: 0)
    }
    let newOnly = try await Self.expect(cli, ["trust", "publish", "v2.json"], status: 7)
    #expect(newOnly.stderr.contains("previous root, version 1"))
    // Old keys only: refused.
    try await Self.expect(
      cli,
      [
        "trust", "propose", "--out", "v2-old.json", "--root-vkey", "new1/root.vkey", "--root-vkey",
        "new2/root.vkey", "--threshold", "2",
      ], status: 0)
    for key in ["off1", "off3"] {
      try await Self.expect(
        cli, ["trust", "sign", "v2-old.json", "--root-key", "\(key)/root.pem"], status: 0)
    }
    try await Self.expect(cli, ["trust", "publish", "v2-old.json"], status: 7)
    // Both thresholds: published.
    try await Self.expect(
      cli, ["trust", "sign", "v2.json", "--root-key", "off3/root.pem"], status: 0)
    try await Self.expect(cli, ["trust", "publish", "v2.json"], status: 7)
    try await Self.expect(
      cli, ["trust", "sign", "v2.json", "--root-key", "off2/root.pem"], status: 0)
    try await Self.expect(cli, ["trust", "publish", "v2.json"], status: 0)
    try Self.copy(cli, "Keys/trust.json", "trust-v2.json")
    // Version 3, signed by a retired root (off1) and one new key: refused.
    try await Self.expect(cli, ["trust", "propose", "--out", "v3.json"], status: 0)
    for key in ["off1", "new1"] {
      try await Self.expect(
        cli, ["trust", "sign", "v3.json", "--root-key", "\(key)/root.pem"], status: 0)
    }
    try await Self.expect(cli, ["trust", "publish", "v3.json"], status: 7)
    try await Self.expect(
      cli, ["trust", "sign", "v3.json", "--root-key", "new2/root.pem"], status: 0)
    try await Self.expect(cli, ["trust", "publish", "v3.json"], status: 0)
    // The verifier pinned to version 1 walks 1 → 2 with the file of version 2 …
    try await Self.expect(
      cli, ["verify", bundle, "--trust", "trust-v2.json", "--root-pin", pin], status: 0)
    // … but not 1 → 3 at once: with its state at 2 it needs 3, and then accepts it.
    let fresh = try CommandRunner()
    defer { fresh.folder.remove() }
    try fresh.folder.copyContents(of: cli.folder.path)
    try? FileManager.default.removeItem(atPath: fresh.path("state"))
    try await Self.expect(fresh, ["verify", bundle, "--root-pin", pin], status: 7)
    try await Self.expect(
      fresh, ["trust", "update", "Keys/roots/1.json", "Keys/roots/2.json", "--root-pin", pin],
      status: 0)
    let skipped = try await Self.expect(fresh, ["verify", bundle, "--root-pin", pin], status: 0)
    #expect(skipped.stdout.contains("root version 3"))
    // Rollback: the verifier that saw version 3 is handed version 1 or 2 again.
    let rollback = try await Self.expect(
      fresh, ["verify", bundle, "--trust", "trust-v2.json", "--root-pin", pin], status: 7)
    #expect(rollback.stderr.contains("rollback"))
    try await Self.expect(
      fresh, ["verify", bundle, "--trust", "trust-v1.json", "--root-pin", pin], status: 7)
    // trust update without a pin replaces the file trusted, only by a chained newer one.
    try Self.copy(fresh, "trust-v1.json", "mine.json")
    try await Self.expect(
      fresh, ["trust", "update", "Keys/roots/3.json", "--trust", "mine.json"], status: 7)
    try await Self.expect(
      fresh, ["trust", "update", "Keys/roots/2.json", "Keys/trust.json", "--trust", "mine.json"],
      status: 0)
    try await Self.expect(
      fresh, ["trust", "update", "trust-v2.json", "--trust", "mine.json"], status: 7)
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: fresh.path("mine.json")))
        == Data(contentsOf: URL(fileURLWithPath: fresh.path("Keys/trust.json"))))
  }

  @Test("B5, B6, D25: swap, rollback of the list, undelegated list, expiry (8), no pin (TOFU)")
  func verifierRefusals() async throws {
    let (cli, bundle) = try await Self.offlineRegistry()
    defer { cli.folder.remove() }
    let proposal = "Keys/root-1.proposal.json"
    for key in ["off1", "off2"] {
      try await Self.expect(
        cli, ["trust", "sign", proposal, "--root-key", "\(key)/root.pem"], status: 0)
    }
    try await Self.expect(cli, ["trust", "publish", proposal], status: 0)
    let pin = try await Self.expect(cli, ["trust", "pin"], status: 0).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    // No pin: valid, on first use.
    let tofu = try await Self.expect(cli, ["verify", bundle, "--json"], status: 0)
    guard case .object(let verdict) = try json(tofu) else { return }
    #expect(verdict["rootPinned"] == .bool(false))
    #expect(try await cli.run(["verify", bundle]).stdout.contains("trust on first use"))
    try await Self.expect(cli, ["verify", bundle, "--root-pin", pin], status: 0)
    try Self.copy(cli, "Keys/trust.json", "older.json")
    // A write re-signs the list at a larger version; the older list is then a rollback.
    try await Self.expect(cli, ["keys", "rotate"], status: 0)
    try await Self.expect(cli, ["verify", bundle, "--root-pin", pin], status: 0)
    let listRollback = try await Self.expect(
      cli, ["verify", bundle, "--trust", "older.json", "--root-pin", pin], status: 7)
    #expect(listRollback.stderr.contains("registry list"))
    // Swap: another registry's root, also version 1, under this pin.
    let other = try CommandRunner()
    defer { other.folder.remove() }
    try await Self.expect(other, ["init"], status: 0)
    try Self.copy(cli, "Keys/trust.json", "ours.json")
    try FileManager.default.copyItem(
      atPath: other.path("Keys/trust.json"), toPath: cli.path("theirs.json"))
    try await Self.expect(
      cli, ["verify", bundle, "--trust", "theirs.json", "--root-pin", pin], status: 7)
    // Undelegated: this registry's root, with a list signed by another key.
    let ours = try Self.readJSON(cli.path("ours.json"))
    let theirs = try Self.readJSON(cli.path("theirs.json"))
    guard case .object(var forged) = ours, case .object(let their) = theirs,
      case .object(var list) = forged["registry"], case .object(let theirList) = their["registry"]
    else { return }
    list["signatures"] = theirList["signatures"]
    forged["registry"] = .object(list)
    try Data(CanonicalJSON.encode(.object(forged))).write(
      to: URL(fileURLWithPath: cli.path("undelegated.json")))
    let undelegated = try await Self.expect(
      cli, ["verify", bundle, "--trust", "undelegated.json"], status: 7)
    #expect(undelegated.stderr.contains("not signed by a registry key the root delegates to"))
    // Freeze: the same file after its list expired (30 days) is exit 8, unless allowed.
    let later = "2027-01-20T12:00:00Z"
    let frozen = try await Self.expect(
      cli, ["verify", bundle, "--now", later, "--root-pin", pin], status: 8)
    #expect(frozen.stdout.contains("TRUST DATA EXPIRED"))
    try await Self.expect(
      cli, ["verify", bundle, "--now", later, "--root-pin", pin, "--allow-expired-trust"],
      status: 0)
    // A malformed pin is a usage error; an unsigned file cannot be pinned.
    try await Self.expect(cli, ["verify", bundle, "--root-pin", "abc"], status: 2)
    try await Self.expect(
      cli, ["verify", bundle, "--trust", "Keys/trust.json.previous", "--root-pin", pin], status: 7)
  }

  @Test(
    "B7: an inflated registry list version is refused, and forgotten once the root rotates the registry key"
  )
  func fastForward() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    try await Self.expect(cli, ["init"], status: 0)
    try await Self.expect(
      cli, ["service", "add", Self.siret, "--name", "Santé Travail Lyon"], status: 0)
    try await Self.expect(
      cli,
      [
        "decision", "grant", Self.siret, "--level", "1", "--decided", "2026-01-10",
        "--valid-until", "2029-01-09",
      ], status: 0)
    let path = try await Self.expect(cli, ["attest", Self.siret, "--out", "out"], status: 0).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let pin = try await Self.expect(cli, ["trust", "pin"], status: 0).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    try await Self.expect(cli, ["verify", path, "--root-pin", pin], status: 0)
    // A list signed with a stolen registry key at a huge version reached this verifier.
    let state = cli.path("state/amexist/pins/\(pin).json")
    guard case .object(var kept) = try Self.readJSON(state) else { return }
    kept["registryVersion"] = .integer(1 << 50)
    try Data(CanonicalJSON.encode(.object(kept))).write(to: URL(fileURLWithPath: state))
    let inflated = try await Self.expect(cli, ["verify", path, "--root-pin", pin], status: 7)
    #expect(inflated.stderr.contains("rotates that key"))
    // The recovery: a root version that delegates a new registry key.
    try await Self.expect(
      cli, ["trust", "propose", "--out", "v2.json", "--rotate-registry-key"], status: 0)
    try await Self.expect(
      cli, ["trust", "sign", "v2.json", "--root-key", "Keys/root/root.pem"], status: 0)
    try await Self.expect(cli, ["trust", "publish", "v2.json"], status: 0)
    try await Self.expect(cli, ["verify", path, "--root-pin", pin], status: 0)
    #expect(
      FileManager.default.fileExists(atPath: cli.path("Keys/private/registry-retired-by-2.pem")))
    // The new key signs what the registry publishes from now on.
    try await Self.expect(cli, ["keys", "rotate"], status: 0)
    try await Self.expect(cli, ["verify", path, "--root-pin", pin], status: 0)
  }

  @Test("the server serves every root version and the signed file; a verifier updates from them")
  func servedVersions() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    try await Self.expect(cli, ["init"], status: 0)
    let (process, base) = try await cli.serve()
    defer { process.terminate() }
    let (rootBytes, rootReply) = try await URLSession.shared.data(
      from: base.appendingPathComponent(".well-known/amexist-trust/1.json"))
    #expect((rootReply as? HTTPURLResponse)?.statusCode == 200)
    #expect(
      rootBytes == (try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/roots/1.json")))))
    for missing in ["2.json", "0.json", "01.json", "x.json"] {
      let (_, reply) = try await URLSession.shared.data(
        from: base.appendingPathComponent(".well-known/amexist-trust/\(missing)"))
      #expect((reply as? HTTPURLResponse)?.statusCode == 404, "\(missing)")
    }
    let (fileBytes, _) = try await URLSession.shared.data(
      from: base.appendingPathComponent(".well-known/amexist-trust.json"))
    let served = try TrustFile(bytes: [UInt8](fileBytes))
    #expect(served.signed?.root.version == 1)
    try fileBytes.write(to: URL(fileURLWithPath: cli.path("served.json")))
    let pin = try await Self.expect(cli, ["trust", "pin", "--trust", "served.json"], status: 0)
    #expect(pin.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == served.signed?.root.pin)
  }

  @Test("root-keygen writes a 0600 key and its vkey, prints the vkey, never overwrites")
  func rootKeygen() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let made = try await cli.run(["trust", "root-keygen", "--out", "offline", "--name", "root-a"])
    #expect(made.status == 0, "\(made.stderr)")
    let vkey = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let verifier = try NoteVerifier(verifierKey: vkey)
    #expect(verifier.name == "root-a")
    #expect(
      try String(contentsOfFile: cli.path("offline/root.vkey"), encoding: .utf8) == vkey + "\n")
    let attributes = try FileManager.default.attributesOfItem(atPath: cli.path("offline/root.pem"))
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    // The key signs a part that its vkey verifies.
    let key = try SigningKey(
      pemRepresentation: try String(contentsOfFile: cli.path("offline/root.pem"), encoding: .utf8))
    var part = SignedPart(signed: .object(["version": .integer(1)]))
    try part.sign(with: key)
    #expect(part.signers(among: [verifier]).count == 1)
    let again = try await cli.run(["trust", "root-keygen", "--out", "offline"])
    #expect(again.status == 2)
    #expect(again.stderr.contains("never overwritten"))
    #expect(try await cli.run(["trust", "root-keygen", "--out", "x", "--name", "a b"]).status == 2)
    // Naming several root keys says how many must sign.
    #expect(try await cli.run(["trust", "root-keygen", "--out", "offline2"]).status == 0)
    let unsaid = try await cli.run([
      "init", "--root-vkey", "offline/root.vkey", "--root-vkey", "offline2/root.vkey",
    ])
    #expect(unsaid.status == 2)
    #expect(unsaid.stderr.contains("--threshold N"))
    #expect(!FileManager.default.fileExists(atPath: cli.path("Keys")), "nothing was created")
  }
}
