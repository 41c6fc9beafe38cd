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

  init() async throws {
    folder = try TemporaryFolder()
    clock = FixedClock(TestValues.noon)
    service = RegistryService(
      store: try SQLiteRegistryStore(path: folder.file("registry.sqlite"), create: true),
      logSigner: TestValues.logSigner,
      publishedCheckpoint: CheckpointFile(path: folder.file("log-checkpoint")), clock: clock)
    signer = SigningKey(generating: .edDSA)
    kid = try await service.addKey(signer)
    try await service.append(SampleRegistry.events(today: service.today(), existing: 1))
    var issued: [SIRET: IssuedAttestation] = [:]
    for state in try await service.allServices() where state.standing == .active {
      issued[state.siret] = try await service.issueAttestation(
        siret: state.siret, signer: signer, kid: kid, issuer: Self.issuer)
    }
    self.issued = issued
    keys = KeyFolder(path: folder.file("Keys"))
    try keys.writePrivateKey(signer, kid: kid)
    try keys.writeTrust(try await service.trustFile(issuer: Self.issuer))
  }

  /// A token with `scopes` (all by default), limited to `regions` if given.
  func token(
    _ scopes: Set<AdminScope> = Set(AdminScope.allCases), regions: Set<Region>? = nil,
    days: Int64 = 30
  ) throws -> String {
    try keys.adminTokens.create(
      name: "test", scopes: scopes, regions: regions, validFor: days * 86_400_000,
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
