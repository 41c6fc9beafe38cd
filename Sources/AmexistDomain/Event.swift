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
  case registryConfigured(RegistryConfigured)
  case bodyRegistered(BodyRegistered)
  case bodyAccreditationChanged(BodyAccreditationChanged)
  case levelTransferred(LevelTransferred)
  case reservesRecorded(ReservesRecorded)
  case reservesLifted(ReservesLifted)
  case levelRefused(LevelRefused)
  case serviceSucceeded(ServiceSucceeded)
  case witnessAdded(WitnessAdded)
  case witnessRemoved(WitnessRemoved)
  case quorumSet(QuorumSet)
  case statusPublished(StatusPublished)

  /// The event's payload: its kind's own type.
  public var payload: any EventPayload {
    switch self {
    case .serviceRegistered(let payload): payload
    case .serviceUpdated(let payload): payload
    case .levelGranted(let payload): payload
    case .levelRenewed(let payload): payload
    case .levelSuspended(let payload): payload
    case .levelReinstated(let payload): payload
    case .levelWithdrawn(let payload): payload
    case .attestationIssued(let payload): payload
    case .keyAdded(let payload): payload
    case .keyRetired(let payload): payload
    case .keyRevoked(let payload): payload
    case .registryConfigured(let payload): payload
    case .bodyRegistered(let payload): payload
    case .bodyAccreditationChanged(let payload): payload
    case .levelTransferred(let payload): payload
    case .reservesRecorded(let payload): payload
    case .reservesLifted(let payload): payload
    case .levelRefused(let payload): payload
    case .serviceSucceeded(let payload): payload
    case .witnessAdded(let payload): payload
    case .witnessRemoved(let payload): payload
    case .quorumSet(let payload): payload
    case .statusPublished(let payload): payload
    }
  }

  // The properties below switch over the concrete payloads rather than going through `payload`,
  // which would box most payloads on the heap at each call (folds call them for every event).

  /// The event's kind.
  public var eventKind: EventKind {
    switch self {
    case .serviceRegistered(let payload): Self.kind(of: payload)
    case .serviceUpdated(let payload): Self.kind(of: payload)
    case .levelGranted(let payload): Self.kind(of: payload)
    case .levelRenewed(let payload): Self.kind(of: payload)
    case .levelSuspended(let payload): Self.kind(of: payload)
    case .levelReinstated(let payload): Self.kind(of: payload)
    case .levelWithdrawn(let payload): Self.kind(of: payload)
    case .attestationIssued(let payload): Self.kind(of: payload)
    case .keyAdded(let payload): Self.kind(of: payload)
    case .keyRetired(let payload): Self.kind(of: payload)
    case .keyRevoked(let payload): Self.kind(of: payload)
    case .registryConfigured(let payload): Self.kind(of: payload)
    case .bodyRegistered(let payload): Self.kind(of: payload)
    case .bodyAccreditationChanged(let payload): Self.kind(of: payload)
    case .levelTransferred(let payload): Self.kind(of: payload)
    case .reservesRecorded(let payload): Self.kind(of: payload)
    case .reservesLifted(let payload): Self.kind(of: payload)
    case .levelRefused(let payload): Self.kind(of: payload)
    case .serviceSucceeded(let payload): Self.kind(of: payload)
    case .witnessAdded(let payload): Self.kind(of: payload)
    case .witnessRemoved(let payload): Self.kind(of: payload)
    case .quorumSet(let payload): Self.kind(of: payload)
    case .statusPublished(let payload): Self.kind(of: payload)
    }
  }

  /// The event's name in the log (`levelGranted`, …).
  public var kind: String { eventKind.rawValue }

  /// What the event is about: a service's SIRET, `key:` and a key id for key events, or the
  /// registry itself.
  /// Events with the same subject are folded together.
  public var subject: EventSubject {
    switch self {
    case .serviceRegistered(let payload): payload.subject
    case .serviceUpdated(let payload): payload.subject
    case .levelGranted(let payload): payload.subject
    case .levelRenewed(let payload): payload.subject
    case .levelSuspended(let payload): payload.subject
    case .levelReinstated(let payload): payload.subject
    case .levelWithdrawn(let payload): payload.subject
    case .attestationIssued(let payload): payload.subject
    case .keyAdded(let payload): payload.subject
    case .keyRetired(let payload): payload.subject
    case .keyRevoked(let payload): payload.subject
    case .registryConfigured(let payload): payload.subject
    case .bodyRegistered(let payload): payload.subject
    case .bodyAccreditationChanged(let payload): payload.subject
    case .levelTransferred(let payload): payload.subject
    case .reservesRecorded(let payload): payload.subject
    case .reservesLifted(let payload): payload.subject
    case .levelRefused(let payload): payload.subject
    case .serviceSucceeded(let payload): payload.subject
    case .witnessAdded(let payload): payload.subject
    case .witnessRemoved(let payload): payload.subject
    case .quorumSet(let payload): payload.subject
    case .statusPublished(let payload): payload.subject
    }
  }

  /// The date of the decision, for the events that record one.
  public var decisionDate: CalendarDate? {
    switch self {
    case .serviceRegistered(let payload): payload.decisionDate
    case .serviceUpdated(let payload): payload.decisionDate
    case .levelGranted(let payload): payload.decisionDate
    case .levelRenewed(let payload): payload.decisionDate
    case .levelSuspended(let payload): payload.decisionDate
    case .levelReinstated(let payload): payload.decisionDate
    case .levelWithdrawn(let payload): payload.decisionDate
    case .attestationIssued(let payload): payload.decisionDate
    case .keyAdded(let payload): payload.decisionDate
    case .keyRetired(let payload): payload.decisionDate
    case .keyRevoked(let payload): payload.decisionDate
    case .registryConfigured(let payload): payload.decisionDate
    case .bodyRegistered(let payload): payload.decisionDate
    case .bodyAccreditationChanged(let payload): payload.decisionDate
    case .levelTransferred(let payload): payload.decisionDate
    case .reservesRecorded(let payload): payload.decisionDate
    case .reservesLifted(let payload): payload.decisionDate
    case .levelRefused(let payload): payload.decisionDate
    case .serviceSucceeded(let payload): payload.decisionDate
    case .witnessAdded(let payload): payload.decisionDate
    case .witnessRemoved(let payload): payload.decisionDate
    case .quorumSet(let payload): payload.decisionDate
    case .statusPublished(let payload): payload.decisionDate
    }
  }

  /// The certifying body's signature on a decision, nil for the federation's own decisions and
  /// for events that are not decisions.
  public var signedBy: BodySignature? {
    switch self {
    case .levelGranted(let payload): payload.signedBy
    case .levelRenewed(let payload): payload.signedBy
    case .levelSuspended(let payload): payload.signedBy
    case .levelReinstated(let payload): payload.signedBy
    case .levelWithdrawn(let payload): payload.signedBy
    case .levelTransferred(let payload): payload.signedBy
    case .reservesRecorded(let payload): payload.signedBy
    case .reservesLifted(let payload): payload.signedBy
    case .levelRefused(let payload): payload.signedBy
    case .serviceRegistered, .serviceUpdated, .attestationIssued, .keyAdded, .keyRetired,
      .keyRevoked, .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet,
      .statusPublished, .bodyRegistered,
      .bodyAccreditationChanged,
      .serviceSucceeded:
      nil
    }
  }

  /// The subjects whose history the append rules need besides the event's own (a body key's
  /// owner, the other service of a succession).
  public var relatedSubjects: [EventSubject] {
    switch self {
    case .keyAdded(let added): added.owner.map { [.body($0)] } ?? []
    case .serviceSucceeded(let succession): [.service(succession.other)]
    case .serviceRegistered, .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended,
      .levelReinstated, .levelWithdrawn, .attestationIssued, .keyRetired, .keyRevoked,
      .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet, .statusPublished,
      .bodyRegistered,
      .bodyAccreditationChanged, .levelTransferred,
      .reservesRecorded, .reservesLifted, .levelRefused:
      []
    }
  }

  /// The scheme a `registryConfigured` event names; nil for other events.
  public var configuredScheme: SchemeName? {
    if case .registryConfigured(let configured) = self { configured.scheme } else { nil }
  }

  private static func kind<Payload: EventPayload>(of _: Payload) -> EventKind { Payload.kind }
}

