/// How many distinct witnesses must cosign a checkpoint, for trees of `fromSize` leaves and
/// more: a raised quorum never breaks a bundle whose checkpoint is older.
public struct QuorumSet: Hashable, Sendable {
  /// The number of distinct witnesses.
  public let k: Int64
  /// The smallest tree size it applies to.
  public let fromSize: Int64

  /// A quorum of `k` witnesses from the tree of `fromSize` leaves.
  public init(k: Int64, fromSize: Int64) throws(DomainError) {
    guard (1...256).contains(k) else {
      throw .invalidText(field: "quorum", reason: "between 1 and 256 witnesses")
    }
    guard fromSize >= 0 else {
      throw .invalidText(field: "fromSize", reason: "a tree size (0 or more)")
    }
    self.k = k
    self.fromSize = fromSize
  }
}

extension QuorumSet: EventPayload {
  public static let kind = EventKind.quorumSet

  public var event: Event { .quorumSet(self) }

  /// The registry's configuration.
  public var subject: EventSubject { .registry }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("k", k)
    members.put("fromSize", fromSize)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(k: try members.integer("k"), fromSize: try members.integer("fromSize"))
  }
}
