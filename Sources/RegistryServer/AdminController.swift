import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import RegistryService
import RegistryStore
import Synchronization

/// What the admin API needs beyond the registry: the keys folder (issuer key, trust file) and
/// the token store.
public struct AdminAccess: Sendable {
  /// The keys folder the issuer signs with.
  public let folder: KeyFolder
  /// The tokens allowed in.
  public let tokens: AdminTokenStore

  /// Admin access with the keys of `folder` and the tokens of `tokens`.
  public init(folder: KeyFolder, tokens: AdminTokenStore) {
    self.folder = folder
    self.tokens = tokens
  }
}

/// Who may use the admin API and read `/metrics`: bearer tokens and their scopes, failed
/// attempts rate-limited per client and token id.
struct AdminGate: Sendable {
  let tokens: AdminTokenStore
  let clock: any RegistryClock
  let clients: Clients
  let failedAuthLimiter: RateLimiter
  let metrics: ServerMetrics
  let logger = Logger(label: "amexist.admin")

  /// Authenticates the request and checks `scope`; every refusal is counted, logged (token id
  /// only, never a secret) and rate-limited per client.
  func authorize(
    _ request: Request, context: RegistryRequestContext, scope: AdminScope?,
    bodyDecisions: Bool = false
  )
    throws(SiteError) -> AdminToken
  {
    let client = clients.client(of: request, context: context)
    let header = request.headers[.authorization] ?? ""
    // The scheme's name is case-insensitive (RFC 9110, 11.1).
    let presented =
      header.prefix(7).lowercased() == "bearer " ? String(header.dropFirst(7)) : ""
    // Failures are counted per client and per token id (`amx_<id>_…`, not secret): guessing one
    // token's secret is throttled, and never locks out another valid token from the same
    // address (an office behind one NAT).
    // No token at all guesses nothing: it is refused without being counted.
    guard !presented.isEmpty else { throw .unauthorized }
    let attempt = client + " " + String(presented.prefix(12))
    if failedAuthLimiter.isExhausted(attempt) {
      throw .tooMany(retryAfter: max(1, Int(1 / failedAuthLimiter.perSecond)))
    }
    guard let token = tokens.authenticate(presented, now: clock.now()) else {
      _ = failedAuthLimiter.take(attempt)
      metrics.authFailures.increment()
      logger.notice(
        "admin token refused",
        metadata: [
          "client": "\(client.debugDescription)", "path": "\(request.uri.path.debugDescription)",
        ])
      throw .unauthorized
    }
    if let scope, !token.scopes.contains(scope) {
      logger.notice("admin scope refused", metadata: ["token": "\(token.id)", "scope": "\(scope)"])
      throw .forbidden
    }
    // A token limited to one body records that body's signed decisions and nothing else.
    if token.body != nil, !bodyDecisions {
      logger.notice("admin body token refused", metadata: ["token": "\(token.id)"])
      throw .forbidden
    }
    return token
  }
}

/// The admin API: the issuer's operations over HTTP, behind bearer tokens.
struct AdminController: Sendable {
  let gate: AdminGate
  /// The keys folder the issuer signs with.
  let folder: KeyFolder
  let live: LiveRegistry
  let clients: Clients
  let settings: RegistryServerSettings
  let replays = IdempotencyCache()
  var logger: Logger { gate.logger }
  var registry: RegistryService { live.registry }

  /// Runs a write: authorized for `scope`, with its JSON body, at most once per idempotency key.
  func write(
    _ request: Request, context: RegistryRequestContext, scope: AdminScope,
    bodyDecisions: Bool = false,
    _ perform: @Sendable (AdminToken, AdminRequestBody) async throws -> Reply
  ) async throws -> Response {
    let token = try gate.authorize(
      request, context: context, scope: scope, bodyDecisions: bodyDecisions)
    let bytes = Array(
      buffer: try await clients.body(
        of: request, context: context, limit: settings.limits.adminBodyBytes))
    let key = try IdempotencyCache.key(request.headers[.idempotencyKey], token: token)
    let fingerprint = IdempotencyCache.fingerprint(request, bytes)
    if let key {
      switch replays.begin(key, fingerprint: fingerprint) {
      case .replay(let reply):
        var reply = reply
        reply.extraHeaders[.idempotentReplayed] = "true"
        return reply.response(to: request)
      case .conflict(let reason): throw SiteError.conflict(reason)
      case .proceed: break
      }
    }
    do {
      let body = try AdminRequestBody(
        bytes, mediaType: MediaRange.mediaType(request.headers[.contentType]))
      var reply: Reply
      do {
        reply = try await AppliedRequest.$current.withValue(
          key.map {
            AppliedRequest(key: PayloadHash.hex(of: Array($0.utf8)), fingerprint: fingerprint)
          }
        ) { try await perform(token, body) }
      } catch RegistryError.replayed(.applied(let first, let entries)) {
        // Applied before this process knew the key (another instance, or before a restart):
        // the original answer is gone, the entries it wrote are named instead.
        if let key { replays.abandon(key) }
        var replayed = Reply.json(
          .object([
            "replayed": .bool(true), "index": .integer(first), "entries": .integer(entries),
          ]), status: .ok)
        replayed.cacheControl = "no-store"
        replayed.extraHeaders[.idempotentReplayed] = "true"
        return replayed.response(to: request)
      }
      reply.cacheControl = "no-store"
      live.generation.invalidate()
      logger.info(
        "admin write",
        metadata: ["token": "\(token.id)", "path": "\(request.uri.path.debugDescription)"])
      if let key { replays.finish(key, fingerprint: fingerprint, reply: reply) }
      return reply.response(to: request)
    } catch {
      if let key { replays.abandon(key) }
      if let refused = error as? AdminRequestError { throw SiteError(refused) }
      throw error
    }
  }

