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
    let server = try ServerParts(
      registry: registry, settings: settings, issuer: issuer, issuerName: issuerName,
      keys: keys ?? admin?.folder, admin: admin)
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
        router: metricsRouter(server), server: .http1(configuration: http),
        configuration: .init(address: .hostname(settings.host, port: port), serverName: nil),
        logger: Logger(label: "amexist.metrics"))
    }
    return Application(
      router: router(server),
      server: .http1(configuration: http),
      configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
      services: metricsListener.map { [$0] } ?? [],
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
      logger: Logger(label: "amexist.server")
    )
  }

  /// The router of the metrics listener: `/metrics` and nothing else, without a token.
  static func metricsRouter(_ server: ServerParts) -> Router<RegistryRequestContext> {
    let router = Router(context: RegistryRequestContext.self, options: [.autoGenerateHeadEndpoints])
    router.addRoutes(server.health.metricsListenerRoutes)
    return router
  }

  /// The public router, each resource's routes from its controller, behind the guard; the
  /// admin API when the server has one.
  static func router(_ server: ServerParts) -> Router<RegistryRequestContext> {
    let router = Router(context: RegistryRequestContext.self, options: [.autoGenerateHeadEndpoints])
    let routes = RouteTable()
    router.add(middleware: server.guardMiddleware(routes: routes))
    for collection in server.routeCollections { router.addRoutes(collection) }
    if let admin = server.admin { router.addRoutes(admin.routes, atPath: "/admin") }
    routes.load(router)
    return router
  }
}

/// The server's parts: the shared reads of the registry, and one controller per resource, each
/// given the dependencies it uses and nothing else.
struct ServerParts: Sendable {
  let services: ServiceController
  let attestations: AttestationController
  let verification: VerifyController
  let log: LogController
  let status: StatusController
  let openData: OpenDataController
  let reference: ReferenceController
  let health: HealthController
  /// The admin API, when the server writes and has admin access.
  let admin: AdminController?
  let pages: Pages
  let clients: Clients
  let publicLimiter: RateLimiter
  let metrics: ServerMetrics

  init(
    registry: RegistryService, settings: RegistryServerSettings, issuer: String,
    issuerName: String?, keys: KeyFolder?, admin: AdminAccess?
  ) throws {
    let resources = try ServerResources(configured: settings.resourcesFolder)
    let pages = Pages(library: try resources.templates())
    let live = LiveRegistry(registry, refreshInterval: settings.refreshInterval)
    let directory = ServiceDirectory(live)
    let trust = TrustSource(live, keys: keys, issuer: issuer, issuerName: issuerName)
    let limits = settings.limits
    let clients = Clients(
      trustedProxies: settings.trustedProxies, requestTimeout: limits.requestTimeout)
    let metrics = ServerMetrics()
    let publisher = issuerName ?? issuer
    self.pages = pages
    self.clients = clients
    self.metrics = metrics
    self.publicLimiter = RateLimiter(limits.publicRate, capacity: limits.trackedClients)
    self.services = ServiceController(
      live: live, directory: directory, pages: pages, settings: settings)
    self.attestations = AttestationController(
      live: live, trustSource: trust, pages: pages, settings: settings)
    self.verification = VerifyController(
      live: live, trustSource: trust, pages: pages, clients: clients,
      verifyLimiter: RateLimiter(limits.verifyRate, capacity: limits.trackedClients),
      settings: settings)
    self.log = LogController(live: live, trustSource: trust, pages: pages, settings: settings)
    self.status = StatusController(live: live)
    self.openData = OpenDataController(
      live: live, directory: directory, pages: pages, origin: settings.publicOrigin,
      publisher: publisher)
    self.reference = try ReferenceController(
      resources: resources, pages: pages, publisher: publisher, settings: settings)
    // One failed-authentication limiter for the admin API and `/metrics`.
    let gate = admin.map { access in
      AdminGate(
        tokens: access.tokens, clock: registry.clock, clients: clients,
        failedAuthLimiter: RateLimiter(limits.failedAuthRate, capacity: limits.trackedClients),
        metrics: metrics)
    }
    self.health = HealthController(registry: registry, metrics: metrics, metricsGate: gate)
    if let admin, let gate, registry.logSigner != nil {
      self.admin = AdminController(
        gate: gate, folder: admin.folder, live: live, clients: clients, settings: settings)
    } else {
      self.admin = nil
    }
  }

  /// The public routes, one collection per resource.
  var routeCollections: [RouteCollection<RegistryRequestContext>] {
    [
      services.routes, attestations.routes, verification.routes, log.routes, status.routes,
      openData.routes, reference.routes, health.routes,
    ]
  }

  /// The middleware every request passes first.
  func guardMiddleware(routes: RouteTable) -> GuardMiddleware {
    GuardMiddleware(
      pages: pages, clients: clients, publicLimiter: publicLimiter, metrics: metrics,
      routes: routes)
  }
}
