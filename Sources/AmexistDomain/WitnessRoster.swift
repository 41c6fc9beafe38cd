/// The registry's witnesses and quorums as its log records them (`witnessAdded`,
/// `witnessRemoved`, `quorumSet`): a pure fold of the registry's own history.
///
/// A witness's window runs from its addition to its removal; a quorum applies from a tree size
/// on. The trust root publishes the same roster, so that verifiers require what the log says.
public struct WitnessRoster: Hashable, Sendable {
  /// A witness as logged.
  public struct Member: Hashable, Sendable {
    /// Its name.
    public let name: String
    /// Its `add-checkpoint` prefix.
    public let url: String
    /// Its cosignature verifier key text.
    public let key: String
    /// From when its cosignatures count.
    public let from: Instant
    /// From when they no longer count; nil while it serves.
    public let until: Instant?
  }

  /// A quorum as logged.
  public struct Quorum: Hashable, Sendable {
    /// Distinct witnesses needed.
    public let k: Int64
    /// The smallest tree size it applies to.
    public let fromSize: Int64
  }

  /// Every witness ever added, in log order.
  public private(set) var members: [Member] = []
  /// Every quorum, by increasing `fromSize`.
  public private(set) var quorums: [Quorum] = []

  /// The roster after `history` (the registry's own events, in log order); other events are
  /// ignored.
  public init(history: [LoggedEvent]) {
    for logged in history { apply(logged.event) }
  }

  /// The witnesses serving now (not removed).
  public var serving: [Member] { members.filter { $0.until == nil } }

  /// The quorum set last, if any.
  public var currentQuorum: Quorum? { quorums.last }

  private mutating func apply(_ event: Event) {
    switch event {
    case .witnessAdded(let added):
      members.append(
        Member(name: added.name, url: added.url, key: added.key, from: added.at, until: nil))
    case .witnessRemoved(let removed):
      if let index = members.firstIndex(where: { $0.name == removed.name && $0.until == nil }) {
        let member = members[index]
        members[index] = Member(
          name: member.name, url: member.url, key: member.key, from: member.from,
          until: removed.at)
      }
    case .quorumSet(let quorum):
      quorums.append(Quorum(k: quorum.k, fromSize: quorum.fromSize))
    default:
      break
    }
  }

  /// Checks that `event` may follow this roster: a name or key is listed once in the registry's
  /// life, only a serving witness is removed and never below the quorum, and a quorum is
  /// reachable by the serving witnesses and applies from a larger size than the last one.
  public func check(_ event: Event) throws(DomainError) {
    switch event {
    case .witnessAdded(let added):
      if members.contains(where: { $0.name == added.name }) {
        throw .ruleViolated(.witnessAlreadyListed("the name \(added.name)"))
      }
      if members.contains(where: { $0.key == added.key }) {
        throw .ruleViolated(.witnessAlreadyListed("this key"))
      }
    case .witnessRemoved(let removed):
      guard serving.contains(where: { $0.name == removed.name }) else {
        throw .ruleViolated(.unknownWitness(removed.name))
      }
      if let quorum = currentQuorum, Int64(serving.count - 1) < quorum.k {
        throw .ruleViolated(.quorumUnreachable(k: quorum.k, witnesses: serving.count - 1))
      }
    case .quorumSet(let quorum):
      guard quorum.k <= Int64(serving.count) else {
        throw .ruleViolated(.quorumUnreachable(k: quorum.k, witnesses: serving.count))
      }
      if let last = quorums.last, quorum.fromSize <= last.fromSize {
        throw .ruleViolated(
          .quorumSizeNotIncreasing(fromSize: quorum.fromSize, previous: last.fromSize))
      }
    default:
      break
    }
  }
}
