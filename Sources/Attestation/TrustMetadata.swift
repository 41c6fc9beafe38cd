public import AmexistDomain
import Crypto
public import TransparencyLog

/// One signature over a signed part of the trust metadata: `{"keyid", "sig"}`, where `keyid` is
/// the SHA-256 (lower-case hex) of the signer's raw 32-byte Ed25519 public key and `sig` the
/// base64 Ed25519 signature of the canonical JSON of the part's `signed` member.
public struct MetadataSignature: Hashable, Sendable {
  /// SHA-256 of the signer's raw public key, lower-case hex.
  public let keyID: String
  /// The 64-byte Ed25519 signature.
  public let signature: [UInt8]

  /// The key id of a raw Ed25519 public key.
  public static func keyID(of publicKey: [UInt8]) -> String { PayloadHash.hex(of: publicKey) }
}

/// A signed part of the trust metadata (`{"signed": {...}, "signatures": [...]}`), as TUF
/// splits its roles. Its signatures are counted by distinct key (catalogue B4): a signature
/// listed twice, or the same key under two names, counts once; a key outside the role, or a
/// signature that does not verify, does not count.
public struct SignedPart: Hashable, Sendable {
  /// The signed content.
  public let signed: JSONValue
  /// The signatures, as listed.
  public private(set) var signatures: [MetadataSignature]

  /// The largest part accepted, in bytes.
  public static let maximumSize = 1_048_576
  /// The most signatures a part may list.
  public static let maximumSignatures = 64

  /// A part holding `signed`, with no signature yet.
  public init(signed: JSONValue) {
    self.signed = signed
    self.signatures = []
  }

  /// The bytes every signature covers: the canonical JSON of `signed`.
  public var signedBytes: [UInt8] { CanonicalJSON.encode(signed) }

  /// Adds the signature of `key`, an Ed25519 key (replacing an earlier one by the same key).
  public mutating func sign(with key: SigningKey) throws(TrustChainError) {
    guard case .ed25519(let publicKey) = key.publicKey else {
      throw .malformed("root and registry keys are Ed25519 keys")
    }
    let keyID = MetadataSignature.keyID(of: Array(publicKey.rawRepresentation))
    guard let signature = try? key.signature(for: signedBytes) else {
      throw .malformed("the cryptographic library refused to sign")
    }
    signatures.removeAll { $0.keyID == keyID }
    signatures.append(MetadataSignature(keyID: keyID, signature: signature))
  }

  /// The distinct keys among `keys` (by their raw public key) whose signature of this part
  /// verifies.
  public func signers(among keys: [NoteVerifier]) -> Set<[UInt8]> {
    let message = signedBytes
    var byID: [String: [UInt8]] = [:]
    for key in keys { byID[MetadataSignature.keyID(of: key.publicKeyBytes)] = key.publicKeyBytes }
    var found: Set<[UInt8]> = []
    for entry in signatures {
      guard let raw = byID[entry.keyID], !found.contains(raw),
        let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
        key.isValidSignature(entry.signature, for: message)
      else { continue }
      found.insert(raw)
    }
    return found
  }

  /// The part's JSON.
  public var json: JSONValue {
    .object([
      "signed": signed,
      "signatures": .array(
        signatures.map { entry in
          .object(["keyid": .string(entry.keyID), "sig": .string(Base64.encode(entry.signature))])
        }),
    ])
  }

  /// Reads a part, refusing anything but `signed` and well-formed `signatures`.
  public init(json value: JSONValue) throws(TrustChainError) {
    guard case .object(let members) = value, Set(members.keys) == ["signed", "signatures"],
      case .object = members["signed"], case .array(let entries) = members["signatures"],
      entries.count <= Self.maximumSignatures
    else {
      throw .malformed("a signed part is {\"signed\": {…}, \"signatures\": [{\"keyid\", \"sig\"}]}")
    }
    var signatures: [MetadataSignature] = []
    for entry in entries {
      guard case .object(let fields) = entry, Set(fields.keys) == ["keyid", "sig"],
        case .string(let keyID) = fields["keyid"],
        (try? Identifiers.sha256Hex(keyID, field: "keyid")) != nil,
        case .string(let text) = fields["sig"], let signature = Base64.decode(Array(text.utf8)),
        signature.count == 64
      else {
        throw .malformed("a signature is {\"keyid\": SHA-256 hex, \"sig\": base64 Ed25519}")
      }
      signatures.append(MetadataSignature(keyID: keyID, signature: signature))
    }
    self.signed = members["signed"]!
    self.signatures = signatures
  }
}

