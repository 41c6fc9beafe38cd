import AmexistDomain
import ArgumentParser
import Attestation
import Documents
import Foundation
import RegistryServer
import RegistryService
import TransparencyLog

/// `amexist init`
struct InitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract:
      "Create the registry (database), the log and issuer keys and the trust file (safe to run again)."
  )
  @OptionGroup var global: GlobalOptions
  @Option(help: "Algorithm of the issuer key: EdDSA or ES256.") var algorithm: SigningAlgorithm =
    .edDSA
  @Option(help: "Issuer identifier written in attestations (a URL).")
  var issuer = defaultIssuer
  @Option(help: "The issuer's organisation name, printed on attestations (the federation's).")
  var issuerName: String?

  func validate() throws {
    guard let issuerName else { return }
    let name: String
    do {
      name = try TextRules.required(issuerName, field: "--issuer-name", maximumLength: 200)
    } catch {
      throw ValidationError("\(error)")
    }
    if let bad = TextRules.firstUnprintable(name) {
      throw ValidationError(
        "--issuer-name: character U+\(String(bad.value, radix: 16, uppercase: true)) cannot be printed on attestations"
      )
    }
  }
  @Option(help: "Origin of the log's checkpoints (default: the issuer's host and path + /log).")
  var logOrigin: String?
  @Option(
    help: ArgumentHelp(
      "The scheme whose rules the registry applies for its whole life: amexist (the label) or spsti-2023 (the SPSTI certification of the arrêté du 27 juillet 2023).",
      valueName: "amexist|spsti-2023"))
  var scheme: SchemeName?
  @Option(
    name: .customLong("root-vkey"),
    help: ArgumentHelp(
      "A root key's verifier key, made offline by `amexist trust root-keygen`, or a file holding it (repeatable). Without it, one root key is made in <keys>/root/ (for the demo and tests: it belongs offline).",
      valueName: "vkey"))
  var rootVKeys: [String] = []
  @Option(help: "How many distinct root keys must sign each root version (with --root-vkey).")
  var threshold: Int?

  func run() async throws {
    if threshold != nil && rootVKeys.isEmpty {
      throw CLIError("--threshold goes with --root-vkey", exitCode: AmexistCLI.usageError)
    }
    let roots = try rootVKeys.isEmpty ? nil : readVerifierKeys(rootVKeys)
    if let roots, roots.count > 1, threshold == nil {
      throw CLIError(
        "say how many of the \(roots.count) root keys must sign each version: --threshold N",
        exitCode: AmexistCLI.usageError)
    }
    if let roots, !(1...roots.count).contains(threshold ?? 1) {
      throw CLIError(
        "--threshold must be between 1 and the number of root keys (\(roots.count))",
        exitCode: AmexistCLI.usageError)
    }
    let location = try global.databaseLocation()
    let existed = await location.exists()
    let folder = global.keyFolder
    if folder.hasTrustFile, !existed {
      throw CLIError(
        "\(folder.trustPath) exists but there is no registry at \(location): restore the registry that goes with these keys, or move \(folder.path) aside to create a new registry; nothing was created"
      )
    }
    let keysExisted = FileManager.default.fileExists(atPath: folder.path)
    if keysExisted && folder.hasTrustFile && roots != nil {
      throw CLIError(
        "this registry exists: its root keys change by a ceremony (`amexist trust propose --root-vkey …`), not by init",
        exitCode: AmexistCLI.usageError)
    }
    let service: RegistryService
    do {
      service = try await openForWriting(
        global: global, algorithm: algorithm, issuer: issuer, issuerName: issuerName,
        logOrigin: logOrigin, scheme: scheme, roots: roots.map { ($0, threshold ?? 1) },
        report: global.json ? { _ in } : Console.out)
    } catch {
      // A failed first init leaves nothing behind: no half-made registry to mislead the next.
      if !existed, case .sqlite(let path) = location {
        for suffix in ["", "-wal", "-shm"] {
          try? FileManager.default.removeItem(atPath: path + suffix)
        }
      }
      if !keysExisted { try? FileManager.default.removeItem(atPath: folder.path) }
      throw error
    }
    let count = try await perform { () throws(RegistryError) in try await service.eventCount() }
    let applied = try await perform { () throws(RegistryError) in try await service.scheme() }
    let trust = try performNow { () throws(RegistryError) in try folder.loadTrust() }
    if trust.issuer == defaultIssuer {
      Console.warning(
        "the issuer is the example \(defaultIssuer): for a real registry, run `amexist init --issuer https://…` with a new keys folder"
      )
    }
    if global.json {
      Console.out(
        CanonicalJSON.string(
          .object([
            "database": .string(location.description), "created": .bool(!existed),
            "entries": .integer(count), "issuer": .string(trust.issuer),
            "logOrigin": .string(trust.log.name), "trust": .string(folder.trustPath),
            "scheme": .string(applied.rawValue),
            "rootVersion": trust.signed.map { .integer($0.root.version) } ?? .null,
            "pin": trust.signed.map { .string($0.root.pin) } ?? .null,
          ])))
      return
    }
    Console.out(
      existed
        ? "Registry \(location) already exists (\(count) entries)."
        : "Created the registry \(location).")
    Console.out(
      "Scheme: \(applied) (its rules apply to every decision; a registry never changes scheme).")
    Console.out(
      "Issuer: \(trust.issuerName.map { "\($0), " } ?? "")\(trust.issuer) (written in every attestation and in \(folder.trustPath))."
    )
    if let signed = trust.signed {
      Console.out(
        "Trust root: version \(signed.root.version), expires \(signed.root.expires); its pin, for verifiers: \(signed.root.pin)"
      )
    }
  }
}

