import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService
import TransparencyLog

/// The trust root's ceremonies (DESIGN, "The trust root").
struct TrustCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trust",
    abstract: "The trust root: root keys made offline, and the ceremonies that sign its versions.",
    subcommands: [
      RootKeygen.self, Propose.self, Sign.self, Publish.self, Update.self, Pin.self,
    ])

  struct RootKeygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "root-keygen",
      abstract:
        "On an offline machine: create a root key (DIR/root.pem, mode 0600) and its public verifier key (DIR/root.vkey, printed)."
    )
    @Option(help: "The folder to write root.pem and root.vkey into (created if missing).")
    var out: String
    @Option(help: "The key's name in its verifier key (letters, digits, '.', '-').")
    var name = "amexist-root"
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
      let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".utf8)
      guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy(allowed.contains) else {
        throw ValidationError("--name: use 1 to 64 letters, digits, '.', '-' or '_'")
      }
    }

    func run() async throws {
      let key = SigningKey(generating: .edDSA)
      let verifier: NoteVerifier
      do {
        verifier = try key.logSigner(origin: name).verifier
      } catch {
        throw CLIError("\(error)", exitCode: AmexistCLI.usageError)
      }
      let (pem, vkey) = try writeKeyPair(
        key, publicText: verifier.verifierKey + "\n", names: ("root.pem", "root.vkey"), in: out,
        what: "root key")
      if json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "vkey": .string(verifier.verifierKey), "privateKey": .string(pem),
              "publicKey": .string(vkey),
              "keyid": .string(MetadataSignature.keyID(of: verifier.publicKeyBytes)),
            ])))
        return
      }
      Console.out(verifier.verifierKey)
    }
  }

  /// `amexist trust propose --out FILE`
  struct Propose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "propose",
      abstract:
        "On the registry host: write the next root version, unsigned, for the root keyholders to sign.",
      discussion: """
        The proposal keeps the current root keys and threshold unless --root-vkey and --threshold \
        replace them, names the log key, the scheme and the registry key (created in \
        Keys/private/registry.pem when missing), and expires after --days. The first proposal of \
        a registry whose trust file is still unsigned (amexist-trust/1) needs --root-vkey.
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Where to write the proposal (never overwritten).") var out: String
    @Option(
      name: .customLong("root-vkey"),
      help: ArgumentHelp(
        "A root key of the new version: its verifier key, or a file holding it (repeatable; replaces the current roots).",
        valueName: "vkey"))
    var rootVKeys: [String] = []
    @Option(help: "How many distinct root keys must sign (default: the current threshold).")
    var threshold: Int?
    @Option(help: "Days until the new version expires (default 365).") var days =
      RegistryService.rootLifetimeDays
    @Flag(
      help:
        "Delegate a new registry key (Keys/private/registry-next.pem, in use once published): when the online key may have been taken."
    )
    var rotateRegistryKey = false

    func run() async throws {
      let roots = try rootVKeys.isEmpty ? nil : readVerifierKeys(rootVKeys)
      let service = try await global.openService(writing: true)
      let folder = global.keyFolder
      let part = try await perform { () throws(RegistryError) in
        try await service.proposeRoot(
          folder: folder, roots: roots, threshold: threshold, lifetimeDays: days,
          rotatingRegistryKey: rotateRegistryKey)
      }
      try writeRootFile(part, to: out, overwrite: false)
      let root = try performNow { () throws(RegistryError) in
        do { return try TrustRoot(signed: part.signed) } catch { throw .keys("\(error)") }
      }
      if global.json {
        Console.out(CanonicalJSON.string(Self.summary(root, file: out)))
        return
      }
      Console.out(out)
      Console.out(
        "Root version \(root.version): \(root.threshold) of \(root.roots.count) root keys must sign it\(root.version > 1 ? ", and the threshold of version \(root.version - 1)" : ""). On each keyholder's machine: amexist trust sign \(out) --root-key KEY; then here: amexist trust publish \(out)"
      )
    }

    static func summary(_ root: TrustRoot, file: String) -> JSONValue {
      .object([
        "file": .string(file), "version": .integer(root.version),
        "threshold": .integer(Int64(root.threshold)),
        "roots": .array(root.roots.map { .string($0.verifierKey) }),
        "expires": .string(root.expires.description), "pin": .string(root.pin),
      ])
    }
  }

  /// `amexist trust sign FILE --root-key KEY`
  struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sign",
      abstract: "On a root keyholder's machine: add this root key's signature to a proposal.")
    @Argument(help: "The proposal (`amexist trust propose`); rewritten with the signature added.")
    var file: String
    @Option(name: .customLong("root-key"), help: "The root key (root.pem, mode 0600).")
    var rootKey: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
      var part = try readRootFile(file)
      let root: TrustRoot
      do {
        root = try TrustRoot(signed: part.signed)
      } catch {
        throw CLIError("\(file): \(error)", exitCode: AmexistCLI.untrusted)
      }
      let key = try DecisionCommand.Sign.loadKey(rootKey)
      do {
        try part.sign(with: key)
      } catch {
        throw CLIError("\(rootKey): \(error)", exitCode: AmexistCLI.usageError)
      }
      guard let raw = try? key.logSigner(origin: "root").verifier.publicKeyBytes else { return }
      let listed = root.roots.contains { $0.publicKeyBytes == raw }
      try writeRootFile(part, to: file, overwrite: true)
      let counted = part.signers(among: root.roots).count
      if json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "file": .string(file), "version": .integer(root.version),
              "keyid": .string(MetadataSignature.keyID(of: raw)), "listed": .bool(listed),
              "signatures": .integer(Int64(counted)), "threshold": .integer(Int64(root.threshold)),
            ])))
        return
      }
      Console.out(
        "Signed root version \(root.version) with key \(MetadataSignature.keyID(of: raw).prefix(16))…; its own root keys have given \(counted) valid signature\(counted == 1 ? "" : "s"), \(root.threshold) needed\(root.version > 1 ? " (and the threshold of version \(root.version - 1), checked at publish)" : "")."
      )
      if !listed {
        Console.warning(
          "this key is not a root key of version \(root.version): its signature counts only as one of the previous version's roots"
        )
      }
    }
  }

  /// `amexist trust publish FILE`
  struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "publish",
      abstract:
        "On the registry host: check a signed proposal (exactly the next version, thresholds of the previous and its own roots) and install it.",
      discussion:
        "Writes Keys/roots/N.json (served at /.well-known/amexist-trust/N.json) and Keys/trust.json, the registry list signed under it. Refused with exit 7 when a threshold is not met."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The signed proposal.") var file: String

    func run() async throws {
      let part = try readRootFile(file)
      let service = try await global.openService(writing: true)
      let folder = global.keyFolder
      let root = try await perform { () throws(RegistryError) in
        try await service.publishRoot(part, folder: folder)
      }
      if global.json {
        Console.out(CanonicalJSON.string(Propose.summary(root, file: folder.trustPath)))
        return
      }
      Console.out(
        "Published root version \(root.version) (expires \(root.expires)) in \(folder.rootVersionPath(root.version)) and \(folder.trustPath)."
      )
      Console.out("Its pin, for verifiers: \(root.pin)")
    }
  }

  /// `amexist trust update NEW… [--trust CURRENT] [--root-pin HASH]`
  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "update",
      abstract: "For a verifier: move to a newer trust file, chained version by version.",
      discussion: """
        Each root version must be exactly the next, signed by the threshold of the previous \
        version's roots and of its own: give every version after the one trusted (root-only \
        files from /.well-known/amexist-trust/N.json, the newest a whole trust file). With a pin \
        (--root-pin or AMEXIST_TRUST_PIN) the walk starts from the state kept for it; otherwise \
        from CURRENT, which is replaced by the newest file. A rollback, a swap or a skipped \
        version exits 7 and changes nothing.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The newer files, in any order.") var new: [String]
    @Option(help: "The trust file trusted now (default: <keys>/trust.json); replaced.")
    var trust: String?
    @Option(name: .customLong("root-pin"), help: "The pin (SHA-256 hex of a root version).")
    var rootPin: String?

    func run() async throws {
      let now = Instant(Date())
      var parts: [SignedPart] = []
      var newestFile: (path: String, bytes: [UInt8], version: Int64)?
      for path in new {
        let bytes = try readTrustBytes(path)
        let part: SignedPart
        do { part = try TrustFile.rootPart(bytes: bytes) } catch {
          throw CLIError("\(path): \(error)", exitCode: AmexistCLI.untrusted)
        }
        guard case .integer(let version) = part.signed["version"] else {
          throw CLIError("\(path): the root has no version", exitCode: AmexistCLI.untrusted)
        }
        parts.append(part)
        if version > newestFile?.version ?? .min { newestFile = (path, bytes, version) }
      }
      guard let newestFile else {
        throw CLIError("give the newer trust files", exitCode: AmexistCLI.usageError)
      }
      let pin = rootPin ?? ProcessInfo.processInfo.environment["AMEXIST_TRUST_PIN"]
      let pins = TrustPins.standard()
      let chain: TrustChain
      if let pin {
        try TrustStanding.checkPin(pin)
        chain = try TrustStanding.advance(pin: pin, through: parts, pins: pins, at: now)
      } else {
        let currentPath = trust ?? global.keyFolder.trustPath
        let current = try loadTrustFile(currentPath)
        guard let known = current.signed?.root else {
          throw CLIError(
            "\(currentPath) is unsigned (amexist-trust/1): nothing chains a newer file to it; pin the registry's root instead (--root-pin)",
            exitCode: AmexistCLI.untrusted)
        }
        do {
          chain = try TrustChain.walk(from: known, through: parts, at: now)
        } catch {
          throw CLIError("\(error)", exitCode: AmexistCLI.untrusted)
        }
        let replacement = try loadTrustFile(newestFile.path)
        guard replacement.signed?.root == chain.root else {
          throw CLIError(
            "\(newestFile.path) holds a root version only: the newest file must be a whole trust file (/.well-known/amexist-trust.json)",
            exitCode: AmexistCLI.untrusted)
        }
        do {
          try Data(newestFile.bytes).write(to: URL(fileURLWithPath: currentPath), options: .atomic)
        } catch {
          throw CLIError("cannot write \(currentPath): \(error.localizedDescription)")
        }
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "version": .integer(chain.root.version), "pin": .string(chain.root.pin),
              "expires": .string(chain.root.expires.description), "expired": .bool(chain.expired),
            ])))
        return
      }
      Console.out(
        "Now trusting root version \(chain.root.version) (expires \(chain.root.expires)\(chain.expired ? ", EXPIRED" : ""))."
      )
    }
  }

  /// `amexist trust pin [--trust FILE]`
  struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "pin",
      abstract:
        "Print the pin of a trust file's root: the SHA-256 of its signed member, to hand to verifiers by a channel of their trust."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "The trust file or root version file (default: <keys>/trust.json).")
    var trust: String?

    func run() async throws {
      let path = trust ?? global.keyFolder.trustPath
      let part: SignedPart
      let root: TrustRoot
      do {
        part = try TrustFile.rootPart(bytes: try readTrustBytes(path))
        root = try TrustRoot.verify(part, after: nil)
      } catch let error as CLIError {
        throw error
      } catch {
        throw CLIError("\(path): \(error)", exitCode: AmexistCLI.untrusted)
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "pin": .string(root.pin), "version": .integer(root.version),
              "expires": .string(root.expires.description),
            ])))
        return
      }
      Console.out(root.pin)
    }
  }
}

