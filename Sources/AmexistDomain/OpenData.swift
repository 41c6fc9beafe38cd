/// The registry's open data: every service with its level, standing, dates and certifying
/// body, as one CSV file and as JSON Lines, under Licence Ouverte 2.0, with a description of
/// the columns (a Table Schema, as schema.data.gouv.fr publishes them).
///
/// The CSV's columns are the flat view of ``StateJSON/service(_:)``: a program that reads
/// either finds the same values.
public enum OpenData {
  /// The licence every open-data file is published under.
  public static let licence = "Licence Ouverte / Open Licence version 2.0"
  /// Where the licence's text is.
  public static let licenceURL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

  /// One CSV column: its name, its type (Table Schema), its description in French, and how a
  /// service's state gives its value (nil is an empty cell).
  public struct Column: Sendable {
    /// The column's name in the header row.
    public let name: String
    /// `string`, `integer`, `boolean`, `date` or `datetime`.
    public let type: String
    /// What the column holds, in French.
    public let description: String
    let value: @Sendable (ServiceState) -> String?
  }

  /// The CSV's columns, in order.
  public static let columns: [Column] = [
    Column(name: "siret", type: "string", description: "SIRET du service (14 chiffres)") {
      $0.siret.digits
    },
    Column(name: "name", type: "string", description: "Nom du service") { $0.profile.name },
    Column(name: "address", type: "string", description: "Adresse") { $0.profile.address },
    Column(name: "city", type: "string", description: "Commune") { $0.profile.city },
    Column(name: "region", type: "string", description: "Code INSEE de la région") {
      $0.profile.region?.code
    },
    Column(name: "region_name", type: "string", description: "Nom de la région") {
      $0.profile.region?.name
    },
    Column(name: "website", type: "string", description: "Site web du service") {
      $0.profile.website
    },
    Column(
      name: "standing", type: "string",
      description:
        "Situation : active (niveau en vigueur), suspended (suspendu), withdrawn (retiré), expired (expiré), none (aucun niveau)"
    ) { $0.standing.rawValue },
    Column(
      name: "level", type: "integer",
      description: "Niveau en vigueur (1 à 3) ; vide quand aucun niveau n'est en vigueur"
    ) { $0.heldLevel.map { String($0.rawValue) } },
    Column(
      name: "decision_level", type: "integer",
      description: "Niveau de la dernière décision, même suspendu, retiré, expiré ou à venir"
    ) { $0.decision.map { String($0.level.rawValue) } },
    Column(name: "decision_level_name", type: "string", description: "Intitulé de ce niveau") {
      $0.decision?.level.frenchName
    },
    Column(name: "decided", type: "date", description: "Date de la dernière décision") {
      $0.decision?.decided.description
    },
    Column(name: "valid_from", type: "date", description: "Début de validité accordé") {
      $0.decision?.validFrom.description
    },
    Column(name: "valid_until", type: "date", description: "Fin de validité accordée") {
      $0.decision?.validUntil.description
    },
    Column(
      name: "body", type: "string",
      description: "Organisme certificateur qui a décidé (vide : décision de la fédération)"
    ) { $0.decision?.body },
    Column(name: "evaluator", type: "string", description: "Évaluateur") {
      $0.decision?.evaluator
    },
    Column(name: "suspended_on", type: "date", description: "Date de la suspension en cours") {
      $0.suspension?.decided.description
    },
    Column(name: "suspension_reason", type: "string", description: "Motif de la suspension") {
      $0.suspension?.reason
    },
    Column(name: "withdrawn_on", type: "date", description: "Date du retrait") {
      $0.withdrawal?.decided.description
    },
    Column(name: "withdrawal_reason", type: "string", description: "Motif du retrait") {
      $0.withdrawal?.reason
    },
    Column(
      name: "reserves_deadline", type: "date", description: "Échéance de levée des réserves"
    ) { $0.reserves?.deadline.description },
    Column(name: "reserves_lifted_on", type: "date", description: "Date de levée des réserves") {
      $0.reserves?.liftedOn?.description
    },
    Column(
      name: "reserves_overdue", type: "boolean",
      description: "Réserves non levées à l'échéance (true ou false)"
    ) { $0.reservesOverdue ? "true" : "false" },
    Column(
      name: "registered_at", type: "datetime", description: "Inscription au registre (UTC)"
    ) { $0.registeredAt.description },
    Column(
      name: "as_of", type: "datetime",
      description: "Instant auquel cette situation a été établie (UTC)"
    ) { $0.asOf.description },
  ]

  /// The services as CSV (RFC 4180: comma-separated, CRLF line ends, UTF-8), with a header.
  ///
  /// A text cell that a spreadsheet would run as a formula (its first character `=`, `+`,
  /// `-`, `@`, a tab or a carriage return) starts with an apostrophe instead, so that opening
  /// the file never runs what a service's name or a reason holds.
  public static func csv(_ states: [ServiceState]) -> String {
    var text = columns.map(\.name).joined(separator: ",") + "\r\n"
    for state in states {
      text += columns.map { cell($0.value(state) ?? "") }.joined(separator: ",") + "\r\n"
    }
    return text
  }

  /// One CSV cell, neutralised against formulas and quoted when it must be.
  static func cell(_ value: String) -> String {
    var value = value
    if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
      value = "'" + value
    }
    // By scalars: "\r\n" is one Character, so a lone CR would slip past a Character test.
    guard value.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else {
      return value
    }
    return "\"" + String(value.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
  }

  /// The services as JSON Lines: one ``StateJSON/service(_:)`` object per line.
  public static func jsonLines(_ states: [ServiceState]) -> [UInt8] {
    var bytes: [UInt8] = []
    for state in states {
      bytes += CanonicalJSON.encode(StateJSON.service(state))
      bytes.append(0x0A)
    }
    return bytes
  }

  /// The CSV's description as a Table Schema (frictionless data), with the licence.
  public static func schema(csvURL: String) -> JSONValue {
    .object([
      "name": .string("amexist-services"),
      "title": .string("Services de santé au travail et leur niveau AMEXIST"),
      "path": .string(csvURL),
      "licenses": .array([
        .object(["title": .string(licence), "path": .string(licenceURL)])
      ]),
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
