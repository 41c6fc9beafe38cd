public import AmexistDomain
import RegistryStore

/// What an import wrote.
public struct ImportSummary: Hashable, Sendable {
  public let servicesRegistered: Int
  public let servicesUpdated: Int
  public let decisionsRecorded: Int
  /// Data rows read (the header excluded).
  public let rows: Int

  /// A summary with the given counts.
  public init(servicesRegistered: Int, servicesUpdated: Int, decisionsRecorded: Int, rows: Int) {
    self.servicesRegistered = servicesRegistered
    self.servicesUpdated = servicesUpdated
    self.decisionsRecorded = decisionsRecorded
    self.rows = rows
  }
}

extension RegistryService {
  /// The columns of the import and export files, in order.
  public static let importColumns = [
    "siret", "name", "address", "city", "region", "website", "level", "decided", "valid_from",
    "valid_until",
    "evaluator", "reference",
  ]

  /// Largest import file accepted, in bytes.
  public static let maximumImportSize = 16 * 1024 * 1024

  /// Imports a CSV file of services and decisions as one batch: all of it, or nothing.
  ///
  /// The header names the columns (any order; `siret` and `name` are required, the others of
  /// ``importColumns`` optional). Each row registers its service if it is new, updates its
  /// profile if it differs, and, when `level` is filled in, records a grant decision with
  /// `decided`, `valid_until` and the optional `valid_from`, `evaluator` and `reference`,
  /// unless that decision is already the service's current one: importing a file twice, or
  /// a file exported by ``exportCSV(at:)``, records nothing new.
  ///
  /// - Throws: ``RegistryError/importRejected(line:reason:)`` for the first bad row, with its
  ///   line number; nothing is written then.
  public func importCSV(_ text: String) async throws(RegistryError) -> ImportSummary {
    guard text.utf8.count <= Self.maximumImportSize else {
      throw .importRejected(
        line: 1, reason: "the file is larger than \(Self.maximumImportSize / 1_048_576) MiB")
    }
    let records: [CSVRecord]
    do {
      records = try CSV.parse(text)
    } catch {
      throw .importRejected(line: error.line, reason: error.reason)
    }
    guard let header = records.first else {
      throw .importRejected(line: 1, reason: "the file is empty")
    }
    let columns = try Self.columnIndexes(header)

    var profiles: [SIRET: ServiceProfile] = [:]
    var decisions: [SIRET: DecisionTerms] = [:]
    var standings: [SIRET: Standing] = [:]
    for state in try await allServices() {
      profiles[state.siret] = state.profile
      decisions[state.siret] = state.decision.map(DecisionTerms.init)
      standings[state.siret] = state.standing
    }

    var events: [(Event, Int?)] = []
    var summary = (registered: 0, updated: 0, decisions: 0)
    for record in records.dropFirst() {
      guard record.fields.count == header.fields.count else {
        throw .importRejected(
          line: record.line,
          reason: "\(record.fields.count) fields where the header has \(header.fields.count)"
        )
      }
      func value(_ column: String) -> String? {
        guard let index = columns[column] else { return nil }
        let text = record.fields[index]
        return text.allSatisfy(\.isWhitespace) ? nil : text
      }
      do throws(DomainError) {
        let siret = try SIRET(value("siret") ?? "")
        let profile = try ServiceProfile(
          name: value("name") ?? "", address: value("address"), city: value("city"),
          region: value("region"), website: value("website")
        )
        if profiles[siret] == nil {
          events.append(
            (.serviceRegistered(ServiceRegistered(siret: siret, profile: profile)), record.line))
          summary.registered += 1
        } else if profiles[siret] != profile {
          events.append(
            (.serviceUpdated(ServiceUpdated(siret: siret, profile: profile)), record.line))
          summary.updated += 1
        }
        profiles[siret] = profile
        if let levelText = value("level") {
          guard let decidedText = value("decided"), let untilText = value("valid_until") else {
            throw DomainError.invalidText(
              field: "decision", reason: "a level needs decided and valid_until")
          }
          let grant = try LevelGranted(
            siret: siret, level: try Level(parsing: levelText),
            decided: try CalendarDate(parsing: decidedText),
            validFrom: try value("valid_from").map { text throws(DomainError) in
              try CalendarDate(parsing: text)
            },
            validUntil: try CalendarDate(parsing: untilText), evaluator: value("evaluator"),
            reference: value("reference")
          )
          // Importing the same file again records nothing new.
          if decisions[siret] != DecisionTerms(grant) {
            events.append((.levelGranted(grant), record.line))
            decisions[siret] = DecisionTerms(grant)
            summary.decisions += 1
          }
        } else if ["decided", "valid_from", "valid_until", "evaluator", "reference"].contains(
          where: { value($0) != nil })
        {
          throw DomainError.invalidText(
            field: "decision", reason: "decision columns are filled in but level is empty")
        }
        // An exported file says which levels are suspended or withdrawn but not why or
        // since when; importing it elsewhere must not silently make them active.
        if let standing = value("standing"), ["suspended", "withdrawn"].contains(standing),
          standings[siret].map(\.rawValue) != standing
        {
          throw DomainError.invalidText(
            field: "standing",
            reason: "a \(standing) level cannot be imported (the file has no reason or date); "
              + "import the row without it, then record the decision with `amexist decision`"
          )
        }
      } catch {
        throw .importRejected(line: record.line, reason: error.description)
      }
    }
    if !events.isEmpty { _ = try await appendChecked(events) }
    return ImportSummary(
      servicesRegistered: summary.registered, servicesUpdated: summary.updated,
      decisionsRecorded: summary.decisions, rows: records.count - 1
    )
  }

