import AmexistDomain
import Attestation
import Documents
import Foundation
import Hummingbird
import Mustache
import Prometheus
import RegistryService
import RegistryStore
import Synchronization
import TransparencyLog

/// Everything the routes share: the registry, the templates, the caches, the limits.
struct Site: Sendable {
  let registry: RegistryService
  let settings: RegistryServerSettings
  let issuer: String
  /// The issuer's organisation name, kept in the trust file the server rebuilds.
  let issuerName: String?
  let library: MustacheLibrary
  let stylesheet: Reply
  let script: Reply
  let openAPI: Reply
  /// The API page's content, read from the same document as `openAPI`.
  let apiReference: APIReference
  let replies = ReplyCache()
  let generation: LogGeneration
  /// Every service's state, folded once per log size and Paris day.
  let directory = DerivedValue<ServiceDirectoryKey, [ServiceState]>()
  /// The keys folder: the published root versions and the registry key that signs the
  /// registry list (nil: the trust file is rebuilt unsigned from the log).
  let keys: KeyFolder?
  /// The trust file, rebuilt from the log once per log size, Paris day and root version.
  let trustFiles = DerivedValue<TrustFileKey, TrustFile>()
  let metrics = ServerMetrics()
  let publicLimiter: RateLimiter
  let verifyLimiter: RateLimiter
  let failedAuthLimiter: RateLimiter

  init(
    registry: RegistryService, settings: RegistryServerSettings, issuer: String,
    issuerName: String? = nil, keys: KeyFolder? = nil
  ) throws {
    self.keys = keys
    self.registry = registry
    self.settings = settings
    self.issuer = issuer
    self.issuerName = issuerName
    let resources = try ServerResources(configured: settings.resourcesFolder)
    self.library = try resources.templates()
    self.stylesheet = Reply(
      contentType: "text/css; charset=utf-8", bytes: try resources.bytes("style", ext: "css"),
      cacheControl: "public, max-age=86400"
    ).prepared()
    self.script = Reply(
      contentType: "text/javascript; charset=utf-8",
      bytes: try resources.bytes("verify", ext: "js"), cacheControl: "public, max-age=86400"
    ).prepared()
    let openAPIBytes = try resources.bytes("openapi", ext: "yaml")
    self.openAPI = Reply(contentType: "application/yaml; charset=utf-8", bytes: openAPIBytes)
      .prepared()
    self.apiReference = try APIReference(yaml: String(decoding: openAPIBytes, as: UTF8.self))
    self.generation = LogGeneration(refreshInterval: settings.refreshInterval)
    let limits = settings.limits
    self.publicLimiter = RateLimiter(limits.publicRate, capacity: limits.trackedClients)
    self.verifyLimiter = RateLimiter(limits.verifyRate, capacity: limits.trackedClients)
    self.failedAuthLimiter = RateLimiter(limits.failedAuthRate, capacity: limits.trackedClients)
  }

  /// The log size the cached replies are valid for.
  func currentGeneration() async throws -> Int64 {
    try await generation.current { () async throws(RegistryError) -> Int64 in
      try await registry.eventCount()
    }
  }

  /// The trust file as the log has it now: issuer and body keys from the log, the log's
  /// verifier key; signed under the newest root when one is published (re-signed at each
  /// write and each day, so that it never nears its expiry while the server runs).
  /// Names the last witnessing round, so that cached replies carrying cosignatures change
  /// with it.
  var witnessingRound: String {
    registry.witnessing.lastRound.map { "\($0.at.millisecondsSinceEpoch)" } ?? "none"
  }

  func trust() async throws -> TrustFile {
    let key = try await trustFileKey()
    return try await trustFiles.value(for: key) { () async throws(RegistryError) in
      guard let keys else {
        return try await registry.trustFile(issuer: issuer, issuerName: issuerName)
      }
      return try await registry.publishedTrust(
        folder: keys, issuer: issuer, issuerName: issuerName)
    }
  }

  /// What the trust file depends on.
  func trustFileKey() async throws -> TrustFileKey {
    TrustFileKey(
      generation: try await currentGeneration(), day: registry.today(),
      rootVersion: keys?.publishedRootVersions().last ?? 0)
  }

  /// Every service's state now.
  func services() async throws -> [ServiceState] {
    let key = ServiceDirectoryKey(generation: try await currentGeneration(), day: registry.today())
    return try await directory.value(for: key) { () async throws(RegistryError) in
      try await registry.allServices()
    }
  }

  /// Renders `template` with `values` and the page's texts, in `language`.
  func page(
    _ template: String, title: String, language: PageLanguage, path: String,
    values: [String: Any], status: HTTPResponse.Status = .ok
  ) -> Reply {
    var context = values
    let texts = Texts.table(language)
    context["t"] = texts
    context["title"] = title
    let other = language == .french ? PageLanguage.english : .french
    // The same page in the other language, its query (a search's filters) kept.
    context["otherLanguageLink"] =
      path + (path.contains("?") ? "&" : "?") + "lang=" + other.rawValue
    let html = library.render(context, withTemplate: template) ?? ""
    return .html(html, status: status)
  }

  /// The reply for a refusal, as a page or as JSON.
  func refusal(_ error: SiteError, language: PageLanguage, format: ResponseFormat) -> Reply {
    var reply: Reply
    switch format {
    case .json:
      reply = .json(error.json, status: error.status)
    case .html:
      let texts = Texts.table(language)
      let heading = texts[error.headingKey] ?? ""
      let message = error.explanation.text(language)
      reply = page(
        "error", title: heading, language: language, path: "/",
        values: ["heading": heading, "message": message], status: error.status)
    }
    if case .tooMany(let seconds) = error { reply.extraHeaders[.retryAfter] = String(seconds) }
    if case .methodNotAllowed(let allow) = error { reply.extraHeaders[.allow] = allow }
    if case .unauthorized = error { reply.extraHeaders[.wwwAuthenticate] = "Bearer" }
    reply.cacheControl = "no-store"
    return reply
  }
}

