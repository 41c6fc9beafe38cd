/// A status snapshot was published (DESIGN, "Status"): its SHA-256 is logged so that every
/// reader, and every witness, sees the one snapshot the registry handed out for this state.
public struct StatusPublished: Hashable, Sendable {
  /// SHA-256 of the snapshot's compact JWS bytes, lower-case hex.
  public let sha256: String
  /// The tree size whose state the snapshot reflects.
  public let size: Int64
  /// When the snapshot was issued (its `issued` claim).
  public let issued: Instant

  /// A publication record; the hash form is checked here.
  public init(sha256: String, size: Int64, issued: Instant) throws(DomainError) {
    self.sha256 = try Identifiers.sha256Hex(sha256, field: "snapshot hash")
    guard size >= 0 else { throw .invalidText(field: "size", reason: "a tree size (0 or more)") }
    self.size = size
    self.issued = issued
  }

  /// Checks that the publication may follow the earlier ones (`history`, every
  /// `statusPublished` in log order): snapshots only move forward, in tree size and in time.
  public func check(after history: [LoggedEvent]) throws(DomainError) {
    for logged in history.reversed() {
      guard case .statusPublished(let previous) = logged.event else { continue }
      guard size >= previous.size, issued > previous.issued else {
        throw .ruleViolated(.statusSnapshotBackwards(size: size, previousSize: previous.size))
      }
      return
    }
  }
}

extension StatusPublished: EventPayload {
  public static let kind = EventKind.statusPublished

  public var event: Event { .statusPublished(self) }

  /// Status snapshots have their own history.
  public var subject: EventSubject { .status }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("sha256", sha256)
    members.put("size", size)
    members.put("issued", issued.description)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      sha256: try members.string("sha256"), size: try members.integer("size"),
      issued: try members.instant("issued"))
  }
}
