import AmexistDomain
import Foundation
import RegistryService
import RegistryTesting
import Testing

@Suite("amexist attest, verify and keys, end to end")
struct AttestationCLITests {
  let siret = "73282932000074"

  /// A registry with one active service at level 2.
  func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared([
      ["init"], ["service", "add", siret, "--name", "Santé Travail Lyon", "--region", "84"],
      [
        "decision", "grant", siret, "--level", "2", "--decided", "2026-01-10", "--valid-until",
        "2029-01-09",
      ],
    ])
  }

  func attest(_ cli: CommandRunner) async throws -> String {
    let output = try await cli.run(["attest", siret, "--out", "out"])
    #expect(output.status == 0, "\(output.stderr)")
    let path = output.stdout.trimmingCharacters(in: .newlines)
    #expect(path.hasPrefix("out/") && path.hasSuffix(".amexist.json"))
    return path
  }

  @Test("attest writes a bundle that verify accepts; the issuance is in the history")
  func attestAndVerify() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let bundle = try await attest(cli)
    let verify = try await cli.run(["verify", bundle])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(verify.stdout.contains("Santé Travail Lyon (SIRET 732 829 320 00074)"))
    #expect(verify.stdout.contains("2 · Attestation de mise en œuvre"))
    #expect(verify.stdout.contains("Verdict       VALID"))
    let history = try await cli.run(["history", siret])
    #expect(history.stdout.contains("attestationIssued"))
    let bare = try String(contentsOfFile: cli.path(bundle), encoding: .utf8)
    let jws = try StrictJSONParser().parse(Array(bare.trimmingCharacters(in: .newlines).utf8))[
      "jws"]!.stringValue!
    try (jws + "\n").write(toFile: cli.path("bare.jws"), atomically: true, encoding: .utf8)
    // Genuine, but a bare JWS carries no proof that the registry logged it.
    let bareReport = try await cli.run(["verify", "bare.jws", "--json"])
    #expect(bareReport.status == 6)
    #expect(bareReport.stdout.contains("\"reason\":\"log-proof\""))
  }

  @Test("attest refuses a service whose standing is not active, and writes nothing")
  func attestRefused() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    _ = try await cli.run(["decision", "suspend", siret, "--reason", "Audit"])
    let before = try await cli.run(["history", siret, "--json"]).stdout
    let output = try await cli.run(["attest", siret, "--out", "out"])
    #expect(output.status == 1)
    #expect(
      output.stderr == "amexist: an attestation needs an active level; \(siret) is suspended\n")
    #expect(!FileManager.default.fileExists(atPath: cli.path("out")))
    #expect(try await cli.run(["history", siret, "--json"]).stdout == before)
  }

  @Test(
    "verify over many files: one line each and a summary; exit 0 only if all are valid, else the first failing code in DESIGN's order"
  )
  func verifyMany() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let first = try await attest(cli)
    let second = try await attest(cli)
    let all = try await cli.run(["verify", first, second])
    #expect(all.status == 0, "\(all.stdout) \(all.stderr)")
    let lines = all.stdout.split(separator: "\n")
    #expect(lines.count == 3, "\(all.stdout)")
    #expect(lines[0].hasPrefix("\(first): VALID — Santé Travail Lyon (SIRET 732 829 320 00074)"))
    #expect(lines[2].hasPrefix("2 files: 2 valid, 0 not valid"))
    // A tampered bundle (1) and a missing file (2): unreadable comes first in the order.
    let text = try String(contentsOfFile: cli.path(first), encoding: .utf8)
    let parts = text.components(separatedBy: ".")
    let flipped =
      String(parts[1].prefix(10)) + (parts[1].dropFirst(10).first == "A" ? "B" : "A")
      + String(parts[1].dropFirst(11))
    try text.replacingOccurrences(of: parts[1], with: flipped)
      .write(toFile: cli.path("tampered.json"), atomically: true, encoding: .utf8)
    let one = try await cli.run(["verify", first, "tampered.json"])
    #expect(one.status == 1, "\(one.stdout)")
    #expect(one.stdout.contains("tampered.json: NOT VALID (exit 1)"))
    #expect(one.stderr.contains("2 files: 1 valid, 1 not valid (exit 1)"), "\(one.stderr)")
    let mixed = try await cli.run(["verify", "tampered.json", "absent.json", second, "--json"])
    #expect(mixed.status == 2, "\(mixed.stdout)")
    let report = try json(mixed)
    #expect(report["valid"] == .integer(1) && report["invalid"] == .integer(2))
    guard case .array(let files) = report["files"] else {
      Issue.record("no files: \(mixed.stdout)")
      return
    }
    #expect(files.map { $0["exitCode"] } == [.integer(1), .integer(2), .integer(0)])
    #expect(files[2]["file"] == .string(second))
  }

  @Test("verify exit codes: 1 tampered, 2 usage, 3 expired, 5 status unknown, 7 untrusted")
  func verifyExitCodes() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let bundle = try await attest(cli)
    var text = try String(contentsOfFile: cli.path(bundle), encoding: .utf8)
    let original = text
    // Flip one character of the payload: the signature no longer holds.
    let parts = text.components(separatedBy: ".")
    let payload = parts[1]
    let flipped =
      String(payload.prefix(10)) + (payload.dropFirst(10).first == "A" ? "B" : "A")
      + String(payload.dropFirst(11))
    text = text.replacingOccurrences(of: payload, with: flipped)
    try text.write(toFile: cli.path("tampered.json"), atomically: true, encoding: .utf8)
    let tampered = try await cli.run(["verify", "tampered.json"])
    #expect(tampered.status == 1)
    #expect(tampered.stdout.contains("NOT VALID"))
    #expect(!tampered.stdout.contains("Santé Travail Lyon"))
    #expect(tampered.stdout.contains("What to do"))
    #expect(tampered.stderr.contains("The signature does not match the content"))
    // The explanation follows AMEXIST_LANG, then the locale; JSON carries both languages.
    for environment in [["AMEXIST_LANG": "fr"], ["LANG": "fr_FR.UTF-8"]] {
      let french = try await cli.run(["verify", "tampered.json"], environment: environment)
      #expect(french.status == 1)
      #expect(french.stdout.contains("Explication"))
      #expect(
        french.stderr.contains(
          "La signature ne correspond pas au contenu : le document a été modifié"),
        "\(french.stderr)")
      #expect(!french.stderr.contains("invalid signature"))
    }
    let english = try await cli.run(
      ["verify", "tampered.json"], environment: ["AMEXIST_LANG": "en", "LANG": "fr_FR.UTF-8"])
    #expect(english.stderr.contains("The signature does not match"))
    let json = try StrictJSONParser().parse(
      Array(try await cli.run(["verify", "tampered.json", "--json"]).stdout.utf8))
    #expect(
      json["explanation"]?["fr"]?.stringValue?.hasPrefix("La signature ne correspond") == true)
    #expect(json["explanation"]?["en"]?.stringValue?.hasPrefix("The signature does not") == true)
    #expect(
      try await cli.run(["verify", bundle, "--now", "2029-01-10T00:00:00+01:00"]).status == 3)
    // Valid on its last second; the trust data of today has long expired then (8), unless the
    // verifier accepts it knowingly.
    #expect(
      try await cli.run(["verify", bundle, "--now", "2029-01-09T23:59:59+01:00"]).status == 8)
    #expect(
      try await cli.run([
        "verify", bundle, "--now", "2029-01-09T23:59:59+01:00", "--allow-expired-trust",
      ]).status == 0)
    let online = try await cli.run(["verify", bundle, "--online", "https://registry.test.example"])
    #expect(online.status == 5)
    #expect(!online.stdout.contains("VALID\n") || online.stdout.contains("NOT VALID"))
    #expect(try await cli.run(["verify", bundle, "--trust", "missing.json"]).status == 2)
    #expect(try await cli.run(["verify", "missing.json"]).status == 2)
    #expect(try await cli.run(["verify", bundle, "--now", "tomorrow"]).status == 2)
    // A trust file from another registry: the key is unknown.
    let other = try CommandRunner()
    defer { other.folder.remove() }
    _ = try await other.run(["init"])
    #expect(
      try await cli.run(["verify", bundle, "--trust", other.path("Keys/trust.json")]).status == 7)
    try "{\"format\":\"amexist-trust/1\"}".write(
      toFile: cli.path("broken-trust.json"), atomically: true, encoding: .utf8)
    #expect(try await cli.run(["verify", bundle, "--trust", "broken-trust.json"]).status == 7)
    #expect(original.hasSuffix("\n"))
  }

  /// H5: a huge file and a never-ending stream are refused at the size cap, quickly.
  @Test("H5: a 1 GB file and an endless stream are refused after the size cap")
  func hugeInputs() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let huge = cli.path("huge.json")
    #expect(FileManager.default.createFile(atPath: huge, contents: nil))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: huge))
    try handle.truncate(atOffset: 1 << 30)
    try handle.close()
    let started = Date()
    let output = try await cli.run(["verify", huge])
    #expect(output.status == 1)
    #expect(output.stderr.contains("larger than 256 KiB"))
    let endless = try await cli.run(["verify", "/dev/zero"])
    #expect(endless.status == 1)
    // Refused at the cap, not after reading a gigabyte or waiting for the stream's end (each
    // command gives up reading after 10 s at most); generous for a loaded machine.
    #expect(Date().timeIntervalSince(started) < 45)
  }

  /// B10: the issuer refuses to sign with a private key others can read, a missing one, or
  /// one whose public half is not the trusted key.
  @Test("B10: unsafe, missing or mismatched private keys are refused at start")
  func unsafeKeys() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let privateFolder = cli.path("Keys/private")
    let keyFile = try #require(
      try FileManager.default.contentsOfDirectory(atPath: privateFolder).first {
        $0.hasPrefix("ed25519-")
      })
    let keyPath = (privateFolder as NSString).appendingPathComponent(keyFile)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyPath)
    let readable = try await cli.run(["attest", siret])
    #expect(readable.status == 1)
    #expect(readable.stderr.contains("can be read by other users (mode 644)"))
    #expect(try await cli.run(["init"]).status == 1)

    let other = try CommandRunner()
    defer { other.folder.remove() }
    _ = try await other.run(["init"])
    let otherKey = try #require(
      try FileManager.default.contentsOfDirectory(atPath: other.path("Keys/private")).first {
        $0.hasPrefix("ed25519-")
      })
    try FileManager.default.removeItem(atPath: keyPath)
    try FileManager.default.copyItem(
      atPath: other.path("Keys/private/\(otherKey)"), toPath: keyPath)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
    let mismatched = try await cli.run(["attest", siret])
    #expect(mismatched.status == 1)
    #expect(mismatched.stderr.contains("does not match the public key"))

    try FileManager.default.removeItem(atPath: keyPath)
    let missing = try await cli.run(["attest", siret])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("no issuer key may sign now"))
    #expect(!(try await cli.run(["history", siret]).stdout.contains("attestationIssued")))
  }

  /// B13 and key rotation: old attestations keep verifying after a rotation, and after the old
  /// key is revoked too, because their bundles prove the log held them before the revocation.
  @Test("B13: rotation drill")
  func rotation() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let first = try await attest(cli)
    let rotate = try await cli.run(["keys", "rotate"])
    #expect(rotate.status == 0, "\(rotate.stderr)")
    let second = try await attest(cli)
    let firstKid = try json(try await cli.run(["verify", first, "--json"]))["kid"]!.stringValue!
    let secondKid = try json(try await cli.run(["verify", second, "--json"]))["kid"]!.stringValue!
    #expect(firstKid != secondKid)
    #expect(try await cli.run(["verify", first]).status == 0)
    #expect(try await cli.run(["verify", second]).status == 0)
    let list = try await cli.run(["keys", "list"])
    #expect(list.stdout.contains("retired (verifies its window)"))
    #expect(list.stdout.contains("signing"))

    let revoke = try await cli.run([
      "keys", "revoke", firstKid, "--reason", "Exercice de compromission",
    ])
    #expect(revoke.status == 0, "\(revoke.stderr)")
    let revoked = try await cli.run(["verify", first])
    #expect(revoked.status == 0, "\(revoked.stderr)")
    #expect(revoked.stdout.contains("Signed with   \(firstKid)"))
    // The trust file now names the revocation and its log index.
    let trust = try StrictJSONParser().parse(
      Array(try String(contentsOfFile: cli.path("Keys/trust.json"), encoding: .utf8).utf8))
    guard case .array(let keys) = trust["registry"]?["signed"]?["keys"] else {
      Issue.record("no keys in the trust file's registry list")
      return
    }
    let revokedKey = try #require(keys.first { $0["kid"] == .string(firstKid) })
    #expect(revokedKey["revokedAt"] != .null)
    guard case .integer(let revocationIndex) = revokedKey["revocationIndex"] else {
      Issue.record("no revocation index")
      return
    }
    let firstIndex = try json(try await cli.run(["verify", first, "--json"]))["log"]?["index"]
    guard case .integer(let index) = firstIndex else {
      Issue.record("no proven log index")
      return
    }
    #expect(index < revocationIndex)
    #expect(try await cli.run(["verify", second]).status == 0)
    #expect(try await cli.run(["keys", "revoke", firstKid, "--reason", "again"]).status == 1)
    // Item 3: a revocation in the future, or before the key's start, is a usage error.
    #expect(
      try await cli.run([
        "keys", "revoke", secondKid, "--reason", "future", "--at", "2100-01-01T00:00:00Z",
      ]).status == 2)
    #expect(
      try await cli.run([
        "keys", "revoke", secondKid, "--reason", "before", "--at", "2020-01-01T00:00:00Z",
      ]).status == 2)
    // B13 set back in time: revoked from the second key's start, its attestation (logged before
    // the revocation, but dated after the revocation's instant) is revoked: exit 4.
    guard case .array(let records) = try json(try await cli.run(["keys", "list", "--json"])),
      let secondStart = records.first(where: { $0["kid"] == .string(secondKid) })?["validFrom"]?
        .stringValue
    else {
      Issue.record("no key list")
      return
    }
    let backdated = try await cli.run([
      "keys", "revoke", secondKid, "--reason", "Compromission présumée", "--at", secondStart,
    ])
    #expect(backdated.status == 0, "\(backdated.stderr)")
    let secondRevoked = try await cli.run(["verify", second])
    #expect(secondRevoked.status == 4, "\(secondRevoked.stdout)")
    #expect(try await cli.run(["verify", first]).status == 0)
    let history = try await cli.run(["export", "--format", "jsonl"])
    #expect(history.status == 0)
  }

  /// B11: no private key material in anything the CLI prints, on success or failure.
  @Test("B11: private key material never appears in output")
  func noSecretsInOutput() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    var outputs: [CommandRunner.Output] = []
    let bundle = try await attest(cli)
    for arguments in [
      ["keys", "list"], ["keys", "list", "--json"], ["verify", bundle],
      ["verify", bundle, "--json"], ["keys", "rotate"],
      ["history", siret, "--json"], ["export", "--format", "jsonl"], ["attest", "90011223400019"],
    ] {
      outputs.append(try await cli.run(arguments))
    }
    let keyFiles = try FileManager.default.contentsOfDirectory(atPath: cli.path("Keys/private"))
      .filter { $0.hasSuffix(".pem") }
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o640], ofItemAtPath: cli.path("Keys/private/\(keyFiles.sorted().last!)"))
    outputs.append(try await cli.run(["attest", siret]))
    for file in keyFiles {
      let pem = try String(contentsOfFile: cli.path("Keys/private/\(file)"), encoding: .utf8)
      let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
      for output in outputs {
        #expect(!output.stdout.contains(body) && !output.stderr.contains(body))
        #expect(
          !output.stdout.contains(body.suffix(32)) && !output.stderr.contains(body.suffix(32)))
      }
    }
  }

  @Test(
    "interoperability: joserfc and openssl verify what amexist signs; amexist verifies what joserfc signs"
  )
  func interoperability() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let bundle = try await attest(cli)
    let interop = Vectors.packageRoot + "/Tests/Interop"
    let joserfc = try await shell(
      ["python3", "-W", "ignore", "\(interop)/joserfc_verify.py", "Keys/trust.json", bundle],
      in: cli.folder.path)
    #expect(joserfc.status == 0, "\(joserfc.stderr)")
    #expect(joserfc.stdout.hasPrefix("urn:uuid:"))
    let openssl = try await shell(
      ["bash", "\(interop)/openssl_verify.sh", "Keys/trust.json", bundle], in: cli.folder.path)
    #expect(openssl.status == 0, "\(openssl.stderr)")
    #expect(openssl.stdout.contains("Signature Verified Successfully"))

    let signed = try await shell(
      [
        "python3", "-W", "ignore", "\(interop)/joserfc_sign.py", ".",
        "https://registry.test.example",
      ], in: cli.folder.path)
    #expect(signed.status == 0, "\(signed.stderr)")
    let verified = try await cli.run([
      "verify", "bundle.amexist.json", "--trust", "trust.json", "--now", "2026-12-01T00:00:00Z",
    ])
    #expect(verified.status == 0, "\(verified.stderr)")
    #expect(verified.stdout.contains("Santé Travail Interop"))
    #expect(verified.stdout.contains("entry 1 of interop.example/log"))
    let bare = try await cli.run([
      "verify", "token.jws", "--trust", "trust.json", "--now", "2026-12-01T00:00:00Z",
    ])
    #expect(bare.status == 6)

    // The log evidence amexist writes, checked with hashlib and cryptography only.
    let logCheck = try await shell(
      ["python3", "\(interop)/log_verify.py", "Keys/trust.json", bundle], in: cli.folder.path)
    #expect(logCheck.status == 0, "\(logCheck.stderr)")
    #expect(logCheck.stdout.hasPrefix("index "))
    // And it refuses the evidence once the bundle names another entry.
    let text = try String(contentsOfFile: cli.path(bundle), encoding: .utf8)
    let moved = text.replacingOccurrences(of: "\\nindex ", with: "\\nindex 1")
    try moved.write(toFile: cli.path("moved.amexist.json"), atomically: true, encoding: .utf8)
    await #expect(
      try shell(
        ["python3", "\(interop)/log_verify.py", "Keys/trust.json", "moved.amexist.json"],
        in: cli.folder.path
      ).status == 1)
    #expect(try await cli.run(["verify", "moved.amexist.json"]).status == 6)
  }

  @Test("inputs that are folders or too large are refused before they are read whole")
  func boundedInputs() async throws {
    let cli = try await registry()
    defer { cli.folder.remove() }
    let folder = try await cli.run(["verify", "Keys"])
    #expect(folder.status == 2)
    #expect(folder.stderr == "amexist: cannot read Keys: it is a folder\n")
    let big = cli.path("big.csv")
    #expect(FileManager.default.createFile(atPath: big, contents: Data("siret,name\n".utf8)))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
    try handle.truncate(atOffset: 17 << 20)
    try handle.close()
    let before = try await cli.run(["export"]).stdout
    let tooLarge = try await cli.run(["service", "import", "big.csv"])
    #expect(tooLarge.status == 1)
    #expect(tooLarge.stderr == "amexist: big.csv is larger than 16 MiB\n")
    #expect(try await cli.run(["export"]).stdout == before)
  }

  @Test("keys without the registry that logged them are refused with a clear message")
  func keysWithoutTheirRegistry() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    try FileManager.default.removeItem(atPath: cli.path("Registry"))
    let again = try await cli.run(["init"])
    #expect(again.status == 1)
    #expect(again.stderr.contains("exists but there is no registry at Registry/registry.sqlite"))
    // Item 2: a failed init leaves nothing behind.
    #expect(!FileManager.default.fileExists(atPath: cli.path("Registry/registry.sqlite")))
  }

  @Test("ES256 issuer keys work end to end")
  func es256() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    #expect(try await cli.run(["init", "--algorithm", "ES256"]).status == 0)
    _ = try await cli.run(["service", "add", siret, "--name", "Santé Travail Lyon"])
    _ = try await cli.run([
      "decision", "grant", siret, "--level", "1", "--decided", "2026-01-10", "--valid-until",
      "2029-01-09",
    ])
    let bundle = try await attest(cli)
    let verify = try await cli.run(["verify", bundle, "--json"])
    #expect(verify.status == 0)
    #expect(verify.stdout.contains("\"alg\":\"ES256\""))
    let joserfc = try await shell(
      [
        "python3", "-W", "ignore", "\(Vectors.packageRoot)/Tests/Interop/joserfc_verify.py",
        "Keys/trust.json", bundle,
      ], in: cli.folder.path)
    #expect(joserfc.status == 0, "\(joserfc.stderr)")
  }
}
