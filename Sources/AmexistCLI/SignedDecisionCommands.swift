import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService
import TransparencyLog

extension DecisionKind: ExpressibleByArgument {}

extension DecisionCommand {
  /// `amexist decision sign`: what a certifying body runs on its own machine.
  struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sign",
      abstract:
        "On the certifying body's machine: sign a decision with the body's key, for the federation to record with `decision record`."
    )
    @Option(help: "The body's private key (the body.pem `amexist body keygen` wrote).") var key:
      String
    @Option(help: "The body's id in the registry.") var body: String
    @Option(
      help:
        "The registry's published trust file, which names its log origin and scheme (default: Keys/trust.json)."
    )
    var trust: String = "Keys/trust.json"
    @Option(
      help:
        "grant, renew, suspend, reinstate or withdraw (transfer, reserves, lift and refuse are not recorded yet)."
    )
    var kind: DecisionKind
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "The level: 1, 2 or 3 (grant, renew).") var level: String?
    @Option(help: "Decision date, YYYY-MM-DD (default: today in Paris).") var decided: String?
    @Option(name: .customLong("valid-from"), help: "First valid day (default: the decision date).")
    var validFrom: String?
    @Option(name: .customLong("valid-until"), help: "Last valid day, YYYY-MM-DD (grant, renew).")
    var validUntil: String?
    @Option(help: "The certificate or audit reference.") var reference: String?
    @Option(help: "Why (suspend, withdraw, refuse; published: about the service, never a person).")
    var reason: String?
    @Option(name: .customLong("from-body"), help: "The body the level comes from (transfer).")
    var fromBody: String?
    @Option(help: "The réserves (reserves; about the service, never a person).") var reservations:
      String?
    @Option(help: "The re-examination deadline of the réserves, YYYY-MM-DD.") var deadline: String?
    @Option(help: "The file to write the signed decision to (never an existing file).") var out:
      String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
      guard !FileManager.default.fileExists(atPath: out) else {
        throw CLIError(
          "\(out) exists: a signed decision is never overwritten; choose another --out",
          exitCode: AmexistCLI.usageError)
      }
      let trustFile = try Self.loadTrust(trust)
      let signingKey = try Self.loadKey(key)
      let kid = signingKey.publicKey.keyID
      guard let listed = trustFile.body(body) else {
        throw CLIError(
          "\(trust) lists no certifying body \"\(body)\": the federation registers the body first (`amexist body add`), then publishes its trust file",
          exitCode: AmexistCLI.untrusted)
      }
      guard listed.key(kid) != nil else {
        throw CLIError(
          "key \(kid) is not one of \(listed.name)'s keys in \(trust): send body.jwk to the federation (`amexist body key add`) and sign with the published trust file",
          exitCode: AmexistCLI.untrusted)
      }
      let today = CalendarDate(parisDayOf: Instant(Date()))
      let claims: DecisionClaims
      do {
        func day(_ text: String?) throws(DomainError) -> CalendarDate? {
          try text.map { text throws(DomainError) in try CalendarDate(parsing: text) }
        }
        let parsedLevel = try level.map { text throws(DomainError) in try Level(parsing: text) }
        let decidedOn = try day(decided) ?? today
        let needsWindow = [DecisionKind.grant, .renew, .transfer].contains(kind)
        claims = try DecisionClaims(
          audience: trustFile.log.name, scheme: trustFile.scheme,
          id: UUID().uuidString.lowercased(),
          issuedAt: Instant(Date()).millisecondsSinceEpoch / 1000,
          body: body, kind: kind, siret: try SIRET(siret), decided: decidedOn, level: parsedLevel,
          validFrom: needsWindow ? (try day(validFrom) ?? decidedOn) : try day(validFrom),
          validUntil: try day(validUntil), reference: reference, fromBody: fromBody,
          reason: reason, reservations: reservations, deadline: try day(deadline))
      } catch let error as DomainError {
        throw CLIError("\(error)", exitCode: AmexistCLI.usageError)
      } catch let error as DecisionError {
        throw CLIError(
          "\(error); give the options a \(kind.rawValue) needs", exitCode: AmexistCLI.usageError)
      }
      let token: String
      do {
        token = try claims.signed(with: signingKey, kid: kid)
      } catch {
        throw CLIError("\(error)")
      }
      do {
        try Data((token + "\n").utf8).write(
          to: URL(fileURLWithPath: out), options: .withoutOverwriting)
      } catch {
        throw CLIError("cannot write \(out): \(error.localizedDescription)")
      }
      if json {
        Console.out(
          CanonicalJSON.string(
            .object(["file": .string(out), "kid": .string(kid), "decision": claims.json])))
        return
      }
      Console.out(out)
    }

    static func loadTrust(_ path: String) throws(CLIError) -> TrustFile {
      do {
        return try TrustFile(bytes: try BoundedInput.read(path, limit: TrustFile.maximumSize))
      } catch let error as AttestationError {
        throw CLIError("\(path): \(error)", exitCode: AmexistCLI.untrusted)
      } catch {
        throw CLIError(
          "cannot read the trust file \(path): \(error)", exitCode: AmexistCLI.usageError)
      }
    }

    static func loadKey(_ path: String) throws(CLIError) -> SigningKey {
      let mode =
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?
        .intValue ?? 0
      guard mode & 0o077 == 0 else {
        throw CLIError(
          "\(path) can be read by other users (mode \(String(mode, radix: 8))): run `chmod 600 \(path)`"
        )
      }
      do {
        let bytes = try BoundedInput.read(path, limit: 16_384)
        return try SigningKey(pemRepresentation: String(decoding: bytes, as: UTF8.self))
      } catch {
        throw CLIError(
          "cannot use \(path) as a private key: \(error)", exitCode: AmexistCLI.usageError)
      }
    }
  }

  /// `amexist decision record FILE`: the federation records a body's signed decision.
  struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "record",
      abstract:
        "Record a decision a certifying body signed (`amexist decision sign`): checked against the body's keys, accreditation and the scheme."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The signed decision file.") var file: String

    func run() async throws {
      let bytes = try BoundedInput.file(
        file, limit: CompactJWS.maximumSize + 2, exitCode: AmexistCLI.usageError)
      let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
      let service = try await global.openService(writing: true)
      let recorded = try await perform { () throws(RegistryError) in
        try await service.recordSignedDecision(token, dryRun: write.dryRun)
      }
      if write.dryRun { return printDryRun([recorded.entry], global: global) }
      if recorded.alreadyRecorded, !global.json {
        Console.out(
          "Already recorded as #\(recorded.entry.index) \(recorded.entry.event.kind): nothing was written."
        )
        return
      }
      try await printWrite(
        recorded.entry, siret: recorded.claims.siret, service: service, global: global)
    }
  }
}
