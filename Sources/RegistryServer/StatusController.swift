import AmexistDomain
import Attestation
import HTTPTypes
import Hummingbird
import RegistryService

/// The registry's status for offline and W3C verifiers (DESIGN, "Status"): the snapshot, the
/// Bitstring Status Lists, and whether a snapshot's hash is logged.
struct StatusController: RegistryReader {
  let live: LiveRegistry

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/status", use: statusSnapshot)
    routes.get("/status/lists/{n}", use: statusList)
    routes.get("/status/published/{sha256}", use: statusPublication)
    return routes
  }

  /// `GET /status`: the newest status snapshot, a compact JWS (`amexist-status+jwt`).
  func statusSnapshot(_ request: Request, context: RegistryRequestContext) async throws
    -> Response
  {
    guard let release = registry.currentStatus.release else { throw SiteError.unavailable }
    return Self.publicDocument(
      release.snapshot, type: "application/jwt", request: request)
  }

  /// `GET /status/lists/{n}`: status list credential `n` (`vc+jwt`).
  func statusList(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let text = context.parameters.get("n") ?? ""
    guard let number = Int64(text), number >= 0, String(number) == text else {
      throw SiteError.notFound
    }
    guard let release = registry.currentStatus.release else { throw SiteError.unavailable }
    guard let token = release.lists[number] else { throw SiteError.notFound }
    return Self.publicDocument(token, type: "application/vc+jwt", request: request)
  }

  /// `GET /status/published/{sha256}`: the `statusPublished` entry that logged the snapshot
  /// with this hash; 404 when the log holds none.
  func statusPublication(_ request: Request, context: RegistryRequestContext) async throws
    -> Response
  {
    let hash = context.parameters.get("sha256") ?? ""
    guard (try? Identifiers.sha256Hex(hash, field: "sha256")) != nil else {
      throw SiteError.badRequest("give the snapshot's SHA-256 in lower-case hex")
    }
    return try await cached(request, key: "status/published/\(hash)") {
      guard let logged = try await registry.statusPublication(sha256: hash),
        case .statusPublished(let published) = logged.event
      else {
        throw SiteError.notFound
      }
      return .json(
        .object([
          "entry": .integer(logged.index), "sha256": .string(published.sha256),
          "treeSize": .integer(published.size), "issued": .string(published.issued.description),
        ]))
    }
  }

  /// A signed public document any site may fetch (CORS), cached for a minute.
  static func publicDocument(_ token: String, type: String, request: Request) -> Response {
    Reply(contentType: type, bytes: Array(token.utf8), cacheControl: "public, max-age=60")
      .publicRead().prepared().response(to: request)
  }
}
