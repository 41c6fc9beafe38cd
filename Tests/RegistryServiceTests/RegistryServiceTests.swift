import AmexistDomain
import RegistryService
import RegistryStore
import RegistryStoreSQLite
import RegistryTesting
import Testing

/// A service over a fresh SQLite registry in a temporary folder, at a fixed instant.
struct Harness {
  let folder: TemporaryFolder
  let clock: FixedClock
  let service: RegistryService

  init(at time: String = TestValues.noon) throws {
    folder = try TemporaryFolder()
    clock = FixedClock(time)
    service = RegistryService(
      store: try SQLiteRegistryStore(path: folder.file("registry.sqlite"), create: true),
      logSigner: TestValues.logSigner,
      publishedCheckpoint: CheckpointFile(path: folder.file("log-checkpoint")),
      clock: clock)
  }

  /// A second service on the same file, as another process would have.
  func sibling() throws -> RegistryService {
    RegistryService(
      store: try SQLiteRegistryStore(path: folder.file("registry.sqlite")),
      logSigner: TestValues.logSigner,
      publishedCheckpoint: CheckpointFile(path: folder.file("log-checkpoint")), clock: clock)
  }
}

let header = "siret,name,city,region,website,level,decided,valid_until,evaluator,reference\n"

@Suite("Registry service")
struct RegistryServiceTests {
  @Test("register, decide and read back a service")
  func lifecycle() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let siret = TestValues.siret("73282932000074")
    try await harness.service.register(
      siret, profile: try ServiceProfile(name: "Santé Travail Test", region: "84"))
    let grant = try await harness.service.decide(try TestValues.grant(siret, .implementation))
    #expect(grant.index == 1)
    let state = try await harness.service.state(of: siret)
    #expect(state.heldLevel == .implementation)
    #expect(state.standing == .active)
    #expect(state.history.map(\.index) == [0, 1])
  }

  @Test("a refused decision names the rule and writes nothing")
  func refused() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let siret = TestValues.siret("73282932000074")
    await #expect(throws: RegistryError.refused(.ruleViolated(.unknownService(siret)))) {
      try await harness.service.decide(try TestValues.grant(siret))
    }
    #expect(try await harness.service.eventCount() == 0)
    await #expect(throws: RegistryError.notFound(siret)) {
      try await harness.service.state(of: siret)
    }
  }

  @Test("a batch with one bad event writes none of it")
  func atomicBatch() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let siret = TestValues.siret("73282932000074")
    await #expect(throws: RegistryError.self) {
      try await harness.service.append([
        TestValues.registration(siret), try TestValues.grant(siret, .certification),
      ])
    }
    #expect(try await harness.service.eventCount() == 0)
    await #expect(throws: RegistryError.self) {
      try await harness.service.append([
        TestValues.registration(siret), try TestValues.grant(siret, .commitment),
        try TestValues.grant(siret, decided: "2026-12-01"),
      ])
    }
    #expect(try await harness.service.eventCount() == 0)
  }

  @Test("C11: recorded instants never go backwards when the clock does")
  func monotonicRecording() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    try await harness.service.register(
      TestValues.siret("73282932000074"), profile: try ServiceProfile(name: "A"))
    harness.clock.advance(days: -3)
    let second = try await harness.service.register(
      TestValues.siret("90011223400019"), profile: try ServiceProfile(name: "B"))
    #expect(second.recordedAt == TestValues.instant(TestValues.noon))
  }

  /// G2: concurrent decisions on one service are serialised by the store's write lock, with
  /// the rules checked inside it: exactly one of many concurrent suspensions wins.
  @Test("G2: concurrent decisions for one service are serialised, none lost, none doubled")
  func concurrentDecisions() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let siret = TestValues.siret("73282932000074")
    try await harness.service.register(siret, profile: try ServiceProfile(name: "Service 0"))
    try await harness.service.decide(try TestValues.grant(siret))
    let services = [harness.service, try harness.sibling()]

    let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
      for attempt in 0..<12 {
        group.addTask {
          let event = Event.levelSuspended(
            try LevelSuspended(
              siret: siret, decided: TestValues.date("2026-11-20"), reason: "Essai \(attempt)"))
          do {
            try await services[attempt % 2].decide(event)
            return true
          } catch RegistryError.refused(.ruleViolated(.cannotSuspend)) {
            return false
          }
        }
      }
      return try await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(outcomes.filter { $0 }.count == 1)

    // Profile updates from two connections at once: every one is kept, in log order.
    try await withThrowingTaskGroup(of: Void.self) { group in
      for writer in 1...20 {
        group.addTask {
          try await services[writer % 2].update(
            siret, profile: try ServiceProfile(name: "Service \(writer)"))
        }
      }
      try await group.waitForAll()
    }
    let state = try await harness.service.state(of: siret)
    #expect(state.history.count == 3 + 20)
    #expect(state.history.map(\.index) == (0..<Int64(23)).map { $0 })
    let names = state.history.compactMap { logged -> String? in
      if case .serviceUpdated(let update) = logged.event {
        return update.profile.name
      } else {
        return nil
      }
    }
    #expect(Set(names).count == 20)
    #expect(state.profile.name == names.last)
  }

  @Test("the sample registry shows every level and every standing")
  func sample() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    try await harness.service.appendSample()
    let states = try await harness.service.allServices()
    #expect(states.count == SampleRegistry.serviceCount)
    #expect(states.map(\.siret.digits) == SampleRegistry.sirets)
    #expect(Set(states.map(\.standing)) == Set(Standing.allCases))
    #expect(Set(states.compactMap(\.heldLevel)) == Set(Level.allCases))
    #expect(states.contains { !$0.correctedIndexes.isEmpty })
  }

  @Test(
    "the sample registry keeps its standings whatever the day",
    arguments: ["2026-01-01T00:00:00Z", "2031-07-14T12:00:00Z", "2044-02-29T23:30:00Z"])
  func sampleAnyDay(_ time: String) async throws {
    let harness = try Harness(at: time)
    defer { harness.folder.remove() }
    try await harness.service.appendSample()
    let states = try await harness.service.allServices()
    #expect(Set(states.map(\.standing)) == Set(Standing.allCases))
  }
}

