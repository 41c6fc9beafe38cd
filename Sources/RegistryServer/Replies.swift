import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A response body ready to send, with its type and validator; built once, sent many times.
struct Reply: Sendable {
  let status: HTTPResponse.Status
  let contentType: String
  let body: ByteBuffer
  let etag: String
  var extraHeaders: HTTPFields = [:]
  /// `Cache-Control` of the response.
  var cacheControl = "no-cache"

  init(
    status: HTTPResponse.Status = .ok, contentType: String, bytes: some Collection<UInt8>,
    cacheControl: String = "no-cache"
  ) {
    self.status = status
    self.contentType = contentType
    self.body = ByteBuffer(bytes: bytes)
    self.etag = "\"" + PayloadHash.hex(of: Array(bytes)).prefix(24) + "\""
    self.cacheControl = cacheControl
  }

  static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Reply {
    Reply(status: status, contentType: "text/html; charset=utf-8", bytes: Array(page.utf8))
  }

  static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Reply {
    Reply(
      status: status, contentType: "application/json; charset=utf-8",
      bytes: CanonicalJSON.encode(value))
  }

  static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Reply {
    Reply(contentType: contentType, bytes: Array(text.utf8))
  }

  /// Headers computed once for a reply served many times (see ``prepared()``).
  private var preparedHeaders: HTTPFields?

  /// The reply with its headers, security headers and length included, computed now rather
  /// than on each response.
  func prepared() -> Reply {
    var reply = self
    var headers = self.headers
    SecurityHeaders.apply(to: &headers)
    headers[.contentLength] = String(body.readableBytes)
    reply.preparedHeaders = headers
    return reply
  }

  private var headers: HTTPFields {
    var headers = extraHeaders
    headers[.contentType] = contentType
    headers[.eTag] = etag
    headers[.cacheControl] = cacheControl
    return headers
  }

  /// The same reply for a public read that the server negotiates (HTML or JSON, French or
  /// English): caches are told so (`Vary`), and any site may read it unless it is a page
  /// (CORS: `Access-Control-Allow-Origin: *`, `Cross-Origin-Resource-Policy: cross-origin`).
  func publicRead() -> Reply {
    var reply = self
    reply.extraHeaders[.vary] = "Accept, Accept-Language"
    if !contentType.hasPrefix("text/html") {
      reply.extraHeaders[.accessControlAllowOrigin] = "*"
      reply.extraHeaders[.crossOriginResourcePolicy] = "cross-origin"
    }
    return reply
  }

  /// Whether `If-None-Match` (a list of entity tags, or `*`) names this body, by the weak
  /// comparison RFC 9110 asks for here: `W/"x"` matches `"x"`.
  func matches(ifNoneMatch header: String) -> Bool {
    header.split(separator: ",").contains { candidate in
      let tag = candidate.trimmingOptionalWhitespace()
      return tag == "*" || (tag.hasPrefix("W/") ? tag.dropFirst(2) : tag) == etag
    }
  }

  /// The response to `request`: 304 when its `If-None-Match` names this body.
  func response(to request: Request) -> Response {
    if status == .ok, let match = request.headers[.ifNoneMatch], matches(ifNoneMatch: match) {
      var headers = preparedHeaders ?? self.headers
      headers[.contentLength] = nil
      return Response(status: .notModified, headers: headers)
    }
    // Prepared headers are sent as they are: changing them here would copy every field.
    guard let preparedHeaders else {
      var headers = self.headers
      headers[.contentLength] = String(body.readableBytes)
      return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
    return Response(status: status, headers: preparedHeaders, body: .init(byteBuffer: body))
  }
}

/// Values built from the current state of the registry: replies, and what `POST /verify`
/// reads of the log.
///
/// An entry is used while the log has the size it had when the entry was built and for at most
/// `maximumAge` (pages also depend on the date: expiry). The table is bounded: when full it is
/// emptied, so a crawl of every page cannot grow memory.
final class GenerationCache<Value: Sendable>: Sendable {
  private struct Entry {
    let generation: Int64
    let built: ContinuousClock.Instant
    let value: Value
  }

  private let entries = Mutex<[String: Entry]>([:])
  private let capacity: Int
  private let maximumAge: Duration

  init(capacity: Int = 20_000, maximumAge: Duration = .seconds(60)) {
    self.capacity = capacity
    self.maximumAge = maximumAge
  }

  /// The cached value for `key` at `generation`, if there is one still young enough.
  func known(_ key: String, generation: Int64, now: ContinuousClock.Instant = .now) -> Value? {
    guard let cached = entries.withLock({ entries in entries[key] }),
      cached.generation == generation, now - cached.built < maximumAge
    else { return nil }
    return cached.value
  }

  /// The cached value for `key` at `generation`, or the one `build` makes (then cached).
  func value(
    _ key: String, generation: Int64, build: () async throws -> Value
  ) async throws -> Value {
    let now = ContinuousClock.now
    if let known = known(key, generation: generation, now: now) { return known }
    let value = try await build()
    entries.withLock { entries in
      if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
      entries[key] = Entry(generation: generation, built: now, value: value)
    }
    return value
  }
}
