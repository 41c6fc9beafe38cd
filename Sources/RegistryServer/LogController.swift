import AmexistDomain
import Attestation
import Documents
import Foundation
import Hummingbird
import RegistryService
import RegistryStore
import TransparencyLog

/// The log over HTTP: the latest checkpoint, the entries, and proofs, for auditors and for
/// `amexist verify --online`; the trust file and keys verifiers fetch; the witnesses' standing.
struct LogController: RegistryReader {
  let live: LiveRegistry
  let trustSource: TrustSource
  let pages: Pages
  let settings: RegistryServerSettings
  /// The keys folder whose published root versions are served (nil: none is).
  var keys: KeyFolder? { trustSource.keys }

  /// The routes this controller answers, to add to the router.
  var routes: RouteCollection<RegistryRequestContext> {
    let routes = RouteCollection(context: RegistryRequestContext.self)
    routes.get("/log") { request, context in
      try await witnessesPage(request, context: context, jsonPath: false)
    }
    routes.get("/log.json") { request, context in
      try await witnessesPage(request, context: context, jsonPath: true)
    }
    routes.get("/log/checkpoint", use: checkpoint)
    routes.get("/log/entries", use: entries)
    routes.get("/log/proof/inclusion", use: inclusionProof)
    routes.get("/log/proof/consistency", use: consistencyProof)
    routes.get("/.well-known/amexist-trust.json", use: trustFile)
    routes.get("/.well-known/amexist-trust/{file}", use: trustRootVersion)
    routes.get("/.well-known/jwks.json", use: jwks)
    return routes
  }

  func checkpoint(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    try await cached(request, key: "log/checkpoint/\(witnessingRound)") {
      let latest: StoredCheckpoint? = try await registry.latestCheckpoint()
      guard let latest else { throw SiteError.notFound }
      // The newest checkpoint with the witness quorum, its cosignatures attached; the latest
      // one (with the cosignatures it has) while none has the quorum. Every checkpoint holds
      // entry 0.
      let policy = try await trustSource.current().witnessPolicy
      switch try await registry.witnessedCheckpoint(
        holding: 0, policy: policy, realNow: SystemClock().now())
      {
      case .success(let witnessed): return .text(witnessed.note)
      case .failure: return .text(latest.note)
      }
    }
  }

  func entries(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let parameters = request.uri.queryParameters
    let start = try Self.integer(parameters["start"], name: "start", default: 0)
    let maximum = Int64(settings.limits.maxLogEntries)
    let limit = try Self.integer(parameters["limit"], name: "limit", default: maximum)
    guard (1...maximum).contains(limit) else {
      throw SiteError.badRequest(
        "limit must be 1 to \(maximum)",
        french: "Le paramètre limit doit valoir de 1 à \(maximum).")
    }
    return try await cached(request, key: "log/entries/\(start)/\(limit)") {
      let (count, leaves) = try await registry.read { snapshot in
        let count = try snapshot.count()
        var leaves: [[UInt8]] = []
        // start has at most 18 digits and limit at most 1000: the sum cannot overflow.
        try snapshot.forEachEntry(from: start, below: start + limit) { _, bytes in
          leaves.append(bytes)
        }
        return (count, leaves)
      }
      guard start <= count else {
        throw SiteError.absent(
          "start is beyond the log's \(count) entries",
          french: "Le paramètre start dépasse les \(count) entrées du journal.")
      }
      return .json(
        .object([
          "start": .integer(start), "treeSize": .integer(count),
          "entries": .array(leaves.map { .string(Base64.encode($0)) }),
        ]))
    }
  }

  func inclusionProof(_ request: Request, context: RegistryRequestContext) async throws
    -> Response
  {
    let parameters = request.uri.queryParameters
    let index = try Self.integer(parameters["index"], name: "index", default: nil)
    let size =
      parameters["size"] == nil
      ? nil : try Self.integer(parameters["size"], name: "size", default: nil)
    return try await cached(request, key: "log/inclusion/\(index)/\(size ?? -1)") {
      let evidence: InclusionEvidence = try await Self.inLog {
        try await registry.inclusionEvidence(index: index, size: size)
      }
      return .json(
        .object([
          "index": .integer(evidence.index),
          "hashes": .array(evidence.proof.map { .string($0.base64) }),
          "checkpoint": .string(evidence.checkpointNote),
          "proof": .string(evidence.text),
        ]))
    }
  }

  func consistencyProof(_ request: Request, context: RegistryRequestContext) async throws
    -> Response
  {
    let parameters = request.uri.queryParameters
    let from = try Self.integer(parameters["from"], name: "from", default: nil)
    let to = try Self.integer(parameters["to"], name: "to", default: nil)
    return try await cached(request, key: "log/consistency/\(from)/\(to)/\(witnessingRound)") {
      let proof: (proof: [MerkleHash], from: StoredCheckpoint, to: StoredCheckpoint) =
        try await Self.inLog { try await registry.consistencyProof(from: from, to: to) }
      // The newer checkpoint with its witnesses' cosignatures: a verifier may put it in place
      // of an older bundle's (`verify --checkpoint FILE`).
      let policy = try await trustSource.current().witnessPolicy
      let cosigned = try await registry.cosignedCheckpoint(
        size: to, policy: policy, realNow: SystemClock().now())
      return .json(
        .object([
          "from": .integer(from), "to": .integer(to),
          "hashes": .array(proof.proof.map { .string($0.base64) }),
          "fromCheckpoint": .string(proof.from.note), "toCheckpoint": .string(cosigned.note),
        ]))
    }
  }

