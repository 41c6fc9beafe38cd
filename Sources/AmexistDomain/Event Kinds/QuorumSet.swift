/// How many distinct witnesses must cosign a checkpoint, for trees of `fromSize` leaves and
/// more: a raised quorum never breaks a bundle whose checkpoint is older.
public struct QuorumSet: Hashable, Sendable {
  /// The number of distinct witnesses.
  public let k: Int64
  /// The smallest tree size it applies to.
  public let fromSize: Int64

  /// The largest quorum: a checkpoint note carries at most 16 signatures (C2SP asks verifiers
  /// to accept at least 16), one of them the log's.
  public static let maximumK: Int64 = 15

  /// A quorum of `k` witnesses from the tree of `fromSize` leaves.
  public init(k: Int64, fromSize: Int64) throws(DomainError) {
    guard (1...Self.maximumK).contains(k) else {
      throw .invalidText(
        field: "quorum",
        reason: "between 1 and \(Self.maximumK) witnesses (a checkpoint carries 16 signatures)")
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
