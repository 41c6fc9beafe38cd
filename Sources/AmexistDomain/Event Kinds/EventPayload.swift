/// What every kind of event provides: its name in the log, what it is about, its decision date
/// and its own members of the log's leaf. Each kind conforms in its own file; adding a kind means
/// adding that file, a case to ``EventKind`` and a case to ``Event`` (the compiler then names
/// every switch that must learn it: none has a `default:` over kinds).
public protocol EventPayload: Hashable, Sendable {
  /// The kind's name in the log.
  static var kind: EventKind { get }
  /// The event holding this payload.
  var event: Event { get }
  /// What the event is about: a service's SIRET, or a key id for key events.
  var subject: EventSubject { get }
  /// The date of the decision, for the kinds that record one; nil for the others.
  var decisionDate: CalendarDate? { get }
  /// Writes the kind's own members (the leaf's `v`, `event` and `recordedAt` are the coder's).
  func encode(into members: inout EventMembers)
  /// Reads the kind's own members, checking every value as the memberwise initialiser does.
  init(from members: inout EventMembers) throws(DomainError)
}

/// A kind of event about a service, named by its SIRET.
public protocol ServiceEventPayload: EventPayload {
  /// The service the event is about.
  var siret: SIRET { get }
}

extension ServiceEventPayload {
  /// The service.
  public var subject: EventSubject { .service(siret) }
}

/// A decision about a service's level: dated by its decision.
public protocol DecisionPayload: ServiceEventPayload {
  /// The day the decision was taken.
  var decided: CalendarDate { get }
}

extension DecisionPayload {
  /// The day the decision was taken.
  public var decisionDate: CalendarDate? { decided }
}

/// A kind of event about an issuer key, named by its key id.
public protocol KeyEventPayload: EventPayload {
  /// The key the event is about.
  var kid: String { get }
}

extension KeyEventPayload {
  /// The key.
  public var subject: EventSubject { .key(kid) }
}

/// A kind of event about a certifying body, named by its identifier.
public protocol BodyEventPayload: EventPayload {
  /// The body the event is about.
  var body: String { get }
}

extension BodyEventPayload {
  /// The body.
  public var subject: EventSubject { .body(body) }

  /// Body events are not service decisions.
  public var decisionDate: CalendarDate? { nil }
}

/// The kinds of events, by their name in the log.
public enum EventKind: String, CaseIterable, Sendable {
  case serviceRegistered
  case serviceUpdated
  case levelGranted
  case levelRenewed
  case levelSuspended
  case levelReinstated
  case levelWithdrawn
  case attestationIssued
  case keyAdded
  case keyRetired
  case keyRevoked
  case registryConfigured
  case bodyRegistered
  case bodyAccreditationChanged
  case levelTransferred
  case reservesRecorded
  case reservesLifted
  case levelRefused
  case serviceSucceeded
  case witnessAdded
  case witnessRemoved
  case quorumSet
  case statusPublished

  /// The payload type of this kind.
  public var payloadType: any EventPayload.Type {
    switch self {
    case .serviceRegistered: ServiceRegistered.self
    case .serviceUpdated: ServiceUpdated.self
    case .levelGranted: LevelGranted.self
    case .levelRenewed: LevelRenewed.self
    case .levelSuspended: LevelSuspended.self
    case .levelReinstated: LevelReinstated.self
    case .levelWithdrawn: LevelWithdrawn.self
    case .attestationIssued: AttestationIssued.self
    case .keyAdded: KeyAdded.self
    case .keyRetired: KeyRetired.self
    case .keyRevoked: KeyRevoked.self
    case .registryConfigured: RegistryConfigured.self
    case .bodyRegistered: BodyRegistered.self
    case .bodyAccreditationChanged: BodyAccreditationChanged.self
    case .levelTransferred: LevelTransferred.self
    case .reservesRecorded: ReservesRecorded.self
    case .reservesLifted: ReservesLifted.self
    case .levelRefused: LevelRefused.self
    case .serviceSucceeded: ServiceSucceeded.self
    case .witnessAdded: WitnessAdded.self
    case .witnessRemoved: WitnessRemoved.self
    case .quorumSet: QuorumSet.self
    case .statusPublished: StatusPublished.self
    }
  }
}

/// The members of a leaf's JSON object: written by a payload's `encode(into:)` (absent optional
/// values are omitted, never `null`), read by its `init(from:)`, which remembers what it read so
/// that the coder can refuse unknown members.
public struct EventMembers: Sendable {
  /// The members, by name.
  public private(set) var members: [String: JSONValue]
  /// The names not read yet.
  private(set) var unread: Set<String>

  /// Members to read.
  init(reading members: [String: JSONValue]) {
    self.members = members
    self.unread = Set(members.keys)
  }

  /// Members to write, starting with `members`.
  init(writing members: [String: JSONValue]) {
    self.members = members
    self.unread = []
  }

  // MARK: Writing

  /// Writes `value` under `name` unless it is nil.
  public mutating func put(_ name: String, _ value: String?) {
    if let value { members[name] = .string(value) }
  }

  /// Writes `value` under `name` unless it is nil.
  public mutating func put(_ name: String, _ value: Int64?) {
    if let value { members[name] = .integer(value) }
  }

  /// Writes `value` under `name`.
  public mutating func put(_ name: String, _ value: JSONValue) {
    members[name] = value
  }

  /// Writes a service's SIRET and profile.
  public mutating func put(siret: SIRET, profile: ServiceProfile) {
    put("siret", siret.digits)
    put("name", profile.name)
    put("address", profile.address)
    put("city", profile.city)
    put("region", profile.region?.code)
    put("website", profile.website)
  }

  // MARK: Reading

  /// The member `name`, which must be present.
  public mutating func value(_ name: String) throws(DomainError) -> JSONValue {
    guard let value = members[name] else {
      throw .malformedEvent(reason: "missing member \"\(name)\"")
    }
    unread.remove(name)
    return value
  }

  /// The string member `name`.
  public mutating func string(_ name: String) throws(DomainError) -> String {
    guard case .string(let text) = try value(name) else {
      throw .malformedEvent(reason: "member \"\(name)\" must be a string")
    }
    return text
  }

  /// The integer member `name`.
  public mutating func integer(_ name: String) throws(DomainError) -> Int64 {
    guard case .integer(let number) = try value(name) else {
      throw .malformedEvent(reason: "member \"\(name)\" must be an integer")
    }
    return number
  }

  /// The string member `name`, nil when absent.
  public mutating func optionalString(_ name: String) throws(DomainError) -> String? {
    members[name] == nil ? nil : try string(name)
  }

  /// The integer member `name`, nil when absent.
  public mutating func optionalInteger(_ name: String) throws(DomainError) -> Int64? {
    members[name] == nil ? nil : try integer(name)
  }

  /// The calendar date member `name` (`YYYY-MM-DD`).
  public mutating func date(_ name: String) throws(DomainError) -> CalendarDate {
    try CalendarDate(parsing: try string(name))
  }

  /// The instant member `name` (RFC 3339 UTC).
  public mutating func instant(_ name: String) throws(DomainError) -> Instant {
    try Instant(parsing: try string(name))
  }

  /// The `siret` member.
  public mutating func siret() throws(DomainError) -> SIRET {
    try SIRET(try string("siret"))
  }

  /// A service profile's members.
  public mutating func profile() throws(DomainError) -> ServiceProfile {
    try ServiceProfile(
      name: try string("name"), address: try optionalString("address"),
      city: try optionalString("city"), region: try optionalString("region"),
      website: try optionalString("website"))
  }
}
