import AmexistDomain
import Attestation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryStore
import RegistryTesting
import Testing
import TransparencyLog

@Suite("Log and trust endpoints")
struct LogRouteTests {
  @Test("the checkpoint verifies with the log key; proofs served verify; entries hash to the root")
  func proofs() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let log = TestValues.logSigner.verifier
    try await harness.test { client in
      let note = try await client.get("/log/checkpoint")
      #expect(note.headers[.contentType] == "text/plain; charset=utf-8")
      let checkpoint = try SignedCheckpoint(verifying: note.text, log: log).checkpoint
      let size = checkpoint.size
      // D15: an auditor over the API recomputes the root from the entries.
      var leaves: [[UInt8]] = []
      while Int64(leaves.count) < size {
        let page = try await client.get("/log/entries?start=\(leaves.count)&limit=7").json()
        let entries = page["entries"]?.arrayValue ?? []
        #expect(!entries.isEmpty)
        leaves += entries.compactMap { $0.stringValue.flatMap { Base64.decode(Array($0.utf8)) } }
      }
      #expect(ReferenceMerkle.root(leaves[...]) == checkpoint.root)
      let index = size / 2
      let inclusion = try await client.get("/log/proof/inclusion?index=\(index)").json()
      let evidence = try InclusionEvidence(parsing: try #require(inclusion["proof"]?.stringValue))
      #expect(try evidence.verify(leaf: leaves[Int(index)], log: log).checkpoint == checkpoint)
    }
    // A later checkpoint is consistent with the earlier one.
    let earlier = try #require(try await harness.service.latestCheckpoint()).size
    try await harness.service.register(
      TestValues.generatedSIRET(5), profile: try ServiceProfile(name: "Nouveau service"))
    try await harness.test { client in
      let later = try SignedCheckpoint(
        verifying: try await client.get("/log/checkpoint").text, log: log
      ).checkpoint
      let proof = try await client.get("/log/proof/consistency?from=\(earlier)&to=\(later.size)")
        .json()
      let hashes = (proof["hashes"]?.arrayValue ?? []).compactMap {
        $0.stringValue.flatMap { MerkleHash(base64: $0) }
      }
      let old = try SignedCheckpoint(
        verifying: try #require(proof["fromCheckpoint"]?.stringValue), log: log
      ).checkpoint
      try ProofVerifier.verifyConsistency(
        size1: earlier, size2: later.size, root1: old.root, root2: later.root, proof: hashes)
      let missing = try await client.get("/log/proof/consistency?from=2&to=\(later.size)")
      // What the log does not hold is absent (404), not a malformed request.
      #expect(missing.status == .notFound)
      #expect(try missing.json()["error"] == .string("not-found"))
      let beyond = try await client.get("/log/entries?start=\(later.size + 1)")
      #expect(beyond.status == .notFound)
      #expect(try await client.get("/log/entries?limit=1001").status == .badRequest)
      let absent = try await client.get("/log/proof/inclusion")
      #expect(absent.status == .badRequest)
    }
  }

  @Test("B8: the published trust file is the registry's, and the JWKS lists its keys")
  func trust() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let expected = try await harness.service.publishedTrust(
      folder: harness.keys, issuer: ServerHarness.issuer)
    #expect(expected.signed?.root.version == 1, "signed under the harness's root")
    try await harness.test { client in
      let published = try await client.get("/.well-known/amexist-trust.json")
      #expect(try TrustFile(bytes: Array(buffer: published.body)) == expected)
      let root = try await client.get("/.well-known/amexist-trust/1.json")
      #expect(
        try TrustFile.rootPart(bytes: Array(buffer: root.body)) == expected.signed?.rootPart)
      let jwks = try await client.get("/.well-known/jwks.json").json()
      #expect(jwks["keys"]?.arrayValue?.first?["kid"] == .string(harness.kid))
    }
  }
}
