import AmexistDomain
import Foundation
import Hummingbird
import Prometheus
import RegistryService
import RegistryStore
import TransparencyLog

/// `/healthz`, `/readyz` and `/metrics`: whether the server can answer, and its traffic.
struct HealthController: Sendable {
  let registry: RegistryService
  let metrics: ServerMetrics
  /// Who may read `/metrics` on the public listener (nil: it is not served there).
  let metricsGate: AdminGate?

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/healthz") { request, _ in
      do {
        _ = try await registry.eventCount()
      } catch {
        throw SiteError.unavailable
      }
      return Reply.json(.object(["status": .string("ok")])).response(to: request)
    }
    routes.get("/readyz") { request, _ in
      let (ready, checks) = await readiness()
      return Reply.json(
        .object(["status": .string(ready ? "ready" : "not-ready"), "checks": .object(checks)]),
        status: ready ? .ok : .serviceUnavailable
      ).response(to: request)
    }
    // Metrics tell an observer the traffic and the registry's health: never public.
    if let metricsGate {
      routes.get("/metrics") { request, context in
        _ = try metricsGate.authorize(request, context: context, scope: nil)
        return await metricsReply().response(to: request)
      }
    }
    return routes
  }

  /// The routes of the separate metrics listener: `/metrics` alone, without a token.
  var metricsListenerRoutes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/metrics") { request, _ in
      await metricsReply().prepared().response(to: request)
    }
    return routes
  }

  /// The metrics in Prometheus' text format, gauges read now.
  func metricsReply() async -> Reply {
    await refreshGauges()
    var reply = Reply(
      contentType: "text/plain; version=0.0.4; charset=utf-8", bytes: metrics.exposition())
    reply.cacheControl = "no-store"
    return reply
  }

  /// Sets the gauges `/metrics` shows from the registry as it is now.
  func refreshGauges() async {
    let (ready, _) = await readiness()
    metrics.ready.set(Double(ready ? 1 : 0))
    if let newest = try? await registry.read({ snapshot -> (Int64, Instant?) in
      let count = try snapshot.count()
      return (count, count > 0 ? try snapshot.event(at: count - 1)?.recorded.recordedAt : nil)
    }) {
      metrics.logEntries.set(Double(newest.0))
      if let time = newest.1 {
        let age = Instant(Date()).millisecondsSinceEpoch - time.millisecondsSinceEpoch
        metrics.checkpointAge.set(Double(max(0, age)) / 1000)
      }
    }
    if let usage = registry.store.connectionUsage {
      metrics.connectionsInUse.set(Double(usage.inUse))
      metrics.connectionsWaiting.set(Double(usage.waiting))
    }
  }

  /// Whether the server can answer: the store gives a verified read of the log, and a server
  /// that writes can sign checkpoints with its log key. Each check is
  /// `ok` or a short reason, never a secret.
  func readiness() async -> (ready: Bool, checks: [String: JSONValue]) {
    var checks: [String: JSONValue] = [:]
    var ready = true
    do {
      checks["log-size"] = .integer(try await registry.eventCount())
      checks["store"] = .string("ok")
    } catch {
      ready = false
      if case .integrity = error {
        checks["store"] = .string("the database does not match its log")
      } else {
        checks["store"] = .string("unavailable")
      }
    }
    if let signer = registry.logSigner {
      let signs =
        (try? signer.sign(size: 0, root: Merkle.emptyRoot)).flatMap { signed in
          try? SignedNote(parsing: Array(signed.note.utf8)).verified(by: [signer.verifier])
        } != nil
      checks["signer"] = .string(signs ? "ok" : "cannot sign")
      ready = ready && signs
    } else {
      checks["signer"] = .string("read-only")
    }
    return (ready, checks)
  }
}
