import AmexistDomain
public import Hummingbird
import HummingbirdCore
import Logging
public import RegistryService

/// The registry's HTTP server: public lookup and verification, the log, and the admin API.
public enum RegistryServer {
  /// The server application over `registry`, answering for `issuer` (the trust file's issuer,
  /// named `issuerName`), listening and limited as `settings` say. `onServerRunning` is told the bound port.
  ///
  /// The admin API is served under `/admin/` when `admin` is given and the registry can write.
  /// The trust file is signed under the newest root of `keys` (or the admin's keys folder)
  /// when one is published.
  public static func application(
    registry: RegistryService, issuer: String, issuerName: String? = nil,
    settings: RegistryServerSettings = .init(),
    admin: AdminAccess? = nil, keys: KeyFolder? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) throws -> some ApplicationProtocol {
    let site = try Site(
      registry: registry, settings: settings, issuer: issuer, issuerName: issuerName,
      keys: keys ?? admin?.folder)
    let limits = settings.limits
    let http = HTTP1Channel.Configuration(
      idleTimeout: .seconds(max(1, limits.idleTimeout.components.seconds)),
      httpDecoderConfiguration: .init(
        maxHeaderFieldSize: limits.maxHeaderFieldBytes,
        maxHeaderListSize: limits.maxHeaderListBytes,
        maxHeaderFieldCount: limits.maxHeaderCount))
    // The metrics listener runs and stops with the public one.
    let metricsListener = settings.metricsPort.map { port in
      Application(
        router: metricsRouter(site), server: .http1(configuration: http),
        configuration: .init(address: .hostname(settings.host, port: port), serverName: nil),
        logger: Logger(label: "amexist.metrics"))
    }
    return Application(
      router: router(
        site, admin: registry.logSigner == nil ? nil : admin, metricsTokens: admin),
      server: .http1(configuration: http),
      configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
      services: metricsListener.map { [$0] } ?? [],
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
      logger: Logger(label: "amexist.server")
    )
  }

  /// The router of the metrics listener: `/metrics` and nothing else, without a token.
  static func metricsRouter(_ site: Site) -> Router<RegistryRequestContext> {
    let router = Router(context: RegistryRequestContext.self, options: [.autoGenerateHeadEndpoints])
    router.get("/metrics") { request, _ in
      await site.metricsReply().prepared().response(to: request)
    }
    return router
  }

  /// The public router; the admin API when `admin` is given, and `/metrics` for the tokens of
  /// `metricsTokens` (any scope but a certifying body's).
  static func router(
    _ site: Site, admin: AdminAccess?, metricsTokens: AdminAccess? = nil
  ) -> Router<RegistryRequestContext> {
    let router = Router(context: RegistryRequestContext.self, options: [.autoGenerateHeadEndpoints])
    let routes = RouteTable()
    router.add(middleware: GuardMiddleware(site: site, routes: routes))
    router.get("/") { request, context in
      try await site.search(request, context: context, jsonPath: false)
    }
    router.get("/services") { request, context in
      try await site.search(request, context: context, jsonPath: false)
    }
    router.get("/services.json") { request, context in
      try await site.search(request, context: context, jsonPath: true)
    }
    router.get("/services/{siret}") { request, context in
      try await site.service(request, context: context)
    }
    router.get("/attestations/{id}") { request, context in
      try await site.attestation(request, context: context)
    }
    router.get("/attestations/{id}/bundle") { request, context in
      try await site.bundle(request, context: context)
    }
    router.get("/attestations/{id}/pdf") { request, context in
      try await site.printable(request, context: context)
    }
    router.get("/v/{id}") { request, context in try await site.shortLink(request, context: context)
    }
    router.get("/bodies") { request, context in
      try await site.bodies(request, context: context, jsonPath: false)
    }
    router.get("/bodies.json") { request, context in
      try await site.bodies(request, context: context, jsonPath: true)
    }
    router.get("/verify") { request, context in try await site.verifyForm(request, context: context)
    }
    router.post("/verify") { request, context in try await site.verify(request, context: context) }
    router.get("/badge/{file}") { request, context in
      try await site.badge(request, context: context)
    }
    router.get("/.well-known/amexist-trust.json") { request, context in
      try await site.trustFile(request, context: context)
    }
    router.get("/.well-known/amexist-trust/{file}") { request, context in
      try await site.trustRootVersion(request, context: context)
    }
    router.get("/.well-known/jwks.json") { request, context in
      try await site.jwks(request, context: context)
    }
    router.get("/log") { request, context in
      try await site.witnessesPage(request, context: context, jsonPath: false)
    }
    router.get("/log.json") { request, context in
      try await site.witnessesPage(request, context: context, jsonPath: true)
    }
    router.get("/log/checkpoint") { request, context in
      try await site.checkpoint(request, context: context)
    }
    router.get("/log/entries") { request, context in
      try await site.entries(request, context: context)
    }
    router.get("/log/proof/inclusion") { request, context in
      try await site.inclusionProof(request, context: context)
    }
    router.get("/log/proof/consistency") { request, context in
      try await site.consistencyProof(request, context: context)
    }
    router.get("/status") { request, context in
      try await site.statusSnapshot(request, context: context)
    }
    router.get("/status/lists/{n}") { request, context in
      try await site.statusList(request, context: context)
    }
    router.get("/status/published/{sha256}") { request, context in
      try await site.statusPublication(request, context: context)
    }
    router.get("/open-data") { request, context in
      try await site.openDataPage(request, context: context)
    }
    router.get("/open-data/services.csv") { request, _ in
      try await site.openData(request, file: .csv)
    }
    router.get("/open-data/services.jsonl") { request, _ in
      try await site.openData(request, file: .jsonl)
    }
    router.get("/open-data/schema.json") { request, context in
      try await site.openDataSchema(request, context: context)
    }
    router.get("/accessibilite") { request, _ in
      site.statementPage(
        request, template: "accessibility", titleKey: "a11yTitle", path: "/accessibilite")
    }
    router.get("/mentions-legales") { request, _ in
      site.statementPage(
        request, template: "legal", titleKey: "legalTitle", path: "/mentions-legales")
    }
    router.get("/feed.atom") { request, context in
      try await site.decisionFeed(request, context: context)
    }
    router.get("/static/style.css") { request, _ in site.stylesheet.response(to: request) }
    router.get("/static/verify.js") { request, _ in site.script.response(to: request) }
    router.get("/openapi.yaml") { request, _ in site.openAPI.response(to: request) }
    router.get("/api") { request, _ in site.apiPage(request) }
    // Metrics tell an observer the traffic and the registry's health: never public.
    if let metricsTokens {
      let gate = AdminAPI(site: site, access: metricsTokens)
      router.get("/metrics") { request, context in
        _ = try gate.authorize(request, context: context, scope: nil)
        return await site.metricsReply().response(to: request)
      }
    }
    router.get("/healthz") { request, _ in
      do {
        _ = try await site.registry.eventCount()
      } catch {
        throw SiteError.unavailable
      }
      return Reply.json(.object(["status": .string("ok")])).response(to: request)
    }
    router.get("/readyz") { request, _ in
      let (ready, checks) = await site.readiness()
      return Reply.json(
        .object(["status": .string(ready ? "ready" : "not-ready"), "checks": .object(checks)]),
        status: ready ? .ok : .serviceUnavailable
      ).response(to: request)
    }
    if let admin { AdminAPI(site: site, access: admin).register(on: router) }
    routes.load(router)
    return router
  }
}
