import AmexistDomain
import RegistryService
import RegistryTesting
import Testing

/// The services' states a server keeps between writes (the search, the lists, the open data).
@Suite("Service states kept between writes")
struct ServiceStatesTests {
  /// The states as comparable text: SIRET, standing, level, name, in order.
  static func summary(_ states: some Sequence<ServiceState>) -> [String] {
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
    // The kept states carry no history; the service's own state does.
    #expect(renewed.allSatisfy { $0.history.isEmpty })
    #expect(try await harness.service.state(of: newcomer).history.count == 1)
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

/// The chunked list successive states share.
@Suite("Chunked list of service states")
struct ServiceStateListTests {
  static func names(_ states: some Sequence<ServiceState>) -> [String] {
    states.map(\.profile.name)
  }

  @Test(
    "appends and replacements give the same states as an array, across chunk boundaries, at every size"
  )
  func sameAsAnArray() {
    let size = ServiceStateList.chunkSize
    for (initial, added) in [
      (0, 0), (0, 1), (1, size - 1), (size - 1, 2), (size, 1), (2 * size + 3, size * 2),
    ] {
      var array = (0..<initial).map { TestValues.registeredState($0) }
      var list = ServiceStateList(array)
      let newcomers = (initial..<initial + added).map { TestValues.registeredState($0) }
      array.append(contentsOf: newcomers)
      list.append(contentsOf: newcomers)
      #expect(list.count == array.count)
      #expect(Self.names(list) == Self.names(array))
      #expect(list.chunks.dropLast().allSatisfy { $0.states.count == size })
      var replacements: [Int: ServiceState] = [:]
      for position in Set([0, array.count / 2, array.count - 1])
      where position >= 0 && position < array.count {
        let renamed = TestValues.registeredState(position, name: "Renommé \(position)")
        replacements[position] = renamed
        array[position] = renamed
      }
      list.replace(replacements)
      #expect(Self.names(list) == Self.names(array))
    }
  }

  @Test("a replacement makes a new chunk only where it falls; the earlier list is unchanged")
  func untouchedChunksAreShared() {
    let size = ServiceStateList.chunkSize
    let before = ServiceStateList((0..<3 * size + 10).map { TestValues.registeredState($0) })
    var after = before
    after.replace([size + 5: TestValues.registeredState(size + 5, name: "Renommé")])
    #expect(after.chunks[0] === before.chunks[0])
    #expect(after.chunks[1] !== before.chunks[1])
    #expect(after.chunks[2] === before.chunks[2])
    #expect(after.chunks[3] === before.chunks[3])
    #expect(before[size + 5].profile.name == "Service \(size + 5)")
    #expect(after[size + 5].profile.name == "Renommé")
    after.append(contentsOf: [TestValues.registeredState(4 * size)])
    #expect(after.chunks[3] !== before.chunks[3])
    #expect(before.count == 3 * size + 10 && after.count == 3 * size + 11)
  }
}
