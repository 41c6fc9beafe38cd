import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryStoreSQLite
import RegistryTesting
import Testing
import TransparencyLog

/// A registry with the sample services and their signed attestations, at a fixed instant.
struct ServerHarness {
  static let issuer = "https://registre.amexist.example"
  let folder: TemporaryFolder
  let clock: FixedClock
  let service: RegistryService
  let signer: SigningKey
  let kid: String
  /// Each active sample service's attestation, with its bundle as issued.
  let issued: [SIRET: IssuedAttestation]
  /// The keys folder: trust file, the issuer's private key, the admin tokens.
  let keys: KeyFolder

  /// A copy of the sample registry made once per test process; with `fresh`, a registry made
  /// anew, with its own issuer key and history.
  init(fresh: Bool = false) async throws {
    folder = try TemporaryFolder()
    clock = FixedClock(TestValues.noon)
    keys = KeyFolder(path: folder.file("Keys"))
    let made = fresh ? try await Self.make(in: folder, clock: clock) : try await Self.template.value
    if !fresh { try folder.copyContents(of: made.folder.path) }
    service = RegistryService(
      store: try SQLiteRegistryStore(path: folder.file("registry.sqlite")),
      logSigner: TestValues.logSigner,
      publishedCheckpoint: CheckpointFile(path: folder.file("log-checkpoint")), clock: clock)
    signer = made.signer
    kid = made.kid
    issued = made.issued
  }

  /// A sample registry made in `folder`: its issuer key and attestations.
  private struct Made: Sendable {
    let folder: TemporaryFolder
    let signer: SigningKey
    let kid: String
    let issued: [SIRET: IssuedAttestation]
  }

  /// The registry most tests copy (SQLite file, published checkpoint, keys folder): making
  /// one costs more than copying it.
  private static let template = Task {
    try await make(in: try TemporaryFolder.removedAtExit(), clock: FixedClock(TestValues.noon))
  }

  private static func make(in folder: TemporaryFolder, clock: FixedClock) async throws -> Made {
    let service = RegistryService(
      store: try SQLiteRegistryStore(path: folder.file("registry.sqlite"), create: true),
      logSigner: TestValues.logSigner,
      publishedCheckpoint: CheckpointFile(path: folder.file("log-checkpoint")), clock: clock)
    let signer = SigningKey(generating: .edDSA)
    let kid = try await service.addKey(signer)
    try await service.appendSample()
    var issued: [SIRET: IssuedAttestation] = [:]
    for state in try await service.allServices() where state.standing == .active {
      issued[state.siret] = try await service.issueAttestation(
        siret: state.siret, signer: signer, kid: kid, issuer: Self.issuer)
    }
    let keys = KeyFolder(path: folder.file("Keys"))
    try keys.writePrivateKey(signer, kid: kid)
    try keys.writeTrust(try await service.trustFile(issuer: Self.issuer))
    // Root version 1, signed by one root key: the server publishes amexist-trust/2.
    let root = SigningKey(generating: .edDSA)
    var part = try await service.proposeRoot(
      folder: keys, roots: [try root.logSigner(origin: "root").verifier], threshold: 1)
    try part.sign(with: root)
    try await service.publishRoot(part, folder: keys)
    return Made(folder: folder, signer: signer, kid: kid, issued: issued)
  }

  /// A token with `scopes` (all by default), limited to `regions` if given.
  func token(
    _ scopes: Set<AdminScope> = Set(AdminScope.allCases), regions: Set<Region>? = nil,
    body: String? = nil, days: Int64 = 30
  ) throws -> String {
    try keys.adminTokens.create(
      name: "test", scopes: scopes, regions: regions, body: body, validFor: days * 86_400_000,
      now: clock.now()
    ).secret
  }

  /// An active service and its attestation.
  var activeSample: (SIRET, IssuedAttestation) {
    let siret = issued.keys.sorted().first!
    return (siret, issued[siret]!)
  }

  func application(_ settings: RegistryServerSettings = .init(refreshInterval: .zero)) throws
    -> some ApplicationProtocol
  {
    try RegistryServer.application(
      registry: service, issuer: Self.issuer, settings: settings,
      admin: AdminAccess(folder: keys, tokens: keys.adminTokens))
  }

  /// Runs `body` against the application through Hummingbird's router test framework.
  func test(
    _ settings: RegistryServerSettings = .init(refreshInterval: .zero),
    _ body: @Sendable (any TestClientProtocol) async throws -> Void
  ) async throws {
    try await application(settings).test(.router, body)
  }
}

extension TestResponse {
  var text: String { String(buffer: body) }

  /// The body parsed as JSON.
  func json() throws -> JSONValue { try StrictJSONParser().parse(Array(buffer: body)) }
}

extension TestClientProtocol {
  /// GET `uri` with `headers`.
  func get(_ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
    try await executeRequest(uri: uri, method: .get, headers: headers, body: nil)
  }
}

/// `Accept: application/json`.
let acceptJSON: HTTPFields = [.accept: "application/json"]
