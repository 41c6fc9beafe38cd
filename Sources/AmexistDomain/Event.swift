/// Something that happened in the registry. Events are never updated or deleted: a correction is
/// a new event that names the one it corrects.
public enum Event: Hashable, Sendable {
  case serviceRegistered(ServiceRegistered)
  case serviceUpdated(ServiceUpdated)
  case levelGranted(LevelGranted)
  case levelRenewed(LevelRenewed)
  case levelSuspended(LevelSuspended)
  case levelReinstated(LevelReinstated)
  case levelWithdrawn(LevelWithdrawn)
  case attestationIssued(AttestationIssued)
  case keyAdded(KeyAdded)
  case keyRetired(KeyRetired)
  case keyRevoked(KeyRevoked)

  /// The event's name in the log (`levelGranted`, …).
  public var kind: String {
    switch self {
    case .serviceRegistered: return "serviceRegistered"
    case .serviceUpdated: return "serviceUpdated"
    case .levelGranted: return "levelGranted"
    case .levelRenewed: return "levelRenewed"
    case .levelSuspended: return "levelSuspended"
    case .levelReinstated: return "levelReinstated"
    case .levelWithdrawn: return "levelWithdrawn"
    case .attestationIssued: return "attestationIssued"
    case .keyAdded: return "keyAdded"
    case .keyRetired: return "keyRetired"
    case .keyRevoked: return "keyRevoked"
    }
  }

  /// What the event is about: a service's SIRET, or `key:` and a key id for key events.
  /// Events with the same subject are folded together.
  public var subject: EventSubject {
    switch self {
    case .serviceRegistered(let event): return .service(event.siret)
    case .serviceUpdated(let event): return .service(event.siret)
    case .levelGranted(let event): return .service(event.siret)
    case .levelRenewed(let event): return .service(event.siret)
    case .levelSuspended(let event): return .service(event.siret)
    case .levelReinstated(let event): return .service(event.siret)
    case .levelWithdrawn(let event): return .service(event.siret)
    case .attestationIssued(let event): return .service(event.siret)
    case .keyAdded(let event): return .key(event.kid)
    case .keyRetired(let event): return .key(event.kid)
    case .keyRevoked(let event): return .key(event.kid)
    }
  }

  /// The date of the decision, for the events that record one.
  public var decisionDate: CalendarDate? {
    switch self {
    case .levelGranted(let event): return event.decided
    case .levelRenewed(let event): return event.decided
    case .levelSuspended(let event): return event.decided
    case .levelReinstated(let event): return event.decided
    case .levelWithdrawn(let event): return event.decided
    default: return nil
    }
  }
}

/// The thing an event is about.
public enum EventSubject: Hashable, Sendable, CustomStringConvertible {
  case service(SIRET)
  case key(String)

  /// The subject as stored beside the event for lookups: the SIRET, or `key:` and the key id.
  public var description: String {
    switch self {
    case .service(let siret): return siret.digits
    case .key(let kid): return "key:\(kid)"
    }
  }
}

/// A service enters the registry.
public struct ServiceRegistered: Hashable, Sendable {
  public let siret: SIRET
  public let profile: ServiceProfile
  /// The event for `siret` with `profile`.
  public init(siret: SIRET, profile: ServiceProfile) {
    self.siret = siret
    self.profile = profile
  }
}

/// A service's published profile changes; the new profile replaces the old one whole.
public struct ServiceUpdated: Hashable, Sendable {
  public let siret: SIRET
  public let profile: ServiceProfile
  /// The event for `siret` with `profile`.
  public init(siret: SIRET, profile: ServiceProfile) {
    self.siret = siret
    self.profile = profile
  }
}

/// A decision to grant a level, replacing any earlier decision from the day it is decided.
public struct LevelGranted: Hashable, Sendable {
  public let siret: SIRET
  public let level: Level
  /// The day the decision was taken.
  public let decided: CalendarDate
  /// The first day the level is held.
  public let validFrom: CalendarDate
  /// The last day the level is held (inclusive).
  public let validUntil: CalendarDate
  /// Who evaluated the service; nil means the federation itself (levels 1 and 2 only).
  public let evaluator: String?
  /// The evaluation's reference (audit report, certificate number).
  public let reference: String?
  /// The log index of an earlier decision this one corrects, if it is a correction.
  public let corrects: Int64?

