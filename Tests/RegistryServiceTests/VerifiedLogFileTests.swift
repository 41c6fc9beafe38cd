import AmexistDomain
import Crypto
import Foundation
import GRDB
import RegistryStore
import RegistryStoreSQLite
import RegistryTesting
import Synchronization
import Testing
import TransparencyLog

@testable import RegistryService

/// The verified log kept between processes (`Keys/private/verified-log`): a command restores
/// what an earlier pass verified instead of reading the whole log again, and nothing it
/// restores lets an edited database be read as genuine.
@Suite("The verified log kept between processes (D1, D20, D26)")
struct VerifiedLogFileTests {
  /// The kept file beside the sample registry, for the log `signer`.
  static func file(
    _ registry: TamperHarness, signer: LogSigner = TestValues.logSigner,
    rewriteAfter: Int64 = 1, whenIgnored: (@Sendable (String) -> Void)? = nil
  ) -> VerifiedLogFile {
    VerifiedLogFile(
      path: registry.harness.folder.file("verified-log"), logSigner: signer,
      rewriteAfter: rewriteAfter, whenIgnored: whenIgnored)
  }

  /// Another process on the sample registry: it restores the kept file but never writes it
  /// (its threshold is out of reach), unless `rewriteAfter` says otherwise.
  static func process(
    _ registry: TamperHarness, rewriteAfter: Int64 = 1_000_000, published: Bool = true,
    whenIgnored: (@Sendable (String) -> Void)? = nil
  ) throws -> RegistryService {
    RegistryService(
      store: try SQLiteRegistryStore(path: registry.path), logSigner: TestValues.logSigner,
      publishedCheckpoint: published
        ? CheckpointFile(path: registry.harness.folder.file("log-checkpoint")) : nil,
      verifiedLogFile: file(registry, rewriteAfter: rewriteAfter, whenIgnored: whenIgnored),
      clock: registry.harness.clock)
  }

  /// The sample registry, every service's state as a whole pass reads it, and the kept file
  /// written by a process that made that pass.
  static func keptRegistry() async throws -> (TamperHarness, [SIRET: ServiceState]) {
    let registry = try await TamperHarness()
    let writer = try process(registry, rewriteAfter: 1)
    let sirets = try await writer.read { try $0.registeredServices() }
    var states: [SIRET: ServiceState] = [:]
    for siret in sirets { states[siret] = try await writer.state(of: siret) }
    let count = try await writer.eventCount()
    #expect(writer.verifiedLog.keptSize == count)
    #expect(FileManager.default.fileExists(atPath: registry.harness.folder.file("verified-log")))
    return (registry, states)
  }

  /// The index and subject of the first entry of `kind`, read from the file directly.
  static func entry(_ registry: TamperHarness, kind: String) throws -> (
    index: Int64, subject: String
  ) {
    let queue = try DatabaseQueue(path: registry.path)
    defer { try? queue.close() }
    let row = try queue.read { db in
      try Row.fetchOne(
        db, sql: "SELECT idx, subject FROM events WHERE kind = ? ORDER BY idx LIMIT 1",
        arguments: [kind])
    }
    let found = try #require(row)
    return (found["idx"], found["subject"])
  }

  @Test("another process restores the kept log, reads what a whole pass reads, and extends it")
  func restoredAndExtended() async throws {
    let (registry, states) = try await Self.keptRegistry()
    defer { registry.harness.folder.remove() }
    let count = try await registry.service.eventCount()

    let reader = try Self.process(registry)
    for (siret, state) in states {
      #expect(try await reader.state(of: siret) == state)
    }
    // Restored whole: nothing was read again to know it.
    #expect(reader.verifiedLog.keptSize == count)
    #expect(reader.verifiedLog.verifiedSize == count)

    let added = TestValues.generatedSIRET(7)
    try await reader.register(added, profile: try ServiceProfile(name: "Après le fichier"))
    let next = try Self.process(registry)
    #expect(try await next.state(of: added).profile.name == "Après le fichier")
    #expect(next.verifiedLog.keptSize == count)
    #expect(next.verifiedLog.verifiedSize == count + 1)
  }

