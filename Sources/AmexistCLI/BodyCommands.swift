import AmexistDomain
import ArgumentParser
import Attestation
import Foundation
import RegistryService

/// `amexist body …`: the certifying bodies, their accreditations and keys.
struct BodyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "body",
    abstract:
      "Certifying bodies: register them with their accreditation, their keys and accreditation changes.",
    subcommands: [
      Add.self, List.self, KeyCommand.self, AccreditationCommand.self, Keygen.self,
    ]
  )

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add", abstract: "Register a certifying body with its accreditation.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The body's id in the registry: lower-case letters, digits and '-'.")
    var id: String
    @Option(help: "The body's name, as shown on pages and attestations.") var name: String
    @Option(help: "The accreditation number.") var accreditation: String
    @Option(
      name: .customLong("accredited-by"),
      help: "The accreditation body (COFRAC, or another EA signatory).")
    var accreditedBy: String
    @Option(
      name: .customLong("accredited-from"),
      help: "First day of the accreditation, YYYY-MM-DD (default: today).")
    var accreditedFrom: String?
    @Option(
      name: .customLong("accredited-until"), help: "Last day of the accreditation, YYYY-MM-DD.")
    var accreditedUntil: String
    @Option(help: "The standard accredited against (default: NF EN ISO/IEC 17065).")
    var standard: String?
    @Option(help: "What the accreditation covers, as the accreditor words it.") var scope: String?

    func run() async throws {
      let service = try await global.openService(writing: true)
      let today = service.today()
      let registration = try parseInput { () throws(DomainError) in
        try BodyRegistered(
          body: id, name: name, accreditor: accreditedBy, number: accreditation,
          standard: standard, scope: scope,
          validFrom: try accreditedFrom.map { text throws(DomainError) in
            try CalendarDate(parsing: text)
          } ?? today,
          validUntil: try CalendarDate(parsing: accreditedUntil))
      }
      let entry = try await perform { () throws(RegistryError) in
        try await service.registerBody(registration, dryRun: write.dryRun)
      }
      try await finish(
        entry, body: registration.body, service: service, global: global, dryRun: write.dryRun)
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List the certifying bodies, their accreditation and keys.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
      let service = try await global.openService()
      let bodies = try await perform { () throws(RegistryError) in
        try await service.bodies(services: true)
      }
      let today = service.today()
      let now = service.clock.now()
      if global.json {
        Console.out(CanonicalJSON.string(.array(bodies.map { $0.json(today: today, now: now) })))
        return
      }
      guard !bodies.isEmpty else {
        Console.out("No certifying body: register one with `amexist body add`.")
        return
      }
      var table = TextTable(headers: [
        "Body", "Name", "Accreditation", "Valid", "Standing today", "Keys",
      ])
      for body in bodies {
        let accreditation = body.record.accreditation
        let signing = body.keys.filter { $0.maySign(at: now) }.map(\.kid)
        table.rows.append([
          body.record.id, body.record.name,
          "\(accreditation.accreditor) \(accreditation.number)",
          "\(accreditation.validFrom) to \(accreditation.validUntil)",
          accreditation.standing(on: today).description,
          signing.isEmpty ? "none valid" : signing.joined(separator: ", "),
        ])
      }
      Console.out(table.render())
    }
  }

  /// `amexist body key add|revoke`
  struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "key", abstract: "Add or revoke a body's public key.",
      subcommands: [Add.self, Revoke.self])

    struct Add: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "add",
        abstract:
          "Add a body's public key (the JWK `amexist body keygen` wrote on the body's machine).")
      @OptionGroup var global: GlobalOptions
      @OptionGroup var write: WriteOptions
      @Argument(help: "The body's id.") var id: String
      @Option(
        name: .customLong("public-key"),
        help: "The body's public key, a JWK file (Ed25519 or P-256).")
      var publicKey: String
      @Option(
        name: .customLong("valid-from"),
        help: ArgumentHelp(
          "The first day the body signs with this key (YYYY-MM-DD, from 00:00 Paris time; default: now). It may be earlier than today, never before the accreditation.",
          valueName: "YYYY-MM-DD"))
      var validFrom: String?

      func run() async throws {
        let jwk = try BodyKeyFile.read(publicKey)
        let start = try validFrom.map { text throws(DomainError) in
          try CalendarDate(parsing: text).parisStart
        }
        let service = try await global.openService(writing: true)
        let entry = try await perform { () throws(RegistryError) in
          try await service.addBodyKey(jwk, body: id, validFrom: start, dryRun: write.dryRun)
        }
        try await finish(entry, body: id, service: service, global: global, dryRun: write.dryRun)
      }
    }

    struct Revoke: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract:
          "Revoke a body's key: decisions recorded after the revocation, or decided from --at on, no longer verify."
      )
      @OptionGroup var global: GlobalOptions
      @OptionGroup var write: WriteOptions
      @Argument(help: "The body's id.") var id: String
      @Argument(help: "The key id.") var kid: String
      @Option(help: "Why the key is revoked (published in the log).") var reason: String
      @Option(help: "Revocation time, RFC 3339 (default: now; never in the future).") var at:
        String?

      func run() async throws {
        let at = try self.at.map { text throws(CLIError) in
          try parseInput { () throws(DomainError) in try Instant(parsing: text) }
        }
        let service = try await global.openService(writing: true)
        let entry = try await perform { () throws(RegistryError) in
          try await service.revokeKey(kid, at: at, reason: reason, owner: id, dryRun: write.dryRun)
        }
        try await finish(entry, body: id, service: service, global: global, dryRun: write.dryRun)
      }
    }
  }

  /// `amexist body accreditation ID --suspend|--reinstate|--withdraw|--extend-until DATE`
  struct AccreditationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "accreditation",
      abstract: "Record a change of a body's accreditation, as its accreditor decided it.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The body's id.") var id: String
    @Flag(help: "The accreditation is suspended.") var suspend = false
    @Flag(help: "The suspended accreditation is reinstated.") var reinstate = false
    @Flag(help: "The accreditation is withdrawn (nothing more is recorded for the body).")
    var withdraw = false
    @Option(
      name: .customLong("extend-until"), help: "The accreditation now ends on this day, YYYY-MM-DD."
    )
    var extendUntil: String?
    @Option(help: "The day the change takes effect, YYYY-MM-DD (default: today; never later).")
    var effective: String?
    @Option(help: "Why, as the accreditor gave it (about the body, never a person).")
    var reason: String?

    func validate() throws {
      let chosen = [suspend, reinstate, withdraw, extendUntil != nil].filter { $0 }.count
      guard chosen == 1 else {
        throw ValidationError(
          "give exactly one of --suspend, --reinstate, --withdraw and --extend-until")
      }
    }

    func run() async throws {
      let service = try await global.openService(writing: true)
      let today = service.today()
      let change = try parseInput { () throws(DomainError) in
        let kind: BodyAccreditationChanged.Change =
          if let extendUntil {
            .extended(until: try CalendarDate(parsing: extendUntil))
          } else if suspend {
            .suspended
          } else if reinstate {
            .reinstated
          } else {
            .withdrawn
          }
        return try BodyAccreditationChanged(
          body: id, change: kind,
          effective: try effective.map { text throws(DomainError) in
            try CalendarDate(parsing: text)
          } ?? today,
          reason: reason)
      }
      let entry = try await perform { () throws(RegistryError) in
        try await service.changeAccreditation(change, dryRun: write.dryRun)
      }
      try await finish(entry, body: id, service: service, global: global, dryRun: write.dryRun)
    }
  }

  /// `amexist body keygen --out DIR`: what a body runs on its own machine.
  struct Keygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "keygen",
      abstract:
        "On the body's own machine: create its signing key (DIR/body.pem, mode 0600) and the public JWK to send to the federation (DIR/body.jwk)."
    )
    @Option(help: "The folder to write body.pem and body.jwk into (created if missing).")
    var out: String
    @Option(help: "Algorithm: EdDSA or ES256.") var algorithm: SigningAlgorithm = .edDSA
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
      let key = SigningKey(generating: algorithm)
      let kid = key.publicKey.keyID
      let (pem, jwk) = try writeKeyPair(
        key, publicText: CanonicalJSON.string(key.publicKey.jwk(kid: kid)) + "\n",
        names: ("body.pem", "body.jwk"), in: out, what: "body key")
      if json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "kid": .string(kid), "privateKey": .string(pem), "publicKey": .string(jwk),
            ])))
        return
      }
      Console.out("Created the body key \(kid) (\(algorithm.rawValue)).")
      Console.out("Private key: \(pem) (mode 0600; it never leaves this machine).")
      Console.out(
        "Public key: \(jwk) (send it to the federation: `amexist body key add ID --public-key body.jwk`)."
      )
    }
  }
}