  /// The service `siret` if the token may act on it.
  func service(_ siret: SIRET, for token: AdminToken) async throws -> ServiceState {
    let state = try await registry.state(of: siret)
    guard token.covers(state.profile.region) else { throw SiteError.forbidden }
    return state
  }

  func signer() async throws -> (key: SigningKey, kid: String, trust: TrustFile) {
    do {
      return try await registry.signer(from: folder)
    } catch {
      logger.error("issuer key unavailable", metadata: ["reason": "\(error)"])
      throw SiteError.unavailable
    }
  }

  static func siret(_ context: RegistryRequestContext) throws -> SIRET {
    guard let siret = try? SIRET(try context.parameters.require("siret")) else {
      throw SiteError.badRequest("not a SIRET: 14 digits with a valid checksum are expected")
    }
    return siret
  }

  // MARK: Routes

  /// The routes, under `/admin/`.
  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let admin = RouteCollection(context: RegistryRequestContext.self)
    admin.get("token") { request, context in
      let token = try gate.authorize(request, context: context, scope: nil)
      return Reply.json(token.publicJSON).response(to: request)
    }
    admin.post("services") { request, context in
      try await write(request, context: context, scope: .services) { token, body in
        let siret = try body.siret("siret")
        let profile = try body.profile()
        guard token.covers(profile.region) else { throw SiteError.forbidden }
        try body.only(["siret", "name", "address", "city", "region", "website"])
        let logged = try await registry.register(siret, profile: profile)
        return try await stateReply(siret, index: logged.index)
      }
    }
    admin.post("services/import") { request, context in
      try await write(request, context: context, scope: .services) { token, body in
        guard token.regions == nil else { throw SiteError.forbidden }
        let summary = try await registry.importCSV(try body.csv())
        return .json(
          .object([
            "rows": .integer(Int64(summary.rows)),
            "registered": .integer(Int64(summary.servicesRegistered)),
            "updated": .integer(Int64(summary.servicesUpdated)),
            "decisions": .integer(Int64(summary.decisionsRecorded)),
          ]), status: .ok)
      }
    }
    admin.post("services/{siret}") { request, context in
      try await write(request, context: context, scope: .services) { token, body in
        let siret = try Self.siret(context)
        _ = try await service(siret, for: token)
        let profile = try body.profile()
        guard token.covers(profile.region) else { throw SiteError.forbidden }
        try body.only(["name", "address", "city", "region", "website"])
        let logged = try await registry.update(siret, profile: profile)
        return try await stateReply(siret, index: logged.index, status: .ok)
      }
    }
    admin.post("services/{siret}/decisions") { request, context in
      try await write(request, context: context, scope: .decisions) { token, body in
        let siret = try Self.siret(context)
        _ = try await service(siret, for: token)
        let event = try body.decision(siret, today: registry.today())
        let logged = try await registry.decide(event)
        return try await stateReply(siret, index: logged.index)
      }
    }
    admin.post("decisions") { request, context in
      try await write(request, context: context, scope: .decisions, bodyDecisions: true) {
        token, body in
        try body.only(["signedDecision"])
        let signed = try body.string("signedDecision")
        // The region check needs the service, which the signed decision names: checked on a
        // dry run first, so that nothing is written for a service the token may not act on.
        let checked = try await registry.recordSignedDecision(signed, dryRun: true)
        if let body = token.body, body != checked.claims.body { throw SiteError.forbidden }
        _ = try await service(checked.claims.siret, for: token)
        let recorded = try await registry.recordSignedDecision(signed)
        return try await stateReply(
          recorded.claims.siret, index: recorded.entry.index,
          status: recorded.alreadyRecorded ? .ok : .created)
      }
    }
    admin.post("services/{siret}/attestations") { request, context in
      try await write(request, context: context, scope: .attestations) { token, body in
        let siret = try Self.siret(context)
        _ = try await service(siret, for: token)
        try body.only([])
        let (key, kid, trust) = try await signer()
        let issued = try await registry.issueAttestation(
          siret: siret, signer: key, kid: kid, issuer: trust.issuer, issuerName: trust.issuerName,
          reusingEarlier: !trust.witnessPolicy.quorums.isEmpty)
        let uuid = AttestationRecord.uuid(of: issued.claims.id)
        // With witnesses, the bundle carries a checkpoint with the quorum: the server's rounds
        // are asked for one at once, and waited for a bounded time.
        let bundle = try await live.witnessedBundle(
          issued, policy: trust.witnessPolicy, wait: settings.witnessWait)
        return .json(
          .object([
            "id": .string(issued.claims.id), "index": .integer(issued.logged.index),
            "url": .string("/attestations/\(uuid)"),
            "link": .string(settings.publicOrigin + "/v/\(uuid)"),
            "bundle": bundle?.json ?? .null, "witnessed": .bool(bundle != nil),
            "bundleURL": .string("/attestations/\(uuid)/bundle"),
          ]), status: bundle == nil ? .accepted : .created)
      }
    }
    admin.post("keys/rotate") { request, context in
      try await write(request, context: context, scope: .keys) { _, body in
        try body.only(["algorithm"])
        let algorithm =
          try body.optionalString("algorithm").map { text in
            guard let algorithm = SigningAlgorithm(rawValue: text) else {
              throw SiteError.badRequest("algorithm must be EdDSA or ES256")
            }
            return algorithm
          } ?? .edDSA
        let (kid, retired) = try await registry.rotateIssuerKey(
          algorithm, folder: folder)
        return .json(
          .object(["kid": .string(kid), "retired": .array(retired.map(JSONValue.string))]),
          status: .created)
      }
    }
    admin.post("keys/{kid}/revoke") { request, context in
      try await write(request, context: context, scope: .keys) { _, body in
        try body.only(["reason", "at"])
        let kid = try context.parameters.require("kid")
        let at = try body.optionalString("at").map { text in
          do { return try Instant(parsing: text) } catch { throw SiteError.badRequest("\(error)") }
        }
        try await registry.revokeIssuerKey(
          kid, at: at, reason: try body.string("reason"), backdating: false, folder: folder)
        return .json(.object(["kid": .string(kid), "revoked": .bool(true)]))
      }
    }
    return admin
  }

  func stateReply(_ siret: SIRET, index: Int64, status: HTTPResponse.Status = .created)
    async throws -> Reply
  {
    let state = try await registry.state(of: siret)
    return .json(
      .object(["index": .integer(index), "service": StateJSON.service(state)]), status: status)
  }
}

