import AmexistDomain
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryStore
import RegistryTesting
import Testing
import TransparencyLog

@Suite("HTTP abuse (group E)")
struct HardeningTests {
  static let securityHeaders: [(String, String)] = [
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
  ]

  @Test("E11: security headers on every response, errors included; TRACE is 405; no Server header")
  func securityHeaders() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      var responses: [TestResponse] = []
      for path in [
        "/", "/services/\(siret)", "/services/\(siret).json", "/badge/\(siret).svg", "/nowhere",
        "/services/1", "/log/checkpoint", "/metrics", "/static/style.css", "/openapi.yaml",
      ] {
        responses.append(try await client.get(path))
      }
      let trace = try await client.executeRequest(uri: "/", method: .trace, headers: [:], body: nil)
      #expect(trace.status == .methodNotAllowed)
      #expect(trace.headers[.allow] == "GET, HEAD")
      responses.append(trace)
      let put = try await client.executeRequest(
        uri: "/verify", method: .put, headers: [:], body: nil)
      #expect(put.status == .methodNotAllowed)
      responses.append(put)
      for response in responses {
        for (name, value) in Self.securityHeaders {
          #expect(response.headers[HTTPField.Name(name)!] == value)
        }
        let csp = response.headers[.contentSecurityPolicy] ?? ""
        #expect(csp.contains("frame-ancestors 'none'"))
        #expect(response.headers[.server] == nil)
        #expect(response.headers[.contentType]?.contains("charset=utf-8") == true)
        #expect(response.status.code < 500)
      }
    }
  }

  @Test(
    "E6: URI tricks are 400 or 404, never 5xx, and never leave the routes",
    arguments: [
      "/%2e%2e%2f%2e%2e%2fetc/passwd", "/services/%2e%2e%2fKeys", "/services/..%2f..%2fKeys",
      "/services/%00", "/services/%C0%AE%C0%AE", "/services/73282932000074%00.json",
      "//services//", "/badge/%2e%2e.svg", "/attestations/%ff%fe", "/v/../../Keys/private/log.pem",
      "/services/" + String(repeating: "9", count: 4096),
      "/log/proof/inclusion?index=99999999999999999999",
      "/log/proof/inclusion?index=-1", "/log/proof/consistency?from=1&to=18446744073709551617",
      "/log/entries?start=1e9", "/?page=99999999999999999999999&limit=-5",
      "/services/%EF%BC%97%EF%BC%93282932000074",
    ])
  func uriTricks(path: String) async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      let response = try await client.get(path)
      #expect([400, 404, 200].contains(response.status.code), "\(path): \(response.status)")
      #expect(!response.text.contains("PRIVATE KEY"))
    }
  }

  @Test(
    "a method a route does not serve is 405 with that route's own Allow; an unknown path stays 404"
  )
  func methodNotAllowed() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      for (path, allow) in [
        ("/services/\(siret)", "GET, HEAD"), ("/verify", "GET, HEAD, POST"),
        ("/admin/services", "POST"), ("/log/checkpoint", "GET, HEAD"),
      ] {
        for method in [HTTPRequest.Method.post, .put, .delete, .patch]
        where !allow.contains(method.rawValue) {
          let reply = try await client.executeRequest(
            uri: path, method: method, headers: acceptJSON, body: nil)
          #expect(reply.status == .methodNotAllowed, "\(method) \(path)")
          #expect(reply.headers[.allow] == allow, "\(method) \(path)")
          #expect(try reply.json()["error"] == .string("method-not-allowed"))
        }
      }
      let nowhere = try await client.executeRequest(
        uri: "/nowhere", method: .post, headers: [:], body: nil)
      #expect(nowhere.status == .notFound)
      let put = try await client.executeRequest(
        uri: "/nowhere", method: .put, headers: [:], body: nil)
      #expect(put.status == .notFound)
    }
  }

  @Test(
    "CORS preflight: public reads answer OPTIONS for any origin; /admin, /verify and /metrics do not allow other origins"
  )
  func preflight() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    let asking: HTTPFields = [
      .origin: "https://example.org", .accessControlRequestMethod: "GET",
      .accessControlRequestHeaders: "if-none-match",
    ]
    try await harness.test { client in
      for path in [
        "/services/\(siret).json", "/status", "/log/checkpoint", "/.well-known/jwks.json",
        "/badge/\(siret).svg",
      ] {
        let reply = try await client.executeRequest(
          uri: path, method: .options, headers: asking, body: nil)
        #expect(reply.status == .noContent, "\(path)")
        #expect(reply.headers[.accessControlAllowOrigin] == "*", "\(path)")
        #expect(reply.headers[.accessControlAllowMethods] == "GET, HEAD", "\(path)")
        #expect(
          reply.headers[.accessControlAllowHeaders]?.lowercased().contains("if-none-match")
            == true)
        #expect(reply.headers[.allow] == "GET, HEAD")
        #expect(reply.headers[.xContentTypeOptions] == "nosniff")
      }
      for path in ["/admin/services", "/verify", "/metrics"] {
        let reply = try await client.executeRequest(
          uri: path, method: .options, headers: asking, body: nil)
        #expect(reply.status == .noContent, "\(path)")
        #expect(reply.headers[.accessControlAllowOrigin] == nil, "\(path)")
      }
      let nowhere = try await client.executeRequest(
        uri: "/nowhere", method: .options, headers: asking, body: nil)
      #expect(nowhere.status == .notFound)
    }
  }

  @Test("E7: over quota a client gets 429 with Retry-After; X-Forwarded-For cannot reset it")
  func rateLimit() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    var settings = RegistryServerSettings(refreshInterval: .zero)
    settings.limits.publicRate = RateLimit(perSecond: 0.01, burst: 3)
    try await harness.test(settings) { client in
      for _ in 0..<3 { #expect(try await client.get("/healthz").status == .ok) }
      for _ in 0..<3 { #expect(try await client.get("/").status == .ok) }
      let refused = try await client.get("/")
      #expect(refused.status == .tooManyRequests)
      #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
      // The peer is not a trusted proxy: the header it sends is not believed.
      let spoofed = try await client.get("/", [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"])
      #expect(spoofed.status == .tooManyRequests)
      // Health checks are not rate limited.
      #expect(try await client.get("/healthz").status == .ok)
      let metrics = try await client.get(
        "/metrics", [.authorization: "Bearer \(try harness.token())"])
      #expect(metrics.status == .tooManyRequests)
    }
  }

  @Test("E14: metrics are labelled by route template, so random paths add no series")
  func metricsCardinality() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    var settings = RegistryServerSettings(refreshInterval: .zero)
    settings.limits.publicRate = RateLimit(perSecond: 1000, burst: 10_000)
    try await harness.test(settings) { client in
      for number in 0..<TestScale.count("AMEXIST_RANDOM_PATHS", smoke: 40, full: 300) {
        _ = try await client.get("/random/\(number)/\(UInt64.random(in: 0...UInt64.max))")
        _ = try await client.get("/services/\(TestValues.generatedSIRET(number))")
      }
      _ = try await client.get("/services/\(siret)")
      let metrics = try await client.get(
        "/metrics", [.authorization: "Bearer \(try harness.token())"]
      ).text
      let series = metrics.split(separator: "\n").filter {
        $0.hasPrefix("amexist_http_requests_total{")
      }
      #expect(series.count <= 6, "\(series)")
      #expect(metrics.contains("route=\"/services/{siret}\""))
      #expect(metrics.contains("route=\"unmatched\""))
      #expect(!metrics.contains("/random/"))
      #expect(!metrics.contains(siret.digits))
    }
  }

  @Test("E17: names with line breaks and markup are escaped on pages")
  func escaping() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let siret = TestValues.generatedSIRET(77)
    try await harness.service.register(
      siret, profile: try ServiceProfile(name: "<script>alert(1)</script> \"Santé\" & co"))
    try await harness.test { client in
      let page = try await client.get("/services/\(siret)")
      #expect(!page.text.contains("<script>"))
      #expect(
        page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Santé&quot; &amp; co"))
      let search = try await client.get("/?q=%3Cscript%3E")
      #expect(!search.text.contains("<script>"))
      let badge = try await client.get("/badge/\(siret).svg")
      #expect(!badge.text.contains("<script>"))
    }
  }
}
