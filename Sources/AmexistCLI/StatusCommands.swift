import AmexistDomain
import ArgumentParser
import AsyncHTTPClient
import Attestation
import Foundation
import RegistryService
import Witness

/// `amexist status …`: the status snapshot (DESIGN, "Status").
struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Publish the status snapshot that verifies offline.",
    subcommands: [Export.self])

  /// `amexist status export --out FILE`
  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Write a fresh status snapshot, signed by the status key, its hash logged.",
      discussion: """
        The snapshot lists every attestation suspended, withdrawn, superseded or revoked (with \
        date and reason) and every service whose réserves are past their deadline, as of the \
        log's checkpoint it names (cosigned by the witnesses when the trust root sets a quorum: \
        a round is run first). Its SHA-256 is logged (statusPublished). Give it to verifiers: \
        `amexist verify FILE --status SNAPSHOT` answers offline until nextUpdate (24 h) + 1 h. \
        An earlier snapshot at FILE is replaced; any other file needs another name. A registry \
        without a status key gets one (logged and published in the trust file). Exit 75 when \
        the witnesses did not cosign in time (nothing is logged).
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The file to write the snapshot (a compact JWS) to.") var out: String
    @Option(help: "Seconds to wait for the witnesses (default 15).") var wait = 15

    func run() async throws {
      let output = try OutputFile(out, force: Self.holdsSnapshot(out), global: global)
      let service = try await global.openService(writing: true)
      let folder = global.keyFolder
      let signer = try await perform { () throws(RegistryError) in
        try await service.statusSigner(from: folder)
      }
      let trust = try performNow { () throws(RegistryError) in try folder.loadTrust() }
      let policy = trust.witnessPolicy
      if !policy.quorums.isEmpty {
        let client = makeHTTPClient()
        let fresh = await WitnessRounds(service: service).freshQuorum(
          policy: policy, client: client, deadline: .seconds(max(1, min(wait, 600))))
        try? await client.shutdown()
        guard fresh else {
          throw CLIError(
            "the witnesses did not cosign the newest checkpoint in time, so no snapshot was made: try again",
            exitCode: AmexistCLI.temporaryFailure)
        }
      }
      let release = try await perform { () throws(RegistryError) in
        try await service.publishStatus(
          signer: signer, issuer: trust.issuer, policy: policy, realNow: SystemClock().now())
      }
      try output.write(Array(release.snapshot.utf8) + [UInt8(ascii: "\n")])
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "file": .string(out), "size": .integer(release.size),
              "issued": .string(release.issued.description),
              "sha256": .string(release.sha256),
              "entry": release.logged.map { .integer($0.index) } ?? .null,
            ])))
      } else {
        Console.out(
          "Wrote the status snapshot of tree size \(release.size), issued \(release.issued), to \(out); its hash is logged at entry \(release.logged?.index ?? -1)."
        )
      }
    }

    /// Whether `path` holds a status snapshot (which a new one replaces).
    static func holdsSnapshot(_ path: String) -> Bool {
      guard let data = FileManager.default.contents(atPath: path), data.count < 16_777_216,
        let text = String(data: data, encoding: .utf8)
      else { return false }
      let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
        separator: ".", omittingEmptySubsequences: false)
      guard parts.count == 3, let header = Base64URL.decode(Array(parts[0].utf8)) else {
        return false
      }
      return String(decoding: header, as: UTF8.self).contains("\"\(StatusSnapshot.jwsType)\"")
    }
  }
}
