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
    subcommands: [RootKeygen.self])

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
      let pem = (out as NSString).appendingPathComponent("root.pem")
      let vkey = (out as NSString).appendingPathComponent("root.vkey")
      for path in [pem, vkey] where FileManager.default.fileExists(atPath: path) {
        throw CLIError(
          "\(path) exists: a root key is never overwritten; choose another --out folder",
          exitCode: AmexistCLI.usageError)
      }
      try performNow { () throws(RegistryError) in
        try KeyFolder.writeNewFile(
          Array(key.pemRepresentation.utf8), to: pem, mode: 0o600, folder: out)
        try KeyFolder.writeNewFile(
          Array((verifier.verifierKey + "\n").utf8), to: vkey, mode: 0o644, folder: out)
      }
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
}
