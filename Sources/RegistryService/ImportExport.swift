public import AmexistDomain
import RegistryStore

/// What an import wrote.
public struct ImportSummary: Hashable, Sendable {
    public let servicesRegistered: Int
    public let servicesUpdated: Int
    public let decisionsRecorded: Int
    /// Data rows read (the header excluded).
    public let rows: Int
}

extension RegistryService {
    /// The columns of the import and export files, in order.
    public static let importColumns = [
        "siret", "name", "address", "city", "region", "website", "level", "decided", "valid_from", "valid_until",
        "evaluator", "reference",
    ]

    /// Largest import file accepted, in bytes.
    public static let maximumImportSize = 16 * 1024 * 1024

    /// Imports a CSV file of services and decisions as one batch: all of it, or nothing.
    ///
    /// The header names the columns (any order; `siret` and `name` are required, the others of
    /// ``importColumns`` optional). Each row registers its service if it is new, updates its
    /// profile if it differs, and, when `level` is filled in, records a grant decision with
    /// `decided`, `valid_until` and the optional `valid_from`, `evaluator` and `reference`.
    ///
    /// - Throws: ``RegistryError/importRejected(line:reason:)`` for the first bad row, with its
    ///   line number; nothing is written then.
    public func importCSV(_ text: String) async throws(RegistryError) -> ImportSummary {
        guard text.utf8.count <= Self.maximumImportSize else {
            throw .importRejected(line: 1, reason: "the file is larger than \(Self.maximumImportSize / 1_048_576) MiB")
        }
        let records: [CSVRecord]
        do {
            records = try CSV.parse(text)
        } catch {
            throw .importRejected(line: error.line, reason: error.reason)
        }
        guard let header = records.first else { throw .importRejected(line: 1, reason: "the file is empty") }
        let columns = try Self.columnIndexes(header)

        var known = Set(try await read { snapshot in try snapshot.registeredServices() })
        var profiles: [SIRET: ServiceProfile] = [:]
        for state in try await allServices() { profiles[state.siret] = state.profile }

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
                if !known.contains(siret) {
                    events.append((.serviceRegistered(ServiceRegistered(siret: siret, profile: profile)), record.line))
                    known.insert(siret)
                    summary.registered += 1
                } else if profiles[siret] != profile {
                    events.append((.serviceUpdated(ServiceUpdated(siret: siret, profile: profile)), record.line))
                    summary.updated += 1
                }
                profiles[siret] = profile
                if let levelText = value("level") {
                    guard let decidedText = value("decided"), let untilText = value("valid_until") else {
                        throw DomainError.invalidText(field: "decision", reason: "a level needs decided and valid_until")
                    }
                    let grant = try LevelGranted(
                        siret: siret, level: try Level(parsing: levelText), decided: try CalendarDate(parsing: decidedText),
                        validFrom: try value("valid_from").map { text throws(DomainError) in try CalendarDate(parsing: text) },
                        validUntil: try CalendarDate(parsing: untilText), evaluator: value("evaluator"),
                        reference: value("reference")
                    )
                    events.append((.levelGranted(grant), record.line))
                    summary.decisions += 1
                } else if ["decided", "valid_from", "valid_until", "evaluator", "reference"].contains(where: { value($0) != nil }) {
                    throw DomainError.invalidText(field: "decision", reason: "decision columns are filled in but level is empty")
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
    public func exportCSV(at instant: Instant? = nil) async throws(RegistryError) -> String {
        var lines = [CSV.line(Self.importColumns + ["region_name", "level_name", "standing"])]
        for state in try await allServices(at: instant) {
            let decision = state.decision
            lines.append(
                CSV.line([
                    state.siret.digits, state.profile.name, state.profile.address ?? "", state.profile.city ?? "",
                    state.profile.region?.code ?? "", state.profile.website ?? "",
                    decision.map { "\($0.level.rawValue)" } ?? "", decision.map { "\($0.decided)" } ?? "",
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
        try await allServices(at: instant).map { CanonicalJSON.string(StateJSON.service($0)) + "\n" }.joined()
    }

    private static func columnIndexes(_ header: CSVRecord) throws(RegistryError) -> [String: Int] {
        var indexes: [String: Int] = [:]
        for (index, rawName) in header.fields.enumerated() {
            let name = rawName.trimmingSpaces().lowercased()
            // Exported files carry derived columns; they are read back and ignored.
            if ["region_name", "level_name", "standing"].contains(name) { continue }
            guard importColumns.contains(name) else {
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
