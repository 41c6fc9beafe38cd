import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import Logging
import RegistryService
import ServiceLifecycle
import TransparencyLog
import UnixSignals
import Witness

/// `amexist witness …`: a witness of registries' logs, run by an authority on its own machine
/// (DESIGN, "Witnesses"; C2SP `tlog-witness`).
struct WitnessCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "witness",
    abstract:
      "Run a witness that cosigns a registry's checkpoints (C2SP tlog-witness) on your own machine.",
    subcommands: [Init.self, AddLog.self, Serve.self, Status.self])

  /// The files of a witness folder.
  struct Folder {
    let path: String
    var key: String { (path as NSString).appendingPathComponent("witness.pem") }
    var vkey: String { (path as NSString).appendingPathComponent("witness.vkey") }
    var state: String { (path as NSString).appendingPathComponent("witness.sqlite") }

    /// The witness's cosigner, its key checked against its published vkey.
    func cosigner() throws(CLIError) -> Cosigner {
      let key = try DecisionCommand.Sign.loadKey(self.key)
      let text = String(decoding: try readTrustBytes(vkey), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      do {
        let verifier = try CosignatureVerifier(verifierKey: text)
        let cosigner = try key.cosigner(name: verifier.name)
        guard cosigner.verifier == verifier else {
          throw CLIError("\(self.key) does not match \(vkey)")
        }
        return cosigner
      } catch let error as CLIError {
        throw error
      } catch {
        throw CLIError("\(vkey): \(error)")
      }
    }

    func store(create: Bool = false) throws(CLIError) -> WitnessStore {
      do {
        return try WitnessStore(path: state, create: create)
      } catch {
        throw CLIError(error.description)
      }
    }
  }

  struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "init",
      abstract:
        "Create a witness: its key (DIR/witness.pem, 0600), its verifier key (DIR/witness.vkey, printed) and its state (DIR/witness.sqlite)."
    )
    @Option(help: "The witness's folder (created if missing; never overwritten).") var dir: String
    @Option(help: "The witness's name, a schema-less URL such as dreets-ara.example.fr/witness.")
    var name: String

    func run() async throws {
      let folder = Folder(path: dir)
      let key = SigningKey(generating: .edDSA)
      let cosigner: Cosigner
      do {
        cosigner = try key.cosigner(name: name)
      } catch {
        throw CLIError("--name: \(error)", exitCode: AmexistCLI.usageError)
      }
      _ = try writeKeyPair(
        key, publicText: cosigner.verifier.verifierKey + "\n",
        names: ("witness.pem", "witness.vkey"),
        in: dir, what: "witness key")
      _ = try folder.store(create: true)
      Console.out(cosigner.verifier.verifierKey)
    }
  }

  struct AddLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add-log",
      abstract:
        "Follow a registry's log: its origin and its checkpoint key (the log's vkey, in its trust file)."
    )
    @Option(help: "The witness's folder.") var dir: String
    @Option(help: "The log's origin.") var origin: String
    @Option(help: "The log's verifier key (name+hash+key), or a file holding it.") var key: String

    func run() async throws {
      guard let verifier = try readVerifierKeys([key]).first else { return }
      guard verifier.name == origin else {
        throw CLIError(
          "the key is named \(verifier.name), not the origin \(origin)",
          exitCode: AmexistCLI.usageError)
      }
      let store = try Folder(path: dir).store()
      do {
        try store.addLog(verifier)
      } catch {
        throw CLIError(error.description)
      }
      Console.out("Following \(origin).")
    }
  }

  struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "serve",
      abstract: "Answer POST /add-checkpoint (C2SP tlog-witness) until SIGINT or SIGTERM.")
    @Option(help: "The witness's folder.") var dir: String
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port (0: any free port).") var port: Int

    func run() async throws {
      let folder = Folder(path: dir)
      let cosigner = try folder.cosigner()
      let store = try folder.store()
      let app = WitnessServer.application(
        store: store, cosigner: cosigner, host: host, port: port,
        onServerRunning: { [host] bound in
          Console.out(
            "Witnessing as \(cosigner.verifier.name) on http://\(host):\(bound)/ (Ctrl-C stops it)."
          )
        })
      let group = ServiceGroup(
        configuration: .init(
          services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
          logger: Logger(label: "amexist.witness")))
      do {
        try await group.run()
      } catch {
        throw CLIError("the witness stopped: \(error)")
      }
    }
  }

  /// `amexist witness status --dir DIR`
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status",
      abstract:
        "Show the logs this witness follows, the tree it last cosigned for each, and the refused requests it kept as evidence."
    )
    @Option(help: "The witness's folder.") var dir: String
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Also print each refused request kept as evidence, in full.") var evidence = false

    func run() async throws {
      let folder = Folder(path: dir)
      guard FileManager.default.fileExists(atPath: folder.state) else {
        throw CLIError(
          "no witness in \(dir): run `amexist witness init --dir \(dir) --name NAME` first",
          exitCode: AmexistCLI.usageError)
      }
      let store = try folder.store()
      let vkey = String(decoding: try readTrustBytes(folder.vkey), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let (logs, kept): ([String: WitnessedLog], [(origin: String, status: Int, request: String)])
      do {
        (logs, kept) = (try store.logs(), try store.evidence())
      } catch {
        throw CLIError(error.description)
      }
      let origins = logs.keys.sorted()
      if json {
        let followed: [JSONValue] = origins.map { origin in
          let log = logs[origin]!
          let refusals = Int64(kept.filter { $0.origin == origin }.count)
          let root: JSONValue = log.root.map { .string($0.base64) } ?? .null
          return .object([
            "origin": .string(origin), "key": .string(log.key.verifierKey),
            "size": .integer(log.size), "root": root, "refusals": .integer(refusals),
          ])
        }
        let refused: [JSONValue] = kept.map { refusal in
          .object([
            "origin": .string(refusal.origin), "status": .integer(Int64(refusal.status)),
            "request": .string(refusal.request),
          ])
        }
        Console.out(
          CanonicalJSON.string(
            .object(["vkey": .string(vkey), "logs": .array(followed), "evidence": .array(refused)]))
        )
        return
      }
      Console.out("Witness key: \(vkey)")
      if origins.isEmpty { Console.out("No log followed yet: `amexist witness add-log`.") }
      for origin in origins {
        let log = logs[origin]!
        let refused = kept.filter { $0.origin == origin }
        Console.out(
          "\(origin)\t"
            + (log.root.map { "cosigned up to \(log.size) entries (root \($0.base64))" }
              ?? "nothing cosigned yet")
            + "\t\(refused.count) refused request\(refused.count == 1 ? "" : "s") kept as evidence")
      }
      if evidence {
        for refusal in kept {
          Console.out("--- \(refusal.origin), refused with \(refusal.status):\n\(refusal.request)")
        }
      }
    }
  }
}