/// The issuer written in attestations unless `init --issuer` says otherwise.
let defaultIssuer = "https://registry.amexist.example"

/// The log origin for `issuer`: its host and path without the scheme, + `/log`.
func defaultLogOrigin(issuer: String) -> String {
  var origin = Substring(issuer)
  if let scheme = origin.range(of: "://") { origin = origin[scheme.upperBound...] }
  while origin.hasSuffix("/") { origin = origin.dropLast() }
  return origin + "/log"
}

/// Opens the registry for writing, creating it when missing. When the keys folder has no trust
/// file, creates the log key (every write is sealed by it, so first), the first issuer key and
/// the trust file; otherwise checks that the log and issuer keys can sign (permissions, match
/// with the trust file, self-test).
func openForWriting(
  global: GlobalOptions, algorithm: SigningAlgorithm = .edDSA, issuer: String = defaultIssuer,
  issuerName: String? = nil, logOrigin: String? = nil, scheme: SchemeName? = nil,
  roots: (keys: [NoteVerifier], threshold: Int)? = nil, report: (String) -> Void = Console.out
) async throws(CLIError) -> RegistryService {
  let folder = global.keyFolder
  if folder.hasTrustFile {
    let service = try await global.openService(create: true, writing: true)
    if let scheme {
      let applied = try await perform { () throws(RegistryError) in try await service.scheme() }
      guard applied == scheme else {
        throw CLIError(
          "this registry applies the \(applied) scheme, and a registry never changes scheme: create a new registry (another --registry and --keys) for \(scheme)",
          exitCode: AmexistCLI.usageError)
      }
    }
    let records = try await perform { () throws(RegistryError) in try await service.keyRecords() }
    if records.isEmpty {
      throw CLIError(
        "\(folder.trustPath) exists but this registry has no issuer key in its log: "
          + "restore the registry that goes with these keys, or move \(folder.path) aside to create a new key"
      )
    }
    let signer = try await perform { () throws(RegistryError) in
      try await service.signer(from: folder)
    }
    report("Issuer key \(signer.kid) is ready (\(folder.trustPath)).")
    // A name given to an existing registry goes into its trust file (and new attestations).
    if let issuerName, issuerName != signer.trust.issuerName {
      try await perform { () throws(RegistryError) in
        try await service.publishTrust(
          folder: folder, issuer: signer.trust.issuer, issuerName: issuerName)
      }
      report("The issuer is now named \(issuerName) in \(folder.trustPath): publish it.")
    }
    return service
  }
  let origin = logOrigin ?? defaultLogOrigin(issuer: issuer)
  let logSigner = try performNow { () throws(RegistryError) in
    try folder.createLogKey(origin: origin)
  }
  report("Created the log key for \(origin) in \(folder.privateKeyPath(KeyFolder.logKeyName)).")
  let service = try await global.openService(create: true, logSigner: logSigner)
  let chosen = scheme ?? .amexist
  _ = try await perform { () throws(RegistryError) in try await service.configure(scheme: chosen) }
  let kid = try await createIssuerKey(
    algorithm, service: service, folder: folder, issuer: issuer, issuerName: issuerName)
  report("Created the issuer key \(kid) (\(algorithm.rawValue)) in \(folder.privateKeyPath(kid)).")
  try await createTrustRoot(service: service, folder: folder, roots: roots, report: report)
  return service
}