extension HTTPField.Name {
  static let idempotencyKey = Self("Idempotency-Key")!
  static let idempotentReplayed = Self("Idempotent-Replayed")!
}

/// Replies to writes, kept by idempotency key so that a retried request returns the original
/// result instead of writing twice. Bounded: the oldest keys are forgotten first.
final class IdempotencyCache: Sendable {
  enum Outcome {
    case proceed
    case replay(Reply)
    case conflict(String)
  }

  private enum Entry {
    case running(String)
    case done(String, Reply, ContinuousClock.Instant)
  }

  private let entries = Mutex<[String: Entry]>([:])
  private let capacity = 10_000
  private let lifetime = Duration.seconds(24 * 3600)

  static func key(_ header: String?, token: AdminToken) throws(SiteError) -> String? {
    guard let header else { return nil }
    guard (1...128).contains(header.utf8.count),
      header.utf8.allSatisfy({ (0x21...0x7e).contains($0) })
    else {
      throw .badRequest("Idempotency-Key must be 1 to 128 visible ASCII characters")
    }
    return token.id + " " + header
  }

  static func fingerprint(_ request: Request, _ body: [UInt8]) -> String {
    var bytes = Array("\(request.method.rawValue) \(request.uri.path)\n".utf8)
    bytes += body
    return PayloadHash.hex(of: bytes)
  }

  func begin(_ key: String, fingerprint: String) -> Outcome {
    entries.withLock { entries in
      let now = ContinuousClock.now
      switch entries[key] {
      case .running:
        return .conflict("a request with this Idempotency-Key is in progress")
      case .done(let print, let reply, let at) where now - at < lifetime:
        guard print == fingerprint else {
          return .conflict("this Idempotency-Key was used for another request")
        }
        return .replay(reply)
      default:
        if entries.count >= capacity {
          entries = entries.filter {
            if case .done(_, _, let at) = $0.value { return now - at < lifetime / 24 }
            return true
          }
        }
        entries[key] = .running(fingerprint)
        return .proceed
      }
    }
  }

  func finish(_ key: String, fingerprint: String, reply: Reply) {
    entries.withLock { $0[key] = .done(fingerprint, reply, .now) }
  }

  func abandon(_ key: String) {
    entries.withLock { _ = $0.removeValue(forKey: key) }
  }
}
