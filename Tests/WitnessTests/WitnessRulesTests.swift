import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import RegistryTesting
import Testing
import TransparencyLog
import Witness

/// The witness of C2SP `tlog-witness`: its refusals with the specification's codes, its state
/// that never goes back, and its `cosignature/v1` (catalogue D6, D12, D21).
@Suite("Witness: add-checkpoint rules, state and cosignatures")
struct WitnessRulesTests {
  /// A log of 40 entries and checkpoints of its prefixes.
  struct Log: Sendable {
    var tree = InMemoryLog()
    let signer: LogSigner

    init(entries: Int = 40, signer: LogSigner = TestValues.logSigner, salt: String = "") throws {
      self.signer = signer
      for index in 0..<entries { try tree.append(Array("entry \(index)\(salt)".utf8)) }
    }

    func root(_ size: Int64) throws -> MerkleHash {
      try StoredTree.rootHash(size: size, reader: tree)
    }

    /// The add-checkpoint request for the tree of `size`, with the proof from `old`.
    func request(old: Int64, size: Int64, proofFrom: Int64? = nil) throws -> AddCheckpointRequest {
      let note = try signer.sign(size: size, root: try root(size)).note
      let from = proofFrom ?? old
      let proof =
        from == 0 || from >= size
        ? [] : try StoredTree.consistencyProof(size1: from, size2: size, reader: tree)
      return AddCheckpointRequest(
        oldSize: old, proof: proof, note: try SignedNote(parsing: Array(note.utf8)))
    }
  }

  static let cosigner = try! Cosigner(
    name: "witness.example/w1", key: Curve25519.Signing.PrivateKey())

  func store() throws -> (WitnessStore, TemporaryFolder) {
    let folder = try TemporaryFolder()
    let store = try WitnessStore(path: folder.file("witness.sqlite"), create: true)
    try store.addLog(TestValues.logSigner.verifier)
    return (store, folder)
  }

