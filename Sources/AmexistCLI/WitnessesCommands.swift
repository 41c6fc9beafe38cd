import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService
import RegistryStore
import TransparencyLog

/// `amexist witnesses …`: the registry's witnesses and quorum, logged (`witnessAdded`,
/// `witnessRemoved`, `quorumSet`) and published in the next trust root version.
struct WitnessesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "witnesses",
    abstract: "The registry's witnesses and the quorum of their cosignatures.",
    discussion: """
      Each change is logged, then published in the next root version of the trust file: at once \
      when the root key is the local one (Keys/root/root.pem), else as a proposal \
      (Keys/root-N.proposal.json) for the root keyholders to sign.
      """,
    subcommands: [Add.self, Remove.self, Quorum.self, List.self])

  /// `amexist witnesses add NAME --url URL --key VKEY`
  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract:
        "Send the registry's checkpoints to a witness from now on, and count its cosignatures."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "A short name for the witness (lower-case letters, digits, '-').")
    var name: String
    @Option(help: "Its submission prefix (the URL before /add-checkpoint).") var url: String
    @Option(help: "Its cosignature verifier key (`amexist witness init` prints it).") var key:
      String

    func run() async throws {
      do {
        _ = try CosignatureVerifier(verifierKey: key.trimmingCharacters(in: .whitespaces))
      } catch {
        throw CLIError("--key: \(error)", exitCode: AmexistCLI.usageError)
      }
      let service = try await global.openService(writing: true)
      let event = try parseInput { () throws(DomainError) in
        Event.witnessAdded(
          try WitnessAdded(
            name: name, url: url, key: key.trimmingCharacters(in: .whitespaces),
            at: service.clock.now()))
      }
      try await logAndPublish(event, service: service, global: global)
    }
  }

  /// `amexist witnesses remove NAME`
  struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove",
      abstract:
        "Stop sending checkpoints to a witness; its cosignatures made before now keep counting.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The witness's name.") var name: String

    func run() async throws {
      let service = try await global.openService(writing: true)
      let event = try parseInput { () throws(DomainError) in
        Event.witnessRemoved(try WitnessRemoved(name: name, at: service.clock.now()))
      }
      try await logAndPublish(event, service: service, global: global)
    }
  }

  /// `amexist witnesses quorum K [--from-size N]`
  struct Quorum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "quorum",
      abstract: "How many distinct witnesses must cosign a checkpoint, from a tree size on.",
      discussion:
        "Checkpoints smaller than --from-size keep the quorum before it, so older bundles keep verifying. Default: the tree that holds this change."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The number of distinct witnesses.") var k: Int64
    @Option(help: "The smallest tree size it applies to.") var fromSize: Int64?

    func run() async throws {
      let service = try await global.openService(writing: true)
      let size = try await perform { () throws(RegistryError) in
        try await service.read { snapshot in try snapshot.count() }
      }
      let event = try parseInput { () throws(DomainError) in
        Event.quorumSet(try QuorumSet(k: k, fromSize: fromSize ?? size + 1))
      }
      try await logAndPublish(event, service: service, global: global)
    }
  }

  /// `amexist witnesses list`
  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "The witnesses and quorums the log records.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
      let service = try await global.openService(writing: false)
      let roster = try await perform { () throws(RegistryError) in
        try await service.witnessRoster()
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "witnesses": .array(
                roster.members.map { member in
                  .object([
                    "name": .string(member.name), "url": .string(member.url),
                    "key": .string(member.key), "from": .string(member.from.description),
                    "until": member.until.map { .string($0.description) } ?? .null,
                  ])
                }),
              "quorum": .array(
                roster.quorums.map {
                  .object(["k": .integer($0.k), "fromSize": .integer($0.fromSize)])
                }),
            ])))
        return
      }
      if roster.members.isEmpty { Console.out("No witness.") }
      for member in roster.members {
        Console.out(
          "\(member.name)\t\(member.url)\tfrom \(member.from)"
            + (member.until.map { "\tuntil \($0)" } ?? "") + "\t\(member.key)")
      }
      for quorum in roster.quorums {
        Console.out("quorum \(quorum.k) from tree size \(quorum.fromSize)")
      }
    }
  }
}

/// Logs `event`, then publishes the witness policy in the next root version: signed and
/// installed at once with the local root key, else proposed for the keyholders.
private func logAndPublish(_ event: Event, service: RegistryService, global: GlobalOptions)
  async throws(CLIError)
{
  let logged = try await perform { () throws(RegistryError) in
    try await service.append([event])[0]
  }
  if !global.json { Console.out("#\(logged.index) \(Describe.details(logged.event))") }
  let folder = global.keyFolder
  let localKey = (folder.localRootPath as NSString).appendingPathComponent("root.pem")
  let current = try performNow { () throws(RegistryError) in try folder.newestRoot()?.root }
  if let current, FileManager.default.fileExists(atPath: localKey) {
    let key = try DecisionCommand.Sign.loadKey(localKey)
    let raw = try? key.logSigner(origin: "root").verifier.publicKeyBytes
    if current.threshold == 1, current.roots.contains(where: { $0.publicKeyBytes == raw }) {
      let root = try await perform { () throws(RegistryError) in
        var part = try await service.proposeRoot(folder: folder)
        do { try part.sign(with: key) } catch { throw .keys("\(error)") }
        return try await service.publishRoot(part, folder: folder)
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "index": .integer(logged.index), "rootVersion": .integer(root.version),
              "pin": .string(root.pin),
            ])))
      } else {
        Console.out(
          "Published root version \(root.version) with the witnesses and quorum (pin \(root.pin)).")
      }
      return
    }
  }
  let version = (current?.version ?? 0) + 1
  let proposal = (folder.path as NSString).appendingPathComponent("root-\(version).proposal.json")
  let part = try await perform { () throws(RegistryError) in
    try await service.proposeRoot(folder: folder)
  }
  try writeRootFile(part, to: proposal, overwrite: true)
  if global.json {
    Console.out(
      CanonicalJSON.string(
        .object(["index": .integer(logged.index), "proposal": .string(proposal)])))
  } else {
    Console.out(
      "Verifiers count the change once root version \(version) is published: on each keyholder's machine `amexist trust sign \(proposal) --root-key KEY`, then here `amexist trust publish \(proposal)`."
    )
  }
}