  /// A grant decision; the values are checked against the registry when appended.
  public init(
    siret: SIRET, level: Level, decided: CalendarDate, validFrom: CalendarDate? = nil,
    validUntil: CalendarDate,
    evaluator: String? = nil, reference: String? = nil, corrects: Int64? = nil
  ) throws(DomainError) {
    self.siret = siret
    self.level = level
    self.decided = decided
    self.validFrom = validFrom ?? decided
    self.validUntil = validUntil
    self.evaluator = try TextRules.optional(evaluator, field: "evaluator", maximumLength: 200)
    self.reference = try TextRules.optional(reference, field: "reference", maximumLength: 100)
    self.corrects = corrects
  }
}

/// A decision to extend the current level's validity, after a renewal evaluation.
public struct LevelRenewed: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  /// The new last day the level is held (inclusive).
  public let validUntil: CalendarDate
  public let evaluator: String?
  public let reference: String?

  /// A renewal decision; the values are checked against the registry when appended.
  public init(
    siret: SIRET, decided: CalendarDate, validUntil: CalendarDate, evaluator: String? = nil,
    reference: String? = nil
  ) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.validUntil = validUntil
    self.evaluator = try TextRules.optional(evaluator, field: "evaluator", maximumLength: 200)
    self.reference = try TextRules.optional(reference, field: "reference", maximumLength: 100)
  }
}

/// A decision to suspend the current level.
public struct LevelSuspended: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  public let reason: String

  /// A suspension; the reason is required and shown publicly.
  public init(siret: SIRET, decided: CalendarDate, reason: String) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
  }
}

/// A decision to lift a suspension.
public struct LevelReinstated: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate

  /// A reinstatement of a suspended level.
  public init(siret: SIRET, decided: CalendarDate) {
    self.siret = siret
    self.decided = decided
  }
}

/// A decision to withdraw the level; only a new grant gives the service a level again.
public struct LevelWithdrawn: Hashable, Sendable {
  public let siret: SIRET
  public let decided: CalendarDate
  public let reason: String

  /// A withdrawal; the reason is required and shown publicly.
  public init(siret: SIRET, decided: CalendarDate, reason: String) throws(DomainError) {
    self.siret = siret
    self.decided = decided
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
  }
}

/// An attestation document was signed for a decision.
public struct AttestationIssued: Hashable, Sendable {
  public let siret: SIRET
  /// The credential's id, `urn:uuid:` followed by a lower-case UUID.
  public let attestationID: String
  /// The log index of the decision (grant or renewal) the attestation states.
  public let decisionIndex: Int64
  /// SHA-256 of the signed payload, lower-case hex.
  public let payloadSHA256: String

  /// An issuance record; the id and hash forms are checked here.
  public init(siret: SIRET, attestationID: String, decisionIndex: Int64, payloadSHA256: String)
    throws(DomainError)
  {
    self.siret = siret
    self.attestationID = try Identifiers.attestationID(attestationID)
    self.decisionIndex = decisionIndex
    self.payloadSHA256 = try Identifiers.sha256Hex(payloadSHA256, field: "payload hash")
  }
}

/// An issuer key enters the trust history.
public struct KeyAdded: Hashable, Sendable {
  public let kid: String
  /// The JWS algorithm the key signs with (`EdDSA` or `ES256`).
  public let algorithm: String
  /// The public key as a JWK object.
  public let publicKey: JSONValue
  public let validFrom: Instant
  public let validUntil: Instant?

  /// A key addition; the key id and algorithm forms are checked here, the key itself by the
  /// attestation layer.
  public init(
    kid: String, algorithm: String, publicKey: JSONValue, validFrom: Instant, validUntil: Instant?
  )
    throws(DomainError)
  {
    self.kid = try Identifiers.keyID(kid)
    guard algorithm == "EdDSA" || algorithm == "ES256" else {
      throw .invalidIdentifier(
        field: "algorithm", input: algorithm, reason: "expected EdDSA or ES256")
    }
    guard case .object = publicKey else {
      throw .invalidIdentifier(
        field: "public key", input: algorithm, reason: "a JWK must be a JSON object")
    }
    self.algorithm = algorithm
    self.publicKey = publicKey
    self.validFrom = validFrom
    self.validUntil = validUntil
  }
}

