import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Who a request comes from and what it carries, read within the server's limits.
struct Clients: Sendable {
  /// Peers whose `X-Forwarded-For` is believed.
  let trustedProxies: Set<String>
  /// How long a request's body may take to arrive.
  let requestTimeout: Duration

  /// The client a request comes from: the peer, or, when the peer is a trusted proxy, the
  /// nearest address in `X-Forwarded-For` that is not one (so a client cannot choose its own).
  func client(of request: Request, context: RegistryRequestContext) -> String {
    let peer = context.remoteAddress?.ipAddress ?? "unknown"
    guard trustedProxies.contains(peer),
      let forwarded = request.headers[values: .xForwardedFor].last
    else { return peer }
    let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    for hop in hops.reversed().prefix(16) where !trustedProxies.contains(hop) {
      return hop.isEmpty ? peer : String(hop.prefix(64))
    }
    return peer
  }

  /// The request body, up to `limit` bytes, read within the request timeout.
  func body(of request: Request, context: RegistryRequestContext, limit: Int) async throws
    -> ByteBuffer
  {
    let timeout = TimeAmount(requestTimeout)
    let body = request.body
    let eventLoop = context.eventLoop
    return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
      group.addTask {
        do {
          return try await body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
          throw SiteError.tooLarge
        }
      }
      group.addTask {
        // A timer of the connection's event loop, not `Task.sleep`: no dispatch timer thread
        // woken for each request.
        let timer = eventLoop.scheduleTask(in: timeout) {}
        try await withTaskCancellationHandler {
          try await timer.futureResult.get()
        } onCancel: {
          timer.cancel()
        }
        return nil
      }
      defer { group.cancelAll() }
      guard let first = try await group.next(), let buffer = first else {
        throw SiteError.timeout
      }
      return buffer
    }
  }
}
