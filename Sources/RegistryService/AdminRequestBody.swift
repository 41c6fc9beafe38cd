public import AmexistDomain

/// Why an admin request body is refused.
public enum AdminRequestError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The body is not what the route accepts; the message says why.
  case badRequest(String)
  /// The body's media type is not one the route accepts.
  case unsupportedMediaType

  public var description: String {
    switch self {
    case .badRequest(let message): return message
    case .unsupportedMediaType: return "this content type is not accepted here"
    }
  }
}

/// A strict admin request body: JSON without duplicate or unknown members (or CSV for imports).
public struct AdminRequestBody: Sendable {
  /// The JSON members (none for CSV or an empty body).
  public let members: [String: JSONValue]
  /// The CSV text, for imports.
  public let text: String?

  /// The body `bytes` sent as `mediaType` (lowercased, without parameters): a JSON object of at
  /// most 16 KiB without duplicate members, UTF-8 CSV, or nothing.
  public init(_ bytes: [UInt8], mediaType: String) throws(AdminRequestError) {
    switch mediaType {
    case "text/csv":
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw .badRequest("the CSV is not UTF-8")
      }
      members = [:]
      self.text = text
    case "application/json":
      guard case .object(let members) = try? StrictJSONParser(maximumSize: 16_384).parse(bytes)
      else {
        throw .badRequest("the body must be one JSON object, without duplicate members")
      }
      self.members = members
      text = nil
    case "" where bytes.isEmpty:
      members = [:]
      text = nil
    default:
      throw .unsupportedMediaType
    }
  }

  /// Refuses members not in `allowed` (no mass assignment).
  public func only(_ allowed: Set<String>) throws(AdminRequestError) {
    if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
      throw .badRequest("unknown member \"\(unknown.prefix(40))\"")
    }
  }

  /// The string member `name`, nil when absent or null.
  public func optionalString(_ name: String) throws(AdminRequestError) -> String? {
    switch members[name] {
    case nil, .null: return nil
    case .string(let value): return value
    default: throw .badRequest("\(name) must be a string")
    }
  }

  /// The string member `name`, which is required.
  public func string(_ name: String) throws(AdminRequestError) -> String {
    guard let value = try optionalString(name) else { throw .badRequest("\(name) is required") }
    return value
  }

  /// The member `name` as a SIRET.
  public func siret(_ name: String) throws(AdminRequestError) -> SIRET {
    do { return try SIRET(try string(name)) } catch { throw .badRequest("\(error)") }
  }

  /// The member `name` as a calendar date (`YYYY-MM-DD`), nil when absent.
  public func date(_ name: String) throws(AdminRequestError) -> CalendarDate? {
    try optionalString(name).map { text throws(AdminRequestError) in
      do { return try CalendarDate(parsing: text) } catch { throw .badRequest("\(error)") }
    }
  }

  /// The CSV text of an import.
  public func csv() throws(AdminRequestError) -> String {
    guard let text else { throw .unsupportedMediaType }
    return text
  }

  /// The service profile the members describe.
  public func profile() throws(AdminRequestError) -> ServiceProfile {
    do {
      return try ServiceProfile(
        name: try string("name"), address: try optionalString("address"),
        city: try optionalString("city"), region: try optionalString("region"),
        website: try optionalString("website"))
    } catch let error as AdminRequestError {
      throw error
    } catch {
      throw .badRequest("\(error)")
    }
  }

  /// The decision event the body describes (`"decision"`: grant, renew, suspend, reinstate or
  /// withdraw, with that decision's members only).
  public func decision(_ siret: SIRET, today: CalendarDate) throws(AdminRequestError) -> Event {
    let name = try string("decision")
    guard let verb = DecisionVerb(rawValue: name) else {
      throw .badRequest(
        "decision must be \(DecisionVerb.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let decided = try date("decided") ?? today
    do {
      switch verb {
      case .grant:
        try only([
          "decision", "level", "decided", "validFrom", "validUntil", "evaluator", "reference",
          "corrects",
        ])
        guard case .integer(let number) = members["level"], let level = Level(rawValue: Int(number))
        else {
          throw AdminRequestError.badRequest("level must be 1, 2 or 3")
        }
        var corrects: Int64?
        if case .integer(let index) = members["corrects"] { corrects = index }
        guard let validUntil = try date("validUntil") else {
          throw AdminRequestError.badRequest("validUntil is required")
        }
        return .levelGranted(
          try LevelGranted(
            siret: siret, level: level, decided: decided, validFrom: try date("validFrom"),
            validUntil: validUntil, evaluator: try optionalString("evaluator"),
            reference: try optionalString("reference"), corrects: corrects))
      case .renew:
        try only(["decision", "decided", "validUntil", "evaluator", "reference"])
        guard let validUntil = try date("validUntil") else {
          throw AdminRequestError.badRequest("validUntil is required")
        }
        return .levelRenewed(
          try LevelRenewed(
            siret: siret, decided: decided, validUntil: validUntil,
            evaluator: try optionalString("evaluator"), reference: try optionalString("reference")))
      case .suspend:
        try only(["decision", "decided", "reason"])
        return .levelSuspended(
          try LevelSuspended(siret: siret, decided: decided, reason: try string("reason")))
      case .reinstate:
        try only(["decision", "decided"])
        return .levelReinstated(LevelReinstated(siret: siret, decided: decided))
      case .withdraw:
        try only(["decision", "decided", "reason"])
        return .levelWithdrawn(
          try LevelWithdrawn(siret: siret, decided: decided, reason: try string("reason")))
      }
    } catch let error as AdminRequestError {
      throw error
    } catch {
      throw .badRequest("\(error)")
    }
  }
}

/// The decisions the admin API records, by the word its `"decision"` member gives.
public enum DecisionVerb: String, CaseIterable, Sendable {
  case grant, renew, suspend, reinstate, withdraw
}
