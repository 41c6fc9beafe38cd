import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryStore
import RegistryTesting
import Synchronization
import Testing

@Suite("Admin API")
struct AdminAPITests {
  func post(
    _ client: any TestClientProtocol, _ uri: String, token: String?, json: String,
    headers extra: HTTPFields = [:]
  ) async throws -> TestResponse {
    var headers = extra
    if headers[.contentType] == nil { headers[.contentType] = "application/json" }
    if let token { headers[.authorization] = "Bearer \(token)" }
    return try await client.executeRequest(
      uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
  }

  static let newService = TestValues.generatedSIRET(42)
  static var registration: String {
    "{\"siret\":\"\(newService)\",\"name\":\"Service créé par l'API\",\"city\":\"Lyon\",\"region\":\"84\"}"
  }

  @Test(
    "E9: no token, a forged, revoked or expired token are 401; a missing scope or region is 403")
  func authentication() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    let readOnly = try harness.token([.attestations])
    let otherRegion = try harness.token(regions: [try Region(code: "11")])
    let revoked = try harness.token()
    try harness.keys.adminTokens.revoke(
      String(revoked.dropFirst(4).prefix(8)), now: harness.clock.now())
    let expiring = try harness.token(days: 1)
    try await harness.test { client in
      let none = try await post(client, "/admin/services", token: nil, json: Self.registration)
      #expect(none.status == .unauthorized)
      #expect(none.headers[.wwwAuthenticate] == "Bearer")
      #expect(try none.json()["error"] == .string("unauthorized"))
      var forged = Array(token.utf8)
      forged[forged.count - 1] =
        forged.last == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
      let bad = try await post(
        client, "/admin/services", token: String(decoding: forged, as: UTF8.self),
        json: Self.registration)
      #expect(bad.status == .unauthorized)
      #expect(
        try await post(client, "/admin/services", token: revoked, json: Self.registration).status
          == .unauthorized)
      #expect(
        try await post(client, "/admin/services", token: readOnly, json: Self.registration).status
          == .forbidden)
      #expect(
        try await post(client, "/admin/services", token: otherRegion, json: Self.registration)
          .status == .forbidden)
      let whoami = try await client.get("/admin/token", [.authorization: "Bearer \(token)"])
      #expect(try whoami.json()["scopes"]?.arrayValue?.count == AdminScope.allCases.count)
      #expect(!whoami.text.contains(String(token.suffix(43))))
      // The scheme's name is case-insensitive (RFC 9110, 11.1).
      for scheme in ["bearer", "BEARER"] {
        let asked = try await client.get("/admin/token", [.authorization: "\(scheme) \(token)"])
        #expect(asked.status == .ok, "\(scheme)")
      }
    }
    harness.clock.advance(days: 2)
    try await harness.test { client in
      let expired = try await post(
        client, "/admin/services", token: expiring, json: Self.registration)
      #expect(expired.status == .unauthorized)
      let valid = try await post(client, "/admin/services", token: token, json: Self.registration)
      #expect(valid.status == .created)
    }
  }

  @Test(
    "E9: failed authentications above the quota are refused with 429; another valid token from the same address still works"
  )
  func bruteForce() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    var settings = RegistryServerSettings(refreshInterval: .zero)
    settings.limits.failedAuthRate = RateLimit(perSecond: 0.001, burst: 3)
    let token = try harness.token()
    try await harness.test(settings) { client in
      // Guesses at the secret of this very token: throttled after the quota, even the right one.
      let guess = String(token.prefix(13)) + String(repeating: "A", count: 43)
      for _ in 0..<3 {
        #expect(
          try await post(client, "/admin/services", token: guess, json: "{}").status
            == .unauthorized)
      }
      let refused = try await post(client, "/admin/services", token: token, json: Self.registration)
      #expect(refused.status == .tooManyRequests)
      #expect(refused.headers[.retryAfter] != nil)
      // Another valid token from the same address is not locked out.
      let other = try harness.token()
      let accepted = try await post(
        client, "/admin/services", token: other, json: Self.registration)
      #expect(accepted.status == .created, "\(accepted.text)")
      let metrics = try await client.get("/metrics", [.authorization: "Bearer \(other)"]).text
      #expect(metrics.contains("amexist_admin_auth_failures_total 3"))
    }
  }

  @Test("register, decide and attest over HTTP; the public pages show it at once")
  func issuerOperations() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    let trust = try await harness.service.trustFile(issuer: ServerHarness.issuer)
    try await harness.test { client in
      // Seen before the write, so that a stale cache would show.
      #expect(try await client.get("/services/\(Self.newService).json").status == .notFound)
      let created = try await post(client, "/admin/services", token: token, json: Self.registration)
      #expect(created.status == .created)
      #expect(try created.json()["service"]?["siret"] == .string(Self.newService.digits))
      #expect(try await client.get("/services/\(Self.newService).json").status == .ok)
      let grant = try await post(
        client, "/admin/services/\(Self.newService)/decisions", token: token,
        json:
          "{\"decision\":\"grant\",\"level\":2,\"decided\":\"2026-11-20\",\"validUntil\":\"2029-11-19\",\"reference\":\"DPST-1\"}"
      )
      #expect(grant.status == .created, "\(grant.text)")
      #expect(try grant.json()["service"]?["level"] == .integer(2))
      let attestation = try await post(
        client, "/admin/services/\(Self.newService)/attestations", token: token, json: "{}")
      #expect(attestation.status == .created, "\(attestation.text)")
      let body = try attestation.json()
      let bundle = CanonicalJSON.encode(try #require(body["bundle"]))
      let report = AttestationVerifier(trust: trust).verify(bundle, now: harness.clock.now())
      #expect(report.isValid)
      #expect(body["link"]?.stringValue?.hasPrefix("https://registre.amexist.example/v/") == true)
      let suspend = try await post(
        client, "/admin/services/\(Self.newService)/decisions", token: token,
        json: "{\"decision\":\"suspend\",\"reason\":\"Audit de suivi en retard\"}")
      #expect(suspend.status == .created)
      let page = try await client.get("\(try #require(body["url"]?.stringValue)).json")
      #expect(try page.json()["status"] == .string("suspended"))
      let refused = try await post(
        client, "/admin/services/\(Self.newService)/decisions", token: token,
        json: "{\"decision\":\"reinstate\"}")
      #expect(refused.status == .created)
      let rule = try await post(
        client, "/admin/services/\(Self.newService)/decisions", token: token,
        json: "{\"decision\":\"reinstate\"}")
      #expect(rule.status == .conflict)
    }
  }

  @Test(
    "D14: a retried write with the same Idempotency-Key returns the first result and writes once")
  func idempotency() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      let key: HTTPFields = [.init("Idempotency-Key")!: "issue-2026-11-25-1"]
      let first = try await post(
        client, "/admin/services/\(siret)/attestations", token: token, json: "{}", headers: key)
      #expect(first.status == .created)
      let count = try await harness.service.eventCount()
      let retry = try await post(
        client, "/admin/services/\(siret)/attestations", token: token, json: "{}", headers: key)
      #expect(retry.status == .created)
      #expect(retry.body == first.body)
      #expect(retry.headers[.init("Idempotent-Replayed")!] == "true")
      #expect(try await harness.service.eventCount() == count)
      let other = try await post(
        client, "/admin/services/\(siret)/decisions", token: token,
        json: "{\"decision\":\"suspend\",\"reason\":\"x\"}", headers: key)
      #expect(other.status == .conflict)
      let fresh = try await post(
        client, "/admin/services/\(siret)/attestations", token: token, json: "{}")
      #expect(fresh.status == .created)
      #expect(try await harness.service.eventCount() == count + 1)
    }
  }

  @Test(
    "D14, F2: a key applied by another server instance (or before a restart) is not applied twice")
  func durableIdempotency() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    let (siret, _) = harness.activeSample
    let key: HTTPFields = [.init("Idempotency-Key")!: "issue-2026-11-25-2"]
    let path = "/admin/services/\(siret)/attestations"
    let index = Mutex<Int64?>(nil)
    try await harness.test { client in
      let first = try await post(client, path, token: token, json: "{}", headers: key)
      #expect(first.status == .created)
      guard case .integer(let logged) = try first.json()["index"] else {
        Issue.record("no index: \(first.text)")
        return
      }
      index.withLock { $0 = logged }
    }
    let count = try await harness.service.eventCount()
    // A new server on the same registry: its memory holds no key, the store does.
    try await harness.test { client in
      let retry = try await post(client, path, token: token, json: "{}", headers: key)
      #expect(retry.status == .ok)
      #expect(retry.headers[.init("Idempotent-Replayed")!] == "true")
      let body = try retry.json()
      #expect(body["index"] == index.withLock { $0 }.map(JSONValue.integer))
      #expect(body["entries"] == .integer(1))
      #expect(body["replayed"] == .bool(true))
      let other = try await post(
        client, "/admin/services/\(siret)/decisions", token: token,
        json: "{\"decision\":\"suspend\",\"reason\":\"x\"}", headers: key)
      #expect(other.status == .conflict)
      #expect(try other.json()["message"] == .string(RequestReplay.keyReused.description))
    }
    #expect(try await harness.service.eventCount() == count)
  }

  @Test(
    "E13: malformed JSON, duplicate or unknown members, mass assignment and wrong types are 400",
    arguments: [
      "{\"siret\":", "[]",
      "{\"siret\":\"90011223400019\",\"siret\":\"90011223400019\",\"name\":\"x\"}",
      "{\"siret\":\"SIRET\",\"name\":\"x\"}",
      "{\"siret\":\"73282932000074\",\"name\":\"x\",\"level\":\"gold\"}",
      "{\"siret\":\"73282932000074\",\"name\":42}", "{\"siret\":\"73282932000074\"}",
      "{\"siret\":\"73282932000074\",\"name\":\"x\",\"region\":\"999\"}",
    ])
  func badBodies(json: String) async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    try await harness.test { client in
      let response = try await post(client, "/admin/services", token: token, json: json)
      #expect(response.status == .badRequest, "\(json): \(response.text)")
      #expect(try response.json()["error"] == .string("bad-request"))
    }
  }

  @Test(
    "E1, E13: wrong content type is 415, a body over the admin limit 413; decisions are checked")
  func limits() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      let form = try await post(
        client, "/admin/services", token: token, json: "siret=1",
        headers: [.contentType: "application/x-www-form-urlencoded"])
      #expect(form.status == .unsupportedMediaType)
      let large = try await post(
        client, "/admin/services", token: token,
        json: "{\"name\":\"" + String(repeating: "a", count: 20_000) + "\"}")
      #expect(large.status == .contentTooLarge)
      let unknownDecision = try await post(
        client, "/admin/services/\(siret)/decisions", token: token,
        json: "{\"decision\":\"upgrade\"}")
      #expect(unknownDecision.status == .badRequest)
      let extra = try await post(
        client, "/admin/services/\(siret)/decisions", token: token,
        json: "{\"decision\":\"suspend\",\"reason\":\"x\",\"level\":3}")
      #expect(extra.status == .badRequest)
      let notRegistered = try await post(
        client, "/admin/services/73282932000074/decisions", token: token,
        json: "{\"decision\":\"suspend\",\"reason\":\"x\"}")
      #expect(notRegistered.status == .notFound)
    }
  }

  @Test("item 3: the admin API revokes from now on; a revocation set back in time is the CLI's")
  func noBackdatedRevocation() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    let kid = try #require(try await harness.service.keyRecords().first?.kid)
    // A day after the key's start: a revocation an hour back is within its window.
    harness.clock.advance(days: 1)
    let hourAgo = harness.clock.now().adding(milliseconds: -3_600_000)
    try await harness.test { client in
      let backdated = try await post(
        client, "/admin/keys/\(kid)/revoke", token: token,
        json: "{\"reason\":\"Compromission\",\"at\":\"\(hourAgo)\"}")
      #expect(backdated.status == .badRequest)
      #expect(String(buffer: backdated.body).contains("amexist keys revoke"))
      let future = try await post(
        client, "/admin/keys/\(kid)/revoke", token: token,
        json: "{\"reason\":\"Plus tard\",\"at\":\"2100-01-01T00:00:00Z\"}")
      #expect(future.status == .badRequest)
    }
    #expect(try await harness.service.keyRecords().first?.revokedAt == nil)
  }
}
