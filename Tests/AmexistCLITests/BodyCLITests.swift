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
