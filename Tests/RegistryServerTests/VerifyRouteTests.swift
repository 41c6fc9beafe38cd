import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryTesting
import Testing

@Suite("POST /verify")
struct VerifyRouteTests {
  func post(
    _ client: any TestClientProtocol, _ body: [UInt8], type: String, json: Bool = true,
    language: String = "fr"
  ) async throws -> TestResponse {
    var headers: HTTPFields = [.contentType: type]
    if json { headers[.accept] = "application/json" }
    return try await client.executeRequest(
      uri: "/verify?lang=\(language)", method: .post, headers: headers,
      body: ByteBuffer(bytes: body))
  }

  @Test("a bundle, a bare JWS and a pasted form are verified; only verified fields are returned")
  func verdicts() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let bundle = CanonicalJSON.encode(issued.bundle.json)
    try await harness.test { client in
      let valid = try await post(client, bundle, type: "application/json").json()
      #expect(valid["valid"] == .bool(true))
      #expect(valid["code"] == .string("valid"))
      #expect(valid["attestation"]?["siret"] == .string(siret.digits))
      #expect(valid["log"]?["index"] == .integer(issued.logged.index))
      // The root the page verified with, for the verifier to compare with its pin.
      let root = try harness.keys.newestRoot()?.root
      #expect(valid["trust"]?["pin"] == root.map { .string($0.pin) })
      #expect(valid["trust"]?["rootVersion"] == .integer(1))
      // A bare JWS has no log proof: refused with the log-proof reason (exit 6).
      let bare = try await post(client, Array(issued.bundle.jws.utf8), type: "application/jose")
        .json()
      #expect(bare["code"] == .string("log-proof"))
      #expect(bare["exitCode"] == .integer(6))
      // Pasted into the page's form: a page with the verdict and the verified fields.
      let form =
        "document="
        + String(decoding: bundle, as: UTF8.self).addingPercentEncoding(
          withAllowedCharacters: .alphanumerics)!
      let page = try await post(
        client, Array(form.utf8), type: "application/x-www-form-urlencoded", json: false)
      #expect(page.status == .ok)
      #expect(page.text.contains("Attestation authentique et en vigueur"))
      #expect(page.text.contains("Racine de confiance"))
      #expect(page.text.contains(siret.formatted))
    }
  }

  @Test(
    "failures explained: a French page says in French what failed and what to do, never the English reason; JSON verdicts and refusals carry both languages"
  )
  func explanations() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (_, issued) = harness.activeSample
    let bare = Array(issued.bundle.jws.utf8)
    try await harness.test { client in
      let form = "document=" + issued.bundle.jws
      let french = try await post(
        client, Array(form.utf8), type: "application/x-www-form-urlencoded", json: false)
      #expect(french.text.contains("Rien ne prouve que cette attestation est inscrite au journal"))
      #expect(!french.text.contains("not proven logged"))
      let english = try await post(
        client, Array(form.utf8), type: "application/x-www-form-urlencoded", json: false,
        language: "en")
      #expect(english.text.contains("Nothing proves this attestation is in the registry"))
      let verdict = try await post(client, bare, type: "application/jose").json()
      #expect(verdict["explanation"]?["fr"]?.stringValue?.hasPrefix("Rien ne prouve") == true)
      #expect(verdict["explanation"]?["en"]?.stringValue?.hasPrefix("Nothing proves") == true)
      #expect(verdict["reason"]?.stringValue?.hasPrefix("not proven logged") == true)
      // Refusals: a French page in French, JSON with both sentences.
      let filter = try await client.get("/?level=5")
      #expect(filter.status == .badRequest)
      #expect(filter.text.contains("Le niveau doit être 1, 2 ou 3."))
      #expect(!filter.text.contains("level must be"))
      let badSIRET = try await client.get("/services/12345678901234")
      #expect(badSIRET.text.contains("Ce n&#39;est pas un SIRET"))
      let nowhere = try await client.get("/nowhere")
      #expect(nowhere.text.contains("Rien n&#39;est publié à cette adresse."))
      #expect(!nowhere.text.contains("nothing is published"))
      let refused = try await client.get("/services.json?standing=Active").json()
      #expect(refused["error"] == .string("bad-request"))
      #expect(refused["explanation"]?["fr"]?.stringValue?.hasPrefix("La situation doit") == true)
      #expect(refused["explanation"]?["en"]?.stringValue?.hasPrefix("Standing must be") == true)
    }
  }

  @Test("A1: a tampered signature is invalid and shows no claimed field")
  func tampered() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (_, issued) = harness.activeSample
    var jws = Array(issued.bundle.jws.utf8)
    let last = jws.count - 2
    jws[last] = jws[last] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
    let forged = AttestationBundle(
      jws: String(decoding: jws, as: UTF8.self), logProof: issued.bundle.logProof)
    try await harness.test { client in
      let verdict = try await post(
        client, CanonicalJSON.encode(forged.json), type: "application/json"
      )
      .json()
      #expect(verdict["valid"] == .bool(false))
      #expect(verdict["code"] == .string("invalid-signature"))
      #expect(verdict["attestation"] == .null)
      let page = try await post(
        client, CanonicalJSON.encode(forged.json), type: "text/plain", json: false)
      #expect(page.text.contains("Attestation non valide"))
      #expect(!page.text.contains(issued.claims.name.replacingOccurrences(of: "'", with: "&#39;")))
    }
  }

  @Test("C3: a genuine attestation whose level was suspended is reported suspended (exit 4)")
  func suspended() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    try await harness.service.decide(
      .levelSuspended(
        try LevelSuspended(siret: siret, decided: harness.service.today(), reason: "x")))
    try await harness.test { client in
      let verdict = try await post(
        client, CanonicalJSON.encode(issued.bundle.json), type: "application/json"
      ).json()
      #expect(verdict["valid"] == .bool(false))
      #expect(verdict["code"] == .string("suspended"))
      #expect(verdict["exitCode"] == .integer(4))
    }
  }

  @Test(
    "C3: the verdict follows the log: a bundle valid, then suspended, then revoked, on one server"
  )
  func followsTheLog() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let bundle = CanonicalJSON.encode(issued.bundle.json)
    try await harness.test(RegistryServerSettings(refreshInterval: .zero)) { client in
      for _ in 0..<2 {
        let verdict = try await post(client, bundle, type: "application/json").json()
        #expect(verdict["code"] == .string("valid"))
      }
      try await harness.service.decide(
        .levelSuspended(
          try LevelSuspended(siret: siret, decided: harness.service.today(), reason: "x")))
      let suspended = try await post(client, bundle, type: "application/json").json()
      #expect(suspended["code"] == .string("suspended"))
      _ = try await harness.service.revokeKey(harness.kid, reason: "compromised")
      let revoked = try await post(client, bundle, type: "application/json").json()
      #expect(revoked["code"] == .string("revoked"))
    }
  }

  @Test("E1, E12, E13: oversized, compressed, mistyped and malformed bodies are refused cleanly")
  func badBodies() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    var settings = RegistryServerSettings(refreshInterval: .zero)
    settings.limits.verifyBodyBytes = 1024
    try await harness.test(settings) { client in
      let large = try await post(
        client, [UInt8](repeating: UInt8(ascii: "a"), count: 1025), type: "text/plain")
      #expect(large.status == .contentTooLarge)
      let atLimit = try await post(
        client, [UInt8](repeating: UInt8(ascii: "a"), count: 1024), type: "text/plain")
      #expect(atLimit.status == .ok)
      #expect(
        try atLimit.json()["code"] == .string("invalid-signature")
          || (try atLimit.json()["code"]) == .string("malformed"))
      let gzip = try await client.executeRequest(
        uri: "/verify", method: .post,
        headers: [.contentType: "application/json", .contentEncoding: "gzip"],
        body: ByteBuffer(bytes: [0x1f, 0x8b, 0x08, 0x00]))
      #expect(gzip.status == .unsupportedMediaType)
      let xml = try await post(client, Array("<a/>".utf8), type: "application/xml")
      #expect(xml.status == .unsupportedMediaType)
      // Not JSON under a JSON type is a malformed request; a JSON object that is not a bundle
      // is a verdict.
      let notJSON = try await post(client, Array("{\"jws\":".utf8), type: "application/json")
      #expect(notJSON.status == .badRequest)
      #expect(try notJSON.json()["error"] == .string("bad-request"))
      let malformed = try await post(client, Array("{\"jws\":1}".utf8), type: "application/json")
        .json()
      #expect(malformed["code"] == .string("malformed"))
      let duplicate = try await post(
        client, Array("{\"format\":\"amexist-bundle/1\",\"format\":\"x\"}".utf8),
        type: "application/json"
      ).json()
      #expect(duplicate["code"] == .string("malformed"))
      let form = try await post(
        client, Array("other=1".utf8), type: "application/x-www-form-urlencoded")
      #expect(form.status == .badRequest)
      // Lookups take no body at all.
      let getWithBody = try await client.executeRequest(
        uri: "/", method: .get, headers: [.contentLength: "5"], body: ByteBuffer(string: "hello"))
      #expect(getWithBody.status == .contentTooLarge)
    }
  }

  @Test("the page offers a file upload through a same-origin script; the CSP allows no other")
  func uploadScript() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      let page = try await client.get("/verify")
      #expect(page.text.contains("<script src=\"/static/verify.js\" defer></script>"))
      #expect(page.text.contains("<input type=\"file\" id=\"file\""))
      #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
      let script = try await client.get("/static/verify.js")
      #expect(script.status == .ok)
      #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
      #expect(script.text.contains("getElementById(\"document\")"))
    }
  }
}