/// An issuer key stops signing; what it signed before stays valid.
public struct KeyRetired: Hashable, Sendable {
  public let kid: String
  public let at: Instant
  /// Retirement of key `kid` at `at`; the key id form is checked.
  public init(kid: String, at: Instant) throws(DomainError) {
    self.kid = try Identifiers.keyID(kid)
    self.at = at
  }
}

/// An issuer key is revoked: nothing it signed after `at` verifies.
public struct KeyRevoked: Hashable, Sendable {
  public let kid: String
  public let at: Instant
  public let reason: String
  /// Revocation of key `kid` from `at`; the reason is required.
  public init(kid: String, at: Instant, reason: String) throws(DomainError) {
    self.kid = try Identifiers.keyID(kid)
    self.at = at
    self.reason = try TextRules.required(reason, field: "reason", maximumLength: 500)
  }
}

/// Forms of the identifiers events carry.
public enum Identifiers {
  /// Checks `urn:uuid:` followed by a lower-case RFC 9562 UUID.
  public static func attestationID(_ text: String) throws(DomainError) -> String {
    let prefix = "urn:uuid:"
    let bytes = Array(text.utf8)
    let hex = Set("0123456789abcdef".utf8)
    guard text.hasPrefix(prefix), bytes.count == prefix.utf8.count + 36 else {
      throw .invalidIdentifier(
        field: "attestation id", input: text, reason: "expected urn:uuid: and a UUID")
    }
    for (offset, byte) in bytes.dropFirst(prefix.utf8.count).enumerated() {
      let isDash = [8, 13, 18, 23].contains(offset)
      guard isDash ? byte == UInt8(ascii: "-") : hex.contains(byte) else {
        throw .invalidIdentifier(
          field: "attestation id", input: text, reason: "expected a lower-case UUID")
      }
    }
    return text
  }

  /// Checks 64 lower-case hexadecimal digits.
  public static func sha256Hex(_ text: String, field: String) throws(DomainError) -> String {
    let hex = Set("0123456789abcdef".utf8)
    guard text.utf8.count == 64, text.utf8.allSatisfy(hex.contains) else {
      throw .invalidIdentifier(
        field: field, input: text, reason: "expected 64 lower-case hex digits")
    }
    return text
  }

  /// Checks a key id: 1 to 64 characters among letters, digits, `.`, `_` and `-`.
  public static func keyID(_ text: String) throws(DomainError) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)
    guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy(allowed.contains) else {
      throw .invalidIdentifier(
        field: "key id", input: text, reason: "use 1 to 64 letters, digits, '.', '_' or '-'"
      )
    }
    return text
  }
}

/// An event with the instant the registry recorded it: the content of one log leaf.
public struct RecordedEvent: Hashable, Sendable {
  public let recordedAt: Instant
  public let event: Event
  /// The signed document an `attestationIssued` event stands for (its compact JWS), kept by
  /// the store beside the log so that it can be served again. It is not part of the leaf: the
  /// event records the SHA-256 of its payload, which is how the document is checked.
  public let signedDocument: String?

  /// `event` recorded at `recordedAt`, with the `signedDocument` it stands for, if any.
  public init(recordedAt: Instant, event: Event, signedDocument: String? = nil) {
    self.recordedAt = recordedAt
    self.event = event
    self.signedDocument = signedDocument
  }
}

/// A recorded event at its place in the log, with the exact bytes stored and hashed.
public struct LoggedEvent: Hashable, Sendable {
  /// The 0-based position in the log; indexes are gapless.
  public let index: Int64
  public let recorded: RecordedEvent
  /// The canonical JSON of ``recorded``: the Merkle leaf.
  public let canonicalBytes: [UInt8]

  /// Decodes stored bytes, refusing any that are not the canonical encoding of an event, so
  /// that what is read back is exactly what was hashed.
  ///
  /// - Throws: ``DomainError/malformedEvent(reason:)``.
  public init(index: Int64, canonicalBytes: [UInt8]) throws(DomainError) {
    self.index = index
    self.recorded = try EventCoding.decode(canonicalBytes)
    self.canonicalBytes = canonicalBytes
  }

  /// Places a recorded event at `index`.
  public init(index: Int64, recorded: RecordedEvent) {
    self.index = index
    self.recorded = recorded
    self.canonicalBytes = EventCoding.encode(recorded)
  }

  /// The event.
  public var event: Event { recorded.event }
  /// When it was recorded.
  public var recordedAt: Instant { recorded.recordedAt }
}
