public import AmexistDomain

/// The registry's open data: every service with its level, standing, dates and certifying
/// body, as CSV and as JSON Lines, under Licence Ouverte 2.0, with a description of the columns
/// (a Table Schema, as schema.data.gouv.fr publishes them).
///
/// One definition serves `amexist export`, the server's `/open-data/` files and their schema.
/// The CSV's first columns are the import file's (``RegistryService/importColumns``), so that
/// an export imports again; the columns after them are derived, and import skips them.
public enum OpenData {
  /// The licence every open-data file is published under.
  public static let licence = "Licence Ouverte / Open Licence version 2.0"
  /// Where the licence's text is.
  public static let licenceURL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

  /// One CSV column: its name, its type (Table Schema), what it holds in French, and its value
  /// for a service's state (empty when it does not apply).
  public struct Column: Sendable {
    /// The column's name in the header row.
    public let name: String
    /// `string`, `integer`, `boolean`, `date` or `datetime`.
    public let type: String
    /// What the column holds, in French.
    public let description: String
    let value: @Sendable (ServiceState) -> String?

    init(
      _ name: String, _ type: String, _ description: String,
      _ value: @escaping @Sendable (ServiceState) -> String?
    ) {
      (self.name, self.type, self.description, self.value) = (name, type, description, value)
    }
  }

  /// The CSV's columns, in order: the import file's, then the derived ones.
  public static let columns: [Column] = [
    Column("siret", "string", "SIRET du service (14 chiffres)") { $0.siret.digits },
    Column("name", "string", "Nom du service") { $0.profile.name },
    Column("address", "string", "Adresse") { $0.profile.address },
    Column("city", "string", "Commune") { $0.profile.city },
    Column("region", "string", "Code INSEE de la région") { $0.profile.region?.code },
    Column("website", "string", "Site web du service") { $0.profile.website },
    Column(
      "level", "integer",
      "Niveau de la dernière décision (1 à 3), qu'il soit en vigueur, suspendu, retiré, expiré ou à venir : voir standing"
    ) { $0.decision.map { String($0.level.rawValue) } },
    Column("decided", "date", "Date de la décision qui a accordé ce niveau") {
      $0.decision?.grantedOn.description
    },
    Column("valid_from", "date", "Début de la validité accordée") {
      $0.decision?.validFrom.description
    },
    Column("valid_until", "date", "Fin de la validité accordée (renouvellement compris)") {
      $0.decision?.validUntil.description
    },
    Column("evaluator", "string", "Évaluateur (vide : la fédération)") { $0.decision?.evaluator },
    Column("reference", "string", "Référence de la décision") { $0.decision?.reference },
    Column("renewed", "date", "Date du dernier renouvellement") { state in
      state.decision.flatMap { $0.isRenewed ? $0.decided.description : nil }
    },
    Column("granted_until", "date", "Fin de validité initialement accordée, avant renouvellement") {
      state in state.decision.flatMap { $0.isRenewed ? $0.grantValidUntil.description : nil }
    },
    Column("region_name", "string", "Nom de la région") { $0.profile.region?.name },
    Column("level_name", "string", "Intitulé du niveau") { $0.decision?.level.frenchName },
    Column(
      "standing", "string",
      "Situation : active (niveau en vigueur), suspended (suspendu), withdrawn (retiré), expired (expiré), none (aucun niveau en vigueur)"
    ) { $0.standing.rawValue },
    Column(
      "body", "string",
      "Identifiant de l'organisme certificateur qui a décidé (vide : la fédération)"
    ) { $0.decision?.body },
    Column("suspended_on", "date", "Date de la suspension en cours") {
      $0.suspension?.decided.description
    },
    Column("suspension_reason", "string", "Motif de la suspension") { $0.suspension?.reason },
    Column("withdrawn_on", "date", "Date du retrait") { $0.withdrawal?.decided.description },
    Column("withdrawal_reason", "string", "Motif du retrait") { $0.withdrawal?.reason },
    Column("reserves_deadline", "date", "Échéance de levée des réserves") {
      $0.reserves?.deadline.description
    },
    Column("reserves_lifted_on", "date", "Date de levée des réserves") {
      $0.reserves?.liftedOn?.description
    },
    Column("reserves_overdue", "boolean", "Réserves non levées à l'échéance (true ou false)") {
      $0.reservesOverdue ? "true" : "false"
    },
    Column("registered_at", "datetime", "Inscription au registre (UTC)") {
      $0.registeredAt.description
    },
  ]

  /// The derived columns, which import skips.
  static let derivedColumns = Set(columns.map(\.name)).subtracting(RegistryService.importColumns)

  /// How a CSV file is laid out.
  public enum CSVDialect: Sendable {
    /// RFC 4180: `,` separated, CRLF line ends, UTF-8 without a byte order mark (open data).
    case standard
    /// What French spreadsheets open directly: `;` separated, UTF-8 with a byte order mark.
    case excel
  }

  /// The services as CSV, with a header. A cell that a spreadsheet would run as a formula
  /// (its first character `=`, `+`, `-`, `@`, a tab or a carriage return) starts with an
  /// apostrophe instead, which import takes off again.
  public static func csv(
    _ states: some Collection<ServiceState>, dialect: CSVDialect = .standard,
    progress: ProgressHandler? = nil
  ) -> String {
    let separator: Character = dialect == .excel ? ";" : ","
    var text = dialect == .excel ? "\u{FEFF}" : ""
    text += CSV.line(columns.map(\.name), separator: separator) + "\r\n"
    for (number, state) in states.enumerated() {
      progress?(Int64(number + 1), Int64(states.count))
      let cells = columns.map { CSV.neutralised($0.value(state) ?? "") }
      text += CSV.line(cells, separator: separator) + "\r\n"
    }
    return text
  }

  /// The services as JSON Lines: one ``StateJSON/service(_:)`` object per line, as
  /// `service list --json` prints them.
  public static func jsonLines(
    _ states: some Collection<ServiceState>, progress: ProgressHandler? = nil
  )
    -> String
  {
    var text = ""
    for (number, state) in states.enumerated() {
      progress?(Int64(number + 1), Int64(states.count))
      text += CanonicalJSON.string(StateJSON.service(state)) + "\n"
    }
    return text
  }

  /// The CSV's description as a Table Schema (frictionless data), with the licence.
  public static func schema(csvURL: String) -> JSONValue {
    .object([
      "name": .string("amexist-services"),
      "title": .string("Services de santé au travail et leur niveau AMEXIST"),
      "path": .string(csvURL),
      "licenses": .array([.object(["title": .string(licence), "path": .string(licenceURL)])]),
      "fields": .array(
        columns.map { column in
          .object([
            "name": .string(column.name), "type": .string(column.type),
            "description": .string(column.description),
          ])
        }),
      "primaryKey": .string("siret"),
    ])
  }
}
