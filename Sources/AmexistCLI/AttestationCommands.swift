import AmexistDomain
import ArgumentParser
import AsyncHTTPClient
import Attestation
import Documents
import Foundation
import RegistryService
import TransparencyLog
import Witness

/// `amexist attest SIRET`
struct AttestCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attest",
    abstract: "Issue the signed attestation of a service's current decision and write its bundle.",
    discussion: """
      Writes <uuid>.amexist.json and, with --pdf, the printable <uuid>.pdf (the bundle attached, \
      a QR code linking to <base-url>/v/<uuid>). Prints the path of each file written, one a line.
      """
  )
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The service's SIRET.") var siret: String
  @Option(help: "Folder to write the files to.") var out = "."
  @Flag(help: "Also write the printable PDF.") var pdf = false
  @Option(help: "Language of the PDF: fr or en.") var lang: PageLanguage = .french
  @Option(
    help: "The registry's public https origin, linked by the QR code (default: the issuer's).")
  var baseURL: String?
  @Option(help: "Seconds to wait for the witness quorum (default 15).") var wait = 15

  func validate() throws {
    if let baseURL { try validateBaseURL(baseURL) }
  }

  func run() async throws {
    let siret = try parseInput { () throws(DomainError) in try SIRET(self.siret) }
    if OutputFile.isInside(OutputFile.resolved(out), folder: OutputFile.resolved(global.keys)) {
      throw CLIError(
        "--out \(out) is in the keys folder \(global.keys): choose another folder",
        exitCode: AmexistCLI.usageError)
    }
    let service = try await global.openService(writing: true)
    let paths = try await issueAndWrite(
      siret, service: service, folder: global.keyFolder, outFolder: out,
      pdf: pdf ? (lang, baseURL) : nil, wait: .seconds(max(0, min(wait, 600))))
    if global.json {
      Console.out(CanonicalJSON.string(.object(["files": .array(paths.map(JSONValue.string))])))
    } else {
      for path in paths { Console.out(path) }
    }
  }
}

extension PageLanguage: ExpressibleByArgument {}

/// Refuses a `--base-url` that is not an origin a QR code may link to (a usage error).
func validateBaseURL(_ url: String) throws {
  do {
    _ = try VerificationLink.normalisedOrigin(url)
  } catch {
    throw ValidationError("--base-url: \(error)")
  }
}

/// Issues an attestation and writes `<uuid>.amexist.json` into `outFolder`, and `<uuid>.pdf`
/// when `pdf` gives its language and base URL (nil: the issuer); returns the paths.
func issueAndWrite(
  _ siret: SIRET, service: RegistryService, folder: KeyFolder, outFolder: String,
  pdf: (language: PageLanguage, baseURL: String?)? = nil, wait: Duration = .seconds(15)
) async throws(CLIError) -> [String] {
  let signer = try await perform { () throws(RegistryError) in
    try await service.signer(from: folder)
  }
  // The PDF's origin is checked before anything is logged.
  let origin = try pdf.map { pdf throws(CLIError) in
    do {
      return try VerificationLink.normalisedOrigin(pdf.baseURL ?? signer.trust.issuer)
    } catch {
      throw CLIError(
        "\(error): give --base-url (no attestation was issued)", exitCode: AmexistCLI.usageError)
    }
  }
  let language = pdf?.language ?? .french
  let issued = try await perform { () throws(RegistryError) in
    try await service.issueAttestation(
      siret: siret, signer: signer.key, kid: signer.kid, issuer: signer.trust.issuer,
      issuerName: signer.trust.issuerName, lang: language.rawValue,
      reusingEarlier: !signer.trust.witnessPolicy.quorums.isEmpty,
      document: AttestationPDF.checkFits)
  }
  let uuid = issued.claims.uuid
  let witnessed = try await witnessedBundle(
    issued.bundle, index: issued.logged.index, id: issued.claims.id, service: service,
    policy: signer.trust.witnessPolicy, wait: wait)
  let bundle = CanonicalJSON.encode(witnessed.json) + [UInt8(ascii: "\n")]
  func write(_ name: String, _ bytes: [UInt8]) throws(CLIError) -> String {
    let path = (outFolder as NSString).appendingPathComponent(name)
    do {
      try FileManager.default.createDirectory(atPath: outFolder, withIntermediateDirectories: true)
      try Data(bytes).write(
        to: URL(fileURLWithPath: path), options: issued.reused ? .atomic : .withoutOverwriting)
    } catch {
      throw CLIError(
        "the attestation \(issued.claims.id) was logged but \(path) could not be written: \(error.localizedDescription) (`amexist bundle` can write it again)"
      )
    }
    return path
  }
  // The bundle first: whatever happens to the PDF, the logged attestation is in hand.
  let bundlePath = try write(uuid + ".amexist.json", bundle)
  guard let pdf, let origin else { return [bundlePath] }
  let document: [UInt8]
  do {
    document = try AttestationPDF.render(
      bundle: bundle, verifiedBy: AttestationVerifier(trust: signer.trust),
      at: issued.claims.validFrom, language: pdf.language, origin: origin)
  } catch {
    throw CLIError(
      "the attestation \(issued.claims.id) was logged and its bundle written to \(bundlePath), but its PDF could not be made: \(error)"
    )
  }
  return [bundlePath, try write(uuid + ".pdf", document)]
}