@Suite("CSV import and export")
struct ImportExportTests {
  @Test("an import registers services and records their decisions")
  func importFile() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let text =
      header + #"""
        73282932000074,Santé Travail Lyon,Lyon,84,https://example.org/stl,2,2026-01-10,2028-12-31,,DPST-1
        "901 223 345 00017","Santé Travail ""Nord""",Lille,32,,,,,,
        90011223400019,Service Trois,,,,1,2026-02-01,2029-01-31,,DPST-9

        """#
    let summary = try await harness.service.importCSV(text)
    #expect(
      [
        summary.servicesRegistered, summary.servicesUpdated, summary.decisionsRecorded,
        summary.rows,
      ]
        == [3, 0, 2, 3])
    #expect(summary.events.map(\.event.kind).filter { $0 == "levelGranted" }.count == 2)
    let states = try await harness.service.allServices()
    #expect(states.map(\.heldLevel) == [.implementation, nil, .commitment])
    #expect(states[1].profile.name == "Santé Travail \"Nord\"")
    // The same file again changes nothing.
    let again = try await harness.service.importCSV(text)
    #expect(
      again
        == ImportSummary(servicesRegistered: 0, servicesUpdated: 0, decisionsRecorded: 0, rows: 3))
    #expect(try await harness.service.eventCount() == 5)
  }

  @Test(
    "a bad row is reported with its line number and nothing is written",
    arguments: [
      (header + "73282932000074,A,,,,,,,,\n73282932000075,B,,,,,,,,\n", 3, "invalid SIRET"),
      (
        header + "73282932000074,A,,,,,,,,\n90011223400019,B,,,\n", 3, "fields where the header has"
      ),
      (
        header + "73282932000074,A,,,,3,2026-01-10,2028-12-31,AFNOR Certification,\n", 2,
        "amexist: level 3 is decided by an accredited certifying body"
      ),
      (header + "73282932000074,A,,,,1,2026-01-10,,,\n", 2, "needs decided and valid_until"),
      (header + "73282932000074,A,,,,,2026-01-10,,,\n", 2, "level is empty"),
      (header + "73282932000074,A,,99,,,,,,\n", 2, "invalid region"),
      (header + "73282932000074,A,,,http://insecure.example,,,,,\n", 2, "https"),
      (header + "73282932000074,A,,,,1,2026-02-30,2028-12-31,,\n", 2, "invalid date"),
      (header + "73282932000074,A,,,,1,2027-01-10,2028-12-31,,\n", 2, "in the future"),
      (header + "73282932000074,A,,,,1,2026-01-10,2025-12-31,,\n", 2, "must be after"),
      (header + "73282932000074,,,,,,,,,\n", 2, "invalid name"),
      (
        header + "\"7328293\n2000074\",A,,,,,,,,\n90011223400019,\"B\"x,,,,,,,,\n", 4,
        "closing quote"
      ),
      ("siret,name,colour\n73282932000074,A,red\n", 1, "unknown column"),
      ("siret,siret,name\n", 1, "appears twice"),
      ("name,city\nA,Lyon\n", 1, "no \"siret\" column"),
      ("", 1, "empty"),
      ("siret,name,standing\n73282932000074,A,withdrawn\n", 2, "cannot be imported"),
    ]
  )
  func badRows(_ text: String, _ line: Int, _ fragment: String) async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    do {
      _ = try await harness.service.importCSV(text)
      Issue.record("the import was accepted")
    } catch {
      guard case .importRejected(let reportedLine, let reason) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(reportedLine == line)
      #expect(reason.contains(fragment), "\(reason)")
      #expect(error.description.hasPrefix("line \(line): "))
    }
    #expect(try await harness.service.eventCount() == 0)
  }

  @Test("an export imports into a new registry with the same levels and dates")
  func roundTrip() async throws {
    let source = try Harness()
    defer { source.folder.remove() }
    try await source.service.appendSample()
    let csv = try await source.service.exportCSV()
    // Suspended and withdrawn rows cannot move without their reasons, nor a body's decision
    // without its signed file: drop them here.
    let bodyDecided = Set(
      try await source.service.allServices().filter { $0.decision?.body != nil }.map(\.siret.digits)
    )
    #expect(bodyDecided.count == 2)
    let movable = csv.split(separator: "\r\n").filter {
      // The standing column is followed by the derived ones.
      !$0.contains(",suspended,") && !$0.contains(",withdrawn,")
        && !bodyDecided.contains(String($0.prefix(14)))
    }
    let target = try Harness()
    defer { target.folder.remove() }
    _ = try await target.service.importCSV(movable.joined(separator: "\n"))
    let before = try await source.service.allServices().filter {
      ![.suspended, .withdrawn].contains($0.standing) && !bodyDecided.contains($0.siret.digits)
    }
    let after = try await target.service.allServices()
    #expect(after.map(\.siret) == before.map(\.siret))
    #expect(after.map(\.standing) == before.map(\.standing))
    #expect(after.map(\.decision?.level) == before.map(\.decision?.level))
    #expect(after.map(\.decision?.validUntil) == before.map(\.decision?.validUntil))
    #expect(after.map(\.profile) == before.map(\.profile))
    // Exporting and importing into the same registry records nothing.
    let count = try await source.service.eventCount()
    _ = try await source.service.importCSV(csv)
    #expect(try await source.service.eventCount() == count)
  }

  @Test("JSON lines export one strict JSON object per service")
  func jsonLines() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    try await harness.service.appendSample()
    let lines = try await harness.service.exportJSONLines().split(separator: "\n")
    #expect(lines.count == SampleRegistry.serviceCount)
    for (line, siret) in zip(lines, SampleRegistry.sirets) {
      let value = try StrictJSONParser().parse(Array(line.utf8))
      #expect(value["siret"] == .string(siret))
      #expect(value["standing"] != nil)
    }
  }
}