/// Reads a trust or root file's bytes (at most 1 MiB).
func readTrustBytes(_ path: String) throws(CLIError) -> [UInt8] {
  do {
    return try BoundedInput.read(path, limit: TrustFile.maximumSize)
  } catch {
    throw CLIError("cannot read \(path): \(error)", exitCode: AmexistCLI.usageError)
  }
}

/// Reads and checks a whole trust file (exit 7 when refused).
func loadTrustFile(_ path: String) throws(CLIError) -> TrustFile {
  do {
    return try TrustFile(bytes: try readTrustBytes(path))
  } catch let error as CLIError {
    throw error
  } catch {
    throw CLIError("\(path): \(error)", exitCode: AmexistCLI.untrusted)
  }
}

/// Reads a root proposal or root version file (`{"root": …}`).
func readRootFile(_ path: String) throws(CLIError) -> SignedPart {
  do {
    return try TrustFile.rootPart(bytes: try readTrustBytes(path))
  } catch let error as CLIError {
    throw error
  } catch {
    throw CLIError("\(path): \(error)", exitCode: AmexistCLI.untrusted)
  }
}

/// Writes a root proposal (`{"root": …}`), atomically when it replaces one.
func writeRootFile(_ part: SignedPart, to path: String, overwrite: Bool) throws(CLIError) {
  let bytes = Data(CanonicalJSON.encode(.object(["root": part.json])) + [UInt8(ascii: "\n")])
  do {
    try bytes.write(
      to: URL(fileURLWithPath: path), options: overwrite ? .atomic : .withoutOverwriting)
  } catch {
    throw CLIError("cannot write \(path): \(error.localizedDescription)")
  }
}

/// Reads root verifier keys given as vkeys or as files holding one.
func readVerifierKeys(_ values: [String]) throws(CLIError) -> [NoteVerifier] {
  try values.map { value throws(CLIError) -> NoteVerifier in
    var text = value
    if FileManager.default.fileExists(atPath: value) {
      text = String(decoding: try readTrustBytes(value), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    do {
      return try NoteVerifier(verifierKey: text)
    } catch {
      throw CLIError(
        "--root-vkey \(value.prefix(80)): not a verifier key (`amexist trust root-keygen` prints one): \(error)",
        exitCode: AmexistCLI.usageError)
    }
  }
}