  @Test("D1: an entry edited after the log was kept is refused when it is read")
  func editedAfterKept() async throws {
    let (registry, _) = try await Self.keptRegistry()
    defer { registry.harness.folder.remove() }
    let grant = try Self.entry(registry, kind: "levelGranted")
    try registry.tamper(
      "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), '\"level\"', '\"levei\"') AS BLOB) WHERE idx = \(grant.index)"
    )
    let reader = try Self.process(registry)
    await #expect(
      throws: RegistryError.integrity("entry \(grant.index) was changed in the registry database")
    ) {
      try await reader.state(of: TestValues.siret(grant.subject))
    }
    #expect(reader.verifiedLog.keptSize != nil)
  }

  @Test("D20, D26: a suspension moved to another SIRET after the log was kept is still found")
  func movedAfterKept() async throws {
    let (registry, states) = try await Self.keptRegistry()
    defer { registry.harness.folder.remove() }
    let suspension = try Self.entry(registry, kind: "levelSuspended")
    let owner = TestValues.siret(suspension.subject)
    let other = try #require(states.keys.first { $0 != owner })
    try registry.tamper(
      "UPDATE events SET subject = '\(other.digits)' WHERE idx = \(suspension.index)")
    let reader = try Self.process(registry)
    // Membership comes from the kept verified log, never from the column.
    #expect(try await reader.state(of: owner) == states[owner])
    #expect(try await reader.state(of: owner).history.map(\.index).contains(suspension.index))
    #expect(try await reader.state(of: other) == states[other])
    #expect(reader.verifiedLog.keptSize != nil)
  }

  @Test("D26: newest rows deleted after the log was kept: refused, even with no checkpoint file")
  func rolledBackAfterKept() async throws {
    let (registry, _) = try await Self.keptRegistry()
    defer { registry.harness.folder.remove() }
    let count = try await registry.service.eventCount()
    let sizes = try await registry.checkpointSizes()
    let older = try #require(sizes.dropLast().last)
    try registry.tamper(
      """
      PRAGMA foreign_keys = OFF;
      DELETE FROM attestations WHERE idx >= \(older);
      DELETE FROM checkpoints WHERE size > \(older);
      DELETE FROM events WHERE idx >= \(older)
      """)
    let reader = try Self.process(registry, published: false)
    await #expect(
      throws: RegistryError.integrity(
        "it holds \(older) entries but the log already verified or published \(count) (rolled back, or an older backup restored)"
      )
    ) {
      try await reader.eventCount()
    }
  }

  @Test(
    "a damaged, cut, lengthened, empty or foreign file is ignored, and said so: the whole pass is made"
  )
  func damagedFilesIgnored() async throws {
    let (registry, states) = try await Self.keptRegistry()
    defer { registry.harness.folder.remove() }
    let path = registry.harness.folder.file("verified-log")
    let kept = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let count = try await registry.service.eventCount()
    let other = try LogSigner(
      origin: TestValues.logSigner.origin, key: Curve25519.Signing.PrivateKey())
    let otherOrigin = try LogSigner(
      origin: "other.amexist.example/log", key: Curve25519.Signing.PrivateKey())
    let log = try #require(try Self.process(registry).verifiedLog.file?.load())
    var variants: [(String, [UInt8])] = [
      ("empty", []),
      ("cut by one byte", Array(kept.dropLast())),
      ("one byte more", kept + [0]),
      ("first byte flipped", [kept[0] ^ 1] + kept.dropFirst()),
      (
        "a leaf hash flipped",
        kept.enumerated().map { $0.offset == kept.count / 2 ? $0.element ^ 0x80 : $0.element }
      ),
      ("the code flipped", Array(kept.dropLast()) + [kept[kept.count - 1] ^ 1]),
      (
        "made with another log key",
        VerifiedLogFile.encode(
          log, origin: other.origin,
          secret: other.noteSigner.derivedSecret(purpose: "amexist verified log file v1"))
      ),
      (
        "made for another log",
        VerifiedLogFile.encode(
          log, origin: otherOrigin.origin,
          secret: TestValues.logSigner.noteSigner.derivedSecret(
            purpose: "amexist verified log file v1"))
      ),
    ]
    variants.append(("the same log, written again", kept))
    for (name, bytes) in variants {
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let reasons = Mutex<[String]>([])
      let reader = try Self.process(registry) { reason in reasons.withLock { $0.append(reason) } }
      for (siret, state) in states {
        #expect(try await reader.state(of: siret) == state, "\(name)")
      }
      #expect(reader.verifiedLog.verifiedSize == count, "\(name)")
      let restored = reader.verifiedLog.keptSize
      let isValid = name == "the same log, written again"
      #expect(restored == (isValid ? count : nil), "\(name)")
      let told = reasons.withLock { $0 }
      #expect(
        isValid ? told.isEmpty : told.count == 1 && told[0].contains("it is not used"),
        "\(name): \(told)")
    }
    // No file at all is not worth a word: the first command of a registry has none.
    try FileManager.default.removeItem(atPath: path)
    let reasons = Mutex<[String]>([])
    let reader = try Self.process(registry) { reason in reasons.withLock { $0.append(reason) } }
    _ = try await reader.read { try $0.registeredServices() }
    #expect(reasons.withLock { $0 }.isEmpty)
  }

  @Test("a file under a valid code with a malformed body is refused without a crash")
  func malformedBodies() async throws {
    let (registry, _) = try await Self.keptRegistry()
    defer { registry.harness.folder.remove() }
    let secret = TestValues.logSigner.noteSigner.derivedSecret(
      purpose: "amexist verified log file v1")
    let origin = TestValues.logSigner.origin
    let kept = try #require(try Self.process(registry).verifiedLog.file?.load())
    let encoded = VerifiedLogFile.encode(kept, origin: origin, secret: secret)
    let body = Array(encoded.dropLast(SHA256.byteCount))
    func signed(_ body: [UInt8]) -> [UInt8] {
      body + HMAC<SHA256>.authenticationCode(for: body, using: secret)
    }

    // Round trip: the same tree, leaf hashes and lookups.
    let decoded = try #require(VerifiedLogFile.decode(encoded, origin: origin, secret: secret))
    #expect(decoded.tree == kept.tree)
    #expect(decoded.leafHashBytes == kept.leafHashBytes)
    #expect(decoded.subjects == kept.subjects)
    #expect(decoded.registrations.map(\.siret) == kept.registrations.map(\.siret))
    #expect(decoded.registrations.map(\.index) == kept.registrations.map(\.index))
    #expect(decoded.keyAdditions.map(\.kid) == kept.keyAdditions.map(\.kid))
    #expect(decoded.bodyRegistrations.map(\.id) == kept.bodyRegistrations.map(\.id))
    #expect(decoded.signedDecisions == kept.signedDecisions)
    #expect(decoded.attestations == kept.attestations)
    #expect(decoded.statusIndexes == kept.statusIndexes)
    #expect(decoded.checkpointNote == nil)

    // Every cut of the body is refused, whatever its code.
    for length in 0..<body.count {
      #expect(
        VerifiedLogFile.decode(signed(Array(body.prefix(length))), origin: origin, secret: secret)
          == nil, "cut at \(length)")
    }
    // Bytes changed anywhere, then signed: refused or read, never a crash; a count or an index
    // made enormous is refused.
    var random = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      var changed = body
      let place = Int.random(in: 0..<changed.count, using: &random)
      changed[place] = UInt8.random(in: 0...255, using: &random)
      if let log = VerifiedLogFile.decode(signed(changed), origin: origin, secret: secret) {
        #expect(log.leafHashBytes.count == Int(log.size) * MerkleHash.size)
      }
    }
    let sizeOffset = VerifiedLogFile.headerSize + 8 + origin.utf8.count
    var huge = body
    for offset in sizeOffset..<sizeOffset + 8 { huge[offset] = 0x7F }
    #expect(VerifiedLogFile.decode(signed(huge), origin: origin, secret: secret) == nil)
  }
}
