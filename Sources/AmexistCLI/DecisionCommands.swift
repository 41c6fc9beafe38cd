import AmexistDomain
import ArgumentParser
import RegistryService

/// `amexist decision …`
struct DecisionCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decision",
    abstract:
      "Record level decisions: grant, renew, suspend, reinstate, withdraw; sign and record a certifying body's decision.",
    subcommands: [
      Grant.self, Renew.self, Suspend.self, Reinstate.self, Withdraw.self, Sign.self, Record.self,
    ]
  )

  struct Grant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "grant",
      abstract: "Grant a level (replaces any earlier decision).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "The level: 1, 2 or 3.") var level: String
    @Option(help: "Decision date, YYYY-MM-DD.") var decided: String
    @Option(name: .customLong("valid-from"), help: "First valid day (default: the decision date).")
    var validFrom: String?
    @Option(name: .customLong("valid-until"), help: "Last valid day, YYYY-MM-DD.") var validUntil:
      String
    @Option(help: "Evaluating body; required for level 3 (e.g. AFNOR Certification).")
    var evaluator: String?
    @Option(help: "Evaluation reference (report or certificate number).") var reference: String?
    @Option(help: "Log index of an earlier decision this one corrects.") var corrects: Int64?

    func run() async throws {
      let grant = try parseInput { () throws(DomainError) in
        try LevelGranted(
          siret: try SIRET(siret), level: try Level(parsing: level),
          decided: try CalendarDate(parsing: decided),
          validFrom: try validFrom.map { text throws(DomainError) in try CalendarDate(parsing: text)
          },
          validUntil: try CalendarDate(parsing: validUntil), evaluator: evaluator,
          reference: reference,
          corrects: corrects
        )
      }
      try await record(
        .levelGranted(grant), siret: grant.siret, global: global, dryRun: write.dryRun)
    }
  }

  struct Renew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "renew",
      abstract: "Extend the current level's validity.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "Decision date, YYYY-MM-DD.") var decided: String
    @Option(name: .customLong("valid-until"), help: "New last valid day, YYYY-MM-DD.")
    var validUntil: String
    @Option(help: "Evaluating body of the renewal.") var evaluator: String?
    @Option(help: "Evaluation reference.") var reference: String?

    func run() async throws {
      let renewal = try parseInput { () throws(DomainError) in
        try LevelRenewed(
          siret: try SIRET(siret), decided: try CalendarDate(parsing: decided),
          validUntil: try CalendarDate(parsing: validUntil), evaluator: evaluator,
          reference: reference
        )
      }
      try await record(
        .levelRenewed(renewal), siret: renewal.siret, global: global, dryRun: write.dryRun)
    }
  }

  struct Suspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "suspend", abstract: "Suspend the current level.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "Why the level is suspended (published: about the service, never a person).")
    var reason: String
    @Option(help: "Decision date, YYYY-MM-DD (default: today in Paris).") var decided: String?

    func run() async throws {
      let service = try await global.openService(writing: true)
      let suspension = try parseInput { () throws(DomainError) in
        try LevelSuspended(
          siret: try SIRET(siret), decided: try decisionDate(decided, service), reason: reason)
      }
      try await record(
        .levelSuspended(suspension), siret: suspension.siret, global: global, service: service,
        dryRun: write.dryRun)
    }
  }

  struct Reinstate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "reinstate", abstract: "Lift a suspension.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "Decision date, YYYY-MM-DD (default: today in Paris).") var decided: String?

    func run() async throws {
      let service = try await global.openService(writing: true)
      let reinstatement = try parseInput { () throws(DomainError) in
        LevelReinstated(siret: try SIRET(siret), decided: try decisionDate(decided, service))
      }
      try await record(
        .levelReinstated(reinstatement), siret: reinstatement.siret, global: global,
        service: service, dryRun: write.dryRun)
    }
  }

  struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "withdraw", abstract: "Withdraw the level.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The service's SIRET.") var siret: String
    @Option(help: "Why the level is withdrawn (published: about the service, never a person).")
    var reason: String
    @Option(help: "Decision date, YYYY-MM-DD (default: today in Paris).") var decided: String?

    func run() async throws {
      let service = try await global.openService(writing: true)
      let withdrawal = try parseInput { () throws(DomainError) in
        try LevelWithdrawn(
          siret: try SIRET(siret), decided: try decisionDate(decided, service), reason: reason)
      }
      try await record(
        .levelWithdrawn(withdrawal), siret: withdrawal.siret, global: global, service: service,
        dryRun: write.dryRun)
    }
  }
}

/// The given decision date, or today in Paris.
private func decisionDate(_ text: String?, _ service: RegistryService) throws(DomainError)
  -> CalendarDate
{
  try text.map { text throws(DomainError) in try CalendarDate(parsing: text) } ?? service.today()
}

/// Records a decision and prints the outcome.
private func record(
  _ event: Event, siret: SIRET, global: GlobalOptions, service opened: RegistryService? = nil,
  dryRun: Bool
) async throws {
  let service: RegistryService
  if let opened {
    service = opened
  } else {
    service = try await global.openService(writing: true)
  }
  let logged = try await perform { () throws(RegistryError) in
    try await service.decide(event, dryRun: dryRun)
  }
  if dryRun { return printDryRun([logged], global: global) }
  try await printWrite(logged, siret: siret, service: service, global: global)
}
