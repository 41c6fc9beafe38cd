/// The wire form of a recorded event: version 1 of the log's leaf format.
///
/// A leaf is a canonical JSON object (see ``CanonicalJSON``) with `v` (1), `event` (the kind),
/// `recordedAt` (RFC 3339 UTC) and the event's own members; absent optional values are omitted,
/// never `null`. Decoding refuses unknown members, wrong types and any bytes that are not the
/// canonical encoding of what they decode to.
public enum EventCoding {
  /// The leaf format version written by this code.
  public static let formatVersion: Int64 = 1

  /// Largest stored event accepted, in bytes.
  public static let maximumSize = 16_384

  /// The canonical bytes of `recorded`.
  public static func encode(_ recorded: RecordedEvent) -> [UInt8] {
    CanonicalJSON.encode(json(recorded))
  }

  /// The JSON object of `recorded`.
  public static func json(_ recorded: RecordedEvent) -> JSONValue {
    var members: [String: JSONValue] = [
      "v": .integer(formatVersion),
      "event": .string(recorded.event.kind),
      "recordedAt": .string(recorded.recordedAt.description),
    ]
    func put(_ name: String, _ value: String?) {
      if let value { members[name] = .string(value) }
    }
    func putProfile(_ siret: SIRET, _ profile: ServiceProfile) {
      put("siret", siret.digits)
      put("name", profile.name)
      put("address", profile.address)
      put("city", profile.city)
      put("region", profile.region?.code)
      put("website", profile.website)
    }
    switch recorded.event {
    case .serviceRegistered(let event): putProfile(event.siret, event.profile)
    case .serviceUpdated(let event): putProfile(event.siret, event.profile)
    case .levelGranted(let event):
      put("siret", event.siret.digits)
      members["level"] = .integer(Int64(event.level.rawValue))
      put("decided", event.decided.description)
      put("validFrom", event.validFrom.description)
      put("validUntil", event.validUntil.description)
      put("evaluator", event.evaluator)
      put("reference", event.reference)
      if let corrects = event.corrects { members["corrects"] = .integer(corrects) }
    case .levelRenewed(let event):
      put("siret", event.siret.digits)
      put("decided", event.decided.description)
      put("validUntil", event.validUntil.description)
      put("evaluator", event.evaluator)
      put("reference", event.reference)
    case .levelSuspended(let event):
      put("siret", event.siret.digits)
      put("decided", event.decided.description)
      put("reason", event.reason)
    case .levelReinstated(let event):
      put("siret", event.siret.digits)
      put("decided", event.decided.description)
    case .levelWithdrawn(let event):
      put("siret", event.siret.digits)
      put("decided", event.decided.description)
      put("reason", event.reason)
    case .attestationIssued(let event):
      put("siret", event.siret.digits)
      put("attestation", event.attestationID)
      members["decision"] = .integer(event.decisionIndex)
      put("payloadSHA256", event.payloadSHA256)
    case .keyAdded(let event):
      put("kid", event.kid)
      put("alg", event.algorithm)
      members["jwk"] = event.publicKey
      put("validFrom", event.validFrom.description)
      put("validUntil", event.validUntil?.description)
    case .keyRetired(let event):
      put("kid", event.kid)
      put("at", event.at.description)
    case .keyRevoked(let event):
      put("kid", event.kid)
      put("at", event.at.description)
      put("reason", event.reason)
    }
    return .object(members)
  }

