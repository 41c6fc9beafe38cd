public import AmexistDomain
public import TransparencyLog

/// An attestation bundle (`*.amexist.json`): the signed attestation and the evidence that the
/// registry logged its issuance.
///
/// Format `amexist-bundle/1`: `{"format", "jws", "log": {"proof"}, ["decision"]}`, where
/// `proof` is a C2SP `tlog-proof` text: the log index of the `attestationIssued` event, its
/// inclusion proof and the signed checkpoint; and `decision`, for a level a certifying body
/// decided, is the body's signed decision (a compact JWS of `typ` `amexist-decision+jwt`).
/// Nothing else is accepted. Parsing checks the form only; the verifier checks the signatures
/// and the evidence.
public struct AttestationBundle: Hashable, Sendable {
  /// The format this version reads and writes.
  public static let format = "amexist-bundle/1"
  /// The largest bundle accepted, in bytes; checked before parsing.
  public static let maximumSize = 65_536

  /// The compact JWS.
  public let jws: String
  /// The `tlog-proof` text, not yet parsed or verified.
  public let logProof: String
  /// The certifying body's signed decision the credential names, if any.
  public let decision: String?

  /// A bundle of `jws` with its inclusion `evidence` and the body's signed `decision`.
  public init(jws: String, evidence: InclusionEvidence, decision: String? = nil) {
    self.jws = jws
    self.logProof = evidence.text
    self.decision = decision
  }

  /// A bundle of `jws` with a proof text as received.
  public init(jws: String, logProof: String, decision: String? = nil) {
    self.jws = jws
    self.logProof = logProof
    self.decision = decision
  }

  /// The bundle's JSON.
  public var json: JSONValue {
    var members: [String: JSONValue] = [
      "format": .string(Self.format), "jws": .string(jws),
      "log": .object(["proof": .string(logProof)]),
    ]
    if let decision { members["decision"] = .string(decision) }
    return .object(members)
  }

  /// Parses a bundle strictly.
  public init(bytes: [UInt8]) throws(BundleError) {
    guard bytes.count <= Self.maximumSize else {
      throw BundleError("the bundle is larger than 64 KiB")
    }
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: Self.maximumSize, maximumDepth: 4).parse(bytes)
    } catch {
      throw BundleError("bundle: \(error)")
    }
    guard case .object(let members) = value, members["format"] == .string(Self.format) else {
      if case .string(let other) = value["format"], other.hasPrefix("amexist-bundle/") {
        throw BundleError(
          "bundle format \(other.prefix(32)) is newer than this amexist reads: upgrade amexist")
      }
      throw BundleError("not an AMEXIST attestation bundle")
    }
    if let unknown = Set(members.keys).subtracting(["format", "jws", "log", "decision"]).sorted()
      .first
    {
      throw BundleError("unknown bundle member \"\(unknown.prefix(32))\"")
    }
    guard case .string(let jws) = members["jws"] else { throw BundleError("the bundle has no jws") }
    guard case .object(let log) = members["log"], Set(log.keys) == ["proof"],
      case .string(let proof) = log["proof"]
    else {
      throw BundleError("the bundle's log member must be {\"proof\": \"c2sp.org/tlog-proof@v1…\"}")
    }
    switch members["decision"] {
    case nil: decision = nil
    case .string(let token) where token.utf8.count <= BodySignature.maximumSize:
      decision = token
    default: throw BundleError("the bundle's decision must be a compact JWS of at most 8 KiB")
    }
    self.jws = jws
    self.logProof = proof
  }
}

/// Why bytes are not an attestation bundle.
public struct BundleError: Error, Hashable, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