/// The log size, re-read from the registry at most once per interval.
///
/// One request re-reads it while the others keep using the size known so far, so that an
/// expired size does not send every request in flight to the database at once.
final class LogGeneration: Sendable {
  private struct State {
    var value: Int64?
    var checked: ContinuousClock.Instant?
    var refreshing = false
  }
  private let state = Mutex(State())
  private let refreshInterval: Duration

  init(refreshInterval: Duration) { self.refreshInterval = refreshInterval }

  func current(_ read: () async throws -> Int64) async throws -> Int64 {
    let now = ContinuousClock.now
    let known = state.withLock { state -> Int64? in
      if let checked = state.checked, now - checked < refreshInterval { return state.value }
      if state.refreshing, let value = state.value { return value }
      state.refreshing = true
      return nil
    }
    if let known { return known }
    do {
      let value = try await read()
      state.withLock { state in
        state.value = value
        state.checked = now
        state.refreshing = false
      }
      return value
    } catch {
      state.withLock { $0.refreshing = false }
      throw error
    }
  }

  /// Forgets the size: the next question re-reads it (after a write through this server).
  func invalidate() { state.withLock { $0.checked = nil } }
}

/// What the folded service states depend on: the log and the day (levels expire by day).
/// What the published trust file depends on: the log, the day (it is re-signed daily) and the
/// newest root version.
struct TrustFileKey: Equatable, Sendable {
  let generation: Int64
  let day: CalendarDate
  let rootVersion: Int64
}

struct ServiceDirectoryKey: Equatable, Sendable {
  let generation: Int64
  let day: CalendarDate
}

/// A value computed from the registry and kept while what it depends on (`Key`) is unchanged.
final class DerivedValue<Key: Equatable & Sendable, Value: Sendable>: Sendable {
  private let cached = Mutex<(Key, Value)?>(nil)

  /// The value for `key`, computed by `compute` when the kept one is for another key.
  func value(for key: Key, _ compute: () async throws -> Value) async throws -> Value {
    if let (known, value) = cached.withLock({ $0 }), known == key { return value }
    let value = try await compute()
    cached.withLock { $0 = (key, value) }
    return value
  }
}

extension Site {
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

/// The templates, stylesheet and OpenAPI document shipped with the server, read from a folder
/// found wherever `amexist` is installed (see `ServerResources.folder`).
struct ServerResources: Sendable {
  static let templateNames = [
    "layout", "search", "service", "attestation", "verify", "error", "bodies", "log", "open-data",
    "accessibility", "legal", "api", "api-operation",
  ]
  /// The folder's name in the build tree (SwiftPM's resource bundle, beside the executable).
  static let bundleName = "amexist_RegistryServer.resources"

  /// The folder holding `templates/`, `style.css`, `verify.js` and `openapi.yaml`.
  let folder: String

  /// The resources in `configured` when given, else the first folder of `candidates()` that
  /// holds them.
  init(configured: String?) throws(ResourcesError) {
    if let configured {
      guard Self.holdsResources(configured) else {
        throw ResourcesError(searched: [configured])
      }
      folder = configured
      return
    }
    let candidates = Self.candidates()
    guard let found = candidates.first(where: Self.holdsResources) else {
      throw ResourcesError(searched: candidates)
    }
    folder = found
  }

  /// Where an installed or built `amexist` keeps its resources, relative to the executable:
  /// `share/amexist/resources` beside its `bin/` (the install layout), then SwiftPM's bundle
  /// beside the executable (the build tree).
  static func candidates() -> [String] {
    guard let executable = executablePath() else { return [] }
    let binFolder = (executable as NSString).deletingLastPathComponent
    let prefix = (binFolder as NSString).deletingLastPathComponent
    return [
      (prefix as NSString).appendingPathComponent("share/amexist/resources"),
      (binFolder as NSString).appendingPathComponent(bundleName + "/Resources"),
    ]
  }

  /// The running executable's resolved path (through symbolic links).
  static func executablePath() -> String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    return Bundle.main.executableURL?.resolvingSymlinksInPath().path
  }

  static func holdsResources(_ folder: String) -> Bool {
    FileManager.default.fileExists(
      atPath: (folder as NSString).appendingPathComponent("templates/layout.mustache"))
  }

  func bytes(_ name: String, ext: String, subdirectory: String? = nil) throws -> [UInt8] {
    var path = folder
    if let subdirectory { path = (path as NSString).appendingPathComponent(subdirectory) }
    path = (path as NSString).appendingPathComponent("\(name).\(ext)")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ResourcesError(searched: [path])
    }
    return Array(data)
  }

  func templates() throws -> MustacheLibrary {
    var library = MustacheLibrary()
    for name in Self.templateNames {
      let text = String(
        decoding: try bytes(name, ext: "mustache", subdirectory: "templates"), as: UTF8.self)
      try library.register(text, named: name)
    }
    return library
  }
}

/// The server's resources are not where they were looked for.
public struct ResourcesError: Error, CustomStringConvertible, Sendable {
  /// The folders or files looked at.
  public let searched: [String]

  public var description: String {
    "the server's templates and stylesheet are not found (looked in \(searched.joined(separator: ", "))): give --resources DIR or AMEXIST_RESOURCES (the install's share/amexist/resources)"
  }
}
