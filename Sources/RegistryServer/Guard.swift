import Documents
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import RegistryService

/// The middleware every request passes first: admission (method, body, encoding, rate),
/// refusals turned into generic replies, security headers and metrics on every response.
struct GuardMiddleware: RouterMiddleware {
  typealias Context = RegistryRequestContext
  let pages: Pages
  let clients: Clients
  let publicLimiter: RateLimiter
  let metrics: ServerMetrics
  /// The methods of every route, for `405` and CORS preflights.
  let routes: RouteTable
  /// One line per answered request (`amexist.access`, level info).
  static let accessLog = Logger(label: "amexist.access")

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let start = ContinuousClock.now
    var response: Response
    do {
      try admit(request, context: context)
      response =
        request.method == .options ? try preflight(request) : try await next(request, context)
    } catch {
      var refusal = Self.refusal(for: error)
      // The router has no endpoint for this method here: 405 with the route's own methods.
      if case .notFound = refusal, (context.endpointPath ?? "NotFound") == "NotFound",
        let methods = routes.methods(for: request.uri.path)
      {
        refusal = .methodNotAllowed(allow: RouteTable.allow(methods))
      }
      // The body stays generic; the operator reads what failed in the server's log.
      switch error as? RegistryError {
      case .integrity(let reason):
        context.logger.error(
          "the registry database does not match its log: nothing was shown",
          metadata: ["integrity.reason": "\(reason)"])
      case .storage, .keys, .notWitnessed:
        context.logger.error(
          "the registry could not answer", metadata: ["reason": "\(error)"])
      default: break
      }
      if case .tooMany = refusal { metrics.rateLimited.increment() }
      response = pages.refusal(
        refusal, language: PageLanguage.of(request),
        format: Self.refusalFormat(request)
      ).response(to: request)
      if refusal.closesConnection { response.headers[.connection] = "close" }
    }
    // Prepared replies carry them already.
    if response.headers[.strictTransportSecurity] == nil {
      SecurityHeaders.apply(to: &response.headers)
    }
    let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
    let duration = ContinuousClock.now - start
    metrics.record(
      route: route, method: request.method.rawValue, status: response.status.code,
      duration: duration)
    // The access log names the route template, never the path or its query: a SIRET or a
    // search is not kept in the logs.
    Self.accessLog.info(
      "\(request.method.rawValue) \(route) \(response.status.code)",
      metadata: [
        "http.method": "\(request.method.rawValue)", "http.route": "\(route)",
        "http.status": "\(response.status.code)",
        "duration_us":
          "\(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)",
      ])
    return response
  }

  private func admit(_ request: Request, context: Context) throws(SiteError) {
    // Health checks are exempt: load balancers often probe in HTTP/1.0, without Host.
    let healthCheck = request.uri.path == "/healthz" || request.uri.path == "/readyz"
    guard request.head.authority?.isEmpty == false || healthCheck else { throw .missingHost }
    guard [.get, .head, .post, .options].contains(request.method) else {
      guard let methods = routes.methods(for: request.uri.path) else { throw .notFound }
      throw .methodNotAllowed(allow: RouteTable.allow(methods))
    }
    if request.method != .post {
      // Lookups take no body at all.
      let length = request.headers[.contentLength].flatMap { Int($0) } ?? 0
      if length > 0 || request.headers[.transferEncoding] != nil {
        // A method the route does not serve is that, whatever it carries.
        if let methods = routes.methods(for: request.uri.path), !methods.contains(request.method) {
          throw .methodNotAllowed(allow: RouteTable.allow(methods))
        }
        throw .tooLarge
      }
    }
    if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
      throw .unsupportedMediaType
    }
    if healthCheck { return }
    if let wait = publicLimiter.take(clients.client(of: request, context: context)) {
      throw .tooMany(retryAfter: wait)
    }
  }

  /// The answer to `OPTIONS`: the route's methods, and for a public read the CORS preflight
  /// (any origin may `GET` it with the headers a reader sends); never for the admin API,
  /// `/verify`, the metrics or the health checks.
  private func preflight(_ request: Request) throws(SiteError) -> Response {
    let path = request.uri.path
    guard let methods = routes.methods(for: path) else { throw .notFound }
    var headers: HTTPFields = [.allow: RouteTable.allow(methods)]
    let privatePrefixes = ["/admin", "/verify", "/metrics", "/healthz", "/readyz", "/static"]
    if !privatePrefixes.contains(where: { path.hasPrefix($0) }) {
      headers[.accessControlAllowOrigin] = "*"
      headers[.accessControlAllowMethods] = "GET, HEAD"
      headers[.accessControlAllowHeaders] = "Accept, Accept-Language, If-None-Match"
      headers[.accessControlMaxAge] = "86400"
      headers[.crossOriginResourcePolicy] = "cross-origin"
    }
    headers[.cacheControl] = "no-cache"
    return Response(status: .noContent, headers: headers)
  }

  /// Programs' routes are refused in JSON; pages as pages unless JSON is asked for.
  static func refusalFormat(_ request: Request) -> ResponseFormat {
    let path = request.uri.path
    let programs = [
      "/log/", "/.well-known/", "/admin/", "/metrics", "/healthz", "/readyz", "/status",
      "/open-data/", "/feed.atom",
    ]
    return ResponseFormat.of(
      request,
      hasSuffix: path.hasSuffix(".json") || path.hasSuffix("/bundle")
        || programs.contains(where: { path.hasPrefix($0) }))
  }

  /// The refusal an error becomes; nothing becomes a 500.
  static func refusal(for error: any Error) -> SiteError {
    switch error {
    case let error as SiteError: return error
    case let error as RegistryError: return SiteError(error)
    case let error as any HTTPResponseError:
      switch error.status {
      case .notFound: return .notFound
      case .contentTooLarge: return .tooLarge
      case .methodNotAllowed: return .methodNotAllowed(allow: "GET, HEAD")
      case .unsupportedMediaType: return .unsupportedMediaType
      case .requestTimeout: return .timeout
      default:
        return error.status.code < 500
          ? .badRequest("the request is malformed", french: "La requête est mal formée.")
          : .unavailable
      }
    default: return .unavailable
    }
  }
}

extension SiteError {
  /// Refusals after which the connection is not reused (its state may be unknown).
  var closesConnection: Bool {
    switch self {
    case .tooLarge, .timeout: true
    default: false
    }
  }
}

/// The headers every response carries.
enum SecurityHeaders {
  static let contentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

  static func apply(to headers: inout HTTPFields) {
    headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
    headers[.xContentTypeOptions] = "nosniff"
    headers[.contentSecurityPolicy] = contentSecurityPolicy
    headers[.referrerPolicy] = "no-referrer"
    headers[.xFrameOptions] = "DENY"
    headers[.crossOriginOpenerPolicy] = "same-origin"
    if headers[.crossOriginResourcePolicy] == nil {
      headers[.crossOriginResourcePolicy] = "same-origin"
    }
    headers[.permissionsPolicy] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    headers[.server] = nil
  }
}

extension HTTPField.Name {
  static let xContentTypeOptions = Self("X-Content-Type-Options")!
  static let xFrameOptions = Self("X-Frame-Options")!
  static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
  static let permissionsPolicy = Self("Permissions-Policy")!
  static let referrerPolicy = Self("Referrer-Policy")!
  static let xForwardedFor = Self("X-Forwarded-For")!
}