  @Test("D21, D6: every refusal has C2SP's code and leaves the state as it was")
  func refusals() throws {
    let (store, folder) = try store()
    defer { folder.remove() }
    let log = try Log()
    #expect(try store.record(log.request(old: 0, size: 10)).size == 10)
    let before = try store.logs()
    func refused(_ request: AddCheckpointRequest) -> WitnessRefusal? {
      do {
        _ = try store.record(request)
        return nil
      } catch { return error }
    }
    // Unknown origin: 404.
    let other = try Log(
      signer: LogSigner(origin: "other.example/log", key: Curve25519.Signing.PrivateKey()))
    #expect(refused(try other.request(old: 10, size: 12))?.status == 404)
    // Signed by another key under the right origin: 403.
    let impostor = try Log(
      signer: LogSigner(origin: TestValues.logSigner.origin, key: Curve25519.Signing.PrivateKey()))
    #expect(refused(try impostor.request(old: 10, size: 12)) == .notSigned)
    // Old size beyond the checkpoint: 400; a smaller tree than cosigned is refused.
    #expect(refused(try log.request(old: 10, size: 8)) == .oldSizeBeyondCheckpoint)
    #expect(refused(try log.request(old: 8, size: 8)) == .conflict(size: 10))
    // Old size not the witness's: 409 with its size.
    #expect(refused(try log.request(old: 5, size: 12)) == .conflict(size: 10))
    #expect(refused(try log.request(old: 0, size: 12)) == .conflict(size: 10))
    // Same size, another root: 409.
    let fork = try Log(salt: "-fork")
    #expect(refused(try fork.request(old: 10, size: 10)) == .conflict(size: 10))
    // A proof that does not tie the new tree to the cosigned one: 422 (a fork, a proof for
    // other sizes, a flipped bit, a missing line).
    #expect(refused(try fork.request(old: 10, size: 20)) == .badProof)
    #expect(refused(try log.request(old: 10, size: 20, proofFrom: 9)) == .badProof)
    var flipped = try log.request(old: 10, size: 20)
    var hashes = flipped.proof
    hashes[0] = MerkleHash(bytes: hashes[0].bytes.enumerated().map { $0 == 0 ? $1 ^ 1 : $1 })!
    flipped = AddCheckpointRequest(oldSize: 10, proof: hashes, note: flipped.note)
    #expect(refused(flipped) == .badProof)
    let short = try log.request(old: 10, size: 20)
    #expect(
      refused(AddCheckpointRequest(oldSize: 10, proof: short.proof.dropLast(), note: short.note))
        == .badProof)
    #expect(try store.logs() == before, "no refusal changed the state")
    // The fork's contradicting checkpoints are kept as evidence.
    #expect(try store.evidence().count == 5)
    // The honest next checkpoint is cosigned.
    #expect(try store.record(log.request(old: 10, size: 20)).size == 20)
    #expect(try store.record(log.request(old: 20, size: 20)).size == 20)
  }

  @Test(
    "D6: a first checkpoint needs no proof; a proof from size 0, or an empty tree's wrong root, is refused"
  )
  func firstCheckpoint() throws {
    let (store, folder) = try store()
    defer { folder.remove() }
    let log = try Log()
    let withProof = try log.request(old: 0, size: 10)
    let proof = try StoredTree.consistencyProof(size1: 3, size2: 10, reader: log.tree)
    #expect(
      throws: WitnessRefusal.badProof,
      performing: {
        try store.record(AddCheckpointRequest(oldSize: 0, proof: proof, note: withProof.note))
      })
    let empty = try TestValues.logSigner.sign(size: 0, root: try log.root(3)).note
    #expect(
      throws: WitnessRefusal.badProof,
      performing: {
        try store.record(
          AddCheckpointRequest(
            oldSize: 0, proof: [], note: try SignedNote(parsing: Array(empty.utf8))))
      })
    #expect(try store.logs()[TestValues.logSigner.origin]?.size == 0)
  }

  @Test("request bodies are parsed strictly: old line, at most 63 proof lines, blank line, note")
  func parsing() throws {
    let log = try Log()
    let request = try log.request(old: 5, size: 20)
    #expect(try AddCheckpointRequest(parsing: Array(request.body.utf8)) == request)
    let note = request.note.serialized
    let bad = [
      "old 05\n\n" + note, "old -1\n\n" + note, "new 5\n\n" + note, "old 5\nnot base64!\n\n" + note,
      "old 5\n" + String(repeating: request.proof[0].base64 + "\n", count: 64) + "\n" + note,
      "old 5\n" + note,
    ]
    for body in bad {
      #expect(throws: WitnessRefusal.self) { try AddCheckpointRequest(parsing: Array(body.utf8)) }
    }
  }

  @Test(
    "D12: concurrent checkpoints from one size: one is cosigned, the others get 409; the size never goes back"
  )
  func race() async throws {
    let (store, folder) = try store()
    defer { folder.remove() }
    let log = try Log()
    _ = try store.record(log.request(old: 0, size: 10))
    let requests = try (11...30).map { try log.request(old: 10, size: Int64($0)) }
    let outcomes = await withTaskGroup(of: Int64?.self) { group in
      for request in requests {
        group.addTask { try? store.record(request).size }
      }
      var sizes: [Int64?] = []
      for await size in group { sizes.append(size) }
      return sizes
    }
    let cosigned = outcomes.compactMap { $0 }
    #expect(cosigned.count == 1, "exactly one request from size 10 wins: \(cosigned)")
    #expect(try store.logs()[TestValues.logSigner.origin]?.size == cosigned.first)
  }

  @Test(
    "cosignature/v1: timestamped, key ID with type 0x04, verifiable; the HTTP answers are C2SP's")
  func cosignatureAndHTTP() async throws {
    let (store, folder) = try store()
    defer { folder.remove() }
    let log = try Log()
    let now = Date(timeIntervalSince1970: 1_796_040_000)
    let app = WitnessServer.application(
      store: store, cosigner: Self.cosigner, port: 0, clock: { now })
    try await app.test(.router) { client in
      let first = try log.request(old: 0, size: 10)
      let ok = try await client.execute(
        uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: first.body))
      #expect(ok.status == .ok)
      let line = String(buffer: ok.body)
      let cosigned = try SignedNote(parsing: Array((first.note.text + "\n" + line).utf8))
      let verifier = try CosignatureVerifier(verifierKey: Self.cosigner.verifier.verifierKey)
      #expect(
        verifier.timestamp(of: cosigned.signatures[0], on: first.note.text) == 1_796_040_000)
      // Another note's text, or another key, does not verify.
      let later = try log.request(old: 10, size: 12)
      #expect(verifier.timestamp(of: cosigned.signatures[0], on: later.note.text) == nil)
      let stale = try await client.execute(
        uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: first.body))
      #expect(stale.status == .conflict)
      #expect(stale.headers[.contentType] == "text/x.tlog.size")
      #expect(String(buffer: stale.body) == "10\n")
      let garbage = try await client.execute(
        uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: "hello"))
      #expect(garbage.status == .badRequest)
      let huge = try await client.execute(
        uri: "/add-checkpoint", method: .post,
        body: ByteBuffer(repeating: 0x41, count: WitnessServer.maximumBody + 1))
      #expect(huge.status == .contentTooLarge)
    }
    // Outside check: Python's cryptography verifies the cosignature from the specification.
    let note = try TestValues.logSigner.sign(size: 10, root: try log.root(10)).note
    let text = String(note.prefix { $0 != "—" }.dropLast())
    let line = try Self.cosigner.cosign(text, at: 1_796_040_000).line
    let path = folder.file("cosigned.txt")
    try Data((text + "\n" + line + "\n").utf8).write(to: URL(fileURLWithPath: path))
    let checked = try await ExternalTool.run(
      "python3",
      [
        "-W", "ignore", Vectors.packageRoot + "/Tests/Interop/cosignature_check.py",
        Self.cosigner.verifier.verifierKey, path,
      ])
    #expect(checked.status == 0, "\(checked.text) \(checked.stderr)")
    #expect(checked.text == "cosigned at 1796040000\n")
  }
}

