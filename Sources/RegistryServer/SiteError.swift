import AmexistDomain
import Documents
import HTTPTypes
import Hummingbird
import RegistryService

/// Every way a request is refused, each with its status and a generic message (never the
/// input, so nothing is reflected and nothing internal leaks).
///
/// An `HTTPResponseError`: wherever one is thrown, it answers with its status and its JSON
/// body; behind the site's guard, a request for a page gets the page in its language instead.
enum SiteError: HTTPResponseError, Sendable {
  case notFound
  /// No service is registered under this SIRET (a valid one): it does not hold the label.
  case unregistered(SIRET)
  /// What the address names does not exist (a number that is not a SIRET, an entry or a proof
  /// the log does not hold): 404, with why in English and French.
  case absent(String, french: String)
  /// The request is refused: why, in English, and in French when a page can show it (admin and
  /// registry refusals, read by programs, give the English detail only).
  case badRequest(String, french: String? = nil)
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
    case .notFound, .unregistered, .absent: .notFound
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
    case .notFound, .absent: "notFound"
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

  /// The JSON refusal: `{error, message, explanation}`.
  var json: JSONValue {
    .object([
      "error": .string(code), "message": .string(message), "explanation": explanation.json,
    ])
  }

  func response(from request: Request, context: some RequestContext) throws -> Response {
    Reply.json(json, status: status).prepared().response(to: request)
  }

  /// A short code programs can match on.
  var code: String {
    switch self {
    case .notFound, .unregistered, .absent: "not-found"
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
    case .badRequest(let message, _), .conflict(let message), .absent(let message, _): message
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

  /// What was refused and what to do, in French and English: pages show the sentence in their
  /// language; JSON refusals carry both as `explanation`.
  var explanation: Explanation {
    switch self {
    case .notFound:
      return Explanation(
        french:
          "Rien n'est publié à cette adresse. Vérifiez le lien, ou cherchez le service par son SIRET ou son nom.",
        english:
          "Nothing is published at this address. Check the link, or search for the service by its SIRET or name."
      )
    case .unregistered(let siret):
      return Explanation(
        french:
          "Aucun service n'est inscrit sous le SIRET \(siret.formatted) : il ne détient pas le label. Vérifiez le numéro, ou cherchez le service par son nom.",
        english:
          "No service is registered under SIRET \(siret.formatted): it does not hold the label. Check the number, or search for the service by name."
      )
    case .absent(let english, let french):
      return Explanation(
        french: french, english: english.prefix(1).uppercased() + english.dropFirst() + ".")
    case .badRequest(let english, let french):
      return Explanation(
        french: french
          ?? "La requête est refusée (détail technique, en anglais : \(english)). Corrigez-la et réessayez.",
        english: english.prefix(1).uppercased() + english.dropFirst() + ".")
    case .missingHost:
      return Explanation(
        french: "La requête n'indique pas d'hôte (en-tête Host) : elle est refusée.",
        english: "The request names no host (Host header): it is refused.")
    case .unauthorized:
      return Explanation(
        french:
          "Un jeton d'administration valide est requis (en-tête Authorization: Bearer). Demandez-en un à l'exploitant du registre.",
        english:
          "A valid admin token is required (Authorization: Bearer header). Ask the registry's operator for one."
      )
    case .forbidden:
      return Explanation(
        french: "Ce jeton ne permet pas cette opération, ou pas pour ce service ou cette région.",
        english: "This token does not allow this operation, or not for this service or region.")
    case .conflict(let english):
      return Explanation(
        french:
          "Le registre refuse cette écriture, contraire à ses règles (détail, en anglais : \(english)).",
        english: "The registry refuses this write, against its rules: \(english).")
    case .tooLarge:
      return Explanation(
        french: "La requête est plus volumineuse que ce que cette adresse accepte.",
        english: "The request is larger than this address accepts.")
    case .tooMany(let seconds):
      return Explanation(
        french:
          "Trop de requêtes depuis votre adresse : réessayez dans \(seconds) seconde\(seconds > 1 ? "s" : "").",
        english:
          "Too many requests from your address: try again in \(seconds) second\(seconds > 1 ? "s" : "")."
      )
    case .timeout:
      return Explanation(
        french: "La requête a pris trop de temps. Réessayez.",
        english: "The request took too long. Try again.")
    case .methodNotAllowed(let allow):
      return Explanation(
        french: "Cette adresse ne répond qu'aux méthodes \(allow).",
        english: "This address answers \(allow) only.")
    case .unsupportedMediaType:
      return Explanation(
        french: "Ce type de contenu ou cet encodage n'est pas accepté à cette adresse.",
        english: "This content type or encoding is not accepted at this address.")
    case .unavailable:
      return Explanation(
        french:
          "Le registre est momentanément indisponible. Réessayez dans quelques minutes.",
        english: "The registry is temporarily unavailable. Try again in a few minutes.")
    }
  }

  /// A public address names 14 digits whose checksum fails: no service can have that number.
  static let notASIRET = SiteError.absent(
    "not a SIRET: 14 digits whose last is a Luhn check digit are expected",
    french:
      "Ce n'est pas un SIRET : 14 chiffres dont le dernier est une clé de contrôle (formule de Luhn). Vérifiez le numéro."
  )

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