  /// Decodes stored or received leaf bytes.
  ///
  /// - Throws: ``DomainError/malformedEvent(reason:)`` when the bytes are not the canonical
  ///   encoding of a version-1 event, or any field is invalid.
  public static func decode(_ bytes: [UInt8]) throws(DomainError) -> RecordedEvent {
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: maximumSize, maximumDepth: 8).parse(bytes)
    } catch {
      throw .malformedEvent(reason: error.description)
    }
    guard case .object(let members) = value else {
      throw .malformedEvent(reason: "not a JSON object")
    }
    var fields = Fields(members: members)
    let recorded: RecordedEvent
    do throws(DomainError) {
      guard try fields.integer("v") == formatVersion else {
        throw .malformedEvent(reason: "unsupported format version")
      }
      let kind = try fields.string("event")
      let recordedAt = try Instant(parsing: try fields.string("recordedAt"))
      recorded = RecordedEvent(
        recordedAt: recordedAt, event: try decodeEvent(kind: kind, fields: &fields))
    } catch {
      if case .malformedEvent = error { throw error }
      throw .malformedEvent(reason: error.description)
    }
    if let unknown = fields.unread.sorted().first {
      throw .malformedEvent(reason: "unknown member \(Printable.quoted(unknown))")
    }
    guard encode(recorded) == bytes else { throw .malformedEvent(reason: "not in canonical form") }
    return recorded
  }

  private static func decodeEvent(kind: String, fields: inout Fields) throws(DomainError) -> Event {
    func profile(_ fields: inout Fields) throws(DomainError) -> ServiceProfile {
      try ServiceProfile(
        name: try fields.string("name"), address: try fields.optionalString("address"),
        city: try fields.optionalString("city"), region: try fields.optionalString("region"),
        website: try fields.optionalString("website")
      )
    }
    func date(_ name: String, _ fields: inout Fields) throws(DomainError) -> CalendarDate {
      try CalendarDate(parsing: try fields.string(name))
    }
    switch kind {
    case "serviceRegistered":
      return .serviceRegistered(
        ServiceRegistered(
          siret: try SIRET(try fields.string("siret")), profile: try profile(&fields))
      )
    case "serviceUpdated":
      return .serviceUpdated(
        ServiceUpdated(siret: try SIRET(try fields.string("siret")), profile: try profile(&fields)))
    case "levelGranted":
      guard let level = Level(rawValue: Int(try fields.integer("level"))) else {
        throw .malformedEvent(reason: "member \"level\" must be 1, 2 or 3")
      }
      return .levelGranted(
        try LevelGranted(
          siret: try SIRET(try fields.string("siret")), level: level,
          decided: try date("decided", &fields),
          validFrom: try date("validFrom", &fields), validUntil: try date("validUntil", &fields),
          evaluator: try fields.optionalString("evaluator"),
          reference: try fields.optionalString("reference"),
          corrects: try fields.optionalInteger("corrects")
        )
      )
    case "levelRenewed":
      return .levelRenewed(
        try LevelRenewed(
          siret: try SIRET(try fields.string("siret")), decided: try date("decided", &fields),
          validUntil: try date("validUntil", &fields),
          evaluator: try fields.optionalString("evaluator"),
          reference: try fields.optionalString("reference")
        )
      )
    case "levelSuspended":
      return .levelSuspended(
        try LevelSuspended(
          siret: try SIRET(try fields.string("siret")), decided: try date("decided", &fields),
          reason: try fields.string("reason")
        )
      )
    case "levelReinstated":
      return .levelReinstated(
        LevelReinstated(
          siret: try SIRET(try fields.string("siret")), decided: try date("decided", &fields))
      )
    case "levelWithdrawn":
      return .levelWithdrawn(
        try LevelWithdrawn(
          siret: try SIRET(try fields.string("siret")), decided: try date("decided", &fields),
          reason: try fields.string("reason")
        )
      )
    case "attestationIssued":
      return .attestationIssued(
        try AttestationIssued(
          siret: try SIRET(try fields.string("siret")),
          attestationID: try fields.string("attestation"),
          decisionIndex: try fields.integer("decision"),
          payloadSHA256: try fields.string("payloadSHA256")
        )
      )
    case "keyAdded":
      return .keyAdded(
        try KeyAdded(
          kid: try fields.string("kid"), algorithm: try fields.string("alg"),
          publicKey: try fields.value("jwk"),
          validFrom: try Instant(parsing: try fields.string("validFrom")),
          validUntil: try fields.optionalString("validUntil").map { text throws(DomainError) in
            try Instant(parsing: text)
          }
        )
      )
    case "keyRetired":
      return .keyRetired(
        try KeyRetired(
          kid: try fields.string("kid"), at: try Instant(parsing: try fields.string("at")))
      )
    case "keyRevoked":
      return .keyRevoked(
        try KeyRevoked(
          kid: try fields.string("kid"), at: try Instant(parsing: try fields.string("at")),
          reason: try fields.string("reason")
        )
      )
    default:
      throw .malformedEvent(reason: "unknown event kind \(Printable.quoted(kind))")
    }
  }

  /// Reads typed members of an object and remembers which ones were read.
  private struct Fields {
    let members: [String: JSONValue]
    var unread: Set<String>

    init(members: [String: JSONValue]) {
      self.members = members
      self.unread = Set(members.keys)
    }

    mutating func value(_ name: String) throws(DomainError) -> JSONValue {
      guard let value = members[name] else {
        throw .malformedEvent(reason: "missing member \"\(name)\"")
      }
      unread.remove(name)
      return value
    }

    mutating func string(_ name: String) throws(DomainError) -> String {
      guard case .string(let text) = try value(name) else {
        throw .malformedEvent(reason: "member \"\(name)\" must be a string")
      }
      return text
    }

    mutating func integer(_ name: String) throws(DomainError) -> Int64 {
      guard case .integer(let number) = try value(name) else {
        throw .malformedEvent(reason: "member \"\(name)\" must be an integer")
      }
      return number
    }

    mutating func optionalString(_ name: String) throws(DomainError) -> String? {
      members[name] == nil ? nil : try string(name)
    }

    mutating func optionalInteger(_ name: String) throws(DomainError) -> Int64? {
      members[name] == nil ? nil : try integer(name)
    }
  }
}
