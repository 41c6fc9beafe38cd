import AmexistDomain
import Attestation
import Documents
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryTesting
import Testing
import TransparencyLog

@Suite("Public routes")
struct PublicRouteTests {
  @Test(
    "search: French by default, English by ?lang and by Accept-Language, JSON by Accept or suffix")
  func search() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      let french = try await client.get("/")
      #expect(french.status == .ok)
      #expect(french.headers[.contentType] == "text/html; charset=utf-8")
      #expect(french.text.contains("<html lang=\"fr\">"))
      #expect(french.text.contains("Rechercher un service"))
      #expect(french.text.contains("Santé au Travail Grand Est"))
      let english = try await client.get("/?lang=en")
      #expect(english.text.contains("<html lang=\"en\">"))
      #expect(english.text.contains("Find a service"))
      let negotiated = try await client.get("/", [.acceptLanguage: "en-GB;q=0.9, fr;q=0.3"])
      #expect(negotiated.text.contains("Find a service"))
      let json = try await client.get("/services.json?q=lyon")
      #expect(json.headers[.contentType] == "application/json; charset=utf-8")
      let services = try json.json()["services"]
      #expect(services == .array([try #require(services?.arrayValue?.first)]))
      #expect(services?.arrayValue?.first?["siret"] == .string("90122334500017"))
      let accepted = try await client.get("/?level=3", acceptJSON)
      #expect(try accepted.json()["total"] == .integer(2))
      let siretPrefix = try await client.get("/services.json?q=900%20112")
      #expect(try siretPrefix.json()["total"] == .integer(1))
      let accents = try await client.get("/services.json?q=sante%20travail%20provence")
      #expect(try accents.json()["total"] == .integer(1))
    }
  }

  @Test("the search follows writes: a renamed service is found by its new name, not its old one")
  func searchAfterRename() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      let before = try await client.get("/services.json?q=lyon")
      #expect(try before.json()["total"] == .integer(1))
      try await harness.service.update(
        try SIRET("90122334500017"),
        profile: try ServiceProfile(name: "Médecine du Travail Rhône", region: "84"))
      // Case and accents ignored on both sides: "MEDECINE … RHÔNE" finds "Médecine … Rhône".
      let found = try await client.get("/services.json?q=MEDECINE%20DU%20TRAVAIL%20RH%C3%94NE")
      #expect(
        try found.json()["services"]?.arrayValue?.first?["siret"] == .string("90122334500017"))
      let old = try await client.get("/services.json?q=lyon")
      #expect(try old.json()["total"] == .integer(0))
    }
  }

  @Test("E8: the page size is capped: a larger limit is refused (400) rather than served")
  func pageSizeCap() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    var settings = RegistryServerSettings(refreshInterval: .zero)
    settings.limits.maxPageSize = 4
    try await harness.test(settings) { client in
      let refused = try await client.get("/services.json?limit=1000000000")
      #expect(refused.status == .badRequest)
      #expect(refused.text.contains("limit must be a whole number from 1 to 4"))
      let page = try await client.get("/services.json?limit=4")
      let body = try page.json()
      #expect(body["limit"] == .integer(4))
      #expect(body["services"]?.arrayValue?.count == 4)
      #expect(body["hasMore"] == .bool(true))
      // The sample's services, four a page: the last page holds the rest.
      let pages = (SampleRegistry.serviceCount + 3) / 4
      let last = try await client.get("/services.json?limit=4&page=\(pages)")
      #expect(
        try last.json()["services"]?.arrayValue?.count
          == SampleRegistry.serviceCount - 4 * (pages - 1))
      let html = try await client.get("/?limit=4")
      #expect(html.text.contains("rel=\"next\""))
    }
  }

  @Test("the service page shows the level in words, the standing, dates in French and the history")
  func servicePage() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    let state = try await harness.service.state(of: siret)
    let decision = try #require(state.decision)
    try await harness.test { client in
      let page = try await client.get("/services/\(siret)")
      #expect(page.status == .ok)
      let text = page.text
      #expect(text.contains(state.profile.name.replacingOccurrences(of: "'", with: "&#39;")))
      #expect(text.contains(decision.level.frenchName.replacingOccurrences(of: "'", with: "&#39;")))
      #expect(text.contains("en vigueur"))
      #expect(text.contains("Valable jusqu&#39;au"))
      let months = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre",
      ]
      let day = decision.validUntil.day == 1 ? "1er" : "\(decision.validUntil.day)"
      #expect(
        text.contains("\(day) \(months[decision.validUntil.month - 1]) \(decision.validUntil.year)")
      )
      #expect(text.contains("/badge/\(siret).svg"))
      #expect(text.contains("Historique"))
      let english = try await client.get("/services/\(siret)?lang=en")
      #expect(english.text.contains(decision.level.englishName))
      #expect(english.text.contains("AMEXIST label"))
      let json = try await client.get("/services/\(siret).json")
      let body = try json.json()
      #expect(body["siret"] == .string(siret.digits))
      #expect(body["standing"] == .string("active"))
      #expect(body["history"]?.arrayValue?.count == state.history.count)
      let negotiated = try await client.get("/services/\(siret)", acceptJSON)
      #expect(try negotiated.json() == body)
    }
  }

  @Test("unknown or invalid identifiers are 404 or 400, in the asked format, never 5xx")
  func notFound() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      let unknown = try await client.get("/services/73282932000074")
      #expect(unknown.status == .notFound)
      // Not "page not found": the service does not hold the label, and the search is offered.
      #expect(unknown.text.contains("Service non inscrit"))
      #expect(
        unknown.text.contains(
          "Aucun service n&#39;est inscrit sous le SIRET 732 829 320 00074 : il ne détient pas le label."
        ), "\(unknown.text)")
      #expect(unknown.text.contains("href=\"/?lang=fr\""))
      let unknownJSON = try await client.get("/services/73282932000074.json")
      #expect(unknownJSON.status == .notFound)
      #expect(try unknownJSON.json()["error"] == .string("not-found"))
      #expect(
        try unknownJSON.json()["message"]
          == .string(
            "no service is registered under SIRET 732 829 320 00074: it does not hold the label"))
      // A bad check digit: no service can have that number (404, saying why).
      let invalid = try await client.get("/services/73282932000075")
      #expect(invalid.status == .notFound)
      #expect(invalid.text.contains("formule de Luhn"))
      let attestation = try await client.get("/attestations/00000000-0000-4000-8000-000000000000")
      #expect(attestation.status == .notFound)
      let notUUID = try await client.get("/attestations/urn:uuid:x.json")
      #expect(notUUID.status == .notFound)
      let path = try await client.get("/nowhere?lang=en")
      #expect(path.status == .notFound)
      #expect(path.text.contains("Page not found"))
      let badge = try await client.get("/badge/73282932000074.png")
      #expect(badge.status == .notFound)
    }
  }

  @Test("C3, C9: the attestation page shows the live status and the checks made")
  func attestationPage() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    try await harness.test { client in
      let page = try await client.get("/attestations/\(uuid)")
      #expect(page.status == .ok)
      #expect(page.text.contains("Valide"))
      #expect(page.text.contains("Signature EdDSA vérifiée avec la clé \(harness.kid)"))
      #expect(page.text.contains("prouvée incluse dans le journal signé"))
      let json = try await client.get("/attestations/\(uuid).json")
      let body = try json.json()
      #expect(body["status"] == .string("valid"))
      #expect(body["logIndex"] == .integer(issued.logged.index))
      #expect(body["checks"]?.arrayValue?.allSatisfy { $0["passed"] == .bool(true) } == true)
      let short = try await client.get("/v/\(uuid)?lang=en")
      #expect(short.status == .seeOther)
      #expect(short.headers[.location] == "/attestations/\(uuid)?lang=en")
    }
    // C3: suspended after issuance.
    try await harness.service.decide(
      .levelSuspended(
        try LevelSuspended(
          siret: siret, decided: harness.service.today(), reason: "Audit en retard")))
    try await harness.test { client in
      let body = try await client.get("/attestations/\(uuid).json").json()
      #expect(body["status"] == .string("suspended"))
      let page = try await client.get("/attestations/\(uuid)")
      #expect(page.text.contains("Suspendue"))
    }
    // C9: reinstated, then renewed: the old attestation is superseded, the history is ordered.
    try await harness.service.decide(
      .levelReinstated(LevelReinstated(siret: siret, decided: harness.service.today())))
    let state = try await harness.service.state(of: siret)
    try await harness.service.decide(
      .levelRenewed(
        try LevelRenewed(
          siret: siret, decided: harness.service.today(),
          validUntil: try #require(state.decision).validUntil.adding(days: 365))))
    try await harness.test { client in
      let body = try await client.get("/attestations/\(uuid).json").json()
      #expect(body["status"] == .string("superseded"))
      let service = try await client.get("/services/\(siret).json").json()
      let indexes = service["history"]?.arrayValue?.compactMap { $0["index"]?.integerValue } ?? []
      #expect(indexes == indexes.sorted())
      #expect(service["standing"] == .string("active"))
    }
  }

  @Test("the bundle download verifies offline, with a file name built from the id alone (E5)")
  func bundleDownload() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (_, issued) = harness.activeSample
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    let trust = try await harness.service.trustFile(issuer: ServerHarness.issuer)
    try await harness.test { client in
      let download = try await client.get("/attestations/\(uuid)/bundle")
      #expect(download.status == .ok)
      #expect(
        download.headers[.contentDisposition] == "attachment; filename=\"\(uuid).amexist.json\"")
      let report = AttestationVerifier(trust: trust).verify(
        Array(buffer: download.body), now: harness.clock.now())
      #expect(report.isValid)
      #expect(report.attestation?.claims.id == issued.claims.id)
      let injected = try await client.get("/attestations/\(uuid)%0d%0aSet-Cookie:x/bundle")
      #expect(injected.status == .notFound)
      #expect(injected.headers[.setCookie] == nil)
    }
  }

  @Test("the badge is an SVG of the level and standing that other sites may embed")
  func badge() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    try await harness.test { client in
      let badge = try await client.get("/badge/\(siret).svg")
      #expect(badge.status == .ok)
      #expect(badge.headers[.contentType] == "image/svg+xml; charset=utf-8")
      #expect(badge.headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] == "cross-origin")
      #expect(badge.text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
      #expect(badge.text.contains("AMEXIST niveau \(issued.claims.level.rawValue)"))
      let english = try await client.get("/badge/\(siret).svg?lang=en")
      #expect(english.text.contains("AMEXIST level \(issued.claims.level.rawValue)"))
    }
  }

  @Test(
    "every page links the open data and the decision feed; the open-data page states the licence")
  func openDataLinks() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      for path in [
        "/", "/bodies", "/log", "/verify", "/services/\(siret)", "/open-data", "/nowhere",
      ] {
        let page = try await client.get(path).text
        #expect(page.contains("href=\"/open-data?lang=fr\""), "\(path)")
        #expect(page.contains("href=\"/feed.atom\""), "\(path)")
        #expect(page.contains("type=\"application/atom+xml\""), "\(path)")
      }
      let page = try await client.get("/open-data?lang=en").text
      #expect(page.contains("Licence Ouverte / Open Licence version 2.0"))
      #expect(page.contains("<code>reserves_overdue</code>"))
      let csv = try await client.get("/open-data/services.csv")
      #expect(csv.headers[.contentType] == "text/csv; charset=utf-8; header=present")
      let count = try await harness.service.allServices().count
      #expect(csv.text.split(separator: "\r\n").count == count + 1)
    }
  }

  @Test(
    "negotiated public reads say Vary: Accept, Accept-Language; JSON, the log, the badge and the status may be read by any site (CORS), pages, /verify and /admin not"
  )
  func varyAndCORS() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      for path in [
        "/services/\(siret).json", "/services.json", "/log/checkpoint", "/badge/\(siret).svg",
        "/open-data/services.csv", "/open-data/services.jsonl", "/feed.atom",
      ] {
        let reply = try await client.get(path)
        #expect(reply.headers[.vary] == "Accept, Accept-Language", "\(path)")
        #expect(reply.headers[.accessControlAllowOrigin] == "*", "\(path)")
        #expect(reply.headers[.crossOriginResourcePolicy] == "cross-origin", "\(path)")
      }
      let page = try await client.get("/services/\(siret)")
      #expect(page.headers[.vary] == "Accept, Accept-Language")
      #expect(page.headers[.accessControlAllowOrigin] == nil)
      #expect(page.headers[.crossOriginResourcePolicy] == "same-origin")
      #expect(try await client.get("/verify").headers[.accessControlAllowOrigin] == nil)
      #expect(try await client.get("/admin/services").headers[.accessControlAllowOrigin] == nil)
    }
  }

  @Test(
    "invalid filters are 400 naming the allowed values, never all services; empty values mean any"
  )
  func strictFilters() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      for (query, named) in [
        ("standing=Active", "active, suspended"), ("level=5", "1, 2 or 3"), ("region=999", "84"),
        ("page=0", "page"), ("page=abc", "page"), ("limit=101", "limit"), ("limit=-5", "limit"),
      ] {
        let reply = try await client.get("/services.json?\(query)")
        #expect(reply.status == .badRequest, "\(query)")
        #expect(reply.text.contains(named), "\(query): \(reply.text)")
        #expect(try await client.get("/?\(query)").status == .badRequest, "\(query)")
      }
      // The language switch keeps the search's filters.
      let filtered = try await client.get("/?q=sant%C3%A9&standing=active")
      #expect(
        filtered.text.contains("href=\"/?q=sant%C3%A9&amp;standing=active&amp;lang=en\""),
        "\(filtered.text)")
      // The form sends the filters empty for "any"; a page or a size is a number or absent.
      let any = try await client.get("/services.json?q=&region=&level=&standing=")
      #expect(any.status == .ok)
      #expect(try await client.get("/services.json?page=").status == .badRequest)
      #expect(
        try await client.get("/services.json?q=" + String(repeating: "a", count: 101)).status
          == .badRequest)
      #expect(
        try await client.get("/services.json?standing=suspended&level=2&region=84").status == .ok)
    }
  }

  @Test("a page not changed since the client's copy is answered 304")
  func conditionalRequests() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, _) = harness.activeSample
    try await harness.test { client in
      let first = try await client.get("/services/\(siret).json")
      let etag = try #require(first.headers[.eTag])
      // The length is part of the prepared headers; a 304 does not carry the 200's.
      #expect(first.headers[.contentLength] == String(first.body.readableBytes))
      let second = try await client.get("/services/\(siret).json", [.ifNoneMatch: etag])
      #expect(second.status == .notModified)
      #expect(second.body.readableBytes == 0)
      #expect(second.headers[.contentLength] == nil || second.headers[.contentLength] == "0")
      // Weak comparison: a cache that weakened the tag still gets 304.
      let weak = try await client.get("/services/\(siret).json", [.ifNoneMatch: "W/" + etag])
      #expect(weak.status == .notModified)
      let other = try await client.get("/services/\(siret).json", [.ifNoneMatch: "W/\"other\""])
      #expect(other.status == .ok)
      try await harness.service.update(
        siret, profile: try ServiceProfile(name: "Nouveau nom", region: "24"))
      let third = try await client.get("/services/\(siret).json", [.ifNoneMatch: etag])
      #expect(third.status == .ok)
      #expect(try third.json()["name"] == .string("Nouveau nom"))
    }
  }

  @Test("both languages have every text")
  func texts() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.test { client in
      for path in ["/", "/verify", "/nowhere"] {
        for language in ["fr", "en"] {
          let page = try await client.get("\(path)?lang=\(language)")
          // A missing text renders as nothing: no empty headings, labels or links.
          #expect(!page.text.contains("<h1></h1>"))
          #expect(!page.text.contains("<label for=\"q\"></label>"))
          #expect(!page.text.contains("></a>"))
        }
      }
    }
  }
}

extension JSONValue {
  var arrayValue: [JSONValue]? {
    if case .array(let items) = self { return items }
    return nil
  }
  var integerValue: Int64? {
    if case .integer(let value) = self { return value }
    return nil
  }
  var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }
}
