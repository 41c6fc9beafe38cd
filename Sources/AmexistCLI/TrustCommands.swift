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
}
