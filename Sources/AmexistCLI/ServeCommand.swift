import AmexistDomain
import ArgumentParser
import AsyncHTTPClient
import Attestation
import Configuration
import Documents
import Foundation
import Hummingbird
import Logging
import RegistryServer
import RegistryService
import RegistryStore
import RegistryStorePostgres
import ServiceLifecycle
import UnixSignals
import Witness

/// Where and how `serve` and `demo` listen. As parsed, each option is nil (or empty) unless
/// given; `resolve` fills in the effective settings (flags, then `AMEXIST_HTTP_*` variables,
/// then the configuration file, then the defaults).
struct ServerOptions: ParsableArguments {
  @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
  @Option(help: "Port to listen on (0 picks a free one; default 8080).") var port: Int?
  @Option(
    help: ArgumentHelp(
      "Serve /metrics without a token on this port of the same host, for a Prometheus scraper (default: none; /metrics then needs an admin token).",
      valueName: "port"))
  var metricsPort: Int?
  @Option(
    name: [.customLong("base-url"), .customLong("public-origin")],
    help: ArgumentHelp(
      "The registry's public https origin, in absolute links and QR codes (default: the issuer's; for demo, the local address).",
      valueName: "origin"))
  var baseURL: String?
  @Option(
    help: ArgumentHelp(
      "Where people reach the registry's publisher, an e-mail address or an https URL (on the accessibility statement and the legal notice).",
      valueName: "address"))
  var contact: String?
  @Option(
    help: ArgumentHelp(
      "A reverse proxy whose X-Forwarded-For is believed (repeatable).", valueName: "address"))
  var trustedProxy: [String] = []
  @Option(
    help:
      "Public requests per second allowed to one client (bursts of four times as many; default 50)."
  )
  var clientRate: Double?
  @Option(
    help:
      "Verifications (POST /verify) per second allowed to one client (bursts of six times as many; default 5)."
  )
  var verifyRate: Double?

  /// The values given, by configuration key.
  var given: [String: ConfigContent] {
    var values: [String: ConfigContent] = [:]
    if let host { values[Setting.host.key] = .string(host) }
    if let port { values[Setting.port.key] = .int(port) }
    if let metricsPort { values[Setting.metricsPort.key] = .int(metricsPort) }
    if let baseURL { values[Setting.baseURL.key] = .string(baseURL) }
    if let contact { values[Setting.contact.key] = .string(contact) }
    if !trustedProxy.isEmpty { values[Setting.trustedProxies.key] = .stringArray(trustedProxy) }
    if let clientRate { values[Setting.clientRate.key] = .double(clientRate) }
    if let verifyRate { values[Setting.verifyRate.key] = .double(verifyRate) }
    return values
  }

  /// Replaces each option by its effective value from `sources`; a value out of range is an
  /// error naming where it came from.
  mutating func resolve(_ sources: SettingSources) throws(CLIError) {
    func value(_ setting: Setting) throws(CLIError) -> (ConfigContent, SettingOrigin)? {
      try sources.value(setting)
    }
    func invalid(_ origin: SettingOrigin, _ reason: String) -> CLIError {
      CLIError("\(origin): \(reason)", exitCode: AmexistCLI.usageError)
    }
    if case (.string(let given), let origin)? = try value(.host) {
      guard !given.isEmpty else { throw invalid(origin, "the host is empty") }
      host = given
    }
    if case (.int(let given), let origin)? = try value(.port) {
      guard (0...65535).contains(given) else {
        throw invalid(origin, "the port must be 0 to 65535")
      }
      port = given
    }
    if case (.int(let given), let origin)? = try value(.metricsPort) {
      guard (1...65535).contains(given) else {
        throw invalid(origin, "the metrics port must be 1 to 65535")
      }
      metricsPort = given
    }
    if case (.string(let given), let origin)? = try value(.baseURL) {
      do {
        try validateBaseURL(given)
      } catch {
        throw invalid(origin, "\(error)")
      }
      baseURL = given
    }
    if case (.string(let given), let origin)? = try value(.contact) {
      let mail = given.split(separator: "@")
      let isMail = mail.count == 2 && mail.allSatisfy { !$0.isEmpty } && given.contains(".")
      guard given.count <= 200, !given.contains(where: { $0.isWhitespace || $0.isNewline }),
        isMail || given.hasPrefix("https://")
      else {
        throw invalid(origin, "the contact must be an e-mail address or an https:// URL")
      }
      contact = given
    }
    if case (.stringArray(let given), _)? = try value(.trustedProxies) { trustedProxy = given }
    for (setting, bursts) in [(Setting.clientRate, 4.0), (.verifyRate, 6.0)] {
      guard case (.double(let given), let origin)? = try value(setting) else { continue }
      guard given >= 1, given <= 1_000_000 else {
        throw invalid(
          origin, "\(setting.key) must be 1 to 1000000 (bursts of \(Int(bursts)) times as many)")
      }
      if setting == .clientRate { clientRate = given } else { verifyRate = given }
    }
  }