/// The first root version of a new registry: proposed for the offline `roots` to sign (the
/// trust file stays unsigned until it is published), or, without them, signed by one root key
/// made in `<keys>/root/` and published at once.
func createTrustRoot(
  service: RegistryService, folder: KeyFolder, roots: (keys: [NoteVerifier], threshold: Int)?,
  report: (String) -> Void
) async throws(CLIError) {
  if let roots {
    let proposal = (folder.path as NSString).appendingPathComponent("root-1.proposal.json")
    let part = try await perform { () throws(RegistryError) in
      try await service.proposeRoot(folder: folder, roots: roots.keys, threshold: roots.threshold)
    }
    try writeRootFile(part, to: proposal, overwrite: false)
    report(
      "Created the trust file \(folder.trustPath), unsigned until root version 1 is published.")
    report(
      "Root version 1 awaits \(roots.threshold) of its \(roots.keys.count) root keys: on each keyholder's machine `amexist trust sign \(proposal) --root-key KEY`, then here `amexist trust publish \(proposal)`."
    )
    return
  }
  let key = SigningKey(generating: .edDSA)
  let verifier: NoteVerifier
  do {
    verifier = try key.logSigner(origin: "amexist-root").verifier
  } catch {
    throw CLIError("\(error)")
  }
  _ = try writeKeyPair(
    key, publicText: verifier.verifierKey + "\n", names: ("root.pem", "root.vkey"),
    in: folder.localRootPath, what: "root key")
  let root = try await perform { () throws(RegistryError) in
    var part = try await service.proposeRoot(folder: folder, roots: [verifier], threshold: 1)
    do { try part.sign(with: key) } catch { throw .keys("\(error)") }
    return try await service.publishRoot(part, folder: folder)
  }
  report(
    "Created the trust file \(folder.trustPath), signed under root version 1 (pin \(root.pin)).")
  Console.warning(
    "the root key was made in \(folder.localRootPath)/root.pem: it decides whom verifiers trust and belongs offline; for a real registry, make root keys offline (`amexist trust root-keygen`) and pass them to init (--root-vkey … --threshold N)"
  )
}

/// `amexist history SIRET`
struct HistoryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract: "Show every recorded event of a service, in log order."
  )
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The service's SIRET.") var siret: String

  func run() async throws {
    let siret = try parseInput { () throws(DomainError) in try SIRET(self.siret) }
    let service = try await global.openService()
    let state = try await perform { () throws(RegistryError) in try await service.state(of: siret) }
    if global.json {
      Console.out(CanonicalJSON.string(StateJSON.history(state)))
    } else {
      Console.out("\(state.profile.name) (\(state.siret.formatted))")
      Console.out(Describe.history(state))
    }
  }
}

