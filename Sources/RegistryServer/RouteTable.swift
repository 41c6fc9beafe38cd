import HTTPTypes
import Hummingbird
import Synchronization

/// The methods each route answers, known once the router is built: it gives `405` its own
/// `Allow` and answers CORS preflights, which the router alone cannot (a method it has no
/// endpoint for is a 404 to it).
final class RouteTable: Sendable {
  private struct Route {
    /// The template's segments; `nil` stands for a capture (`{siret}`).
    let segments: [Substring?]
    var methods: [HTTPRequest.Method]
  }

  private let routes = Mutex<[Route]>([])

  /// Records every route of `router` (replacing what was recorded).
  func load(_ router: Router<RegistryRequestContext>) {
    var found: [String: Route] = [:]
    for route in router.routes {
      let template = route.path.description
      let segments = template.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 }
      found[template, default: Route(segments: segments, methods: [])].methods.append(route.method)
      if route.method == .get {
        found[template]?.methods.append(.head)
      }
    }
    let loaded = Array(found.values)
    routes.withLock { $0 = loaded }
  }

  /// The methods `path` is served with, in a stable order; nil when no route matches it.
  func methods(for path: String) -> [HTTPRequest.Method]? {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    let matching = routes.withLock { routes in
      routes.filter { route in
        route.segments.count == parts.count
          && zip(route.segments, parts).allSatisfy { template, part in
            template == nil || template == part
          }
      }
    }
    guard !matching.isEmpty else { return nil }
    let order: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]
    let methods = Set(matching.flatMap(\.methods))
    return order.filter(methods.contains)
  }

  /// The `Allow` header's value for `methods`.
  static func allow(_ methods: [HTTPRequest.Method]) -> String {
    methods.map(\.rawValue).joined(separator: ", ")
  }
}