/// Writes a new key pair into `folder` (created if missing): the private key as PKCS#8 PEM,
/// mode 0600, and `publicText` beside it. Neither file may exist: a key is never overwritten.
///
/// - Returns: the paths written, private first.
func writeKeyPair(
  _ key: SigningKey, publicText: String, names: (private: String, public: String),
  in folder: String, what: String
) throws(CLIError) -> (String, String) {
  let privatePath = (folder as NSString).appendingPathComponent(names.private)
  let publicPath = (folder as NSString).appendingPathComponent(names.public)
  for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
    throw CLIError(
      "\(path) exists: a \(what) is never overwritten; choose another --out folder",
      exitCode: AmexistCLI.usageError)
  }
  try performNow { () throws(RegistryError) in
    try KeyFolder.writeNewFile(
      Array(key.pemRepresentation.utf8), to: privatePath, mode: 0o600, folder: folder)
    try KeyFolder.writeNewFile(Array(publicText.utf8), to: publicPath, mode: 0o644, folder: folder)
  }
  return (privatePath, publicPath)
}

/// Reads a body's public key file.
enum BodyKeyFile {
  /// The public key in the JWK file at `path`, whose `kid`, when present, must be the one the
  /// registry derives from the key.
  static func read(_ path: String) throws(CLIError) -> PublicKey {
    let bytes = try BoundedInput.file(path, limit: 16_384, exitCode: AmexistCLI.usageError)
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: 16_384, maximumDepth: 4).parse(bytes)
    } catch {
      throw CLIError("\(path) is not a JWK: \(error)", exitCode: AmexistCLI.usageError)
    }
    let key: PublicKey
    do {
      key = try JWK.publicKey(value)
    } catch {
      throw CLIError("\(path): \(error)", exitCode: AmexistCLI.usageError)
    }
    if let kid = value["kid"], kid != .string(key.keyID) {
      throw CLIError(
        "\(path): its kid is not the key's own id (\(key.keyID)): use the JWK `amexist body keygen` wrote",
        exitCode: AmexistCLI.usageError)
    }
    return key
  }
}

/// Prints what a body command recorded (or would record) and republishes the trust file.
private func finish(
  _ entry: LoggedEvent, body: String, service: RegistryService, global: GlobalOptions,
  dryRun: Bool
) async throws {
  if dryRun { return printDryRun([entry], global: global) }
  let folder = global.keyFolder
  let trust = try performNow { () throws(RegistryError) in try folder.loadTrust() }
  try await perform { () throws(RegistryError) in
    try await service.publishTrust(
      folder: folder, issuer: trust.issuer, issuerName: trust.issuerName)
  }
  if global.json {
    Console.out(
      CanonicalJSON.string(
        .object([
          "index": .integer(entry.index), "event": EventCoding.json(entry.recorded),
          "trust": .string(folder.trustPath),
        ])))
    return
  }
  Console.out(
    "Recorded #\(entry.index) \(entry.event.kind) for \(body): \(Describe.details(entry.event)).")
  Console.out("\(folder.trustPath) updated: publish it so that verifiers see the change.")
}