/// The root part of `amexist-trust/2` (DESIGN, "The trust root"): what a verifier pins. Signed
/// by a threshold of offline root keys; each version is exactly the previous + 1 and is signed
/// by a threshold of the previous version's roots and of its own.
///
/// `signed` members: `format` (`amexist-trust/2`), `version` (from 1), `expires`, `roots`
/// (C2SP vkeys), `threshold`, `scheme`, `bodySignedFrom` (or null), `issuer`, `issuerName` (or
/// null), `log` (`{"origin", "key"}`, the key a C2SP vkey), `witnesses` (`[{"name", "url",
/// "key": cosignature vkey (type 0x04), "from", "until": instant or null}]`), `quorum` (null
/// without witnesses, else `[{"k", "fromSize"}]` by increasing size; see ``WitnessPolicy``) and
/// `registryKeys` (`[{"key": vkey, "expires"}]`,
/// the online keys that sign the registry list). Nothing else is accepted.
public struct TrustRoot: Hashable, Sendable {
  /// The format this version reads and writes.
  public static let format = "amexist-trust/2"

  public let version: Int64
  /// The root is not trusted from this instant on (exit 8 unless the verifier allows it).
  public let expires: Instant
  /// The root keys.
  public let roots: [NoteVerifier]
  /// How many distinct root keys must sign.
  public let threshold: Int
  public let scheme: SchemeName
  public let bodySignedFrom: Int64?
  public let issuer: String
  public let issuerName: String?
  /// The log's checkpoint verifier; its name is the log's origin.
  public let log: NoteVerifier
  /// The keys that sign the registry list, each until its expiry.
  public let registryKeys: [(key: NoteVerifier, expires: Instant)]
  /// The witnesses and the quorums of their cosignatures a checkpoint needs.
  public let witnessPolicy: WitnessPolicy

  public static func == (lhs: Self, rhs: Self) -> Bool { lhs.json == rhs.json }
  public func hash(into hasher: inout Hasher) { hasher.combine(CanonicalJSON.encode(json)) }

  /// A root; the threshold must be reachable by the listed keys.
  public init(
    version: Int64, expires: Instant, roots: [NoteVerifier], threshold: Int, scheme: SchemeName,
    bodySignedFrom: Int64?, issuer: String, issuerName: String? = nil, log: NoteVerifier,
    registryKeys: [(key: NoteVerifier, expires: Instant)], witnessPolicy: WitnessPolicy = .none
  ) throws(TrustChainError) {
    guard version >= 1 else { throw .malformed("version starts at 1") }
    let distinct = Set(roots.map(\.publicKeyBytes))
    guard distinct.count == roots.count else {
      throw .malformed("a root key is listed twice (the same key counts once)")
    }
    guard threshold >= 1, threshold <= roots.count else {
      throw .malformed("the threshold must be between 1 and the number of root keys")
    }
    guard !issuer.isEmpty else { throw .malformed("no issuer") }
    self.version = version
    self.expires = expires
    self.roots = roots
    self.threshold = threshold
    self.scheme = scheme
    self.bodySignedFrom = bodySignedFrom
    self.issuer = issuer
    self.issuerName = issuerName
    self.log = log
    self.registryKeys = registryKeys
    self.witnessPolicy = witnessPolicy
  }