/// `bundle` with its inclusion proof in a checkpoint that carries the witness quorum `policy`
/// sets, running witnessing rounds for up to `wait`; `bundle` itself when the policy sets no
/// quorum.
///
/// - Throws: exit 75 (temporary failure) when the quorum is not reached in time: the
///   attestation is logged, and `amexist bundle ID` writes its bundle later.
func witnessedBundle(
  _ bundle: AttestationBundle, index: Int64, id: String, service: RegistryService,
  policy: WitnessPolicy, wait: Duration
) async throws(CLIError) -> AttestationBundle {
  guard !policy.quorums.isEmpty else { return bundle }
  let client = makeHTTPClient()
  let result: Result<InclusionEvidence, RegistryError>
  do {
    result = .success(
      try await WitnessRounds(service: service).waitForQuorum(
        index: index, attestation: id, policy: policy, client: client, deadline: wait))
  } catch {
    result = .failure(error)
  }
  try? await client.shutdown()
  switch result {
  case .success(let evidence):
    return AttestationBundle(jws: bundle.jws, evidence: evidence, decision: bundle.decision)
  case .failure(.notWitnessed(let attestation, let reason)):
    Console.out(attestation)
    throw CLIError(
      "the attestation \(attestation) is logged, but no checkpoint holding it has the witness quorum yet (\(reason)); run `amexist bundle \(attestation)` later",
      exitCode: AmexistCLI.temporaryFailure)
  case .failure(let error):
    throw CLIError(error)
  }
}

/// `amexist bundle ID`
struct BundleCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bundle",
    abstract: "Write a fresh bundle of a logged attestation, its checkpoint witnessed.",
    discussion: """
      Writes <uuid>.amexist.json (replacing an older one) with the inclusion proof in the newest \
      checkpoint that carries the witness quorum, and prints its path. Exit 75 when no \
      checkpoint holding the attestation has the quorum yet.
      """)
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The attestation's id (urn:uuid:… or the bare UUID).") var id: String
  @Option(help: "Folder to write the bundle to.") var out = "."
  @Option(help: "Seconds to wait for the witnesses (default 15).") var wait = 15

  func run() async throws {
    let bare = id.hasPrefix("urn:uuid:") ? String(id.dropFirst(9)) : id
    guard UUID(uuidString: bare) != nil, bare == bare.lowercased() else {
      throw CLIError(
        "\(Printable.quoted(id)) is not an attestation id (urn:uuid: and a lower-case UUID)",
        exitCode: AmexistCLI.usageError)
    }
    let service = try await global.openService(writing: true)
    let trust = try performNow { () throws(RegistryError) in try global.keyFolder.loadTrust() }
    let lookup = try await perform { () throws(RegistryError) in
      try await service.attestation(id: "urn:uuid:" + bare)
    }
    guard let jws = lookup.signedDocument else {
      throw CLIError("the registry did not keep the signed document of urn:uuid:\(bare)")
    }
    let evidence = try await perform { () throws(RegistryError) in
      try await service.inclusionEvidence(index: lookup.record.index)
    }
    let bundle = try await witnessedBundle(
      AttestationBundle(jws: jws, evidence: evidence, decision: lookup.decisionToken),
      index: lookup.record.index, id: "urn:uuid:" + bare, service: service,
      policy: trust.witnessPolicy, wait: .seconds(max(0, min(wait, 600))))
    let path = (out as NSString).appendingPathComponent(bare + ".amexist.json")
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      try Data(CanonicalJSON.encode(bundle.json) + [UInt8(ascii: "\n")]).write(
        to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw CLIError("\(path) could not be written: \(error.localizedDescription)")
    }
    if global.json {
      Console.out(CanonicalJSON.string(.object(["files": .array([.string(path)])])))
    } else {
      Console.out(path)
    }
  }
}

