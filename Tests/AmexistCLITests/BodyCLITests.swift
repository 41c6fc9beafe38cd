import AmexistDomain
import Attestation
import Foundation
import RegistryTesting
import Testing

/// Item 2 of "Certifying bodies", from the command line: a body's key made on its own machine,
/// the body registered with its accreditation, its key added and revoked, accreditation changes,
/// all published in the trust file.
@Suite("amexist body")
struct BodyCLITests {
  @Test("body keygen, add, key add, list, accreditation, key revoke; the trust file follows")
  func lifecycle() async throws {
    let cli = try await CommandRunner.prepared([["init"]])
    defer { cli.folder.remove() }
    let keygen = try json(try await cli.run(["body", "keygen", "--out", "afnor", "--json"]))
    guard case .string(let kid) = keygen["kid"] else {
      Issue.record("keygen printed no kid")
      return
    }
    let mode =
      try FileManager.default.attributesOfItem(atPath: cli.path("afnor/body.pem"))[
        .posixPermissions] as? NSNumber
    #expect(mode?.intValue == 0o600)
    #expect(try await cli.run(["body", "keygen", "--out", "afnor"]).status == 2)

    let dry = try await cli.run([
      "body", "add", "afnor-certification", "--name", "AFNOR Certification", "--accreditation",
      "5-0012", "--accredited-by", "COFRAC", "--accredited-from", "2024-01-01",
      "--accredited-until", "2028-12-31", "--dry-run",
    ])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("Dry run: nothing was written"))
    let added = try await cli.run([
      "body", "add", "afnor-certification", "--name", "AFNOR Certification", "--accreditation",
      "5-0012", "--accredited-by", "COFRAC", "--accredited-from", "2024-01-01",
      "--accredited-until", "2028-12-31", "--scope", "SPEC 2217",
    ])
    #expect(added.status == 0, "\(added.stderr)")
    #expect(added.stdout.contains("Recorded #2 bodyRegistered for afnor-certification"))
    let keyAdded = try await cli.run([
      "body", "key", "add", "afnor-certification", "--public-key", "afnor/body.jwk",
    ])
    #expect(keyAdded.status == 0, "\(keyAdded.stderr)")
    // A key for a body that does not exist, and a JWK that is not one, are refused.
    let unknown = try await cli.run([
      "body", "key", "add", "nobody", "--public-key", "afnor/body.jwk",
    ])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("no certifying body \"nobody\" is registered"))
    #expect(
      try await cli.run([
        "body", "key", "add", "afnor-certification", "--public-key", "afnor/body.pem",
      ])
      .status == 2)

    let trust = try TrustFile(
      bytes: Array(try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))))
    let body = try #require(trust.body("afnor-certification"))
    #expect(body.accreditation.number == "5-0012")
    #expect(body.accreditation.scope == "SPEC 2217")
    #expect(body.keys.map(\.kid) == [kid])
    // A body key is never an issuer key.
    #expect(trust.key(kid) == nil)
    let issuerKeys = try json(try await cli.run(["keys", "list", "--json"]))
    #expect(!"\(issuerKeys)".contains(kid))
    let wrongCommand = try await cli.run(["keys", "revoke", kid, "--reason", "test"])
    #expect(wrongCommand.status == 1)
    #expect(wrongCommand.stderr.contains("use `amexist body key revoke afnor-certification"))

    let suspended = try await cli.run([
      "body", "accreditation", "afnor-certification", "--suspend", "--effective", "2026-11-01",
      "--reason", "Audit de surveillance en retard",
    ])
    #expect(suspended.status == 0, "\(suspended.stderr)")
    #expect(
      try await cli.run(["body", "accreditation", "afnor-certification", "--suspend"]).stderr
        .contains("already suspended"))
    #expect(try await cli.run(["body", "accreditation", "afnor-certification"]).status == 2)
    #expect(
      try await cli.run(["body", "accreditation", "afnor-certification", "--reinstate"]).status == 0
    )
    #expect(
      try await cli.run([
        "body", "accreditation", "afnor-certification", "--extend-until", "2031-12-31",
      ]).status == 0)
    guard case .array(let list) = try json(try await cli.run(["body", "list", "--json"])),
      let listed = list.first,
      case .array(let suspensions)? = listed["accreditation"]?["suspensions"],
      case .array(let keys)? = listed["keys"]
    else {
      Issue.record("body list --json is not a list of bodies")
      return
    }
    #expect(listed["accreditation"]?["validUntil"] == .string("2031-12-31"))
    #expect(listed["accreditation"]?["standing"] == .string("accredited"))
    #expect(suspensions.first?["from"] == .string("2026-11-01"))
    #expect(keys.first?["signsNow"] == .bool(true))

    let revoked = try await cli.run([
      "body", "key", "revoke", "afnor-certification", kid, "--reason", "Clé compromise",
    ])
    #expect(revoked.status == 0, "\(revoked.stderr)")
    let after = try TrustFile(
      bytes: Array(try Data(contentsOf: URL(fileURLWithPath: cli.path("Keys/trust.json")))))
    #expect(after.body("afnor-certification")?.keys.first?.revokedAt != nil)
    #expect(
      after.body("afnor-certification")?.accreditation.validUntil == TestValues.date("2031-12-31"))
    #expect(try await cli.run(["body", "list"]).stdout.contains("none valid"))
    #expect(try await cli.run(["log", "audit"]).status == 0)
  }
}

