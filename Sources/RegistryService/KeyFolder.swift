import AmexistDomain
public import Attestation
import Foundation
public import TransparencyLog

#if canImport(Glibc)
  import Glibc
#endif

/// The `Keys/` folder: the public trust file and the private keys, one PKCS#8 PEM file per key
/// id in `private/` with mode 0600.
public struct KeyFolder: Sendable {
  /// The folder's path.
  public let path: String

  /// The keys folder at `path` (nothing is read until asked).
  public init(path: String) {
    self.path = path
  }

  /// `Keys/trust.json`.
  public var trustPath: String { (path as NSString).appendingPathComponent("trust.json") }
  /// `Keys/private`.
  public var privatePath: String { (path as NSString).appendingPathComponent("private") }

  /// The name of the log key's file in `private/` (issuer key ids never take this form).
  public static let logKeyName = "log"

  /// `Keys/private/log-checkpoint`: the newest checkpoint the log signed (see
  /// ``CheckpointFile``).
  public var checkpointFile: CheckpointFile {
    CheckpointFile(path: (privatePath as NSString).appendingPathComponent("log-checkpoint"))
  }

  /// `Keys/private/verified-log`: what the reads verified of the log, kept between processes
  /// for the holder of the log key (see ``VerifiedLogFile``); `whenIgnored` is told why a file
  /// that is there is not used.
  public func verifiedLogFile(
    logSigner: LogSigner, restores: Bool = true,
    whenIgnored: (@Sendable (String) -> Void)? = nil
  ) -> VerifiedLogFile {
    VerifiedLogFile(
      path: (privatePath as NSString).appendingPathComponent("verified-log"), logSigner: logSigner,
      restores: restores, whenIgnored: whenIgnored)
  }

  /// Creates the log's Ed25519 key for `origin` (never overwriting one).
  public func createLogKey(origin: String) throws(RegistryError) -> LogSigner {
    let key = SigningKey(generating: .edDSA)
    let signer: LogSigner
    do {
      signer = try key.logSigner(origin: origin)
    } catch {
      throw .keys("log origin \(origin.prefix(80)): \(error)")
    }
    try writePrivateKey(key, kid: Self.logKeyName)
    return signer
  }

  /// Loads the log key, checked against the log verifier key of `trust` (permissions, same
  /// public key, signing self-test).
  public func loadLogSigner(trust: TrustFile) throws(RegistryError) -> LogSigner {
    let expected: PublicKey
    do {
      expected = try PublicKey(ed25519: trust.log.publicKeyBytes)
    } catch {
      throw .keys("\(trustPath): log key: \(error)")
    }
    let key = try loadPrivateKey(Self.logKeyName, expected: expected)
    do {
      return try key.logSigner(origin: trust.log.name)
    } catch {
      throw .keys("\(privateKeyPath(Self.logKeyName)): \(error)")
    }
  }

  /// The path of the private key `kid`.
  public func privateKeyPath(_ kid: String) -> String {
    (privatePath as NSString).appendingPathComponent("\(kid).pem")
  }

  /// Whether the trust file exists.
  public var hasTrustFile: Bool { FileManager.default.fileExists(atPath: trustPath) }

  /// Reads and checks the trust file.
  public func loadTrust() throws(RegistryError) -> TrustFile {
    guard let data = FileManager.default.contents(atPath: trustPath) else {
      throw .keys("no trust file at \(trustPath): run `amexist init` first")
    }
    do {
      return try TrustFile(bytes: [UInt8](data))
    } catch {
      throw .keys("\(trustPath): \(error)")
    }
  }

  /// Writes the trust file atomically; the file it replaces is kept as `trust.json.previous`.
  public func writeTrust(_ trust: TrustFile) throws(RegistryError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      let bytes = Data(CanonicalJSON.encode(trust.json) + [UInt8(ascii: "\n")])
      // The file being replaced stays beside it, so that a mistaken change can be undone.
      if let previous = FileManager.default.contents(atPath: trustPath), previous != bytes {
        try previous.write(to: URL(fileURLWithPath: trustPath + ".previous"), options: .atomic)
      }
      try bytes.write(to: URL(fileURLWithPath: trustPath), options: .atomic)
    } catch {
      throw .keys("cannot write \(trustPath): \(error.localizedDescription)")
    }
  }

  /// Writes a new private key with mode 0600 in a folder with mode 0700; never overwrites.
  public func writePrivateKey(_ key: SigningKey, kid: String) throws(RegistryError) {
    try Self.writeNewFile(
      Array(key.pemRepresentation.utf8), to: privateKeyPath(kid), mode: 0o600, folder: privatePath)
  }

  /// Writes `bytes` to a new file `file` created with `mode` (0600 for a private key), in
  /// `folder`, created with mode 0700 when missing; never overwrites, and syncs before returning.
  public static func writeNewFile(
    _ bytes: [UInt8], to file: String, mode: mode_t, folder: String
  ) throws(RegistryError) {
    do {
      try FileManager.default.createDirectory(
        atPath: folder, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700]
      )
    } catch {
      throw .keys("cannot create \(folder): \(error.localizedDescription)")
    }
    // Created with its final mode: a key is never readable by others, not even briefly.
    let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL, mode)
    guard descriptor >= 0 else {
      throw .keys("cannot create \(file): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count, fsync(descriptor) == 0 else {
      throw .keys("cannot write \(file)")
    }
  }

  /// The admin API tokens, beside the private keys.
  public var adminTokens: AdminTokenStore {
    AdminTokenStore(path: (privatePath as NSString).appendingPathComponent("admin-tokens.json"))
  }

  /// Whether a private key file exists for `kid`.
  public func hasPrivateKey(_ kid: String) -> Bool {
    FileManager.default.fileExists(atPath: privateKeyPath(kid))
  }

  /// Loads the private key `kid`, refusing it when other users can read it or when its public
  /// half is not `expected` (any, when nil: a role key that no published list names yet), then
  /// signs and verifies a canary with it.
  public func loadPrivateKey(_ kid: String, expected: PublicKey?) throws(RegistryError)
    -> SigningKey
  {
    let file = privateKeyPath(kid)
    let attributes: [FileAttributeKey: Any]
    do {
      attributes = try FileManager.default.attributesOfItem(atPath: file)
    } catch {
      throw .keys("the private key \(file) is missing")
    }
    let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
    guard mode & 0o077 == 0 else {
      throw .keys(
        "the private key \(file) can be read by other users (mode \(String(mode, radix: 8))): run `chmod 600 \(file)`"
      )
    }
    guard let data = FileManager.default.contents(atPath: file),
      let pem = String(data: data, encoding: .utf8)
    else {
      throw .keys("cannot read the private key \(file)")
    }
    let key: SigningKey
    do {
      key = try SigningKey(pemRepresentation: pem)
    } catch {
      throw .keys("\(file): \(error)")
    }
    let expected = expected ?? key.publicKey
    guard key.publicKey == expected else {
      throw .keys("the private key \(file) does not match the public key \(kid) of the trust file")
    }
    let canary = Array("amexist signing self-test \(kid)".utf8)
    guard let signature = try? key.signature(for: canary),
      expected.isValidSignature(signature, for: canary)
    else {
      throw .keys("the private key \(file) failed its signing self-test")
    }
    return key
  }
}