  /// Every service's current state as CSV, with the columns of the import file followed by
  /// `region_name`, `level_name` and `standing`, so that an export can be imported again.
  /// `decided` is the date of the grant; a renewal shows in `valid_until`.
  public func exportCSV(at instant: Instant? = nil) async throws(RegistryError) -> String {
    var lines = [CSV.line(Self.importColumns + ["region_name", "level_name", "standing"])]
    for state in try await allServices(at: instant) {
      let decision = state.decision
      lines.append(
        CSV.line([
          state.siret.digits, state.profile.name, state.profile.address ?? "",
          state.profile.city ?? "",
          state.profile.region?.code ?? "", state.profile.website ?? "",
          decision.map { "\($0.level.rawValue)" } ?? "", decision.map { "\($0.grantedOn)" } ?? "",
          decision.map { "\($0.validFrom)" } ?? "", decision.map { "\($0.validUntil)" } ?? "",
          decision?.evaluator ?? "", decision?.reference ?? "", state.profile.region?.name ?? "",
          decision?.level.frenchName ?? "", state.standing.rawValue,
        ])
      )
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  /// Every service's current state as JSON lines: one canonical JSON object per service.
  public func exportJSONLines(at instant: Instant? = nil) async throws(RegistryError) -> String {
    try await allServices(at: instant).map { CanonicalJSON.string(StateJSON.service($0)) + "\n" }
      .joined()
  }

  /// What a grant decides, to tell a repeated import row from a new decision.
  private struct DecisionTerms: Equatable {
    let level: Level
    let decided: CalendarDate
    let validFrom: CalendarDate
    let validUntil: CalendarDate
    let evaluator: String?
    let reference: String?

    init(_ grant: LevelGranted) {
      (level, decided, validFrom, validUntil) = (
        grant.level, grant.decided, grant.validFrom, grant.validUntil
      )
      (evaluator, reference) = (grant.evaluator, grant.reference)
    }

    init(_ decision: Decision) {
      (level, decided, validFrom, validUntil) = (
        decision.level, decision.grantedOn, decision.validFrom, decision.validUntil
      )
      (evaluator, reference) = (decision.evaluator, decision.reference)
    }
  }

  private static func columnIndexes(_ header: CSVRecord) throws(RegistryError) -> [String: Int] {
    var indexes: [String: Int] = [:]
    for (index, rawName) in header.fields.enumerated() {
      let name = rawName.trimmingSpaces().lowercased()
      // Exported files carry derived columns: names are ignored, the standing is checked.
      if ["region_name", "level_name"].contains(name) { continue }
      guard importColumns.contains(name) || name == "standing" else {
        throw .importRejected(line: header.line, reason: "unknown column \"\(name.prefix(40))\"")
      }
      guard indexes.updateValue(index, forKey: name) == nil else {
        throw .importRejected(line: header.line, reason: "column \"\(name)\" appears twice")
      }
    }
    for required in ["siret", "name"] where indexes[required] == nil {
      throw .importRejected(line: header.line, reason: "the header has no \"\(required)\" column")
    }
    return indexes
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}