/// Item 3 of "Certifying bodies", from the command line and from another implementation.
@Suite("amexist decision sign and record")
struct SignedDecisionCLITests {
  /// A registry with a body (key made by `body keygen`, registered) and one service.
  static func registry() async throws -> CommandRunner {
    try await CommandRunner.prepared([
      ["init"], ["body", "keygen", "--out", "afnor"],
      [
        "body", "add", "afnor-certification", "--name", "AFNOR Certification", "--accreditation",
        "5-0012", "--accredited-by", "COFRAC", "--accredited-from", "2024-01-01",
        "--accredited-until", "2030-12-31",
      ],
      ["body", "key", "add", "afnor-certification", "--public-key", "afnor/body.jwk"],
      ["service", "add", "73282932000074", "--name", "Santé Travail Lyon"],
    ])
  }

  @Test(
    "C20/C22 decision sign on the body's side, decision record on the federation's; attest, verify")
  func signAndRecord() async throws {
    let cli = try await Self.registry()
    defer { cli.folder.remove() }
    let today = CalendarDate(parisDayOf: Instant(Date()))
    let signed = try await cli.run([
      "decision", "sign", "--key", "afnor/body.pem", "--body", "afnor-certification", "--kind",
      "grant", "73282932000074", "--level", "3", "--valid-until",
      today.adding(years: 3).description, "--reference", "CERT-42", "--out", "grant.jwt",
    ])
    #expect(signed.status == 0, "\(signed.stderr)")
    #expect(signed.stdout == "grant.jwt\n")
    let dry = try await cli.run(["decision", "record", "grant.jwt", "--dry-run"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("Dry run: nothing was written"))
    let recorded = try await cli.run(["decision", "record", "grant.jwt"])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    #expect(recorded.stdout.contains("(decision signed by afnor-certification)"))
    let again = try await cli.run(["decision", "record", "grant.jwt"])
    #expect(again.stdout.contains("Already recorded as #"))
    // The federation no longer suspends a level the body decided.
    let federation = try await cli.run(["decision", "suspend", "73282932000074", "--reason", "x"])
    #expect(federation.status == 1)
    #expect(federation.stderr.contains("which alone renews, suspends, reinstates or withdraws it"))
    let bundle = try await cli.run(["attest", "73282932000074", "--out", "out"])
    #expect(bundle.status == 0, "\(bundle.stderr)")
    let verified = try await cli.run([
      "verify", bundle.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
    ])
    #expect(verified.status == 0, "\(verified.stderr)")
    // A key the trust file does not list for the body: refused before signing (exit 7).
    #expect(try await cli.run(["body", "keygen", "--out", "other"]).status == 0)
    let stranger = try await cli.run([
      "decision", "sign", "--key", "other/body.pem", "--body", "afnor-certification", "--kind",
      "suspend", "73282932000074", "--reason", "Audit", "--out", "stranger.jwt",
    ])
    #expect(stranger.status == 7)
    // A decision missing what its kind needs is a usage error.
    let incomplete = try await cli.run([
      "decision", "sign", "--key", "afnor/body.pem", "--body", "afnor-certification", "--kind",
      "suspend", "73282932000074", "--out", "incomplete.jwt",
    ])
    #expect(incomplete.status == 2)
    #expect(incomplete.stderr.contains("a suspend decision needs reason"))
  }

  @Test(
    "outside check: joserfc signs a decision with the body's key; recorded, attested, verified; one field changed is refused"
  )
  func joserfcSignsADecision() async throws {
    let cli = try await Self.registry()
    defer { cli.folder.remove() }
    let today = CalendarDate(parisDayOf: Instant(Date()))
    let script = "\(Vectors.packageRoot)/Tests/Interop/joserfc_decision.py"
    let arguments = [
      "python3", "-W", "ignore", script, "afnor/body.pem", "Keys/trust.json",
      "afnor-certification", "73282932000074", today.description,
      today.adding(years: 2).description,
    ]
    let signed = try await shell(arguments + ["python.jwt"], in: cli.folder.path)
    #expect(signed.status == 0, "\(signed.stderr)")
    let recorded = try await cli.run(["decision", "record", "python.jwt"])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    #expect(recorded.stdout.contains("level 3 · Certification"))
    let bundle = try await cli.run(["attest", "73282932000074", "--out", "out"])
    #expect(bundle.status == 0, "\(bundle.stderr)")
    let bundlePath = bundle.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let verified = try await cli.run(["verify", bundlePath])
    #expect(verified.status == 0, "\(verified.stderr)")
    #expect(
      verified.stdout.contains("Certified by  AFNOR Certification — COFRAC accreditation 5-0012"))
    // Python reads the bundle as DESIGN describes it: the decision verifies with the body's key
    // and is the one the credential names.
    let chain = try await shell(
      [
        "python3", "-W", "ignore", "\(Vectors.packageRoot)/Tests/Interop/decision_chain_check.py",
        bundlePath, "Keys/trust.json",
      ], in: cli.folder.path)
    #expect(chain.status == 0 && chain.stdout == "ok\n", "\(chain.stdout) \(chain.stderr)")
    let tampered = try await shell(arguments + ["tampered.jwt", "--tamper"], in: cli.folder.path)
    #expect(tampered.status == 0, "\(tampered.stderr)")
    let refused = try await cli.run(["decision", "record", "tampered.jwt"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("the signature does not verify"))
  }
}

/// Item 4 of "Certifying bodies", from the command line: the body's and the federation's
/// commands for a transfer, réserves and a succession.
@Suite("Transfers, réserves and successions from the command line")
struct BodyDecisionCLITests {
  @Test("C20, C24: level 3 only signed; transfer, réserves, lifting, succession as documented")
  func lifeCycle() async throws {
    let today = CalendarDate(parisDayOf: Instant(Date()))
    let until = today.adding(years: 3).description
    var setup: [[String]] = [["init"]]
    for body in ["organisme-a", "organisme-b"] {
      setup += [
        ["body", "keygen", "--out", body],
        [
          "body", "add", body, "--name", "Organisme \(body.suffix(1).uppercased())",
          "--accreditation", "5-0012", "--accredited-by", "COFRAC", "--accredited-from",
          "2024-01-01", "--accredited-until", "2030-12-31",
        ],
        ["body", "key", "add", body, "--public-key", "\(body)/body.jwk"],
      ]
    }
    setup += [
      ["service", "add", "73282932000074", "--name", "Santé Travail Lyon"],
      ["service", "add", "90011223400019", "--name", "Santé Travail Lyon Est"],
    ]
    let cli = try await CommandRunner.prepared(setup)
    defer { cli.folder.remove() }
    // The federation cannot grant level 3 itself: the message says how to get a signed one.
    let federation = try await cli.run([
      "decision", "grant", "73282932000074", "--level", "3", "--decided", today.description,
      "--valid-until", until,
    ])
    #expect(federation.status == 1)
    #expect(federation.stderr.contains("amexist decision sign"), "\(federation.stderr)")
    func signAndRecord(_ body: String, _ arguments: [String], file: String) async throws {
      let signed = try await cli.run(
        ["decision", "sign", "--key", "\(body)/body.pem", "--body", body, "--kind"] + arguments
          + ["--out", file])
      #expect(signed.status == 0, "\(signed.stderr)")
      let recorded = try await cli.run(["decision", "record", file])
      #expect(recorded.status == 0, "\(recorded.stderr)")
    }
    try await signAndRecord(
      "organisme-a", ["grant", "73282932000074", "--level", "3", "--valid-until", until],
      file: "grant.jwt")
    try await signAndRecord(
      "organisme-b",
      [
        "transfer", "73282932000074", "--level", "3", "--valid-until", until, "--from-body",
        "organisme-a",
      ], file: "transfer.jwt")
    try await signAndRecord(
      "organisme-b",
      [
        "reserves", "73282932000074", "--reservations", "Procédure de suivi à formaliser",
        "--deadline", today.adding(days: 60).description,
      ], file: "reserves.jwt")
    var shown = try await cli.run(["service", "show", "73282932000074"])
    #expect(shown.stdout.contains("Transferred   from organisme-a"), "\(shown.stdout)")
    #expect(shown.stdout.contains("open, to lift by"))
    try await signAndRecord("organisme-b", ["lift", "73282932000074"], file: "lift.jwt")
    shown = try await cli.run(["service", "show", "73282932000074"])
    #expect(shown.stdout.contains("Réserves      lifted"), "\(shown.stdout)")
    // The federation records the succession; both services name each other.
    let dry = try await cli.run([
      "service", "succeed", "73282932000074", "--by", "90011223400019", "--decided",
      today.description, "--dry-run",
    ])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("The log would record 2 entries"))
    let succeeded = try await cli.run([
      "service", "succeed", "73282932000074", "--by", "90011223400019", "--decided",
      today.description,
    ])
    #expect(succeeded.status == 0, "\(succeeded.stderr)")
    #expect(succeeded.stdout.contains("is now active (en vigueur), level 3"), "\(succeeded.stdout)")
    let successor = try await cli.run(["service", "show", "90011223400019"])
    #expect(successor.stdout.contains("Succeeds      732 829 320 00074"))
    #expect(successor.stdout.contains("Decided by    organisme-b"))
    let predecessor = try await cli.run(["service", "show", "73282932000074"])
    #expect(predecessor.stdout.contains("Succeeded by  900 112 234 00019"))
    let twice = try await cli.run([
      "service", "succeed", "73282932000074", "--by", "90011223400019", "--decided",
      today.description,
    ])
    #expect(twice.status == 1)
    #expect(try await cli.run(["log", "audit"]).status == 0)
  }
}