/// `amexist export --format csv|jsonl`
struct ExportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export every service's current state as open data."
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl
  }

  @OptionGroup var global: GlobalOptions
  @Option(help: "csv or jsonl.") var format: Format = .csv
  @Option(
    help: "Write to this file instead of standard output (never an existing file without --force).")
  var out: String?
  @Flag(
    help: "Replace the --out file if it exists (never a database or a file in the keys folder).")
  var force = false
  @Flag(help: "CSV for French spreadsheets: ';' separated, with a UTF-8 byte order mark.")
  var excel = false

  func validate() throws {
    if excel, format != .csv { throw ValidationError("--excel applies to --format csv only") }
  }

  func run() async throws {
    let target = try out.map { out throws(CLIError) in
      try OutputFile(out, force: force, global: global)
    }
    let service = try await global.openService()
    let progress = ProgressLine("export", unit: "services", global: global)
    defer { progress.finish() }
    let text = try await perform { () throws(RegistryError) in
      switch format {
      case .csv:
        return try await service.exportCSV(
          dialect: excel ? .excel : .standard, progress: progress.handler)
      case .jsonl: return try await service.exportJSONLines(progress: progress.handler)
      }
    }
    progress.finish()
    if let target {
      try target.write(Array(text.utf8))
      if global.json {
        Console.out(CanonicalJSON.string(.object(["written": .string(target.path)])))
      } else {
        Console.out(target.path)
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}

/// `amexist demo`
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract:
      "Create a registry with fictional sample services, issue their attestations and show it."
  )
  @OptionGroup var global: GlobalOptions
  @OptionGroup var server: ServerOptions
  @Flag(help: "Load the sample data and issue the attestations, then exit without serving.")
  var noServe = false

  mutating func validate() throws {
    do {
      try server.resolve(global.sources(adding: server.given))
    } catch {
      throw ValidationError(error.message)
    }
  }

  func run() async throws {
    let service = try await openForWriting(global: global)
    let trust = try performNow { () throws(RegistryError) in try global.keyFolder.loadTrust() }
    // The demo's QR codes and links lead to the demo server itself unless told otherwise (or
    // unless its port is only known once listening).
    let origin = try server.publicOrigin(
      fallback: server.listenPort == 0
        ? trust.issuer : server.localOrigin(port: server.listenPort))
    let services = try await perform { () throws(RegistryError) in try await service.allServices() }
    if services.isEmpty {
      // The sample's decisions follow the amexist scheme's table.
      let scheme = try await perform { () throws(RegistryError) in try await service.scheme() }
      guard scheme == .amexist else {
        throw CLIError(
          "the sample registry follows the amexist scheme and this registry applies \(scheme): run `amexist demo` in an empty folder (or with --keys and --registry pointing to new ones)"
        )
      }
      _ = try await perform { () throws(RegistryError) in try await service.appendSample() }
      // The sample's certifying bodies and their keys go into the published trust file.
      try await perform { () throws(RegistryError) in
        try await service.publishTrust(
          folder: global.keyFolder, issuer: trust.issuer, issuerName: trust.issuerName)
      }
      Console.out(
        "Loaded \(SampleRegistry.serviceCount) fictional services into \(try global.databaseLocation())."
      )
      let folder = (global.registry as NSString).appendingPathComponent("attestations")
      for state in try await perform({ () throws(RegistryError) in try await service.allServices() }
      )
      where state.standing == .active {
        let paths = try await issueAndWrite(
          state.siret, service: service, folder: global.keyFolder, outFolder: folder,
          pdf: (.french, origin))
        Console.out("Attestation of \(state.siret): \(paths.joined(separator: ", "))")
      }
    } else {
      Console.out(
        "The registry \(try global.databaseLocation()) already holds \(services.count) services; showing it as it is."
      )
    }
    let states = try await perform { () throws(RegistryError) in try await service.allServices() }
    if global.json {
      Console.outJSONArray(states, StateJSON.service)
    } else {
      Console.out(Describe.serviceTable(states))
      if let first = states.first {
        Console.out(
          "\nTry: amexist service show \(first.siret)   amexist history \(first.siret)   amexist export"
        )
        let attestations = (global.registry as NSString).appendingPathComponent("attestations")
        Console.out("     amexist verify \(attestations)/<id>.amexist.json")
        Console.out("     amexist verify --base-url \(origin) \(attestations)/<id>.pdf")
        // The services whose story shows the certifying bodies' signed decisions.
        let sirets = SampleRegistry.sirets
        if states.count == SampleRegistry.serviceCount, states.map(\.siret.digits) == sirets {
          Console.out(
            "     amexist body list   amexist service show \(sirets[9]) (transferred, réserves not lifted)"
          )
          Console.out(
            "     amexist service show \(sirets[11]) (succeeded by \(sirets[12]))   amexist history \(sirets[6]) (refused)"
          )
        }
      }
    }
    guard !noServe else { return }
    let admin = AdminAccess(folder: global.keyFolder, tokens: global.keyFolder.adminTokens)
    let status = await statusRenewal(service, folder: global.keyFolder)
    try await server.serve(
      service, trust: trust, origin: origin, admin: admin, resources: global.resources,
      status: status
    ) { base in
      Console.out("\nThe registry is served on \(base)/ (Ctrl-C stops it):")
      Console.out("  search        \(base)/")
      if let active = states.first(where: { $0.standing == .active }) {
        Console.out("  service page  \(base)/services/\(active.siret)")
        if let attestation = active.attestations.last {
          let uuid = attestation.id.replacingOccurrences(of: "urn:uuid:", with: "")
          Console.out("  attestation   \(base)/v/\(uuid)")
          Console.out("  printable     \(base)/attestations/\(uuid)/pdf")
        }
        Console.out("  badge         \(base)/badge/\(active.siret).svg")
      }
      Console.out("  verify        \(base)/verify")
      Console.out("  status        \(base)/status (snapshot)   \(base)/status/lists/0 (W3C list)")
      Console.out("  bodies        \(base)/bodies")
      Console.out("  trust file    \(base)/.well-known/amexist-trust.json")
      if let root = trust.signed?.root {
        Console.out(
          "  trust root    \(base)/.well-known/amexist-trust/\(root.version).json (pin \(root.pin))"
        )
      }
      Console.out("  log           \(base)/log/checkpoint")
    }
  }
}