/// The thing an event is about.
public enum EventSubject: Hashable, Sendable, CustomStringConvertible {
  case service(SIRET)
  case key(String)
  /// The registry itself (its configuration).
  case registry
  /// The status snapshots the registry published.
  case status
  /// A certifying body, by its identifier.
  case body(String)

  /// The subject as stored beside the event for lookups: the SIRET, `key:` and the key id, or
  /// `registry`.
  public var description: String {
    switch self {
    case .service(let siret): return siret.digits
    case .key(let kid): return "key:\(kid)"
    case .registry: return "registry"
    case .status: return "status"
    case .body(let id): return "body:\(id)"
    }
  }
}

/// Forms of the identifiers events carry.
public enum Identifiers {
  /// Checks `urn:uuid:` followed by a lower-case RFC 9562 UUID.
  public static func attestationID(_ text: String) throws(DomainError) -> String {
    let prefix = "urn:uuid:"
    guard text.hasPrefix(prefix), text.utf8.count == prefix.utf8.count + 36 else {
      throw .invalidIdentifier(
        field: "attestation id", input: text, reason: "expected urn:uuid: and a UUID")
    }
    for (offset, byte) in text.utf8.dropFirst(prefix.utf8.count).enumerated() {
      let isDash = offset == 8 || offset == 13 || offset == 18 || offset == 23
      guard isDash ? byte == UInt8(ascii: "-") : isLowerHex(byte) else {
        throw .invalidIdentifier(
          field: "attestation id", input: text, reason: "expected a lower-case UUID")
      }
    }
    return text
  }

