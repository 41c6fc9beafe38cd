import AmexistDomain
import Attestation
import Foundation
import TransparencyLog

/// What a verifier keeps per pin (DESIGN, "The trust root"): the newest root version it
/// verified from the pinned one, and the newest registry list version it saw under the same
/// registry keys, in `$XDG_STATE_HOME/amexist/pins/PIN.json` (`~/.local/state` when unset).
///
/// Recovery from inflated state (catalogue B7): a registry list version inflated by a stolen
/// registry key is forgotten when the root rotates the registry key; the file may also be
/// deleted, after which the verifier starts again from its pin.
struct TrustPins {
  /// The folder holding one file per pin.
  let folder: String

  /// The verifier's standard state folder.
  static func standard(environment: [String: String] = ProcessInfo.processInfo.environment)
    -> TrustPins
  {
    let base =
      environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
      ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(
        ".local/state")
    return TrustPins(folder: (base as NSString).appendingPathComponent("amexist/pins"))
  }

  /// The state kept for one pin.
  struct State {
    /// The newest root part verified from the pin.
    let rootPart: SignedPart
    /// The newest registry list version seen under that root's registry keys.
    let registryVersion: Int64?
  }

  /// The state file of `pin`.
  func path(_ pin: String) -> String {
    (folder as NSString).appendingPathComponent("\(pin).json")
  }

  /// The state kept for `pin`, nil when none.
  func load(_ pin: String) throws(CLIError) -> State? {
    guard let data = FileManager.default.contents(atPath: path(pin)) else { return nil }
    guard
      let value = try? StrictJSONParser(maximumSize: TrustFile.maximumSize, maximumDepth: 8)
        .parse([UInt8](data)),
      case .object(let members) = value, let root = members["root"],
      let part = try? SignedPart(json: root)
    else {
      throw CLIError(
        "\(path(pin)) is not a verifier's trust state: delete it to start again from the pin",
        exitCode: AmexistCLI.untrusted)
    }
    var registryVersion: Int64?
    if case .integer(let version) = members["registryVersion"] { registryVersion = version }
    return State(rootPart: part, registryVersion: registryVersion)
  }

  /// Keeps `state` for `pin` (atomically); a verifier that cannot write its state still
  /// verifies, with a warning.
  func save(_ state: State, for pin: String) {
    let bytes =
      CanonicalJSON.encode(
        .object([
          "root": state.rootPart.json,
          "registryVersion": state.registryVersion.map(JSONValue.integer) ?? .null,
        ])) + [UInt8(ascii: "\n")]
    do {
      try FileManager.default.createDirectory(
        atPath: folder, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
      try Data(bytes).write(to: URL(fileURLWithPath: path(pin)), options: .atomic)
    } catch {
      Console.warning(
        "cannot keep the trust state in \(path(pin)) (\(error.localizedDescription)): rollback protection lasts only this run"
      )
    }
  }
}

/// How far a verifier trusts the trust file it was given.
struct TrustStanding {
  /// The root version, nil for an unsigned (`amexist-trust/1`) file.
  let rootVersion: Int64?
  /// The pin the root was chained to, nil on first use.
  let pin: String?
  /// When the trust data expires, nil for an unsigned file.
  let expires: Instant?

  /// Whether the root was chained to a pin.
  var rootPinned: Bool { pin != nil }

  /// The verdict's line about trust.
  var summary: String {
    guard let rootVersion else {
      return
        "unsigned trust file (amexist-trust/1): trust on first use, nothing pins it (the registry publishes a signed one once its root is published)"
    }
    let expiry = expires.map { ", expires \($0)" } ?? ""
    guard let pin else {
      return
        "root version \(rootVersion)\(expiry): trust on first use (not pinned: give --root-pin HASH or AMEXIST_TRUST_PIN)"
    }
    return "root version \(rootVersion)\(expiry), chained to the pinned root \(pin.prefix(16))…"
  }

