/// The registry names the scheme whose rules it applies: entry 0 of a registry, logged once. A
/// registry whose log does not begin with it was made before schemes existed and applies
/// ``Scheme/amexist``.
public struct RegistryConfigured: Hashable, Sendable {
  /// The scheme the registry applies for its whole life.
  public let scheme: SchemeName
  /// The version of the scheme's rules.
  public let schemeVersion: Int64

  /// The configuration of a registry applying `scheme` (at the version this code knows).
  public init(scheme: SchemeName) {
    self.scheme = scheme
    self.schemeVersion = scheme.rules.version
  }
}

extension RegistryConfigured: EventPayload {
  public static let kind = EventKind.registryConfigured

  public var event: Event { .registryConfigured(self) }

  /// The registry itself.
  public var subject: EventSubject { .registry }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("scheme", scheme.rawValue)
    members.put("schemeVersion", schemeVersion)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    let name = try members.string("scheme")
    guard let scheme = SchemeName(rawValue: name) else {
      throw .malformedEvent(
        reason:
          "unknown scheme \(Printable.quoted(name)): this amexist knows \(SchemeName.allCases.map(\.rawValue).joined(separator: ", ")); upgrade amexist"
      )
    }
    guard try members.integer("schemeVersion") == scheme.rules.version else {
      throw .malformedEvent(
        reason:
          "the \(scheme) scheme's rules are of a version this amexist does not know; upgrade amexist"
      )
    }
    self.init(scheme: scheme)
  }
}
