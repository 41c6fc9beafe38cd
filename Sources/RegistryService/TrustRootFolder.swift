import AmexistDomain
public import Attestation
import Foundation
public import TransparencyLog

/// What the registry needs to publish a signed trust file: the newest published root, and the
/// online registry key it delegates the registry list to.
public struct TrustSigning: Sendable {
  /// The newest root part, as published.
  public let rootPart: SignedPart
  /// The root it holds, verified from version 1.
  public let root: TrustRoot
  /// The registry role key (`Keys/private/registry.pem`), delegated by `root`.
  public let registryKey: SigningKey
}

extension KeyFolder {
  /// `Keys/roots`: every published root version, `N.json` holding `{"root": …}`.
  public var rootsPath: String { (path as NSString).appendingPathComponent("roots") }
  /// `Keys/root`: the one local root key of a registry made without offline root keys.
  public var localRootPath: String { (path as NSString).appendingPathComponent("root") }
  /// The name of the registry role key's file in `private/` (issuer key ids never take it).
  public static let registryKeyName = "registry"

  /// The file of root version `version`.
  public func rootVersionPath(_ version: Int64) -> String {
    (rootsPath as NSString).appendingPathComponent("\(version).json")
  }

  /// The versions published, in order.
  public func publishedRootVersions() -> [Int64] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: rootsPath)) ?? []
    return names.compactMap { name -> Int64? in
      guard name.hasSuffix(".json"), let version = Int64(name.dropLast(5)), version >= 1,
        name == "\(version).json"
      else { return nil }
      return version
    }.sorted()
  }

  /// The bytes of root version `version` as served (`{"root": …}`), nil when not published.
  public func rootVersionBytes(_ version: Int64) -> [UInt8]? {
    FileManager.default.contents(atPath: rootVersionPath(version)).map { [UInt8]($0) }
  }

  /// The newest published root, verified version by version from 1 (each signed by the
  /// threshold of the previous roots and of its own); nil when none is published (an
  /// unsigned `amexist-trust/1` registry).
  public func newestRoot() throws(RegistryError) -> (part: SignedPart, root: TrustRoot)? {
    let versions = publishedRootVersions()
    guard !versions.isEmpty else { return nil }
    guard versions == Array(1...Int64(versions.count)) else {
      throw .keys("\(rootsPath) must hold root versions 1 to N with none missing")
    }
    var newest: (part: SignedPart, root: TrustRoot)?
    for version in versions {
      do {
        let part = try TrustFile.rootPart(bytes: rootVersionBytes(version) ?? [])
        let root = try TrustRoot.verify(part, after: newest?.root)
        guard root.version == version else {
          throw TrustChainError.malformed("\(version).json holds version \(root.version)")
        }
        newest = (part, root)
      } catch {
        throw .keys("\(rootVersionPath(version)): \(error)")
      }
    }
    return newest
  }

  /// Installs `part` as the next root version (after checking it is exactly that); never
  /// overwrites a published version.
  public func installRoot(_ part: SignedPart, version: Int64) throws(RegistryError) {
    var bytes = CanonicalJSON.encode(.object(["root": part.json]))
    bytes.append(UInt8(ascii: "\n"))
    try Self.writeNewFile(bytes, to: rootVersionPath(version), mode: 0o644, folder: rootsPath)
  }

  /// Whether the registry role key exists.
  public var hasRegistryKey: Bool { hasPrivateKey(Self.registryKeyName) }

  /// Creates the registry role key (never overwriting one).
  public func createRegistryKey() throws(RegistryError) -> SigningKey {
    let key = SigningKey(generating: .edDSA)
    try writePrivateKey(key, kid: Self.registryKeyName)
    return key
  }

  /// The registry role key's public verifier key, named `registry`.
  public static func registryVerifier(_ key: SigningKey) throws(RegistryError) -> NoteVerifier {
    do {
      return try key.logSigner(origin: registryKeyName).verifier
    } catch {
      throw .keys("the registry key: \(error)")
    }
  }

  /// Loads the registry role key, whichever root delegates to it (permissions, self-test).
  public func loadRegistryKey() throws(RegistryError) -> SigningKey {
    try loadPrivateKey(Self.registryKeyName, expected: nil)
  }

  /// Loads the registry role key and checks that `root` delegates to it.
  public func loadRegistryKey(for root: TrustRoot) throws(RegistryError) -> SigningKey {
    let file = privateKeyPath(Self.registryKeyName)
    let key = try loadRegistryKey()
    let verifier = try Self.registryVerifier(key)
    guard root.registryKeys.contains(where: { $0.key.publicKeyBytes == verifier.publicKeyBytes })
    else {
      throw .keys(
        "the registry key \(file) is not delegated by root version \(root.version): propose a root version that names it (`amexist trust propose`)"
      )
    }
    return key
  }

  /// The name of a new registry key proposed in a root version not yet published.
  public static let nextRegistryKeyName = "registry-next"

  /// The new registry key of a rotation: the one already proposed, or a new one.
  public func nextRegistryKey() throws(RegistryError) -> SigningKey {
    if hasPrivateKey(Self.nextRegistryKeyName) {
      return try loadPrivateKey(Self.nextRegistryKeyName, expected: nil)
    }
    let key = SigningKey(generating: .edDSA)
    try writePrivateKey(key, kid: Self.nextRegistryKeyName)
    return key
  }

  /// Whether publishing `root` rotates the registry key (it delegates the proposed new key, not
  /// the current one); throws when it delegates neither.
  func registryKeyRotation(for root: TrustRoot) throws(RegistryError) -> Bool {
    if (try? loadRegistryKey(for: root)) != nil { return false }
    guard let next = try? loadPrivateKey(Self.nextRegistryKeyName, expected: nil),
      let verifier = try? Self.registryVerifier(next),
      root.registryKeys.contains(where: { $0.key.publicKeyBytes == verifier.publicKeyBytes })
    else {
      // Neither key is delegated: the current key's error says so.
      _ = try loadRegistryKey(for: root)
      return false
    }
    return true
  }

  /// Puts the new registry key in use; the old one is kept beside it, named for the version
  /// that retired it.
  func completeRegistryKeyRotation(retiredBy version: Int64) throws(RegistryError) {
    let current = privateKeyPath(Self.registryKeyName)
    do {
      try FileManager.default.moveItem(
        atPath: current, toPath: privateKeyPath("registry-retired-by-\(version)"))
      try FileManager.default.moveItem(
        atPath: privateKeyPath(Self.nextRegistryKeyName), toPath: current)
    } catch {
      throw .keys("cannot put the new registry key in use: \(error.localizedDescription)")
    }
  }

  /// The newest root and the registry key, when a root is published; nil for an unsigned
  /// (`amexist-trust/1`) registry. A host without the registry key (a read-only mirror) gets
  /// an error: it serves the published file instead.
  public func trustSigning() throws(RegistryError) -> TrustSigning? {
    guard let (part, root) = try newestRoot() else { return nil }
    return TrustSigning(rootPart: part, root: root, registryKey: try loadRegistryKey(for: root))
  }
}