  /// The verdict's `trust` member.
  var json: JSONValue {
    .object([
      "format": .string(rootVersion == nil ? TrustFile.format : TrustRoot.format),
      "rootVersion": rootVersion.map(JSONValue.integer) ?? .null,
      "rootPinned": .bool(rootPinned), "pin": pin.map(JSONValue.string) ?? .null,
      "expires": expires.map { .string($0.description) } ?? .null,
    ])
  }

  /// Checks `trust` against `pin` (when given) and the state kept for it, walking from the
  /// pinned root through `newer` root parts and the file's own root; keeps the newest verified.
  ///
  /// - Throws: exit 7 for an unsigned file, a rollback (of the root or of the registry list),
  ///   a swap, a skipped version, or a root not chained to the pin; exit 2 for a malformed pin.
  static func establish(
    _ trust: TrustFile, pin: String?, newer: [SignedPart] = [], pins: TrustPins, at now: Instant
  ) throws(CLIError) -> TrustStanding {
    guard let pin else {
      return TrustStanding(
        rootVersion: trust.signed?.root.version, pin: nil, expires: trust.expires)
    }
    try checkPin(pin)
    guard let signed = trust.signed else {
      throw CLIError(
        "the trust file is unsigned (amexist-trust/1): it cannot be chained to the pinned root; get the registry's signed /.well-known/amexist-trust.json",
        exitCode: AmexistCLI.untrusted)
    }
    let state = try pins.load(pin)
    let walked = try walk(pin: pin, state: state, through: newer + [signed.rootPart], at: now)
    guard walked.chain.root == signed.root else {
      throw CLIError(
        "the trust file's root is version \(signed.root.version), older than version \(walked.chain.root.version) already trusted for this pin (a rollback)",
        exitCode: AmexistCLI.untrusted)
    }
    // The registry list cannot go back either, while the same registry keys sign it.
    var registryVersion = signed.list.version
    if let seen = seenRegistryVersion(state, known: walked.known, now: walked.chain.root) {
      guard signed.list.version >= seen else {
        throw CLIError(
          "the trust file's registry list is version \(signed.list.version), older than version \(seen) already seen for this pin (a rollback); if that version was inflated by a stolen registry key, the root's next version rotates that key",
          exitCode: AmexistCLI.untrusted)
      }
      registryVersion = max(seen, registryVersion)
    }
    pins.save(
      TrustPins.State(rootPart: signed.rootPart, registryVersion: registryVersion), for: pin)
    return TrustStanding(rootVersion: signed.root.version, pin: pin, expires: trust.expires)
  }

  /// Refuses a pin that is not 64 lower-case hex digits (exit 2).
  static func checkPin(_ pin: String) throws(CLIError) {
    guard pin.utf8.count == 64,
      pin.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
    else {
      throw CLIError(
        "--root-pin: give the SHA-256 (64 lower-case hex digits) of a root version's signed member (`amexist trust pin`)",
        exitCode: AmexistCLI.usageError)
    }
  }

  /// Walks from the root pinned by `pin` through `parts` (root versions, the newest possibly
  /// without a registry list) and keeps the newest root for the pin.
  static func advance(pin: String, through parts: [SignedPart], pins: TrustPins, at now: Instant)
    throws(CLIError) -> TrustChain
  {
    let state = try pins.load(pin)
    let walked = try walk(pin: pin, state: state, through: parts, at: now)
    pins.save(
      TrustPins.State(
        rootPart: walked.newest,
        registryVersion: seenRegistryVersion(state, known: walked.known, now: walked.chain.root)),
      for: pin)
    return walked.chain
  }

  /// The registry list version seen under `state`, kept while `root` delegates the same
  /// registry keys as `known` (the root the state held); a rotation forgets it (B7).
  static func seenRegistryVersion(_ state: TrustPins.State?, known: TrustRoot, now root: TrustRoot)
    -> Int64?
  {
    guard
      Set(known.registryKeys.map(\.key.verifierKey))
        == Set(root.registryKeys.map(\.key.verifierKey))
    else { return nil }
    return state?.registryVersion
  }