/// `amexist verify FILE`
struct VerifyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Verify an attestation (bundle, JWS or PDF) offline against the trust file.",
    discussion: """
      Exit status: 0 valid; 1 invalid signature or malformed input; 2 usage error; 3 expired or not yet valid; \
      4 suspended, withdrawn, superseded or revoked; 5 status unknown; 6 log proof or checkpoint invalid; \
      7 untrusted or unknown key, body or trust file (a rollback, a swap or a root not chained to the pin); \
      8 valid, but the trust data has expired. With --root-pin (or AMEXIST_TRUST_PIN) the trust file's \
      root must chain to the pinned root; the newest verified is kept under $XDG_STATE_HOME/amexist/. \
      With several files: one line each and a summary; exit 0 only if all are valid, else the first \
      failing code in the order 2 (unreadable), 1, 7, 6, 4, 3, 8, 5. With --status SNAPSHOT (from \
      `amexist status export` or GET /status), offline: exit 4 when the snapshot lists the \
      attestation, 5 when the snapshot is older than --max-status-age (default: its nextUpdate + \
      1 h; its age counts from its witnesses' cosignatures when the trust file sets a quorum) or \
      predates the attestation; with --online, its hash must be logged (else 6).
      """
  )
  @OptionGroup var global: GlobalOptions
  @Argument(
    help:
      "The bundles (*.amexist.json), compact JWS or PDF files; - reads standard input. With several, one line each and a summary."
  )
  var files: [String]
  @Option(help: "The trust file (default: <keys>/trust.json).") var trust: String?
  @Option(help: "Check at this instant (RFC 3339) instead of now.") var now: String?
  @Option(
    help:
      "Also check the live status and the log on this registry server (https; keys come only from the trust file)."
  )
  var online: String?
  @Option(
    name: .customLong("base-url"),
    help: ArgumentHelp(
      "An origin a PDF's QR code may link to (repeatable; default: the trust file's issuer).",
      valueName: "origin"))
  var baseURLs: [String] = []
  @Option(
    name: .customLong("root-pin"),
    help:
      "The pinned root: SHA-256 (hex) of a root version's signed member (`amexist trust pin`; default: AMEXIST_TRUST_PIN)."
  )
  var rootPin: String?
  @Flag(help: "Accept expired trust data (exit 0 rather than 8), knowingly.")
  var allowExpiredTrust = false
  @Option(
    help:
      "A later checkpoint with its witnesses' cosignatures and the consistency proof to it (the JSON of /log/proof/consistency?from=SIZE&to=LATER), standing for the bundle's."
  )
  var checkpoint: String?
  @Option(
    help:
      "A status snapshot (`amexist status export`, GET /status): its exceptions are checked offline."
  )
  var status: String?
  @Option(
    name: .customLong("max-status-age"),
    help: ArgumentHelp(
      "The oldest status snapshot accepted: a duration such as 90m, 12h or 2d (default: its nextUpdate + 1 h).",
      valueName: "duration"))
  var maxStatusAge: String?

  /// Milliseconds in a duration written `<n>s`, `<n>m`, `<n>h` or `<n>d`; nil otherwise.
  static func milliseconds(ofDuration text: String) -> Int64? {
    let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
    guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()),
      count > 0, count <= 3650 * 86_400_000 / unit
    else { return nil }
    return count * unit
  }

  func validate() throws {
    if let maxStatusAge {
      guard Self.milliseconds(ofDuration: maxStatusAge) != nil else {
        throw ValidationError(
          "--max-status-age: \(Printable.quoted(maxStatusAge)) is not a duration such as 90m, 12h or 2d"
        )
      }
      guard status != nil else { throw ValidationError("--max-status-age goes with --status") }
    }
    for url in baseURLs { try validateBaseURL(url) }
    guard !files.isEmpty else { throw ValidationError("give the file to verify") }
    guard files.filter({ $0 == "-" }).count <= 1 else {
      throw ValidationError("standard input (-) can be read once")
    }
  }

  /// The order in which a failing file's exit status is reported when several are verified:
  /// the most fundamental failure first.
  static let exitOrder: [Int32] = [2, 1, 7, 6, 4, 3, 8, 5]

  func run() async throws {
    let instant =
      try now.map { text throws(CLIError) in
        try parseInput { () throws(DomainError) in try Instant(parsing: text) }
      }
      ?? Instant(Date())
    let trustPath = trust ?? global.keyFolder.trustPath
    let trustBytes: [UInt8]
    do {
      trustBytes = try BoundedInput.read(trustPath, limit: TrustFile.maximumSize)
    } catch {
      throw CLIError(
        "cannot read the trust file \(trustPath): \(error)", exitCode: AmexistCLI.usageError)
    }
    let trustFile: TrustFile
    do {
      trustFile = try TrustFile(bytes: trustBytes)
    } catch {
      throw CLIError(
        "\(trustPath): \(error)", exitCode: VerificationFailure.untrustedKey("").exitCode)
    }
    let pin = rootPin ?? ProcessInfo.processInfo.environment["AMEXIST_TRUST_PIN"]
    let standing = try TrustStanding.establish(
      trustFile, pin: pin?.isEmpty == true ? nil : pin, pins: TrustPins.standard(), at: instant)
    let online = try self.online.map { url throws(CLIError) in
      try OnlineCheck(url: url, trust: trustFile)
    }
    let later = try checkpoint.map { path throws(CLIError) in
      do {
        return try LaterCheckpoint(json: try BoundedInput.read(path, limit: 262_144))
      } catch let error as TrustChainError {
        throw CLIError("--checkpoint \(path): \(error)", exitCode: AmexistCLI.logInvalid)
      } catch {
        throw CLIError("cannot read \(path): \(error)", exitCode: AmexistCLI.usageError)
      }
    }
    var snapshot: VerifiedStatusSnapshot?
    if let status { snapshot = try await Self.snapshot(status, trust: trustFile, online: online) }
    let context = Context(
      trust: trustFile, origins: [trustFile.issuer] + baseURLs, instant: instant, online: online,
      later: later, allowExpiredTrust: allowExpiredTrust, snapshot: snapshot,
      maxStatusAge: maxStatusAge.flatMap(Self.milliseconds(ofDuration:)))
    if files.count == 1 {
      let (report, page) = await Self.check(try Self.read(files[0]), context)
      Console.out(
        global.json
          ? CanonicalJSON.string(
            Self.json(report, page: page, trust: standing, status: snapshot))
          : Self.describe(report, page: page, trust: standing, status: snapshot))
      if let failure = report.failure {
        // In French, the sentence that says what to do; in English, the technical detail too.
        let language = CLILanguage.current()
        throw CLIError(
          language == .french
            ? failure.explanation.french : "\(failure.description). \(failure.explanation.english)",
          exitCode: failure.exitCode)
      }
      return
    }
    // Several files: one line each, then a summary; an unreadable file is reported, not fatal.
    var results: [(file: String, exitCode: Int32, json: JSONValue)] = []
    for file in files {
      do {
        let (report, page) = await Self.check(try Self.read(file), context)
        var json = Self.json(report, page: page, trust: nil, status: snapshot)
        if case .object(var members) = json {
          members["file"] = .string(file)
          json = .object(members)
        }
        results.append((file, report.exitCode, json))
        if !global.json { Console.out("\(file): \(Self.line(report))") }
      } catch {
        results.append(
          (
            file, error.exitCode,
            .object([
              "file": .string(file), "valid": .bool(false),
              "exitCode": .integer(Int64(error.exitCode)),
              "message": .string(error.message),
            ])
          ))
        if !global.json { Console.out("\(file): NOT VALID: \(error.message)") }
      }
    }
    let failing = results.filter { $0.exitCode != 0 }
    let code =
      Self.exitOrder.first { code in failing.contains { $0.exitCode == code } }
      ?? failing.first?.exitCode ?? 0
    let summary =
      "\(results.count) files: \(results.count - failing.count) valid, \(failing.count) not valid"
    if global.json {
      Console.out(
        CanonicalJSON.string(
          .object([
            "files": .array(results.map(\.json)),
            "valid": .integer(Int64(results.count - failing.count)),
            "invalid": .integer(Int64(failing.count)), "exitCode": .integer(Int64(code)),
            "trust": standing.json,
          ])))
    } else {
      Console.out(summary + (standing.rootPinned ? "" : "; \(standing.summary)"))
    }
    if code != 0 { throw CLIError(summary + " (exit \(code))", exitCode: code) }
  }

  /// What every file of one run is checked with.
  struct Context: Sendable {
    let trust: TrustFile
    let origins: [String]
    let instant: Instant
    let online: OnlineCheck?
    let later: LaterCheckpoint?
    let allowExpiredTrust: Bool
    let snapshot: VerifiedStatusSnapshot?
    let maxStatusAge: Int64?
    /// One verifier for every input, so that files sharing a checkpoint verify it once.
    let verifier: AttestationVerifier

    init(
      trust: TrustFile, origins: [String], instant: Instant, online: OnlineCheck?,
      later: LaterCheckpoint?, allowExpiredTrust: Bool, snapshot: VerifiedStatusSnapshot?,
      maxStatusAge: Int64?
    ) {
      self.trust = trust
      self.origins = origins
      self.instant = instant
      self.online = online
      self.later = later
      self.allowExpiredTrust = allowExpiredTrust
      self.snapshot = snapshot
      self.maxStatusAge = maxStatusAge
      self.verifier = AttestationVerifier(trust: trust, laterCheckpoint: later)
    }
  }

  /// The status snapshot at `path`, verified against `trust`; with `online`, its hash must be
  /// logged. A snapshot that fails fails the whole run, with its own exit status.
  static func snapshot(_ path: String, trust: TrustFile, online: OnlineCheck?)
    async throws(CLIError) -> VerifiedStatusSnapshot
  {
    let bytes: [UInt8]
    do {
      bytes = try BoundedInput.read(path, limit: StatusSnapshot.maximumSize + 2)
    } catch {
      throw CLIError(
        "cannot read the status snapshot \(path): \(error)", exitCode: AmexistCLI.usageError)
    }
    let verified: VerifiedStatusSnapshot
    do {
      verified = try StatusSnapshot.verify(bytes, trust: trust, realNow: Instant(Date()))
    } catch {
      throw CLIError("status snapshot \(path): \(error)", exitCode: error.exitCode)
    }
    if let online, let failure = await online.snapshotLogged(verified.sha256) {
      throw CLIError("status snapshot \(path): \(failure)", exitCode: failure.exitCode)
    }
    try StatusHistory.standard().admit(verified)
    return verified
  }

  /// Reads `file` (`-`: standard input), bounded.
  static func read(_ file: String) throws(CLIError) -> [UInt8] {
    do {
      return try BoundedInput.read(file, limit: AttestationPDF.maximumSize)
    } catch {
      switch error {
      case .cannotOpen(let reason):
        throw CLIError("cannot read \(file): \(reason)", exitCode: AmexistCLI.usageError)
      case .tooLarge(let limit):
        throw CLIError("malformed: \(file) is larger than \(limit / 1024) KiB", exitCode: 1)
      case .timedOut(let seconds):
        throw CLIError("malformed: \(file) was not read within \(seconds) s", exitCode: 1)
      }
    }
  }

  /// Verifies one input: offline, then online when asked; a bundle's checkpoint without the
  /// witness quorum may be replaced by a later one that extends it (given, or fetched online).
  static func check(_ input: [UInt8], _ context: Context) async -> (
    VerificationReport, PrintedCheck.Page?
  ) {
    // --base-url adds origins to the issuer's: a printed page may link to any of them.
    func verified(later: LaterCheckpoint?) -> (report: VerificationReport, page: PrintedCheck.Page?)
    {
      let checked = AttestationPDFVerifier(
        verifier: later == context.later
          ? context.verifier : AttestationVerifier(trust: context.trust, laterCheckpoint: later),
        origins: context.origins
      ).verifyUpload(input, now: context.instant)
      return (checked.report, checked.page)
    }
    var checked = verified(later: context.later)
    if context.later == nil, let online = context.online, case .logProof? = checked.report.failure,
      let inclusion = checked.report.inclusion,
      let fetched = await online.laterCheckpoint(from: inclusion.checkpoint.checkpoint.size)
    {
      checked = verified(later: fetched)
    }
    var report = checked.report
    if let snapshot = context.snapshot, let attestation = report.attestation,
      let inclusion = report.inclusion,
      let failure = snapshot.failure(
        forEntry: inclusion.index, id: attestation.claims.id, now: context.instant,
        maximumAgeMilliseconds: context.maxStatusAge)
    {
      report = report.failing(failure)
    }
    if let online = context.online { report = await online.check(report) }
    if let expires = context.trust.expires, context.instant >= expires, !context.allowExpiredTrust {
      report = report.failing(.trustExpired(expires))
    }
    return (report, checked.page)
  }

  /// One line for a file among several: the verdict, and what it is about.
  static func line(_ report: VerificationReport) -> String {
    let about =
      report.attestation.map { attestation in
        let claims = attestation.claims
        return
          " — \(claims.name) (SIRET \(claims.siret.formatted)), \(Describe.level(claims.level)), \(claims.id)"
      } ?? ""
    switch report.failure {
    case nil: return "VALID" + about
    case .trustExpired?: return "VALID, BUT THE TRUST DATA EXPIRED (exit 8)" + about
    case let failure?: return "NOT VALID (exit \(failure.exitCode)): \(failure)" + about
    }
  }

  /// The verification for people: only verified fields, then the verdict. `page` is what a
  /// PDF's page was found to be.
  static func describe(
    _ report: VerificationReport, page: PrintedCheck.Page? = nil, trust: TrustStanding? = nil,
    status: VerifiedStatusSnapshot? = nil
  ) -> String {
    var lines: [(String, String)] = []
    if let attestation = report.attestation {
      let claims = attestation.claims
      lines += [
        ("Attestation", claims.id),
        ("Service", "\(claims.name) (SIRET \(claims.siret.formatted))"),
        ("Level", Describe.level(claims.level)),
        ("Decided", claims.decisionDate.description),
        ("Level valid", "\(claims.levelValidFrom) to \(claims.levelValidUntil)"),
        ("Evaluator", Describe.evaluator(claims.evaluator)),
        (
          "Issued",
          "\(claims.validFrom) by \(claims.issuerName.map { "\($0), " } ?? "")\(claims.issuer)"
        ),
        ("Valid until", claims.validUntil.description),
        ("Signed with", "\(attestation.kid) (\(attestation.algorithm.rawValue))"),
        ("Payload hash", "sha256:\(attestation.payloadSHA256)"),
      ]
      if let decision = attestation.decision, let certification = claims.certification {
        lines.append(
          (
            "Certified by",
            "\(certification.bodyName) — \(certification.accreditor) accreditation \(certification.accreditationNumber), \(decision.claims.kind.rawValue) decided \(decision.claims.decided), signed decision verified (key \(decision.kid))"
          ))
        if let from = certification.fromBody { lines.append(("Transferred", "from \(from)")) }
        if let succession = certification.succession {
          lines.append(
            (
              "Succeeds",
              "\(succession.predecessor.formatted) (succession at log entry \(succession.index))"
            ))
        }
      }
    }
    if let inclusion = report.inclusion {
      let checkpoint = inclusion.checkpoint.checkpoint
      lines.append(
        (
          "Logged",
          "entry \(inclusion.index) of \(checkpoint.origin), proven in its tree of \(checkpoint.size) entries"
        ))
      if !inclusion.witnesses.isEmpty {
        let later = inclusion.witnessedSize.flatMap { $0 == checkpoint.size ? nil : $0 }
        lines.append(
          (
            "Witnessed",
            "cosigned by \(inclusion.witnesses.joined(separator: ", ")) (the quorum)"
              + (later.map { ", on a later checkpoint of \($0) entries that extends the bundle's" }
                ?? "")
          ))
      }
    }
    switch page {
    case .genuine(let link):
      lines.append(("Printed page", "the registry's own for this attestation; QR code \(link)"))
    case .resaved:
      lines.append(
        (
          "Printed page",
          "NOT CHECKED: the PDF was re-saved by another program; the verdict is its attached attestation's, and only the fields above are verified"
        ))
    case nil:
      break
    }
    if let trust { lines.append(("Trust", trust.summary)) }
    if let status {
      lines.append(
        (
          "Status",
          "as of \(status.asOf), from the status snapshot of tree size \(status.checkpoint.checkpoint.size) issued \(status.snapshot.issued)"
            + (status.witnesses.isEmpty
              ? "" : " (checkpoint cosigned by \(status.witnesses.joined(separator: ", ")))")
        ))
    }
    lines.append(("Checked at", report.checkedAt.description))
    let verdict: String
    switch report.failure {
    case nil: verdict = "VALID" + (status.map { ", status as of \($0.asOf)" } ?? "")
    case .trustExpired(let at)?:
      verdict =
        "VALID, BUT THE TRUST DATA EXPIRED at \(at): update it (`amexist trust update`, or the registry's /.well-known/amexist-trust.json); --allow-expired-trust accepts it knowingly"
    case let failure?: verdict = "NOT VALID: \(failure)"
    }
    lines.append(("Verdict", verdict))
    if let failure = report.failure {
      let language = CLILanguage.current()
      lines.append(
        (language == .french ? "Explication" : "What to do", failure.explanation.text(language)))
    }
    return Describe.labelled(lines)
  }

  /// The verification for programs.
  static func json(
    _ report: VerificationReport, page: PrintedCheck.Page? = nil, trust: TrustStanding? = nil,
    status: VerifiedStatusSnapshot? = nil
  ) -> JSONValue {
    var printedLink: VerificationLink?
    var printedPage: JSONValue = .null
    switch page {
    case .genuine(let link):
      printedLink = link
      printedPage = .string("genuine")
    case .resaved: printedPage = .string("resaved")
    case nil: break
    }
    var members: [String: JSONValue] = [
      "valid": .bool(report.isValid), "checkedAt": .string(report.checkedAt.description),
      "reason": report.failure.map { .string($0.code) } ?? .null,
      "message": report.failure.map { .string($0.description) } ?? .null,
      "explanation": report.failure.map(\.explanation.json) ?? .null,
      "exitCode": .integer(Int64(report.exitCode)),
      "printedLink": printedLink.map { .string($0.description) } ?? .null,
      "printedPage": printedPage,
      "log": report.inclusion.map { inclusion in
        .object([
          "index": .integer(inclusion.index),
          "origin": .string(inclusion.checkpoint.checkpoint.origin),
          "treeSize": .integer(inclusion.checkpoint.checkpoint.size),
          "rootHash": .string(inclusion.checkpoint.checkpoint.root.base64),
          "witnesses": .array(inclusion.witnesses.map(JSONValue.string)),
          "witnessedTreeSize": inclusion.witnessedSize.map(JSONValue.integer) ?? .null,
        ])
      } ?? .null,
    ]
    if let status {
      members["status"] = .object([
        "asOf": .string(status.asOf.description),
        "issued": .string(status.snapshot.issued.description),
        "nextUpdate": .string(status.snapshot.nextUpdate.description),
        "treeSize": .integer(status.checkpoint.checkpoint.size),
        "witnesses": .array(status.witnesses.map(JSONValue.string)),
        "sha256": .string(status.sha256),
      ])
    }
    if let trust {
      members["trust"] = trust.json
      members["rootPinned"] = .bool(trust.rootPinned)
    }
    if let attestation = report.attestation {
      members["attestation"] = attestation.claims.json
      members["kid"] = .string(attestation.kid)
      members["alg"] = .string(attestation.algorithm.rawValue)
      members["payloadSHA256"] = .string(attestation.payloadSHA256)
      members["bodyDecision"] =
        attestation.decision.map { decision in
          .object([
            "kid": .string(decision.kid), "payloadSHA256": .string(decision.payloadSHA256),
            "claims": decision.claims.json,
          ])
        } ?? .null
    } else {
      members["attestation"] = .null
    }
    return .object(members)
  }
}
