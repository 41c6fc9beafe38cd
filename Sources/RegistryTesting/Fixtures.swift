public import AmexistDomain
import Crypto
import Foundation
public import RegistryService
import Synchronization
public import TransparencyLog

/// A clock that shows a set instant until moved: makes every test deterministic.
public final class FixedClock: RegistryClock {
  private let current: Mutex<Instant>

  /// A clock at `instant`.
  public init(_ instant: Instant) {
    current = Mutex(instant)
  }

  /// A clock at an RFC 3339 timestamp; the text must be valid.
  public convenience init(_ text: String) {
    do {
      self.init(try Instant(parsing: text))
    } catch {
      preconditionFailure("invalid fixed clock time \(text): \(error)")
    }
  }

  public func now() -> Instant { current.withLock { $0 } }

  /// Moves the clock forward by whole days.
  public func advance(days: Int) {
    current.withLock { $0 = $0.adding(milliseconds: Int64(days) * 86_400_000) }
  }
}

/// A folder under the system's temporary directory, for one test, removed by ``remove()``.
public struct TemporaryFolder: Sendable {
  /// The folder's path.
  public let path: String

  /// Creates a new, empty folder.
  public init() throws {
    path = NSTemporaryDirectory() + "amexist-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// The path of `name` inside the folder.
  public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  /// Removes the folder and everything in it.
  public func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// Copies everything the folder at `source` holds into this folder.
  public func copyContents(of source: String) throws {
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
      try FileManager.default.copyItem(
        atPath: (source as NSString).appendingPathComponent(name), toPath: file(name))
    }
  }

  /// A new, empty folder removed when the test process exits (for what tests share and copy).
  public static func removedAtExit() throws -> TemporaryFolder {
    let folder = try TemporaryFolder()
    let first = keptUntilExit.withLock { paths in
      paths.append(folder.path)
      return paths.count == 1
    }
    if first {
      atexit {
        for path in TemporaryFolder.keptUntilExit.withLock({ $0 }) {
          try? FileManager.default.removeItem(atPath: path)
        }
      }
    }
    return folder
  }

  private static let keptUntilExit = Mutex<[String]>([])
}

/// Values for tests, valid unless their name says otherwise.
public enum TestValues {
  /// The test log's signer: `Test_` key from a fixed seed, origin `test.amexist.example/log`.
  public static let logSigner: LogSigner = {
    do {
      return try LogSigner(
        origin: "test.amexist.example/log",
        key: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 32))
      )
    } catch {
      preconditionFailure("the test log key is valid")
    }
  }()

  /// The instant most tests run at: 2026-11-25 12:00 UTC.
  public static let noon = "2026-11-25T12:00:00Z"

  /// A SIRET from a string known to be valid.
  /// The `number`-th of a series of distinct valid SIRETs (last digit chosen by the checks).
  public static func generatedSIRET(_ number: Int) -> SIRET {
    let digits = String(number)
    let stem = "9" + String(repeating: "0", count: 8 - digits.count) + digits + "0001"
    for last in 0...9 {
      if let siret = try? SIRET(stem + String(last)) { return siret }
    }
    preconditionFailure("no valid SIRET for \(stem)")
  }

  public static func siret(_ text: String) -> SIRET {
    do { return try SIRET(text) } catch { preconditionFailure("invalid test SIRET \(text)") }
  }

  /// A date from a string known to be valid.
  public static func date(_ text: String) -> CalendarDate {
    do { return try CalendarDate(parsing: text) } catch {
      preconditionFailure("invalid test date \(text)")
    }
  }

  /// An instant from a string known to be valid.
  public static func instant(_ text: String) -> Instant {
    do { return try Instant(parsing: text) } catch {
      preconditionFailure("invalid test instant \(text)")
    }
  }

  /// A registration event for `siret` with a plain profile.
  public static func registration(_ siret: SIRET, name: String = "Service de test") -> Event {
    do {
      return .serviceRegistered(
        ServiceRegistered(siret: siret, profile: try ServiceProfile(name: name, region: "11")))
    } catch {
      preconditionFailure("invalid test profile")
    }
  }

  /// The state, at noon on the tests' day, of the `number`-th generated service just
  /// registered under `name` (default "Service `number`").
  public static func registeredState(_ number: Int, name: String? = nil) -> ServiceState {
    let logged = LoggedEvent(
      index: Int64(number),
      recorded: RecordedEvent(
        recordedAt: instant(noon),
        event: registration(generatedSIRET(number), name: name ?? "Service \(number)")))
    guard let state = ServiceState.fold([logged], at: instant(noon)) else {
      preconditionFailure("a registration folds into a state")
    }
    return state
  }

  /// A grant event for `siret`, the federation's own unless `signedBy` is given (the append
  /// rules refuse level 3 from the federation).
  public static func grant(
    _ siret: SIRET, _ level: Level = .commitment, decided: String = "2026-11-01",
    validFrom: String? = nil,
    validUntil: String = "2029-10-31", evaluator: String? = nil, reference: String? = nil,
    corrects: Int64? = nil, signedBy: BodySignature? = nil
  ) throws(DomainError) -> Event {
    .levelGranted(
      try LevelGranted(
        siret: siret, level: level, decided: date(decided), validFrom: validFrom.map(date),
        validUntil: date(validUntil), evaluator: evaluator, reference: reference,
        corrects: corrects, signedBy: signedBy
      )
    )
  }

  /// The signature of the body `test-body` in the form the append rules read (its token is well
  /// formed, not verifiable: the rules do not verify signatures, the recording of a signed
  /// decision does).
  public static let bodySignature: BodySignature = {
    do {
      return try BodySignature(body: "test-body", token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
    } catch {
      preconditionFailure("the test body signature is well formed")
    }
  }()
}

/// How big the slow tests' loops are. `swift test` runs them at smoke sizes, so that a developer
/// runs the whole suite in about a minute and a half; `AMEXIST_FULL_TESTS=1` (as `.ci/run` sets)
/// runs the catalogue's full counts, and each count can also be set by its own variable.
public enum TestScale {
  /// Whether the full counts were asked for (`AMEXIST_FULL_TESTS=1`).
  public static var isFull: Bool {
    ProcessInfo.processInfo.environment["AMEXIST_FULL_TESTS"] == "1"
  }

  /// The count set by `variable`, else `full` under `AMEXIST_FULL_TESTS=1`, else `smoke`.
  public static func count(_ variable: String, smoke: Int, full: Int) -> Int {
    if let given = ProcessInfo.processInfo.environment[variable].flatMap(Int.init), given > 0 {
      return given
    }
    return isFull ? full : smoke
  }
}
