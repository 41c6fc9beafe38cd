import AmexistDomain
import HTTPTypes
import Hummingbird
import RegistryService

/// Every way a request is refused, each with its status and a generic message (never the
/// input, so nothing is reflected and nothing internal leaks).
enum SiteError: Error, Sendable {
  case notFound
  /// No service is registered under this SIRET (a valid one): it does not hold the label.
  case unregistered(SIRET)
  case badRequest(String)
  case unauthorized
  case forbidden
  case conflict(String)
  case tooLarge
  case tooMany(retryAfter: Int)
  case timeout
  /// The path is served, but not with this method; `allow` lists the methods it is served with.
  case methodNotAllowed(allow: String)
  /// The request names no host (`Host` is required by HTTP/1.1).
  case missingHost
  case unsupportedMediaType
  case unavailable

  var status: HTTPResponse.Status {
    switch self {
    case .notFound, .unregistered: .notFound
    case .badRequest, .missingHost: .badRequest
    case .unauthorized: .unauthorized
    case .forbidden: .forbidden
    case .conflict: .conflict
    case .tooLarge: .contentTooLarge
    case .tooMany: .tooManyRequests
    case .timeout: .requestTimeout
    case .methodNotAllowed: .methodNotAllowed
    case .unsupportedMediaType: .unsupportedMediaType
    case .unavailable: .serviceUnavailable
    }
  }

  /// The heading's key in ``Texts``.
  var headingKey: String {
    switch self {
    case .notFound: "notFound"
    case .unregistered: "unregistered"
    case .badRequest, .missingHost, .conflict, .unauthorized, .forbidden: "badRequest"
    case .tooLarge: "tooLarge"
    case .tooMany: "tooMany"
    case .timeout: "timeout"
    case .methodNotAllowed: "notAllowed"
    case .unsupportedMediaType: "unsupportedType"
    case .unavailable: "unavailable"
    }
  }

  /// A short code programs can match on.
  var code: String {
    switch self {
    case .notFound, .unregistered: "not-found"
    case .badRequest, .missingHost: "bad-request"
    case .unauthorized: "unauthorized"
    case .forbidden: "forbidden"
    case .conflict: "conflict"
    case .tooLarge: "too-large"
    case .tooMany: "rate-limited"
    case .timeout: "timeout"
    case .methodNotAllowed: "method-not-allowed"
    case .unsupportedMediaType: "unsupported-media-type"
    case .unavailable: "unavailable"
    }
  }

  /// A message that names what was wrong with the request, written by the server, not copied
  /// from the request.
  var message: String {
    switch self {
    case .badRequest(let message), .conflict(let message): message
    case .notFound: "nothing is published at this address"
    case .unregistered(let siret):
      "no service is registered under SIRET \(siret.formatted): it does not hold the label"
    case .unauthorized: "a valid bearer token is required"
    case .forbidden: "this token does not allow this operation"
    case .tooLarge: "the request body is larger than this route accepts"
    case .tooMany: "too many requests from this client; retry later"
    case .timeout: "the request took too long"
    case .methodNotAllowed(let allow): "this address is served with \(allow) only"
    case .missingHost: "the request has no Host header"
    case .unsupportedMediaType: "this content type or encoding is not accepted here"
    case .unavailable: "the registry is temporarily unavailable; retry later"
    }
  }

  /// The refusal a refused admin request body becomes: 400, or 415 for its media type.
  init(_ error: AdminRequestError) {
    switch error {
    case .badRequest(let message): self = .badRequest(message)
    case .unsupportedMediaType: self = .unsupportedMediaType
    }
  }

  /// The refusal a registry error becomes: unknown things are 404, refused input 400 or 409,
  /// failures of the registry itself 503 (never a 5xx for bad input).
  init(_ error: RegistryError) {
    switch error {
    case .notFound(let siret): self = .unregistered(siret)
    case .attestationNotFound: self = .notFound
    case .refused(let reason): self = .conflict(reason.description)
    case .importRejected(_, let reason): self = .badRequest(reason)
    case .log(let reason), .invalidArgument(let reason), .invalidDecision(let reason),
      .untrusted(let reason):
      self = .badRequest(reason)
    case .storage, .keys, .integrity, .notWitnessed: self = .unavailable
    case .replayed: self = .conflict(error.description)
    }
  }
}
