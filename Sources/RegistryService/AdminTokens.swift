public import AmexistDomain
import Attestation
import Foundation
import Synchronization

/// What an admin token may do.
public enum AdminScope: String, CaseIterable, Hashable, Sendable {
  /// Register, update and import services.
  case services
  /// Grant, renew, suspend, reinstate and withdraw levels.
  case decisions
  /// Issue attestations.
  case attestations
  /// Rotate and revoke issuer keys.
  case keys
}

/// An admin API token as stored: never the secret, only its SHA-256.
public struct AdminToken: Hashable, Sendable {
  /// The public part of the token, used to find it and to name it in logs.
  public let id: String
  /// Who or what it is for.
  public let name: String
  public let scopes: Set<AdminScope>
  /// When set, the token acts only on services of these regions.
  public let regions: Set<Region>?
  /// When set, the token only records decisions this certifying body signed (and nothing else).
  public let body: String?
  public let createdAt: Instant
  public let expiresAt: Instant
  public let revokedAt: Instant?
  /// Hex SHA-256 of the secret part.
  let secretSHA256: String

  /// Whether the token may be used at `instant`.
  public func isUsable(at instant: Instant) -> Bool {
    instant < expiresAt && revokedAt.map { instant < $0 } ?? true
  }

  /// The token as it may be shown: everything but the secret's hash.
  public var publicJSON: JSONValue {
    .object([
      "id": .string(id), "name": .string(name),
      "scopes": .array(scopes.map(\.rawValue).sorted().map(JSONValue.string)),
      "regions": regions.map { .array($0.map(\.code).sorted().map(JSONValue.string)) } ?? .null,
      "body": body.map(JSONValue.string) ?? .null,
      "createdAt": .string(createdAt.description), "expiresAt": .string(expiresAt.description),
      "revokedAt": revokedAt.map { .string($0.description) } ?? .null,
    ])
  }

  /// Whether it may act on a service of `region`.
  public func covers(_ region: Region?) -> Bool {
    guard let regions else { return true }
    return region.map(regions.contains) ?? false
  }
}

/// The admin tokens, in `Keys/private/admin-tokens.json` (mode 0600): created and revoked by
/// the CLI, read by the server, which sees changes without restarting.
///
/// A token is `amx_<id>_<secret>`: the id finds the record, the 256-bit secret is compared by
/// its SHA-256 in constant time. High-entropy secrets need no slow password hash.
public final class AdminTokenStore: Sendable {
  /// The file.
  public let path: String
  private let cache = Mutex<(Date, [AdminToken])?>(nil)

  /// The store kept at `path`.
  public init(path: String) { self.path = path }

  /// Creates a token; the returned secret is shown once and kept nowhere.
  public func create(
    name: String, scopes: Set<AdminScope>, regions: Set<Region>?, body: String? = nil,
    validFor: Int64, now: Instant
  ) throws(RegistryError) -> (token: AdminToken, secret: String) {
    if let body {
      guard (try? Identifiers.bodyID(body)) != nil else {
        throw .keys("--body must be a certifying body's id")
      }
      guard scopes == [.decisions] else {
        throw .keys(
          "a token limited to one body records its signed decisions only: give --scope decisions alone"
        )
      }
    }
    guard !scopes.isEmpty else { throw .keys("a token needs at least one scope") }
    guard validFor > 0, validFor <= 366 * 86_400_000 else {
      throw .keys("a token is valid for at most 366 days")
    }
    let trimmed = name.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.contains(where: \.isNewline) else {
      throw .keys("a token needs a name of 1 to 100 characters on one line")
    }
    let id = Self.random(4).map { String(format: "%02x", $0) }.joined()
    let secret = Base64URL.encode(Self.random(32))
    let token = AdminToken(
      id: id, name: trimmed, scopes: scopes, regions: regions, body: body, createdAt: now,
      expiresAt: now.adding(milliseconds: validFor), revokedAt: nil,
      secretSHA256: Self.digest(secret))
    try PrivateFile.withLock(path) { () throws(RegistryError) in
      try save(try load() + [token])
    }
    return (token, "amx_\(id)_\(secret)")
  }

