public import AmexistDomain

/// What a credential says about the certifying body's signed decision behind the attested
/// level: the body with its accreditation, the SHA-256 of the decision's signed payload (the
/// bundle carries the decision itself), and, for a transfer, the body that gave the level up;
/// for a successor's attestation, the predecessor and the log index of the succession.
///
/// In the credential (`credentialSubject`): `certifiedBy` (`{"id", "name", "accreditor",
/// "accreditationNumber"}`), `decisionSHA256`, and when they apply `fromBody` and
/// `succession` (`{"predecessor", "index"}`).
public struct BodyCertification: Hashable, Sendable {
  /// The body's id.
  public let body: String
  /// The body's name, as registered.
  public let bodyName: String
  /// Who accredits the body (COFRAC, …).
  public let accreditor: String
  /// The accreditation's number.
  public let accreditationNumber: String
  /// SHA-256 (hex) of the body's signed decision payload.
  public let decisionSHA256: String
  /// The body that held the level before a transfer; nil otherwise.
  public let fromBody: String?
  /// The service whose level this is, by succession, and the succession's log index.
  public let succession: Succession?

  /// A successor's link to the decision it holds: the predecessor and the succession's entry.
  public struct Succession: Hashable, Sendable {
    public let predecessor: SIRET
    public let index: Int64

    /// The succession from `predecessor` logged at `index` (the successor's entry).
    public init(predecessor: SIRET, index: Int64) {
      self.predecessor = predecessor
      self.index = index
    }
  }

  /// A certification by `body`.
  public init(
    body: String, bodyName: String, accreditor: String, accreditationNumber: String,
    decisionSHA256: String, fromBody: String? = nil, succession: Succession? = nil
  ) {
    self.body = body
    self.bodyName = bodyName
    self.accreditor = accreditor
    self.accreditationNumber = accreditationNumber
    self.decisionSHA256 = decisionSHA256
    self.fromBody = fromBody
    self.succession = succession
  }

  /// The members this adds to `credentialSubject`.
  var members: [String: JSONValue] {
    var members: [String: JSONValue] = [
      "certifiedBy": .object([
        "id": .string(body), "name": .string(bodyName), "accreditor": .string(accreditor),
        "accreditationNumber": .string(accreditationNumber),
      ]),
      "decisionSHA256": .string(decisionSHA256),
    ]
    if let fromBody { members["fromBody"] = .string(fromBody) }
    if let succession {
      members["succession"] = .object([
        "predecessor": .string(succession.predecessor.digits), "index": .integer(succession.index),
      ])
    }
    return members
  }

  /// Reads the members from `credentialSubject` (removing them); nil when `certifiedBy` is
  /// absent, refusing the others without it.
  static func read(from subject: inout [String: JSONValue]) throws(ClaimsError) -> Self? {
    guard let certifiedBy = subject.removeValue(forKey: "certifiedBy") else {
      for name in ["decisionSHA256", "fromBody", "succession"] where subject[name] != nil {
        throw ClaimsError("\(name) without certifiedBy")
      }
      return nil
    }
    func text(_ value: JSONValue?, _ name: String, maximumLength: Int = 200)
      throws(ClaimsError) -> String
    {
      guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= maximumLength else {
        throw ClaimsError("\(name) is not a string")
      }
      return text
    }
    guard case .object(var by) = certifiedBy else {
      throw ClaimsError("certifiedBy is not an object")
    }
    let body = try text(by.removeValue(forKey: "id"), "certifiedBy.id", maximumLength: 64)
    guard (try? Identifiers.bodyID(body)) != nil else {
      throw ClaimsError("certifiedBy.id is not a body id")
    }
    let name = try text(by.removeValue(forKey: "name"), "certifiedBy.name")
    let accreditor = try text(by.removeValue(forKey: "accreditor"), "certifiedBy.accreditor")
    let number = try text(
      by.removeValue(forKey: "accreditationNumber"), "certifiedBy.accreditationNumber")
    if let unknown = by.keys.sorted().first {
      throw ClaimsError("unknown member \"\(unknown.prefix(32))\" in certifiedBy")
    }
    let hash = try text(subject.removeValue(forKey: "decisionSHA256"), "decisionSHA256")
    guard (try? Identifiers.sha256Hex(hash, field: "decisionSHA256")) != nil else {
      throw ClaimsError("decisionSHA256 is not 64 lower-case hex digits")
    }
    var fromBody: String?
    if let value = subject.removeValue(forKey: "fromBody") {
      let id = try text(value, "fromBody", maximumLength: 64)
      guard (try? Identifiers.bodyID(id)) != nil else {
        throw ClaimsError("fromBody is not a body id")
      }
      fromBody = id
    }
    var succession: Succession?
    if let value = subject.removeValue(forKey: "succession") {
      guard case .object(var link) = value,
        case .integer(let index) = link.removeValue(forKey: "index"), index >= 0,
        let predecessor = try? SIRET(
          try text(link.removeValue(forKey: "predecessor"), "predecessor")),
        link.isEmpty
      else {
        throw ClaimsError("succession must be {\"predecessor\": SIRET, \"index\": log index}")
      }
      succession = Succession(predecessor: predecessor, index: index)
    }
    return BodyCertification(
      body: body, bodyName: name, accreditor: accreditor, accreditationNumber: number,
      decisionSHA256: hash, fromBody: fromBody, succession: succession)
  }
}
