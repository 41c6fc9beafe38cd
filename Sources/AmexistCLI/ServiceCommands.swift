import AmexistDomain
import ArgumentParser
import Foundation
import RegistryService

/// `amexist service …`
struct ServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "service",
    abstract: "Register, update, show, list and import services.",
    subcommands: [Add.self, Update.self, Show.self, List.self, Import.self, Succeed.self]
  )

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add", abstract: "Register a service.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The service's SIRET (14 digits; spaces allowed).") var siret: String
    @Option(help: "The service's name.") var name: String
    @Option(help: "Street address.") var address: String?
    @Option(help: "City.") var city: String?
    @Option(help: "INSEE region code, such as 11 or 84.") var region: String?
    @Option(help: "Website, an https:// URL.") var website: String?

    func run() async throws {
      let siret = try parseInput { () throws(DomainError) in try SIRET(self.siret) }
      let profile = try parseInput { () throws(DomainError) in
        try ServiceProfile(
          name: name, address: address, city: city, region: region, website: website)
      }
      let service = try await global.openService(writing: true)
      let logged = try await perform { () throws(RegistryError) in
        try await service.register(siret, profile: profile)
      }
      try await printWrite(logged, siret: siret, service: service, global: global)
    }
  }

  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "update",
      abstract: "Change a service's profile; options not given keep their current value."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "The service's name.") var name: String?
    @Option(help: "Street address (empty to remove).") var address: String?
    @Option(help: "City (empty to remove).") var city: String?
    @Option(help: "INSEE region code (empty to remove).") var region: String?
    @Option(help: "Website, an https:// URL (empty to remove).") var website: String?

    func run() async throws {
      let siret = try parseInput { () throws(DomainError) in try SIRET(self.siret) }
      let service = try await global.openService(writing: true)
      let current = try await perform { () throws(RegistryError) in
        try await service.state(of: siret)
      }.profile
      let profile = try parseInput { () throws(DomainError) in
        try ServiceProfile(
          name: name ?? current.name, address: address ?? current.address,
          city: city ?? current.city,
          region: region ?? current.region?.code, website: website ?? current.website
        )
      }
      let logged = try await perform { () throws(RegistryError) in
        try await service.update(siret, profile: profile)
      }
      try await printWrite(logged, siret: siret, service: service, global: global)
    }
  }

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Show a service's current level and standing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "Show the state at this instant (RFC 3339), instead of now.") var at: String?

    func run() async throws {
      let siret = try parseInput { () throws(DomainError) in try SIRET(self.siret) }
      let instant = try at.map { text throws(CLIError) in
        try parseInput { () throws(DomainError) in try Instant(parsing: text) }
      }
      let service = try await global.openService()
      let report = try await perform { () throws(RegistryError) in
        try await service.report(of: siret, at: instant)
      }
      // The same document as GET /services/{siret}.json.
      Console.out(
        global.json ? CanonicalJSON.string(report.document) : Describe.service(report.state))
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List services, optionally filtered.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only services of this INSEE region code.") var region: String?
    @Option(help: "Only services whose decision is at this level (1, 2 or 3).") var level: String?
    @Option(help: "Only services with this standing (active, suspended, withdrawn, expired, none).")
    var standing: String?

    func run() async throws {
      let region = try self.region.map { code throws(CLIError) in
        try parseInput { () throws(DomainError) in try Region(code: code) }
      }
      let level = try self.level.map { text throws(CLIError) in
        try parseInput { () throws(DomainError) in try Level(parsing: text) }
      }
      let standing = try self.standing.map { text throws(CLIError) in
        guard let standing = Standing(rawValue: text) else {
          throw CLIError(
            "unknown standing \"\(text.prefix(40))\": expected active, suspended, withdrawn, expired or none",
            exitCode: AmexistCLI.usageError
          )
        }
        return standing
      }
      let service = try await global.openService()
      // Without histories: a list shows none, and every service's would hold the whole log.
      let states = try await perform { () throws(RegistryError) in
        try await service.currentServices()
      }
      .filter { state in
        (region == nil || state.profile.region == region)
          && (level == nil || state.decision?.level == level)
          && (standing == nil || state.standing == standing)
      }
      if global.json {
        Console.outJSONArray(states, StateJSON.service)
      } else if states.isEmpty {
        Console.out("No service matches.")
      } else {
        Console.out(Describe.serviceTable(states))
      }
    }
  }

  struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "import",
      abstract: "Import services and grant decisions from a CSV file: all rows or none.",
      discussion:
        "Columns: \(RegistryService.importColumns.joined(separator: ", ")). siret and name are required."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The CSV file (UTF-8; , or ; separated).") var file: String

    func run() async throws {
      let bytes = try BoundedInput.file(file, limit: RegistryService.maximumImportSize)
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw CLIError("\(file) is not UTF-8 text; export it from the spreadsheet as CSV UTF-8")
      }
      let service = try await global.openService(writing: true)
      let progress = ProgressLine("service import", unit: "rows checked", global: global)
      defer { progress.finish() }
      let summary = try await perform { () throws(RegistryError) in
        try await service.importCSV(text, dryRun: write.dryRun, progress: progress.handler)
      }
      progress.finish()
      if write.dryRun {
        printDryRun(summary.events, global: global)
      } else if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "rows": .integer(Int64(summary.rows)),
              "servicesRegistered": .integer(Int64(summary.servicesRegistered)),
              "servicesUpdated": .integer(Int64(summary.servicesUpdated)),
              "decisionsRecorded": .integer(Int64(summary.decisionsRecorded)),
            ])
          )
        )
      } else {
        Console.out(
          "Imported \(summary.rows) rows: \(summary.servicesRegistered) services registered, "
            + "\(summary.servicesUpdated) updated, \(summary.decisionsRecorded) decisions recorded."
        )
      }
    }
  }
}

