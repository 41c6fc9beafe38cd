public import AmexistDomain

/// An attestation bundle (`*.amexist.json`): the signed attestation and where the registry
/// logged its issuance.
///
/// Format `amexist-bundle/1`: `{"format", "jws", "log": {"index"}}`; nothing else is accepted.
public struct AttestationBundle: Hashable, Sendable {
  /// The format this version reads and writes.
  public static let format = "amexist-bundle/1"
  /// The largest bundle accepted, in bytes; checked before parsing.
  public static let maximumSize = 65_536

  /// The compact JWS.
  public let jws: String
  /// Log index of the `attestationIssued` event, as the bundle claims it (not authenticated).
  public let logIndex: Int64

  /// A bundle of `jws`, logged at `logIndex`.
  public init(jws: String, logIndex: Int64) {
    self.jws = jws
    self.logIndex = logIndex
  }

  /// The bundle's JSON.
  public var json: JSONValue {
    .object([
      "format": .string(Self.format), "jws": .string(jws),
      "log": .object(["index": .integer(logIndex)]),
    ])
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
    if let unknown = Set(members.keys).subtracting(["format", "jws", "log"]).sorted().first {
      throw BundleError("unknown bundle member \"\(unknown.prefix(32))\"")
    }
    guard case .string(let jws) = members["jws"] else { throw BundleError("the bundle has no jws") }
    guard case .object(let log) = members["log"], Set(log.keys) == ["index"],
      case .integer(let index) = log["index"],
      index >= 0
    else { throw BundleError("the bundle's log member must be {\"index\": N}") }
    self.jws = jws
    self.logIndex = index
  }
}

/// Why bytes are not an attestation bundle.
public struct BundleError: Error, Hashable, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