  /// The `signed` member.
  public var json: JSONValue {
    .object([
      "format": .string(Self.format), "version": .integer(version),
      "expires": .string(expires.description),
      "roots": .array(roots.map { .string($0.verifierKey) }),
      "threshold": .integer(Int64(threshold)), "scheme": .string(scheme.rawValue),
      "bodySignedFrom": bodySignedFrom.map(JSONValue.integer) ?? .null,
      "issuer": .string(issuer), "issuerName": issuerName.map(JSONValue.string) ?? .null,
      "log": .object(["origin": .string(log.name), "key": .string(log.verifierKey)]),
      "witnesses": .array(
        witnessPolicy.witnesses.map { witness in
          .object([
            "name": .string(witness.name), "url": .string(witness.url),
            "key": .string(witness.key.verifierKey), "from": .string(witness.from.description),
            "until": witness.until.map { .string($0.description) } ?? .null,
          ])
        }),
      "quorum": witnessPolicy.quorums.isEmpty
        ? .null
        : .array(
          witnessPolicy.quorums.map { rule in
            .object(["k": .integer(Int64(rule.k)), "fromSize": .integer(rule.fromSize)])
          }),
      "registryKeys": .array(
        registryKeys.map { entry in
          .object([
            "key": .string(entry.key.verifierKey), "expires": .string(entry.expires.description),
          ])
        }),
    ])
  }

  /// The SHA-256 (hex) of the canonical JSON of this version's `signed`: what a verifier pins.
  public var pin: String { PayloadHash.hex(of: CanonicalJSON.encode(json)) }

  /// Reads a root's `signed` member strictly.
  public init(signed value: JSONValue) throws(TrustChainError) {
    var reader = MetadataReader(value, "root")
    guard try reader.string("format") == Self.format else {
      throw .malformed("not an amexist-trust/2 root")
    }
    let roots = try reader.list("roots").map { entry throws(TrustChainError) in
      try MetadataReader.vkey(entry, "roots")
    }
    guard case .object(var log) = try reader.take("log"),
      case .string(let origin) = log.removeValue(forKey: "origin"),
      let key = log.removeValue(forKey: "key"), log.isEmpty
    else {
      throw .malformed("log must be {\"origin\", \"key\"}")
    }
    let logKey = try MetadataReader.vkey(key, "log.key")
    guard logKey.name == origin else { throw .malformed("the log key is not named for its origin") }
    let witnesses = try reader.list("witnesses").map {
      entry throws(TrustChainError) -> ListedWitness in
      var fields = MetadataReader(entry, "witnesses")
      let name = try fields.string("name")
      let url = try fields.string("url")
      guard !name.isEmpty, name.utf8.count <= 200,
        url.hasPrefix("https://") || url.hasPrefix("http://")
      else {
        throw .malformed("a witness has a name and an http(s) url")
      }
      let keyText = try fields.string("key")
      let key: CosignatureVerifier
      do {
        key = try CosignatureVerifier(verifierKey: keyText)
      } catch {
        throw .malformed(
          "witness \(name.prefix(40)): the key is not a cosignature vkey (type 0x04)")
      }
      let from = try fields.instant("from")
      let until: Instant?
      switch try fields.take("until") {
      case .null: until = nil
      case .string(let text):
        do { until = try Instant(parsing: text) } catch {
          throw .malformed("witness \(name.prefix(40)): until is not an instant")
        }
      default: throw .malformed("witness \(name.prefix(40)): until is an instant or null")
      }
      if let until, until <= from { throw .malformed("witness \(name.prefix(40)): empty window") }
      try fields.finish()
      return ListedWitness(name: name, url: url, key: key, from: from, until: until)
    }
    var quorums: [QuorumRule] = []
    switch try reader.take("quorum") {
    case .null: break
    case .array(let entries) where entries.count <= 256:
      for entry in entries {
        var fields = MetadataReader(entry, "quorum")
        let k = try fields.integer("k")
        let fromSize = try fields.integer("fromSize")
        try fields.finish()
        guard (1...256).contains(k) else { throw .malformed("a quorum k is between 1 and 256") }
        quorums.append(QuorumRule(k: Int(k), fromSize: fromSize))
      }
      guard !quorums.isEmpty else { throw .malformed("quorum is null or a non-empty list") }
    default: throw .malformed("quorum is null or a list of {\"k\", \"fromSize\"}")
    }
    let witnessPolicy = try WitnessPolicy(witnesses: witnesses, quorums: quorums)
    let registryKeys = try reader.list("registryKeys").map {
      entry throws(TrustChainError) -> (key: NoteVerifier, expires: Instant) in
      var fields = MetadataReader(entry, "registryKeys")
      let key = try MetadataReader.vkey(try fields.take("key"), "registryKeys.key")
      let expires = try fields.instant("expires")
      try fields.finish()
      return (key, expires)
    }
    guard let scheme = SchemeName(rawValue: try reader.string("scheme")) else {
      throw .malformed("the scheme is unknown to this amexist: upgrade amexist")
    }
    let bodySignedFrom: Int64?
    switch try reader.take("bodySignedFrom") {
    case .null: bodySignedFrom = nil
    case .integer(let index) where index >= 0: bodySignedFrom = index
    default: throw .malformed("bodySignedFrom is not a log index")
    }
    let issuerName: String?
    switch try reader.take("issuerName") {
    case .null: issuerName = nil
    case .string(let name): issuerName = name
    default: throw .malformed("issuerName is not a string")
    }
    try self.init(
      version: try reader.integer("version"), expires: try reader.instant("expires"),
      roots: roots, threshold: Int(try reader.integer("threshold")), scheme: scheme,
      bodySignedFrom: bodySignedFrom, issuer: try reader.string("issuer"),
      issuerName: issuerName, log: logKey, registryKeys: registryKeys,
      witnessPolicy: witnessPolicy)
    try reader.finish()
  }