/// Prints the outcome of a write: the logged entry and the service's state after it.
/// Options of the commands that append to the log.
extension ServiceCommand {
  struct Succeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "succeed",
      abstract:
        "Record that another service takes over this one's activity (cession d'activité), and its level for the validity left."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The SIRET of the service whose activity is taken over.") var old: String
    @Option(help: "The SIRET of the service that takes it over (registered first).") var by: String
    @Option(help: "The day the succession takes effect, YYYY-MM-DD.") var decided: String

    func run() async throws {
      let (predecessor, successor, day) = try parseInput {
        () throws(DomainError) -> (SIRET, SIRET, CalendarDate) in
        (try SIRET(old), try SIRET(by), try CalendarDate(parsing: decided))
      }
      let service = try await global.openService(writing: true)
      let entries = try await perform { () throws(RegistryError) in
        try await service.succeed(predecessor, by: successor, decided: day, dryRun: write.dryRun)
      }
      if write.dryRun { return printDryRun(entries, global: global) }
      let successorState = try await perform { () throws(RegistryError) in
        try await service.state(of: successor)
      }
      if global.json {
        Console.out(
          CanonicalJSON.string(
            .object([
              "entries": .array(
                entries.map { entry in
                  .object([
                    "index": .integer(entry.index), "event": EventCoding.json(entry.recorded),
                  ])
                }),
              "service": StateJSON.service(successorState),
            ])))
        return
      }
      for entry in entries {
        Console.out(
          "Recorded #\(entry.index) \(entry.event.kind) for \(entry.event.subject): \(Describe.details(entry.event))."
        )
      }
      Console.out(
        "\(successorState.profile.name) is now \(Describe.standing(of: successorState)), level \(Describe.level(successorState.decision?.level))."
      )
    }
  }
}

struct WriteOptions: ParsableArguments {
  @Flag(help: "Make every check and print the entries that would be appended; write nothing.")
  var dryRun = false
}

/// Prints what a dry run would append: one line an entry, or JSON.
func printDryRun(_ entries: [LoggedEvent], global: GlobalOptions) {
  if global.json {
    Console.out(
      CanonicalJSON.string(
        .object([
          "dryRun": .bool(true),
          "entries": .array(
            entries.map { entry in
              guard case .object(var members) = EventCoding.json(entry.recorded) else {
                return .null
              }
              members["index"] = .integer(entry.index)
              return .object(members)
            }),
        ])))
    return
  }
  guard !entries.isEmpty else {
    Console.out("Dry run: nothing was written. Nothing would change: the log would record nothing.")
    return
  }
  Console.out("Dry run: nothing was written. The log would record \(entries.count) entries:")
  for entry in entries {
    Console.out("  #\(entry.index) \(entry.event.kind): \(Describe.details(entry.event))")
  }
}

func printWrite(
  _ logged: LoggedEvent, siret: SIRET, service: RegistryService, global: GlobalOptions
) async throws {
  let state = try await perform { () throws(RegistryError) in try await service.state(of: siret) }
  if global.json {
    Console.out(
      CanonicalJSON.string(
        .object([
          "index": .integer(logged.index), "event": EventCoding.json(logged.recorded),
          "service": StateJSON.service(state),
        ])
      )
    )
  } else {
    Console.out(
      "Recorded #\(logged.index) \(logged.event.kind) for \(siret): \(Describe.details(logged.event))."
    )
    Console.out(
      "\(state.profile.name) is now \(Describe.standing(of: state)), level \(Describe.level(state.decision?.level))."
    )
  }
}
