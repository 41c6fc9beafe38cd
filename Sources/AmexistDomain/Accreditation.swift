/// A certifying body's accreditation (ISO/IEC 17065, by COFRAC or another EA signatory) as the
/// log records it: its window, extended by later events, with the periods it was suspended and
/// the day it was withdrawn, if it was.
public struct Accreditation: Hashable, Sendable {
  /// The accreditation body (`COFRAC`, or another EA signatory).
  public let accreditor: String
  /// The accreditation number (`5-0012`).
  public let number: String
  /// The standard accredited against.
  public let standard: String
  /// What the accreditation covers, as the accreditor words it.
  public let scope: String?
  /// The first day the body is accredited.
  public let validFrom: CalendarDate
  /// The last day the body is accredited (inclusive), as last extended.
  public internal(set) var validUntil: CalendarDate
  /// Each suspension: from its first day to the day the accreditation was reinstated (nil while
  /// it lasts).
  public internal(set) var suspensions: [Suspension]
  /// The day from which the accreditation is withdrawn, if it was.
  public internal(set) var withdrawnOn: CalendarDate?

  /// The standard bodies are accredited against for certifying services.
  public static let defaultStandard = "NF EN ISO/IEC 17065"

  /// A period during which the accreditation was suspended.
  public struct Suspension: Hashable, Sendable {
    /// The first day suspended.
    public let from: CalendarDate
    /// The day the accreditation was reinstated (accredited again that day); nil while it lasts.
    public let until: CalendarDate?

    /// A suspension from `from` until `until` (exclusive; nil while it lasts).
    public init(from: CalendarDate, until: CalendarDate?) {
      self.from = from
      self.until = until
    }

    /// Whether `day` falls inside the suspension.
    public func contains(_ day: CalendarDate) -> Bool {
      from <= day && (until.map { day < $0 } ?? true)
    }
  }

  /// An accreditation with its full history (as read back from a published trust file).
  public init(
    accreditor: String, number: String, standard: String = Accreditation.defaultStandard,
    scope: String? = nil, validFrom: CalendarDate, validUntil: CalendarDate,
    suspensions: [Suspension] = [], withdrawnOn: CalendarDate? = nil
  ) {
    self.accreditor = accreditor
    self.number = number
    self.standard = standard
    self.scope = scope
    self.validFrom = validFrom
    self.validUntil = validUntil
    self.suspensions = suspensions
    self.withdrawnOn = withdrawnOn
  }

  /// Whether the body is accredited on `day`: inside its window, not suspended and not
  /// withdrawn that day.
  public func covers(_ day: CalendarDate) -> Bool {
    standing(on: day) == .accredited
  }

  /// The accreditation as the trust file and the API publish it: `accreditor`, `number`,
  /// `standard`, `scope`, `validFrom`, `validUntil`, `suspensions` (`from`, `until`) and
  /// `withdrawnOn`, with `null` for an absent value.
  public var json: JSONValue {
    .object([
      "accreditor": .string(accreditor), "number": .string(number),
      "standard": .string(standard), "scope": scope.map(JSONValue.string) ?? .null,
      "validFrom": .string(validFrom.description), "validUntil": .string(validUntil.description),
      "suspensions": .array(
        suspensions.map { period in
          .object([
            "from": .string(period.from.description),
            "until": period.until.map { .string($0.description) } ?? .null,
          ])
        }),
      "withdrawnOn": withdrawnOn.map { .string($0.description) } ?? .null,
    ])
  }

  /// Whether the accreditation is suspended now (its last suspension is still open).
  public var isSuspended: Bool { suspensions.last.map { $0.until == nil } ?? false }

  /// The accreditation's standing on `day`.
  public func standing(on day: CalendarDate) -> AccreditationStanding {
    if let withdrawnOn, day >= withdrawnOn { return .withdrawn }
    if day < validFrom { return .notYet }
    if day > validUntil { return .expired }
    if suspensions.contains(where: { $0.contains(day) }) { return .suspended }
    return .accredited
  }
}

/// Where a body's accreditation stands on a given day.
public enum AccreditationStanding: String, Hashable, Sendable, CustomStringConvertible {
  /// Accredited that day.
  case accredited
  /// Before the accreditation's first day.
  case notYet
  /// Suspended that day.
  case suspended
  /// After the accreditation's last day.
  case expired
  /// Withdrawn on or before that day.
  case withdrawn

  public var description: String { rawValue }
}

/// A certifying body as the log records it: a pure fold of its events.
public struct BodyRecord: Hashable, Sendable {
  /// The body's identifier in the registry (`afnor-certification`).
  public let id: String
  /// Its name, as shown on pages and attestations.
  public let name: String
  /// Its accreditation, with every change applied.
  public private(set) var accreditation: Accreditation
  /// Log index of its registration.
  public let registeredIndex: Int64
  /// The effective day of the latest accreditation change (or the accreditation's first day).
  public private(set) var lastChange: CalendarDate

  /// Folds the events about one body (in log order).
  ///
  /// - Returns: nil when they do not include its registration.
  public static func fold(_ events: [LoggedEvent]) -> BodyRecord? {
    var record: BodyRecord?
    for logged in events {
      switch logged.event {
      case .bodyRegistered(let registered):
        guard record == nil else { continue }
        record = BodyRecord(
          id: registered.body, name: registered.name, accreditation: registered.accreditation,
          registeredIndex: logged.index, lastChange: registered.accreditation.validFrom)
      case .bodyAccreditationChanged(let change):
        record?.apply(change)
      case .serviceRegistered, .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended,
        .levelReinstated, .levelWithdrawn, .attestationIssued, .keyAdded, .keyRetired,
        .keyRevoked, .registryConfigured, .witnessAdded, .witnessRemoved, .quorumSet,
        .statusPublished,
        .levelTransferred, .reservesRecorded, .reservesLifted,
        .levelRefused, .serviceSucceeded:
        continue
      }
    }
    return record
  }

  private mutating func apply(_ change: BodyAccreditationChanged) {
    switch change.change {
    case .extended(let until):
      accreditation.validUntil = until
    case .suspended:
      accreditation.suspensions.append(.init(from: change.effective, until: nil))
    case .reinstated:
      if let open = accreditation.suspensions.popLast() {
        accreditation.suspensions.append(.init(from: open.from, until: change.effective))
      }
    case .withdrawn:
      accreditation.withdrawnOn = change.effective
    }
    lastChange = max(lastChange, change.effective)
  }
}