  /// Checks 64 lower-case hexadecimal digits.
  public static func sha256Hex(_ text: String, field: String) throws(DomainError) -> String {
    guard text.utf8.count == 64, text.utf8.allSatisfy(isLowerHex) else {
      throw .invalidIdentifier(
        field: field, input: text, reason: "expected 64 lower-case hex digits")
    }
    return text
  }

  /// Checks a witness's name in the registry: as a body's identifier (`dreets-ara`).
  public static func witnessName(_ text: String) throws(DomainError) -> String {
    try bodyID(text, field: "witness name")
  }

  /// Checks a certifying body's identifier (as ``bodyID(_:field:)``).
  public static func bodyID(_ text: String) throws(DomainError) -> String {
    try bodyID(text, field: "body id")
  }

  /// Checks an identifier of 1 to 64 lower-case letters, digits or `-`, not starting with `-`.
  static func bodyID(_ text: String, field: String) throws(DomainError) -> String {
    guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy(isBodyIDByte),
      text.utf8.first != UInt8(ascii: "-")
    else {
      throw .invalidIdentifier(
        field: field, input: text,
        reason: "use 1 to 64 lower-case letters, digits or '-', not starting with '-'")
    }
    return text
  }

  /// Checks a key id: 1 to 64 characters among letters, digits, `.`, `_` and `-`.
  public static func keyID(_ text: String) throws(DomainError) -> String {
    guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy(isKeyIDByte) else {
      throw .invalidIdentifier(
        field: "key id", input: text, reason: "use 1 to 64 letters, digits, '.', '_' or '-'"
      )
    }
    return text
  }

  // Byte classes as ranges: these checks run for every entry read and every attestation
  // verified, and a set of allowed bytes would be built at each call.
  private static func isLowerHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
  }

  private static func isBodyIDByte(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
  }

  private static func isKeyIDByte(_ byte: UInt8) -> Bool {
    isBodyIDByte(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
      || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
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
