import AmexistDomain
import RegistryService
import RegistryTesting
import Testing

/// The services' states a server keeps between writes (the search, the lists, the open data).
@Suite("Service states kept between writes")
struct ServiceStatesTests {
  /// The states as comparable text: SIRET, standing, level, name, in order.
  static func summary(_ states: [ServiceState]) -> [String] {
    states.map {
      "\($0.siret) \($0.standing) \($0.decision.map { "\($0.level)" } ?? "-") \($0.profile.name)"
    }
  }

  @Test(
    "after each write only the services it touched are folded again, and the result equals a full fold in registration order; a new day folds them all"
  )
  func incrementalEqualsFull() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    try await harness.service.appendSample()
    let first = try await harness.service.currentServices()
    #expect(Self.summary(first) == Self.summary(try await harness.sibling().allServices()))
    let active = first.filter { $0.standing == .active }.map(\.siret)
    #expect(active.count >= 2)
    let today = harness.service.today()
    let newcomer = try SIRET("12345678200010")
    try await harness.service.decide(
      .levelSuspended(try LevelSuspended(siret: active[0], decided: today, reason: "Contrôle")))
    #expect(
      Self.summary(try await harness.service.currentServices())
        == Self.summary(try await harness.sibling().allServices()))
    _ = try await harness.service.register(
      newcomer, profile: try ServiceProfile(name: "Santé Travail Nouvelle", region: "84"))
    try await harness.service.decide(
      .levelWithdrawn(try LevelWithdrawn(siret: active[1], decided: today, reason: "Fin")))
    let renewed = try await harness.service.currentServices()
    #expect(Self.summary(renewed) == Self.summary(try await harness.sibling().allServices()))
    #expect(renewed.last?.siret == newcomer)
    #expect(renewed.first { $0.siret == active[0] }?.standing == .suspended)
    #expect(renewed.first { $0.siret == active[1] }?.standing == .withdrawn)
    // Days later, standings that depend on the date (expiry) are folded again for everyone.
    harness.clock.advance(days: 4000)
    #expect(
      Self.summary(try await harness.service.currentServices())
        == Self.summary(try await harness.sibling().allServices()))
  }
}
