import AmexistDomain
import Attestation
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

/// The trust root's first ceremony step, as a root keyholder runs it offline.
@Suite("amexist trust root-keygen")
struct TrustCLITests {
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
  }
}
