public import AmexistDomain
import Foundation
import RegistryStore

/// What an import wrote.
public struct ImportSummary: Hashable, Sendable {
  public let servicesRegistered: Int
  public let servicesUpdated: Int
  public let decisionsRecorded: Int
  /// Data rows read (the header excluded).
  public let rows: Int
  /// The entries appended (or, for a dry run, that would be).
  public let events: [LoggedEvent]

  /// A summary with the given counts.
  public init(
    servicesRegistered: Int, servicesUpdated: Int, decisionsRecorded: Int, rows: Int,
    events: [LoggedEvent] = []
  ) {
    self.servicesRegistered = servicesRegistered
    self.servicesUpdated = servicesUpdated
    self.decisionsRecorded = decisionsRecorded
    self.rows = rows
    self.events = events
  }
}

extension RegistryService {
  /// The columns of the import and export files, in order.
  public static let importColumns = [
    "siret", "name", "address", "city", "region", "website", "level", "decided", "valid_from",
    "valid_until",
    "evaluator", "reference", "renewed", "granted_until",
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
  ///
  /// With `dryRun`, every row is checked as for an import and nothing is written.
  public func importCSV(
    _ text: String, dryRun: Bool = false, progress: ProgressHandler? = nil
  ) async throws(RegistryError)
    -> ImportSummary
  {
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
    var lineOf: [SIRET: Int] = [:]
    for (number, record) in records.dropFirst().enumerated() {
      progress?(Int64(number + 1), Int64(records.count - 1))
      guard record.fields.count == header.fields.count else {
        throw .importRejected(
          line: record.line,
          reason: "\(record.fields.count) fields where the header has \(header.fields.count)"
        )
      }
      func value(_ column: String) -> String? {
        guard let index = columns[column] else { return nil }
        let text = CSV.readingNeutralised(record.fields[index])
        return text.allSatisfy(\.isWhitespace) ? nil : text
      }
      let siretText = value("siret") ?? ""
      if let siret = try? SIRET(siretText),
        let first = lineOf.updateValue(record.line, forKey: siret)
      {
        throw .importRejected(
          line: record.line,
          reason:
            "SIRET \(siret.digits) is on line \(first) and line \(record.line): a file names each service once"
        )
      }
      do throws(DomainError) {
        let siret: SIRET
        do {
          siret = try SIRET(siretText)
        } catch {
          let digits = siretText.filter(\.isNumber)
          if digits.count == 13, (try? SIRET("0" + digits)) != nil {
            throw DomainError.invalidText(
              field: "siret",
              reason:
                "\(digits) has 13 digits: a spreadsheet dropped its leading zero (0\(digits)); format the column as text and write the 14 digits"
            )
          }
          throw error
        }
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
            validUntil: try CalendarDate(parsing: value("granted_until") ?? untilText),
            evaluator: value("evaluator"), reference: value("reference")
          )
          // A renewed decision is the grant as it was decided, then its latest renewal.
          var renewal: LevelRenewed?
          if let renewedText = value("renewed") {
            guard value("granted_until") != nil else {
              throw DomainError.invalidText(
                field: "decision", reason: "a renewed decision needs granted_until")
            }
            renewal = try LevelRenewed(
              siret: siret, decided: try CalendarDate(parsing: renewedText),
              validUntil: try CalendarDate(parsing: untilText), evaluator: value("evaluator"),
              reference: value("reference"))
          }
          let terms = DecisionTerms(grant, renewedUntil: renewal?.validUntil)
          // Importing the same file again records nothing new.
          if decisions[siret] != terms {
            events.append((.levelGranted(grant), record.line))
            if let renewal { events.append((.levelRenewed(renewal), record.line)) }
            decisions[siret] = terms
            summary.decisions += 1
          }
        } else if [
          "decided", "valid_from", "valid_until", "evaluator", "reference", "renewed",
          "granted_until",
        ].contains(
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
    let appended = events.isEmpty ? [] : try await appendChecked(events, dryRun: dryRun)
    return ImportSummary(
      servicesRegistered: summary.registered, servicesUpdated: summary.updated,
      decisionsRecorded: summary.decisions, rows: records.count - 1, events: appended
    )
  }

  /// Every service's current state as open-data CSV (``OpenData/csv(_:dialect:progress:)``):
  /// the columns of the import file, then derived ones, so that an export imports again.
  public func exportCSV(
    at instant: Instant? = nil, dialect: OpenData.CSVDialect = .standard,
    progress: ProgressHandler? = nil
  )
    async throws(RegistryError) -> String
  {
    OpenData.csv(try await allServices(at: instant), dialect: dialect, progress: progress)
  }

  /// Every service's current state as JSON lines: one canonical JSON object per service.
  public func exportJSONLines(at instant: Instant? = nil, progress: ProgressHandler? = nil)
    async throws(RegistryError) -> String
  {
    OpenData.jsonLines(try await allServices(at: instant), progress: progress)
  }

  /// What a grant decides, to tell a repeated import row from a new decision.
  private struct DecisionTerms: Equatable {
    let level: Level
    let decided: CalendarDate
    let validFrom: CalendarDate
    let validUntil: CalendarDate
    let evaluator: String?
    let reference: String?

    init(_ grant: LevelGranted, renewedUntil: CalendarDate?) {
      (level, decided, validFrom, validUntil) = (
        grant.level, grant.decided, grant.validFrom, renewedUntil ?? grant.validUntil
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
      let written = rawName.trimmingSpaces().lowercased()
      let name = frenchColumns[Self.folded(written)] ?? written
      // Exported files carry derived columns: they are skipped, but the standing is checked.
      if name != "standing", OpenData.derivedColumns.contains(name) { continue }
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

extension RegistryService {
  /// French column names (as French registries and spreadsheets write them), folded by
  /// ``folded(_:)``, and the column each one means.
  static let frenchColumns: [String: String] = [
    "siret": "siret", "nom": "name", "raison sociale": "name", "denomination": "name",
    "adresse": "address", "ville": "city", "commune": "city", "region": "region",
    "code region": "region", "site web": "website", "site internet": "website",
    "niveau": "level", "date de decision": "decided", "decision": "decided",
    "date decision": "decided", "valable du": "valid_from", "debut de validite": "valid_from",
    "valable jusqu'au": "valid_until", "fin de validite": "valid_until",
    "evaluateur": "evaluator", "reference": "reference", "situation": "standing",
    "nom de la region": "region_name", "nom du niveau": "level_name",
  ]

  /// A header cell without accents, with `_` and `-` read as spaces.
  static func folded(_ name: String) -> String {
    name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
      .replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
      .replacingOccurrences(of: "’", with: "'")
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}