  /// Walks from the root pinned by `pin` (`state`, kept for it, or the part among `parts`
  /// whose hash it is) through `parts`.
  ///
  /// - Returns: the chain, the newest part, and the root the walk started from.
  static func walk(
    pin: String, state: TrustPins.State?, through parts: [SignedPart], at now: Instant
  )
    throws(CLIError) -> (chain: TrustChain, newest: SignedPart, known: TrustRoot)
  {
    let start: SignedPart
    if let state {
      start = state.rootPart
    } else if let pinned = parts.first(where: {
      PayloadHash.hex(of: CanonicalJSON.encode($0.signed)) == pin
    }) {
      start = pinned
    } else {
      throw CLIError(
        "no root version given is the pinned one (\(pin.prefix(16))…), and none chained to it is known yet: run `amexist trust update` with the pinned version and every version after it (/.well-known/amexist-trust/{N}.json)",
        exitCode: AmexistCLI.untrusted)
    }
    do {
      let known = try TrustRoot.verify(start, after: nil)
      let chain = try TrustChain.walk(from: known, through: parts, at: now)
      return (chain, chain.newestPart ?? start, known)
    } catch {
      throw CLIError("\(error)", exitCode: AmexistCLI.untrusted)
    }
  }
}

/// The newest status snapshot a verifier has accepted for each registry (by its log's origin),
/// in `$XDG_STATE_HOME/amexist/status/`: an older one, where an attestation was still clear, is
/// refused (catalogue C6).
struct StatusHistory {
  /// The folder holding one file per log origin.
  let folder: String

  /// Beside the trust pins.
  static func standard(pins: TrustPins = .standard()) -> StatusHistory {
    StatusHistory(
      folder: ((pins.folder as NSString).deletingLastPathComponent as NSString)
        .appendingPathComponent("status"))
  }

  func path(_ origin: String) -> String {
    (folder as NSString).appendingPathComponent(PayloadHash.hex(of: Array(origin.utf8)) + ".json")
  }

  /// Refuses `snapshot` when it is older (a smaller tree, or issued earlier) than the newest one
  /// accepted for its registry; else keeps it as the newest.
  func admit(_ snapshot: VerifiedStatusSnapshot) throws(CLIError) {
    let origin = snapshot.checkpoint.checkpoint.origin
    let size = snapshot.checkpoint.checkpoint.size
    if let data = FileManager.default.contents(atPath: path(origin)),
      let value = try? StrictJSONParser(maximumSize: 4096, maximumDepth: 2).parse([UInt8](data)),
      case .integer(let seenSize)? = value["size"], case .string(let text)? = value["issued"],
      let seenIssued = try? Instant(parsing: text)
    {
      if size < seenSize || snapshot.snapshot.issued < seenIssued {
        throw CLIError(
          "status unknown: this status snapshot (tree size \(size), issued \(snapshot.snapshot.issued)) is older than one already accepted (tree size \(seenSize), issued \(seenIssued)): a rollback? use the newer one",
          exitCode: VerificationFailure.statusUnknown("").exitCode)
      }
      if size == seenSize && snapshot.snapshot.issued == seenIssued { return }
    }
    let bytes = CanonicalJSON.encode(
      .object([
        "size": .integer(size), "issued": .string(snapshot.snapshot.issued.description),
        "origin": .string(origin),
      ]))
    do {
      try FileManager.default.createDirectory(
        atPath: folder, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
      try Data(bytes).write(to: URL(fileURLWithPath: path(origin)), options: .atomic)
    } catch {
      Console.warning(
        "cannot keep the newest status snapshot seen in \(path(origin)) (\(error.localizedDescription)): rollback protection lasts only this run"
      )
    }
  }
}
