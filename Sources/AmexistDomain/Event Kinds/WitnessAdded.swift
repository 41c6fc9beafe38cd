/// The registry sends its checkpoints to a witness from now on (DESIGN, "Witnesses"); the
/// next root version lists it.
public struct WitnessAdded: Hashable, Sendable {
  /// A short name for people, unique among the registry's witnesses.
  public let name: String
  /// The witness's submission prefix (`…/add-checkpoint`).
  public let url: String
  /// Its cosignature verifier key (`name+hash+base64(0x04 ‖ key)`, checked by the registry
  /// before it logs it).
  public let key: String
  /// From when its cosignatures count.
  public let at: Instant

  /// A witness named `name` at `url` with the cosignature key `key`, counting from `at`.
  public init(name: String, url: String, key: String, at: Instant) throws(DomainError) {
    self.name = try Identifiers.witnessName(name)
    guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.utf8.count <= 500,
      !url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
    else {
      throw .invalidText(field: "url", reason: "an http(s) URL without spaces, at most 500 bytes")
    }
    guard key.utf8.count <= 300, key.split(separator: "+", maxSplits: 2).count == 3 else {
      throw .invalidText(field: "key", reason: "a verifier key name+hash+key")
    }
    self.url = url
    self.key = key
    self.at = at
  }
}

extension WitnessAdded: EventPayload {
  public static let kind = EventKind.witnessAdded

  public var event: Event { .witnessAdded(self) }

  /// The registry's configuration.
  public var subject: EventSubject { .registry }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("name", name)
    members.put("url", url)
    members.put("key", key)
    members.put("at", at.description)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      name: try members.string("name"), url: try members.string("url"),
      key: try members.string("key"), at: try members.instant("at"))
  }
}