  /// Whether the threshold of this root's keys signed `part`.
  func isSignedByThreshold(_ part: SignedPart) -> Bool {
    part.signers(among: roots).count >= threshold
  }

  /// Verifies `part` as the first root a verifier meets: version 1 signed by the threshold of
  /// its own roots, or, with `previous`, exactly the next version, signed by the threshold of
  /// the previous roots **and** of its own (catalogue B3).
  ///
  /// Expiry is not checked here (``TrustChain`` reports it apart: it is exit 8, not 7).
  public static func verify(_ part: SignedPart, after previous: TrustRoot?)
    throws(TrustChainError) -> TrustRoot
  {
    let root = try TrustRoot(signed: part.signed)
    if let previous {
      guard root.version == previous.version + 1 else {
        throw root.version <= previous.version
          ? .rollback(have: previous.version, given: root.version)
          : .skippedVersion(expected: previous.version + 1, given: root.version)
      }
      guard previous.isSignedByThreshold(part) else {
        throw .threshold(role: "the previous root, version \(previous.version)")
      }
    }
    guard root.isSignedByThreshold(part) else {
      throw .threshold(role: "root version \(root.version)")
    }
    return root
  }
}

/// The registry list of `amexist-trust/2`: the issuer and body keys and accreditations, signed
/// online by a registry key the root delegates to (so day-to-day key changes need no
/// ceremony). `signed` members: `version` (the log size the list reflects, so it only grows),
/// `expires`, `keys` and `bodies` (as in `amexist-trust/1`).
public struct RegistryList: Hashable, Sendable {
  public let version: Int64
  public let expires: Instant
  public let keys: [TrustedKey]
  public let bodies: [TrustedBody]
  /// The status keys (in `keys`, marked `"use": "status"`).
  public let statusKeys: [TrustedKey]

  /// A registry list.
  public init(
    version: Int64, expires: Instant, keys: [TrustedKey], bodies: [TrustedBody],
    statusKeys: [TrustedKey] = []
  ) {
    self.statusKeys = statusKeys
    self.version = version
    self.expires = expires
    self.keys = keys
    self.bodies = bodies
  }

  /// The `signed` member.
  public var json: JSONValue {
    .object([
      "version": .integer(version), "expires": .string(expires.description),
      "keys": TrustFile.json(keys, statusKeys: statusKeys), "bodies": TrustFile.json(bodies),
    ])
  }

