import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService
import RegistryStore
import TransparencyLog

/// `amexist log …`
struct LogCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "log",
    abstract: "The transparency log: checkpoints, proofs and the audit.",
    subcommands: [Checkpoint.self, Prove.self, Audit.self]
  )

  /// The log's verifier from the trust file (`--trust` or `<keys>/trust.json`).
  static func logVerifier(trust: String?, global: GlobalOptions) throws(CLIError) -> NoteVerifier {
    let path = trust ?? global.keyFolder.trustPath
    do {
      return try TrustFile(bytes: try BoundedInput.read(path, limit: TrustFile.maximumSize)).log
    } catch {
      throw CLIError("cannot use the trust file \(path): \(error)", exitCode: AmexistCLI.usageError)
    }
  }

  struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "checkpoint",
      abstract: "Print the latest checkpoint (a C2SP signed note), verified with the trust file.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The trust file (default: <keys>/trust.json).") var trust: String?

    func run() async throws {
      let log = try LogCommand.logVerifier(trust: trust, global: global)
      let service = try await global.openService()
      guard
        let stored = try await perform({ () throws(RegistryError) in
          try await service.latestCheckpoint()
        })
      else { throw CLIError("the log has no checkpoint yet: run `amexist init`") }
      let signed: SignedCheckpoint
      do {
        signed = try stored.verified(by: log)
      } catch {
        throw CLIError(
          "the latest checkpoint does not verify with \(log.name): \(error)",
          exitCode: AmexistCLI.logInvalid)
      }
      if global.json {
        Console.out(CanonicalJSON.string(checkpointJSON(signed)))
      } else {
        FileHandle.standardOutput.write(Data(signed.note.utf8))
      }
    }
  }

  struct Prove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "prove",
      abstract: "Print an inclusion proof (--index) or a consistency proof (--from, --to).",
      discussion: """
        An inclusion proof is printed as a C2SP tlog-proof: the index, the proof hashes and \
        the checkpoint. A consistency proof is printed as its hashes, one base64 hash a line; \
        with --json, with both checkpoints, the newer one with its witnesses' cosignatures \
        (the file `verify --checkpoint` takes).
        """
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Index of the entry to prove.") var index: Int64?
    @Option(help: "Size of the checkpoint to prove it in (default: the latest).") var size: Int64?
    @Option(help: "Size of the older checkpoint.") var from: Int64?
    @Option(help: "Size of the newer checkpoint.") var to: Int64?

    func validate() throws {
      switch (index, from, to) {
      case (.some, nil, nil): break
      case (nil, .some, .some) where size == nil: break
      default:
        throw ValidationError("give either --index N [--size M], or --from A --to B")
      }
    }

    func run() async throws {
      let service = try await global.openService()
      if let index {
        let evidence = try await perform { () throws(RegistryError) in
          try await service.inclusionEvidence(index: index, size: size)
        }
        if global.json {
          Console.out(
            CanonicalJSON.string(
              .object([
                "index": .integer(evidence.index),
                "proof": .array(evidence.proof.map { .string($0.base64) }),
                "checkpoint": .string(evidence.checkpointNote),
              ])))
        } else {
          FileHandle.standardOutput.write(Data(evidence.text.utf8))
        }
      } else if let from, let to {
        // The newer checkpoint with its witnesses' cosignatures, as the server gives it: the
        // file a verifier passes to `verify --checkpoint`.
        let policy = (try? global.keyFolder.loadTrust())?.witnessPolicy ?? .none
        let (consistency, cosigned) = try await perform { () throws(RegistryError) in
          (
            try await service.consistencyProof(from: from, to: to),
            try await service.cosignedCheckpoint(
              size: to, policy: policy, realNow: SystemClock().now())
          )
        }
        if global.json {
          Console.out(
            CanonicalJSON.string(
              .object([
                "from": .integer(from), "to": .integer(to),
                "proof": .array(consistency.proof.map { .string($0.base64) }),
                "fromCheckpoint": .string(consistency.from.note),
                "toCheckpoint": .string(cosigned.note),
              ])))
        } else {
          FileHandle.standardOutput.write(
            Data(consistency.proof.map { $0.base64 + "\n" }.joined().utf8))
        }
      }
    }
  }

  struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "audit",
      abstract:
        "Recompute every leaf and node from the stored entries, check every checkpoint, and the consistency with a checkpoint you hold.",
      discussion: """
        Exit status: 0 everything matches; 6 a mismatch (the first index that does not match \
        is named), a checkpoint that does not verify, or a fork or rollback against --since \
        (both signed notes are printed as evidence).
        """
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "A checkpoint of this log you hold (a signed note file), to check against.")
    var since: String?
    @Option(help: "The trust file (default: <keys>/trust.json).") var trust: String?

    func run() async throws {
      let log = try LogCommand.logVerifier(trust: trust, global: global)
      let given = try since.map { path throws(CLIError) in
        do {
          let bytes = try BoundedInput.read(path, limit: SignedNote.maximumSize)
          return try SignedCheckpoint(verifying: String(decoding: bytes, as: UTF8.self), log: log)
        } catch {
          throw CLIError(
            "the checkpoint \(path) is not a checkpoint of \(log.name): \(error)",
            exitCode: AmexistCLI.logInvalid)
        }
      }
      let service = try await global.openService(checkIntegrity: true)
      let progress = ProgressLine("log audit", unit: "entries", global: global)
      defer { progress.finish() }
      let report = try await perform { () throws(RegistryError) in
        try await service.audit(log: log, since: given, progress: progress.handler)
      }
      progress.finish()
      // The status lists are recomputed from the log, as a server publishes them.
      let board =
        report.problem == nil
        ? try await perform { () throws(RegistryError) in try await service.statusBoard() } : nil
      let lists = board.map { board in
        (0..<board.listCount).map { board.setPositions(ofList: $0).count }
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "statusLists": lists.map { counts in
                .array(counts.map { .integer(Int64($0)) })
              } ?? .null,
              "ok": .bool(report.problem == nil), "entries": .integer(report.entries),
              "checkpoints": .integer(Int64(report.checkpoints)),
              "rootHash": .string(report.root.base64),
              "problem": report.problem.map { .string($0.description) } ?? .null,
              "firstIndex": report.problem?.firstIndex.map { .integer($0) } ?? .null,
            ])))
      } else if report.problem == nil {
        Console.out(
          "The log holds together: \(report.entries) entries, \(report.checkpoints) checkpoints, root \(report.root.base64)."
        )
        if let lists, let board {
          Console.out(
            "Status lists recomputed from the log: \(lists.count) lists for \(board.indexed.count) attestations with a status index; bits set per list: \(lists.map(String.init).joined(separator: ", "))."
          )
        }
      }
      if let problem = report.problem {
        if case .fork(_, let givenNote, let storedNote) = problem, !global.json {
          Console.out("Evidence: the checkpoint given\n\(givenNote)")
          if let storedNote {
            Console.out("and the log's own checkpoint of that size\n\(storedNote)")
          }
        }
        throw CLIError("audit failed: \(problem)", exitCode: AmexistCLI.logInvalid)
      }
    }
  }
}

/// A checkpoint for programs.
func checkpointJSON(_ signed: SignedCheckpoint) -> JSONValue {
  .object([
    "origin": .string(signed.checkpoint.origin), "treeSize": .integer(signed.checkpoint.size),
    "rootHash": .string(signed.checkpoint.root.base64), "note": .string(signed.note),
  ])
}
