import Crypto
import Foundation
import RegistryTesting
import Testing
import TransparencyLog

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `amexist witness` as an authority runs it: init, add-log, serve; and killed while it
/// cosigns (catalogue D24).
@Suite("amexist witness")
struct WitnessCLITests {
  /// Starts `amexist witness serve --port 0` on the witness folder `dir` and returns it with its
  /// base URL.
  static func serve(_ cli: CommandRunner, dir: String = "wit") async throws -> (Process, URL) {
    let started = try cli.start(["witness", "serve", "--dir", dir, "--port", "0"])
    let found = try await offPool { () -> URL? in
      var text = ""
      let deadline = Date().addingTimeInterval(30)
      while Date() < deadline, !text.contains("(Ctrl-C") {
        let data = started.1.fileHandleForReading.availableData
        if data.isEmpty { break }
        text += String(decoding: data, as: UTF8.self)
      }
      guard let start = text.range(of: " on "), let end = text.range(of: "/ (Ctrl-C") else {
        return nil
      }
      return URL(string: String(text[start.upperBound..<end.lowerBound]))
    }
    guard let found else {
      started.0.terminate()
      throw CommandRunner.ServeFailure(description: "witness serve did not start")
    }
    return (started.0, found)
  }

  /// POSTs `body` to `add-checkpoint`: the status and the body.
  static func submit(_ body: String, to base: URL) async throws -> (Int, String) {
    var request = URLRequest(url: base.appendingPathComponent("add-checkpoint"))
    request.httpMethod = "POST"
    request.httpBody = Data(body.utf8)
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
  }

  /// A test log of `size` entries and the add-checkpoint body for its tree of `size` from `old`.
  static func body(_ log: InMemoryLog, old: Int64, size: Int64) throws -> String {
    let note = try TestValues.logSigner.sign(
      size: size, root: try StoredTree.rootHash(size: size, reader: log)
    ).note
    let proof =
      old == 0 || old == size
      ? [] : try StoredTree.consistencyProof(size1: old, size2: size, reader: log)
    return "old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note
  }

  @Test(
    "init prints the vkey (type 0x04) and keeps the key 0600; add-log checks the origin; serve cosigns"
  )
  func initAndServe() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    let made = try await cli.run(["witness", "init", "--dir", "wit", "--name", "dreets.example/w"])
    #expect(made.status == 0, "\(made.stderr)")
    let verifier = try CosignatureVerifier(
      verifierKey: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    #expect(verifier.name == "dreets.example/w")
    let mode =
      try FileManager.default.attributesOfItem(atPath: cli.path("wit/witness.pem"))[
        .posixPermissions] as? NSNumber
    #expect(mode?.intValue == 0o600)
    #expect(try await cli.run(["witness", "init", "--dir", "wit", "--name", "x"]).status == 2)
    let key = TestValues.logSigner.verifier.verifierKey
    #expect(
      try await cli.run([
        "witness", "add-log", "--dir", "wit", "--origin", "other/log", "--key", key,
      ])
      .status == 2)
    let added = try await cli.run([
      "witness", "add-log", "--dir", "wit", "--origin", TestValues.logSigner.origin, "--key", key,
    ])
    #expect(added.status == 0, "\(added.stderr)")
    let log = try InMemoryLog((0..<8).map { Array("entry \($0)".utf8) })
    let (process, base) = try await Self.serve(cli)
    defer { process.terminate() }
    let (status, line) = try await Self.submit(try Self.body(log, old: 0, size: 8), to: base)
    #expect(status == 200, "\(line)")
    let text =
      try TestValues.logSigner.sign(
        size: 8, root: try StoredTree.rootHash(size: 8, reader: log)
      ).note.components(separatedBy: "\n\n")[0] + "\n"
    let cosigned = try SignedNote(parsing: Array((text + "\n" + line).utf8))
    #expect(verifier.timestamp(of: cosigned.signatures[0], on: text) != nil)
    let (unknown, _) = try await Self.submit("old 0\n\nnot a note\n", to: base)
    #expect(unknown == 400)
  }

  @Test(
    "D24: killed (-9) while cosigning, the witness restarts from what it cosigned and never contradicts it"
  )
  func crashLoop() async throws {
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    _ = try await cli.run(["witness", "init", "--dir", "wit", "--name", "w.example/w"])
    _ = try await cli.run([
      "witness", "add-log", "--dir", "wit", "--origin", TestValues.logSigner.origin, "--key",
      TestValues.logSigner.verifier.verifierKey,
    ])
    let cycles = TestScale.count("AMEXIST_WITNESS_CRASH_CYCLES", smoke: 4, full: 50)
    let log = try InMemoryLog((0..<400).map { Array("entry \($0)".utf8) })
    let fork = try InMemoryLog((0..<400).map { Array("fork \($0)".utf8) })
    var acknowledged: Int64 = 0
    var size: Int64 = 0
    for cycle in 0..<cycles {
      let (process, base) = try await Self.serve(cli)
      // Learn the witness's size: old 0 is refused with 409 and its size once it cosigned.
      let (status, reply) = try await Self.submit(
        try Self.body(log, old: 0, size: size + 1), to: base)
      if status == 409 {
        let stored = Int64(reply.trimmingCharacters(in: .newlines)) ?? -1
        #expect(stored >= acknowledged, "cycle \(cycle): the witness went back to \(stored)")
        size = stored
      } else {
        #expect(status == 200 && acknowledged == 0, "cycle \(cycle): \(status) \(reply)")
        size += 1
        acknowledged = size
      }
      // A fork at a size it cosigned is refused, whatever happened before.
      if acknowledged > 0 {
        let (forked, _) = try await Self.submit(
          try Self.body(fork, old: size, size: size), to: base)
        #expect(forked == 409, "cycle \(cycle): a fork at size \(size) was not refused")
      }
      // Submit while a kill -9 lands at a random moment.
      let killer = Task {
        try await Task.sleep(for: .milliseconds(Int.random(in: 5...60)))
        kill(process.processIdentifier, SIGKILL)
      }
      while size < 390, process.isRunning {
        let next = size + Int64.random(in: 1...3)
        guard
          let (status, _) = try? await Self.submit(
            try Self.body(log, old: size, size: next), to: base)
        else { break }
        guard status == 200 else { break }
        size = next
        acknowledged = next
      }
      _ = try await killer.value
      process.waitUntilExit()
    }
    #expect(acknowledged > 0, "the witness cosigned between the kills")
  }
}