  /// Verifies `part` as a registry list signed by a registry key that `root` delegates to, then
  /// reads it (catalogue D25: a list signed by an undelegated key is refused).
  ///
  /// - Returns: the list and the latest expiry among the delegated keys whose signature
  ///   verified. A list signed by a key whose delegation has expired is trust data that has
  ///   expired (exit 8, as for the list's own `expires`), for the caller to report.
  public static func verify(_ part: SignedPart, root: TrustRoot)
    throws(TrustChainError) -> (list: RegistryList, keyExpires: Instant)
  {
    let signers = part.signers(among: root.registryKeys.map(\.key))
    guard
      let keyExpires = root.registryKeys.filter({ signers.contains($0.key.publicKeyBytes) })
        .map(\.expires).max()
    else {
      throw .undelegated
    }
    var reader = MetadataReader(part.signed, "registry")
    let version = try reader.integer("version")
    guard version >= 0 else { throw .malformed("registry.version is negative") }
    let expires = try reader.instant("expires")
    let keyEntries = try reader.list("keys")
    let bodyEntries = try reader.list("bodies")
    try reader.finish()
    let keys: [TrustedKey]
    let bodies: [TrustedBody]
    let statusKeys: [TrustedKey]
    do {
      (keys, statusKeys, bodies) = try TrustFile.keysAndBodies(
        keys: keyEntries, bodies: bodyEntries)
    } catch {
      throw .malformed("registry list: \(error)")
    }
    return (
      RegistryList(
        version: version, expires: expires, keys: keys, bodies: bodies, statusKeys: statusKeys),
      keyExpires
    )
  }
}

/// The two signed parts of an `amexist-trust/2` file, verified together: the root by the
/// threshold of its own keys, the registry list by a registry key the root delegates to.
/// Whether the root is the one a verifier trusts is the pin's question (``TrustChain``).
public struct SignedTrust: Hashable, Sendable {
  /// The root part as published.
  public let rootPart: SignedPart
  /// The root it holds.
  public let root: TrustRoot
  /// The registry list part as published.
  public let listPart: SignedPart
  /// The list it holds.
  public let list: RegistryList
  /// The latest expiry among the delegated keys that signed the list.
  public let listKeyExpires: Instant

  /// Verifies the two parts against each other.
  public init(root rootPart: SignedPart, registry listPart: SignedPart) throws(TrustChainError) {
    let root = try TrustRoot.verify(rootPart, after: nil)
    let (list, keyExpires) = try RegistryList.verify(listPart, root: root)
    self.rootPart = rootPart
    self.root = root
    self.listPart = listPart
    self.list = list
    self.listKeyExpires = keyExpires
  }

  /// The first instant from which part of the trust data has expired: the root, the list, or
  /// the delegation of the key that signed the list.
  public var expires: Instant { min(root.expires, list.expires, listKeyExpires) }

  /// `list` signed by `registryKey` under `rootPart`, verified as a verifier would verify it.
  public static func signing(
    _ list: RegistryList, with registryKey: SigningKey, under rootPart: SignedPart
  ) throws(TrustChainError) -> SignedTrust {
    var listPart = SignedPart(signed: list.json)
    try listPart.sign(with: registryKey)
    return try SignedTrust(root: rootPart, registry: listPart)
  }

  /// The file's JSON: `{"root": …, "registry": …}`.
  public var json: JSONValue { .object(["root": rootPart.json, "registry": listPart.json]) }
}

/// What a verifier ends with after walking the root chain.
public struct TrustChain: Sendable {
  /// The newest root verified.
  public let root: TrustRoot
  /// Its part, when it is newer than the pinned root (nil when the walk stayed there).
  public let newestPart: SignedPart?
  /// Whether a root (or the list) has expired at the instant of the walk: exit 8 unless
  /// allowed.
  public let expired: Bool