  /// The address to listen on.
  var listenHost: String { host ?? Setting.host.builtIn }
  /// The port to listen on.
  var listenPort: Int { port ?? 8080 }

  /// The local address the server is reached at when `port` is the one it listens on.
  func localOrigin(port: Int) -> String {
    "http://\(listenHost.contains(":") ? "[\(listenHost)]" : listenHost):\(port)"
  }

  /// The public origin: `--base-url`, else `fallback`, normalised.
  func publicOrigin(fallback: String) throws(CLIError) -> String {
    do {
      return try VerificationLink.normalisedOrigin(baseURL ?? fallback)
    } catch {
      throw CLIError(
        baseURL == nil ? "\(error): give --base-url" : "--base-url: \(error)",
        exitCode: AmexistCLI.usageError)
    }
  }

  /// Serves `service` for the issuer of `trust` until SIGINT or SIGTERM with the public origin
  /// `origin`; `ready` is told the local base URL once listening.
  func serve(
    _ service: RegistryService, trust: TrustFile, origin: String, admin: AdminAccess?,
    keys: KeyFolder? = nil, resources: String?, witnessEvery: Duration? = nil,
    status: StatusRenewal? = nil, ready: @escaping @Sendable (String) -> Void
  ) async throws(CLIError) {
    var settings = RegistryServerSettings(
      host: listenHost, port: listenPort, publicOrigin: origin,
      trustedProxies: Set(trustedProxy), resourcesFolder: resources)
    settings.metricsPort = metricsPort
    settings.contact = contact
    let clientRate = clientRate ?? 50
    let verifyRate = verifyRate ?? 5
    settings.limits.publicRate = RateLimit(perSecond: clientRate, burst: clientRate * 4)
    settings.limits.verifyRate = RateLimit(perSecond: verifyRate, burst: verifyRate * 6)
    // One verified pass over the log before the first request; later reads extend it.
    do {
      _ = try await service.eventCount()
    } catch {
      Console.error("\(error.description); every page will answer 503 until it is repaired")
    }
    do {
      let app = try RegistryServer.application(
        registry: service, issuer: trust.issuer, issuerName: trust.issuerName,
        settings: settings, admin: admin, keys: keys
      ) { [self] port in
        ready(localOrigin(port: port))
      }
      // The store is a service of the same group, before the HTTP server: on SIGTERM or SIGINT
      // the group stops the server first (it drains the requests in flight), then closes the
      // store's database connections.
      var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
        .init(service: StoreLifecycle(store: service.store)), .init(service: app),
      ]
      if let witnessEvery {
        services.append(
          .init(
            service: WitnessingLifecycle(
              rounds: WitnessRounds(service: service), every: witnessEvery)))
      }
      if let status { services.append(.init(service: StatusLifecycle(renewal: status))) }
      let group = ServiceGroup(
        configuration: .init(
          services: services,
          gracefulShutdownSignals: [.sigterm, .sigint],
          logger: Logger(label: "amexist.lifecycle")))
      try await group.run()
    } catch let error as ResourcesError {
      throw CLIError(error.description)
    } catch {
      throw CLIError("the server stopped: \(error)")
    }
  }
}

/// The registry's store in the server's service group: it waits for the graceful shutdown,
/// then closes the store's connections (PostgreSQL; SQLite closes with the process).
struct StoreLifecycle: Service {
  let store: any RegistryStore

  func run() async throws {
    try? await gracefulShutdown()
    if let postgres = store as? PostgresRegistryStore { await postgres.close() }
  }
}

