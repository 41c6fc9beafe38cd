import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService

extension SigningAlgorithm: ExpressibleByArgument {}
extension SchemeName: ExpressibleByArgument {}

extension GlobalOptions {
  /// The keys folder.
  var keyFolder: KeyFolder { KeyFolder(path: keys) }
}

/// Creates an issuer key, its private file, its log event and the new trust file.
func createIssuerKey(
  _ algorithm: SigningAlgorithm, service: RegistryService, folder: KeyFolder, issuer: String,
  issuerName: String? = nil
) async throws(CLIError) -> String {
  try await perform { () throws(RegistryError) in
    try await service.createIssuerKey(
      algorithm, folder: folder, issuer: issuer, issuerName: issuerName)
  }
}

/// `amexist keys …`
struct KeysCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys",
    abstract: "List, rotate and revoke issuer keys.",
    subcommands: [List.self, Rotate.self, Revoke.self]
  )

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List issuer keys and their windows.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
      let service = try await global.openService()
      let records = try await perform { () throws(RegistryError) in
        try await service.keyRecords() + service.statusKeyRecords()
      }
      let now = service.clock.now()
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .array(
              records.map { record in
                .object([
                  "kid": .string(record.kid), "alg": .string(record.algorithm),
                  "use": .string(record.purpose == .status ? "status" : "attestations"),
                  "validFrom": .string(record.validFrom.description),
                  "validUntil": record.validUntil.map { .string($0.description) } ?? .null,
                  "revokedAt": record.revokedAt.map { .string($0.description) } ?? .null,
                  "signsNow": .bool(record.maySign(at: now)),
                  "privateKey": .bool(global.keyFolder.hasPrivateKey(record.kid)),
                ])
              }
            )
          )
        )
        return
      }
      var table = TextTable(headers: [
        "Key id", "Use", "Alg", "Valid from", "Valid until", "Revoked at", "Status", "Private file",
      ])
      for record in records {
        let status =
          record.revokedAt != nil
          ? "revoked" : record.maySign(at: now) ? "signing" : "retired (verifies its window)"
        table.rows.append([
          record.kid, record.purpose == .status ? "status" : "attestations", record.algorithm,
          record.validFrom.description,
          record.validUntil?.description ?? "—",
          record.revokedAt?.description ?? "—", status,
          global.keyFolder.hasPrivateKey(record.kid)
            ? "here" : record.maySign(at: now) ? "MISSING: this key cannot sign here" : "not here",
        ])
      }
      Console.out(records.isEmpty ? "No issuer key: run `amexist init`." : table.render())
    }
  }

  struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rotate",
      abstract:
        "Add a new issuer key that signs from now on; the current keys retire and keep verifying what they signed."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Algorithm of the new key: EdDSA or ES256.") var algorithm: SigningAlgorithm =
      .edDSA

    func run() async throws {
      let service = try await global.openService(writing: true)
      let folder = global.keyFolder
      let (kid, active) = try await perform { () throws(RegistryError) in
        try await service.rotateIssuerKey(algorithm, folder: folder)
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "kid": .string(kid), "alg": .string(algorithm.rawValue),
              "retired": .array(active.map(JSONValue.string)), "trust": .string(folder.trustPath),
            ])))
        return
      }
      Console.out(
        "New issuer key \(kid) (\(algorithm.rawValue)) signs from now on; retired: \(active.isEmpty ? "none" : active.joined(separator: ", "))."
      )
      Console.out(folder.trustPath)
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "revoke",
      abstract: "Revoke an issuer key: nothing it signed from the revocation time on verifies."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The key id.") var kid: String
    @Option(help: "Why the key is revoked (published in the log).") var reason: String
    @Option(help: "Revocation time, RFC 3339 (default: now; never in the future).") var at: String?

    func run() async throws {
      let at = try self.at.map { text throws(CLIError) in
        try parseInput { () throws(DomainError) in try Instant(parsing: text) }
      }
      let service = try await global.openService(writing: true)
      let folder = global.keyFolder
      if write.dryRun {
        let entry = try await perform { () throws(RegistryError) in
          try await service.revokeKey(kid, at: at, reason: reason, dryRun: true)
        }
        return printDryRun([entry], global: global)
      }
      try await perform { () throws(RegistryError) in
        try await service.revokeIssuerKey(kid, at: at, reason: reason, folder: folder)
      }
      Console.out(
        "Key \(kid) is revoked; \(folder.trustPath) updated. Publish it so that verifiers see the revocation."
      )
    }
  }
}