  /// Walks from `pinned` (a root the verifier trusts, by pin or stored) through `newer` (root
  /// parts in any order): each must be exactly the next version, signed by the thresholds of
  /// the previous and its own roots. A part older than the pinned version is a
  /// rollback (the same version given again is fine, another one under its number a swap); a
  /// gap is a skipped version; a part not chained (signed by other roots) is refused.
  /// All are refused (exit 7).
  public static func walk(from pinned: TrustRoot, through newer: [SignedPart], at now: Instant)
    throws(TrustChainError) -> TrustChain
  {
    var current = pinned
    var newestPart: SignedPart?
    var remaining = newer
    while !remaining.isEmpty {
      var versions: [(Int64, SignedPart)] = []
      for part in remaining {
        guard case .integer(let version) = part.signed["version"] else {
          throw .malformed("a root part has no version")
        }
        versions.append((version, part))
      }
      guard let next = versions.min(by: { $0.0 < $1.0 }) else { break }
      if next.0 == current.version {
        // The version already trusted, given again: the same is fine, another is a swap.
        guard next.1.signed == current.json else { throw .swapped(version: next.0) }
      } else {
        current = try TrustRoot.verify(next.1, after: current)
        newestPart = next.1
      }
      remaining = versions.filter { $0.0 != next.0 }.map(\.1)
    }
    return TrustChain(root: current, newestPart: newestPart, expired: now >= current.expires)
  }
}

/// Why trust metadata is refused. Every case is exit 7 for a verifier (untrusted), except that
/// expiry is reported by ``TrustChain/expired`` (exit 8).
public enum TrustChainError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The metadata is not well formed.
  case malformed(String)
  /// Fewer distinct keys of `role` signed than its threshold.
  case threshold(role: String)
  /// A version older than or equal to the one already trusted.
  case rollback(have: Int64, given: Int64)
  /// Another root under the version already trusted.
  case swapped(version: Int64)
  /// A version beyond the next one: every version must be walked.
  case skippedVersion(expected: Int64, given: Int64)
  /// The registry list is signed by no registry key the root delegates to (or only by expired
  /// ones).
  case undelegated

  public var description: String {
    switch self {
    case .malformed(let reason): return "trust metadata: \(reason)"
    case .threshold(let role):
      return "trust metadata: not signed by the threshold of \(role)"
    case .rollback(let have, let given):
      return
        "trust metadata: version \(given) is not newer than version \(have), already trusted (a rollback)"
    case .swapped(let version):
      return
        "trust metadata: root version \(version) differs from the version \(version) already trusted (a swap)"
    case .skippedVersion(let expected, let given):
      return
        "trust metadata: version \(given) given where version \(expected) comes next; every version is needed"
    case .undelegated:
      return
        "trust metadata: the registry list is not signed by a registry key the root delegates to"
    }
  }
}

/// Reads the members of one metadata object, refusing those left unread.
struct MetadataReader {
  var members: [String: JSONValue]
  let context: String

  init(_ value: JSONValue, _ context: String) {
    if case .object(let members) = value { self.members = members } else { self.members = [:] }
    self.context = context
  }

  mutating func take(_ name: String) throws(TrustChainError) -> JSONValue {
    guard let value = members.removeValue(forKey: name) else {
      throw .malformed("\(context) has no \(name)")
    }
    return value
  }

  mutating func string(_ name: String) throws(TrustChainError) -> String {
    guard case .string(let text) = try take(name) else {
      throw .malformed("\(context).\(name) is not a string")
    }
    return text
  }

  mutating func integer(_ name: String) throws(TrustChainError) -> Int64 {
    guard case .integer(let number) = try take(name) else {
      throw .malformed("\(context).\(name) is not an integer")
    }
    return number
  }

  mutating func instant(_ name: String) throws(TrustChainError) -> Instant {
    do { return try Instant(parsing: try string(name)) } catch {
      throw .malformed("\(context).\(name) is not an RFC 3339 instant")
    }
  }

  mutating func list(_ name: String) throws(TrustChainError) -> [JSONValue] {
    guard case .array(let items) = try take(name), items.count <= 256 else {
      throw .malformed("\(context).\(name) is not a list of at most 256 entries")
    }
    return items
  }

  func finish() throws(TrustChainError) {
    if let unknown = members.keys.sorted().first {
      throw .malformed("unknown member \"\(unknown.prefix(32))\" in \(context)")
    }
  }

  static func vkey(_ value: JSONValue, _ context: String) throws(TrustChainError) -> NoteVerifier {
    guard case .string(let text) = value, let key = try? NoteVerifier(verifierKey: text) else {
      throw .malformed("\(context) is not a C2SP verifier key")
    }
    return key
  }
}