/// The witnessing rounds in the server's service group (DESIGN, "Witnesses"): they run until
/// the graceful shutdown; a witness that is down never holds a request.
struct WitnessingLifecycle: Service {
  let rounds: WitnessRounds
  let every: Duration

  func run() async throws {
    let client = makeHTTPClient()
    await cancelWhenGracefulShutdown {
      await rounds.serve(client: client, interval: every)
    }
    try? await client.shutdown()
  }
}

/// The status renewals in the server's service group (DESIGN, "Status").
struct StatusLifecycle: Service {
  let renewal: StatusRenewal

  func run() async throws {
    let client = makeHTTPClient()
    await cancelWhenGracefulShutdown {
      await renewal.serve(client: client)
    }
    try? await client.shutdown()
  }
}

/// The status renewals of a server that writes: signed by the registry's status key (made
/// when the registry has none); nil, with a warning, when it cannot sign.
func statusRenewal(_ service: RegistryService, folder: KeyFolder) async -> StatusRenewal? {
  do {
    let signer = try await service.statusSigner(from: folder, creating: true)
    let trust = try folder.loadTrust()
    return StatusRenewal(
      service: service, signer: signer, issuer: trust.issuer, policy: trust.witnessPolicy)
  } catch {
    Console.warning("no status snapshot will be served (/status answers 503): \(error.description)")
    return nil
  }
}

/// `amexist serve`
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve the public lookup, verification pages and the log over HTTP."
  )
  @OptionGroup var global: GlobalOptions
  @OptionGroup var server: ServerOptions

  @Flag(help: "Serve only the public routes, even when the log and issuer keys are here.")
  var readOnly = false
  @Option(
    help:
      "Seconds between witnessing rounds while the log grows (at least one a day when it does not)."
  )
  var witnessInterval = 5
  @Flag(
    help:
      "Do not publish status snapshots and lists (another server on the same database publishes them)."
  )
  var noStatusSnapshots = false

  mutating func validate() throws {
    do {
      try server.resolve(global.sources(adding: server.given))
    } catch {
      throw ValidationError(error.message)
    }
  }

  func run() async throws {
    let folder = global.keyFolder
    let trust = try performNow { () throws(RegistryError) in try folder.loadTrust() }
    // The admin API needs the log key to seal writes; without it the server only reads.
    let writing =
      !readOnly
      && FileManager.default.fileExists(atPath: folder.privateKeyPath(KeyFolder.logKeyName))
    // The server checks the whole file at start: it runs for days on what it opened.
    let service = try await global.openService(writing: writing, checkIntegrity: true)
    let admin = writing ? AdminAccess(folder: folder, tokens: folder.adminTokens) : nil
    if writing { await refreshTrust(service, folder: folder, trust: trust) }
    let origin = try server.publicOrigin(fallback: trust.issuer)
    try await server.serve(
      service, trust: trust, origin: origin, admin: admin, keys: folder,
      resources: global.resources,
      witnessEvery: writing ? .seconds(max(1, min(witnessInterval, 3600))) : nil,
      status: writing && !noStatusSnapshots ? await statusRenewal(service, folder: folder) : nil
    ) { base in
      Console.out("Serving the registry on \(base)/ (Ctrl-C stops it); public origin \(origin).")
      Console.out(
        writing
          ? "The admin API is at \(base)/admin/ (tokens: amexist token create)."
          : "Read-only: no admin API.")
    }
  }
}

/// Re-signs the trust file at start (its registry list lasts 30 days) and warns when the root
/// nears its expiry or is not published yet.
func refreshTrust(_ service: RegistryService, folder: KeyFolder, trust: TrustFile) async {
  guard let signed = trust.signed else {
    Console.warning(
      "the trust file is unsigned (amexist-trust/1): publish a trust root so verifiers can pin it (`amexist trust propose --root-vkey …`, README \"The signed trust root\")"
    )
    return
  }
  do {
    try await service.publishTrust(
      folder: folder, issuer: trust.issuer, issuerName: trust.issuerName)
  } catch {
    Console.warning("the trust file was not re-signed: \(error.description)")
  }
  let left = signed.root.expires.millisecondsSinceEpoch - service.clock.now().millisecondsSinceEpoch
  if left < 30 * 86_400_000 {
    Console.warning(
      "root version \(signed.root.version) expires \(signed.root.expires): verifiers will answer 8 from then on; run the root ceremony (`amexist trust propose`)"
    )
  }
}

