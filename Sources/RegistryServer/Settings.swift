/// How the server listens and the limits it enforces; every limit has an explicit default.
public struct RegistryServerSettings: Sendable {
  /// The address to listen on (loopback by default).
  public var host: String
  /// The port to listen on; 0 picks a free one.
  public var port: Int
  /// A second listener on `host` that serves `/metrics` alone, without a token (for a
  /// Prometheus scraper behind a firewall); nil serves `/metrics` to admin tokens only.
  public var metricsPort: Int?
  /// Where people reach the registry's publisher (an e-mail address or an https URL), shown on
  /// the accessibility statement and the legal notice; nil says none is published.
  public var contact: String?
  /// The public origin of the registry (`https://…`), used in absolute links such as the
  /// verification link an attestation carries.
  public var publicOrigin: String
  /// The limits.
  public var limits: ServerLimits
  /// Peers whose `X-Forwarded-For` is believed (a reverse proxy in front of the server); the
  /// client of any other peer is the peer itself.
  public var trustedProxies: Set<String>
  /// How stale a cached page may be when another process writes to the registry; writes made
  /// through this server are seen at once.
  public var refreshInterval: Duration
  /// The folder of the templates, stylesheet and OpenAPI document; nil finds the one installed
  /// with the executable.
  public var resourcesFolder: String?
  /// How long an admin `attestations` request waits for the witness quorum before answering
  /// 202 with the bundle's URL (shorter than the request timeout).
  public var witnessWait: Duration = .seconds(8)

  /// Settings for a server on `host`:`port` whose public origin is `publicOrigin`.
  public init(
    host: String = "127.0.0.1", port: Int = 8080,
    publicOrigin: String = "https://registre.amexist.example",
    limits: ServerLimits = ServerLimits(), trustedProxies: Set<String> = [],
    refreshInterval: Duration = .milliseconds(250), resourcesFolder: String? = nil
  ) {
    self.resourcesFolder = resourcesFolder
    self.host = host
    self.port = port
    self.publicOrigin = publicOrigin
    self.limits = limits
    self.trustedProxies = trustedProxies
    self.refreshInterval = refreshInterval
  }
}

/// The explicit limits of the HTTP server.
public struct ServerLimits: Sendable {
  /// A connection with no request in flight is closed after this long.
  public var idleTimeout: Duration = .seconds(30)
  /// A request (reading its body included) is answered 408 after this long.
  public var requestTimeout: Duration = .seconds(10)
  /// Largest body of `POST /verify`: a bundle (64 KiB) form-encoded.
  public var verifyBodyBytes = 256 * 1024
  /// Largest body of an admin request.
  public var adminBodyBytes = 16 * 1024
  /// Largest single header line, all headers together, and number of headers.
  public var maxHeaderFieldBytes = 8 * 1024
  public var maxHeaderListBytes = 32 * 1024
  public var maxHeaderCount = 100
  /// Public requests per client: sustained rate and burst.
  public var publicRate = RateLimit(perSecond: 50, burst: 200)
  /// Verifications per client (each costs signature checks).
  public var verifyRate = RateLimit(perSecond: 5, burst: 30)
  /// Failed admin authentications per client.
  public var failedAuthRate = RateLimit(perSecond: 0.1, burst: 5)
  /// Clients tracked at once by each rate limiter; the fullest buckets are forgotten first.
  public var trackedClients = 100_000
  /// Largest page of a list (search results, log entries).
  public var maxPageSize = 100
  public var maxLogEntries = 1000

  /// The default limits.
  public init() {}
}

/// A token bucket: `perSecond` sustained, `burst` at once.
public struct RateLimit: Sendable, Hashable {
  public var perSecond: Double
  public var burst: Double

  /// A limit of `perSecond` requests per second with bursts of `burst`.
  public init(perSecond: Double, burst: Double) {
    self.perSecond = perSecond
    self.burst = burst
  }
}
