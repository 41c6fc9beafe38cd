import AmexistDomain
import Foundation
import RegistryTesting
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Catalogue F4 and F6: `amexist serve` whose disk fills up (a small tmpfs mounted over the
/// registry's folder; root can mount it) or whose file-size limit is reached (`ulimit -f`).
/// Writes are refused with 503 while reads go on, nothing half-written is left, and writes work
/// again when space returns.
@Suite("Storage faults: disk full, file-size limit", .serialized)
struct StorageFaultTests {
  /// Runs `command` with `/bin/sh` and returns its exit status.
  @discardableResult
  static func shell(_ command: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// A registry in `cli`'s folder and a token for registering services.
  static func registry(_ cli: CommandRunner) async throws -> String {
    let created = try await cli.run(["init"])
    #expect(created.status == 0, "\(created.stderr)")
    return try await cli.run(["token", "create", "--name", "faults", "--scope", "services"]).stdout
      .firstLine
  }

  /// Registers service `number` through the admin API: the status and the index acknowledged.
  static func register(_ number: Int, base: URL, token: String) async throws -> (Int, Int64?) {
    let siret = TestValues.generatedSIRET(50_000 + number).description
    return try await PostgresCLITests.post(
      base.appendingPathComponent("admin/services"), token: token,
      body: #"{"siret":"\#(siret)","name":"Service \#(number)"}"#)
  }

  /// The status of `GET path`.
  static func get(_ path: String, base: URL) async throws -> Int {
    let (_, response) = try await URLSession.shared.data(from: base.appendingPathComponent(path))
    return (response as? HTTPURLResponse)?.statusCode ?? 0
  }

  /// Writes until `limit` refusals in a row; every answer must be 201 or 503.
  static func writeUntilRefused(
    from first: Int, base: URL, token: String, acknowledged: inout [Int64]
  ) async throws -> [Int] {
    var refusals: [Int] = []
    var number = first
    while refusals.suffix(3).count < 3 || refusals.suffix(3).contains(where: { $0 != 503 }),
      number < first + 400
    {
      let (status, index) = try await register(number, base: base, token: token)
      if let index {
        acknowledged.append(index)
        refusals.removeAll()
      } else {
        refusals.append(status)
      }
      number += 1
    }
    return refusals
  }

  /// The audit after the fault: the log verifies, holds exactly the acknowledged writes after
  /// `initial`, and SQLite's integrity check passes.
  static func checkAfterwards(_ cli: CommandRunner, initial: Int64, acknowledged: [Int64])
    async throws
  {
    let audit = try await cli.run(["log", "audit", "--json"])
    #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")
    guard case .object(let report) = try json(audit) else { return }
    #expect(report["ok"] == .bool(true))
    #expect(
      report["entries"] == .integer(initial + Int64(acknowledged.count)), "nothing half-written")
    #expect(acknowledged == Array(initial..<initial + Int64(acknowledged.count)))
    #expect(
      try await sqlite3([cli.path("Registry/registry.sqlite"), "PRAGMA integrity_check"]) == "ok")
  }

  @Test("F4: a full disk refuses writes with 503, keeps serving reads, and recovers by itself")
  func diskFull() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let mounted = try Self.shell("mount -t tmpfs -o size=16m tmpfs '\(cli.folder.path)'")
    try #require(mounted == 0, "mounting a tmpfs needs root (the catalogue's method for F4)")
    defer { _ = try? Self.shell("umount -l '\(cli.folder.path)'") }
    let token = try await Self.registry(cli)
    let initial = try await cli.audited().entries
    let (process, base) = try await cli.serve(statusSnapshots: false)
    defer { if process.isRunning { process.terminate() } }
    var acknowledged: [Int64] = []
    for number in 0..<3 {
      let (status, index) = try await Self.register(number, base: base, token: token)
      #expect(status == 201)
      if let index { acknowledged.append(index) }
    }
    // Fill the disk to the last byte.
    try Self.shell("dd if=/dev/zero of='\(cli.path("filler"))' bs=64k")
    let refusals = try await Self.writeUntilRefused(
      from: 3, base: base, token: token, acknowledged: &acknowledged)
    #expect(refusals.suffix(3) == [503, 503, 503], "writes on a full disk are 503: \(refusals)")
    #expect(process.isRunning, "the server survives a full disk")
    #expect(try await Self.get("services.json", base: base) == 200, "reads go on")
    #expect(try await Self.get("log/checkpoint", base: base) == 200)
    // Space returns: the same server writes again.
    try FileManager.default.removeItem(atPath: cli.path("filler"))
    let (status, index) = try await Self.register(1_000, base: base, token: token)
    #expect(status == 201, "writes resume when space returns")
    if let index { acknowledged.append(index) }
    process.terminate()
    process.waitUntilExit()
    try await Self.checkAfterwards(cli, initial: initial, acknowledged: acknowledged)
  }

  @Test("F6: the file-size limit refuses writes with 503 instead of killing the server")
  func fileSizeLimit() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let token = try await Self.registry(cli)
    // Room for the files as they are and a few writes more.
    let sizes = try FileManager.default.contentsOfDirectory(atPath: cli.path("Registry")).map {
      (try FileManager.default.attributesOfItem(atPath: cli.path("Registry/" + $0))[.size]
        as? Int) ?? 0
    }
    let initial = try await cli.audited().entries
    let (process, base) = try await cli.serve(
      fileSizeLimit: (sizes.max() ?? 0) / 1024 + 48, statusSnapshots: false)
    defer { if process.isRunning { process.terminate() } }
    var acknowledged: [Int64] = []
    let refusals = try await Self.writeUntilRefused(
      from: 0, base: base, token: token, acknowledged: &acknowledged)
    #expect(refusals.suffix(3) == [503, 503, 503], "writes past the limit are 503: \(refusals)")
    #expect(process.isRunning, "SIGXFSZ does not kill the server")
    #expect(try await Self.get("services.json", base: base) == 200, "reads go on")
    process.terminate()
    process.waitUntilExit()
    // Without the limit, the registry takes writes again.
    let (again, againBase) = try await cli.serve(statusSnapshots: false)
    let (status, index) = try await Self.register(1_000, base: againBase, token: token)
    #expect(status == 201)
    if let index { acknowledged.append(index) }
    again.terminate()
    again.waitUntilExit()
    try await Self.checkAfterwards(cli, initial: initial, acknowledged: acknowledged)
  }

  @Test(
    "F8, D3: a copy taken while the server writes passes the audit; restored over newer writes, it is refused for writing"
  )
  func backupDuringWrites() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let token = try await Self.registry(cli)
    let initial = try await cli.audited().entries
    let (process, base) = try await cli.serve(statusSnapshots: false)
    defer { if process.isRunning { process.terminate() } }
    let writer = Task {
      var acknowledged: [Int64] = []
      for number in 0..<80 {
        let (_, index) = try await Self.register(2_000 + number, base: base, token: token)
        if let index { acknowledged.append(index) }
      }
      return acknowledged
    }
    try await Task.sleep(for: .milliseconds(150))
    let copied = try await cli.run([
      "copy", "--from", cli.path("Registry/registry.sqlite"), "--to", cli.path("backup.sqlite"),
      "--json",
    ])
    #expect(copied.status == 0, "\(copied.stderr)")
    let acknowledged = try await writer.value
    #expect(acknowledged.count == 80)
    // The copy holds together, but the registry went on: against the checkpoint kept outside
    // the database the audit reports it older (a rollback), unless it caught every write.
    let audit = try await cli.run(["log", "audit", "--database", "backup.sqlite", "--json"])
    guard case .object(let report) = try json(audit),
      case .integer(let copiedEntries) = report["entries"]
    else { return }
    #expect(audit.status == (copiedEntries < initial + 80 ? 6 : 0), "\(audit.stderr)")
    #expect(report["ok"] == .bool(copiedEntries == initial + 80))
    #expect(copiedEntries >= initial && copiedEntries <= initial + 80)
    process.terminate()
    process.waitUntilExit()
    // The copy restored in place of the live registry, which went on after it.
    for suffix in ["", "-wal", "-shm"] {
      try? FileManager.default.removeItem(atPath: cli.path("Registry/registry.sqlite" + suffix))
    }
    try FileManager.default.copyItem(
      atPath: cli.path("backup.sqlite"), toPath: cli.path("Registry/registry.sqlite"))
    let (restored, restoredBase) = try await cli.serve(statusSnapshots: false)
    defer { if restored.isRunning { restored.terminate() } }
    if copiedEntries < initial + 80 {
      let (status, index) = try await Self.register(9_000, base: restoredBase, token: token)
      #expect(index == nil && status >= 400, "an older copy is not written to (D3): \(status)")
    }
    // Public reads refuse a copy older than the checkpoint kept outside it (D26).
    #expect(
      try await Self.get("services.json", base: restoredBase)
        == (copiedEntries < initial + 80 ? 503 : 200))
    restored.terminate()
    restored.waitUntilExit()
    #expect(
      try await cli.audited().entries == copiedEntries, "nothing was written to the older copy")
  }
}