/// `amexist token …`
struct TokenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "token",
    abstract: "Create, list and revoke admin API tokens (stored hashed in Keys/private/).",
    subcommands: [Create.self, List.self, Revoke.self]
  )

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create",
      abstract: "Create a token; it is printed once and kept only as its hash.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Who or what the token is for.") var name: String
    @Option(
      help: ArgumentHelp(
        "What it may do (repeatable): services, decisions, attestations, keys.", valueName: "scope")
    )
    var scope: [String]
    @Option(help: ArgumentHelp("Limit it to services of a region (repeatable).", valueName: "code"))
    var region: [String] = []
    @Option(
      help:
        "Limit it to recording the decisions this certifying body signed (POST /admin/decisions; with --scope decisions alone)."
    )
    var body: String?
    @Option(help: "Days until it expires (at most 366).") var days = 90

    func run() async throws {
      var scopes: Set<AdminScope> = []
      for name in scope {
        guard let scope = AdminScope(rawValue: name) else {
          throw CLIError(
            "unknown scope \(name): services, decisions, attestations or keys",
            exitCode: AmexistCLI.usageError)
        }
        scopes.insert(scope)
      }
      let regions = try region.map { code throws(CLIError) in
        try parseInput { () throws(DomainError) in try Region(code: code) }
      }
      guard (1...366).contains(days) else {
        throw CLIError("--days must be 1 to 366", exitCode: AmexistCLI.usageError)
      }
      let store = global.keyFolder.adminTokens
      let clock = SystemClock()
      let (token, secret) = try performNow { () throws(RegistryError) in
        try store.create(
          name: name, scopes: scopes, regions: regions.isEmpty ? nil : Set(regions), body: body,
          validFor: Int64(days) * 86_400_000, now: clock.now())
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "token": .string(secret), "id": .string(token.id), "name": .string(token.name),
              "scopes": .array(token.scopes.map(\.rawValue).sorted().map(JSONValue.string)),
              "expiresAt": .string(token.expiresAt.description),
            ])))
        return
      }
      // The secret alone on the first line, for scripts; the confirmation after it.
      Console.out(secret)
      Console.out(
        "Token \(token.id) for \(token.name) (\(token.scopes.map(\.rawValue).sorted().joined(separator: ", "))) expires \(token.expiresAt); it is not shown again."
      )
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List tokens (never their secrets).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
      let store = global.keyFolder.adminTokens
      let tokens = try performNow { () throws(RegistryError) in try store.list() }
      let now = SystemClock().now()
      func status(_ token: AdminToken) -> String {
        token.revokedAt != nil ? "revoked" : token.isUsable(at: now) ? "active" : "expired"
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .array(
              tokens.map { token in
                .object([
                  "id": .string(token.id), "name": .string(token.name),
                  "scopes": .array(token.scopes.map(\.rawValue).sorted().map(JSONValue.string)),
                  "regions": token.regions.map {
                    .array($0.map(\.code).sorted().map(JSONValue.string))
                  } ?? .null,
                  "expiresAt": .string(token.expiresAt.description),
                  "status": .string(status(token)),
                ])
              })))
        return
      }
      var table = TextTable(headers: ["Id", "Name", "Scopes", "Regions", "Expires", "Status"])
      for token in tokens {
        table.rows.append([
          token.id, token.name, token.scopes.map(\.rawValue).sorted().joined(separator: ","),
          token.regions.map { $0.map(\.code).sorted().joined(separator: ",") } ?? "all",
          token.expiresAt.description, status(token),
        ])
      }
      Console.out(tokens.isEmpty ? "No admin token." : table.render())
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "revoke",
      abstract: "Revoke a token now; servers refuse it from their next request.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The token id (the 8 characters after amx_).") var id: String

    func run() async throws {
      let store = global.keyFolder.adminTokens
      try performNow { () throws(RegistryError) in try store.revoke(id, now: SystemClock().now()) }
      Console.out("Token \(id) is revoked.")
    }
  }
}