  func trustFile(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    let key = try await trustSource.currentKey()
    return try await cached(request, key: "trust-\(key.day)-\(key.rootVersion)") {
      .json(try await trustSource.current().json)
    }
  }

  /// `/.well-known/amexist-trust/{N}.json`: root version N as published (`{"root": …}`), so a
  /// verifier can walk from the version it pinned to the newest.
  func trustRootVersion(_ request: Request, context: RegistryRequestContext) async throws
    -> Response
  {
    let file = context.parameters.get("file") ?? ""
    guard file.hasSuffix(".json"), let version = Int64(file.dropLast(5)), version >= 1,
      file == "\(version).json", let bytes = keys?.rootVersionBytes(version)
    else {
      throw SiteError.notFound
    }
    return Reply(
      contentType: "application/json", bytes: bytes, cacheControl: "public, max-age=3600"
    ).publicRead().prepared().response(to: request)
  }

  func jwks(_ request: Request, context: RegistryRequestContext) async throws -> Response {
    try await cached(request, key: "jwks") {
      let trust = try await trustSource.current()
      return .json(
        .object(["keys": .array(trust.keys.map { $0.publicKey.jwk(kid: $0.kid) })]))
    }
  }

  /// The result of `read`, where the log not holding what was asked (a checkpoint of that size,
  /// an entry outside the tree, sizes in the wrong order) is a 404, not a malformed request.
  static func inLog<Result: Sendable>(_ read: () async throws -> Result) async throws -> Result {
    do {
      return try await read()
    } catch RegistryError.log(let reason) {
      throw SiteError.absent(
        reason,
        french:
          "Le journal ne contient pas ce que demande cette adresse (point de contrôle de cette taille, entrée ou preuve)."
      )
    }
  }

  /// A non-negative decimal query parameter of at most 18 digits.
  static func integer(_ value: Substring?, name: String, default fallback: Int64?)
    throws(SiteError) -> Int64
  {
    guard let value else {
      guard let fallback else {
        throw .badRequest(
          "the \(name) parameter is required", french: "Le paramètre \(name) est obligatoire.")
      }
      return fallback
    }
    guard !value.isEmpty, value.utf8.count <= 18, value.utf8.allSatisfy({ (48...57).contains($0) }),
      let number = Int64(value)
    else {
      throw .badRequest(
        "\(name) must be a non-negative integer",
        french: "Le paramètre \(name) doit être un entier positif ou nul.")
    }
    return number
  }
}

extension LogController {
  /// `/log` and `/log.json`: the log's size, the witness quorum in force, and each listed
  /// witness's newest cosignature and lag behind the log (DESIGN, "Witnesses").
  func witnessesPage(_ request: Request, context: RegistryRequestContext, jsonPath: Bool)
    async throws -> Response
  {
    let language = PageLanguage.of(request)
    let format = ResponseFormat.of(request, hasSuffix: jsonPath)
    return try await cached(request, key: "log/\(language)/\(format)/\(witnessingRound)") {
      let latest: StoredCheckpoint? = try await registry.latestCheckpoint()
      let size = latest?.size ?? 0
      let trust = try await trustSource.current()
      let policy = trust.witnessPolicy
      let standings = try await registry.witnessStandings(policy: policy)
      let quorum = policy.quorum(forSize: size)
      switch format {
      case .json:
        return .json(
          .object([
            "origin": .string(trust.log.name), "size": .integer(size),
            "quorum": quorum.map {
              .object(["k": .integer(Int64($0.k)), "fromSize": .integer($0.fromSize)])
            } ?? .null,
            "witnesses": .array(
              standings.map { standing in
                .object([
                  "name": .string(standing.witness.name),
                  "key": .string(standing.witness.key.verifierKey),
                  "from": .string(standing.witness.from.description),
                  "until": standing.witness.until.map { .string($0.description) } ?? .null,
                  "cosignedSize": standing.cosignedSize.map(JSONValue.integer) ?? .null,
                  "cosignedAt": standing.cosignedAt.map { .string($0.description) } ?? .null,
                  "lag": standing.cosignedSize.map { .integer(size - $0) } ?? .null,
                ])
              }),
          ]))
      case .html:
        let texts = Texts.table(language)
        func filled(_ key: String, _ values: [String: String]) -> String {
          values.reduce(texts[key] ?? "") {
            $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value)
          }
        }
        let rows: [[String: Any]] = standings.map { standing in
          let lag = standing.cosignedSize.map { size - $0 }
          return [
            "name": standing.witness.name,
            "retired": standing.witness.until.map {
              filled("witnessRetired", ["until": DateWords.instant($0, language)])
            } ?? "",
            "cosigned": standing.cosignedAt.map {
              "\(DateWords.instant($0, language)) (\(standing.cosignedSize ?? 0))"
            } ?? (texts["witnessNever"] ?? ""),
            "lag": lag.map {
              $0 == 0 ? (texts["witnessUpToDate"] ?? "") : filled("witnessLagValue", ["n": "\($0)"])
            } ?? "—",
            "answer": standing.lastAnswer ?? "—",
          ]
        }
        return pages.page(
          "log", title: texts["logTitle"] ?? "", language: language, path: "/log",
          values: [
            "origin": trust.log.name, "size": "\(size)",
            "quorum": quorum.map {
              filled("witnessQuorumValue", ["k": "\($0.k)", "fromSize": "\($0.fromSize)"])
            } ?? (texts["noQuorum"] ?? ""),
            "witnesses": rows, "hasWitnesses": !rows.isEmpty,
          ])
      }
    }
  }
}