/// The registry's side of the protocol against a witness listening on a port.
@Suite("Witness client")
struct WitnessClientTests {
  @Test(
    "a stale size is learned from the 409 and the proof sent again; a witness ahead is named; a fork is refused"
  )
  func client() async throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = try WitnessStore(path: folder.file("witness.sqlite"), create: true)
    try store.addLog(TestValues.logSigner.verifier)
    let log = try WitnessRulesTests.Log()
    let fork = try WitnessRulesTests.Log(salt: "-fork")
    let app = WitnessServer.application(store: store, cosigner: WitnessRulesTests.cosigner, port: 0)
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    defer { _ = http.shutdown() }
    try await app.test(.live) { client in
      let witness = WitnessClient(url: "http://127.0.0.1:\(client.port ?? 0)/")
      @Sendable func send(_ tree: WitnessRulesTests.Log, size: Int64, known: Int64) async throws
        -> (WitnessAnswer, Int64?)
      {
        let note = try TestValues.logSigner.sign(size: size, root: try tree.root(size)).note
        let tree = tree
        return await witness.submit(note: note, size: size, knownSize: known, client: http) { old in
          try StoredTree.consistencyProof(size1: old, size2: size, reader: tree.tree)
        }
      }
      let (first, held) = try await send(log, size: 10, known: 0)
      guard case .cosigned(let lines) = first else {
        Issue.record("the first checkpoint is cosigned: \(first)")
        return
      }
      #expect(held == 10)
      #expect(lines.count == 1)
      // The client thought the witness new; the witness says 10; the proof from 10 is sent.
      let (second, _) = try await send(log, size: 20, known: 0)
      guard case .cosigned = second else {
        Issue.record("cosigned after learning the size: \(second)")
        return
      }
      let (behind, size) = try await send(log, size: 15, known: 20)
      #expect(behind == .ahead(size: 20))
      #expect(size == 20)
      let (forked, _) = try await send(fork, size: 25, known: 20)
      #expect(forked == .refused(status: 422, size: nil))
    }
    let nowhere = WitnessClient(url: "http://127.0.0.1:1", timeout: .seconds(2))
    let (answer, _) = await nowhere.submit(
      note: "x", size: 1, knownSize: 0, client: http, proof: { _ in [] })
    guard case .unreachable = answer else {
      Issue.record("a witness that is down is unreachable: \(answer)")
      return
    }
  }
}