  /// Revokes the token `id` from `now` on.
  public func revoke(_ id: String, now: Instant) throws(RegistryError) {
    try PrivateFile.withLock(path) { () throws(RegistryError) in
      var tokens = try load()
      guard let index = tokens.firstIndex(where: { $0.id == id }) else {
        throw .keys("no admin token has the id \(id)")
      }
      let old = tokens[index]
      guard old.revokedAt == nil else { return }
      tokens[index] = AdminToken(
        id: old.id, name: old.name, scopes: old.scopes, regions: old.regions, body: old.body,
        createdAt: old.createdAt, expiresAt: old.expiresAt, revokedAt: now,
        secretSHA256: old.secretSHA256)
      try save(tokens)
    }
  }

  /// Every token, in creation order.
  public func list() throws(RegistryError) -> [AdminToken] { try load() }

  /// The token `presented` is, if it exists and may be used at `now`.
  public func authenticate(_ presented: String, now: Instant) -> AdminToken? {
    // amx_ + 8 hex digits of id + _ + 43 base64url characters of secret.
    let bytes = Array(presented.utf8)
    guard bytes.count == 56, presented.hasPrefix("amx_"), bytes[12] == UInt8(ascii: "_") else {
      return nil
    }
    let id = String(decoding: bytes[4..<12], as: UTF8.self)
    let secret = String(decoding: bytes[13...], as: UTF8.self)
    guard let tokens = try? cached(), let token = tokens.first(where: { $0.id == id }) else {
      return nil
    }
    let presentedDigest = Array(Self.digest(secret).utf8)
    let storedDigest = Array(token.secretSHA256.utf8)
    // Constant time over the digests: no timing tells how much of a secret matched.
    var difference: UInt8 = presentedDigest.count == storedDigest.count ? 0 : 1
    for (a, b) in zip(presentedDigest, storedDigest) { difference |= a ^ b }
    return difference == 0 && token.isUsable(at: now) ? token : nil
  }

  /// The tokens, re-read when the file changed.
  private func cached() throws(RegistryError) -> [AdminToken] {
    let modified =
      (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
      ?? .distantPast
    if let (date, tokens) = cache.withLock({ $0 }), date == modified { return tokens }
    let tokens = try load()
    cache.withLock { $0 = (modified, tokens) }
    return tokens
  }

  private func load() throws(RegistryError) -> [AdminToken] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    guard case .array(let items) = try? StrictJSONParser(maximumSize: 4_194_304).parse(Array(data))
    else {
      throw .keys("\(path) is not a valid admin token file")
    }
    return try items.map { item throws(RegistryError) in
      guard case .string(let id) = item["id"], case .string(let name) = item["name"],
        case .array(let scopes) = item["scopes"], case .string(let created) = item["createdAt"],
        case .string(let expires) = item["expiresAt"], case .string(let digest) = item["sha256"],
        let createdAt = try? Instant(parsing: created),
        let expiresAt = try? Instant(parsing: expires)
      else {
        throw .keys("\(path) holds a malformed token")
      }
      var regions: Set<Region>?
      if case .array(let codes) = item["regions"] {
        regions = Set(
          codes.compactMap { code in
            guard case .string(let text) = code else { return nil }
            return try? Region(code: text)
          })
      }
      var body: String?
      switch item["body"] {
      case nil, .null?: break
      case .string(let id)?: body = id
      default: throw .keys("\(path) holds a malformed token")
      }
      var revokedAt: Instant?
      if case .string(let revoked) = item["revokedAt"] {
        revokedAt = try? Instant(parsing: revoked)
      }
      return AdminToken(
        id: id, name: name,
        scopes: Set(
          scopes.compactMap { scope in
            guard case .string(let text) = scope else { return nil }
            return AdminScope(rawValue: text)
          }),
        regions: regions, body: body, createdAt: createdAt, expiresAt: expiresAt,
        revokedAt: revokedAt,
        secretSHA256: digest)
    }
  }

  private func save(_ tokens: [AdminToken]) throws(RegistryError) {
    let folder = (path as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let json = JSONValue.array(
      tokens.map { token in
        guard case .object(var members) = token.publicJSON else { return .null }
        members["sha256"] = .string(token.secretSHA256)
        return .object(members)
      })
    try PrivateFile.write(CanonicalJSON.encode(json) + [0x0A], to: path)
  }

  private static func random(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
  }

  static func digest(_ secret: String) -> String {
    PayloadHash.hex(of: Array(secret.utf8))
  }
}
