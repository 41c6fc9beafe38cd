/// An attestation document was signed for a decision.
public struct AttestationIssued: Hashable, Sendable {
  public let siret: SIRET
  /// The credential's id, `urn:uuid:` followed by a lower-case UUID.
  public let attestationID: String
  /// The log index of the decision (grant or renewal) the attestation states.
  public let decisionIndex: Int64
  /// SHA-256 of the signed payload, lower-case hex.
  public let payloadSHA256: String

  /// An issuance record; the id and hash forms are checked here.
  public init(siret: SIRET, attestationID: String, decisionIndex: Int64, payloadSHA256: String)
    throws(DomainError)
  {
    self.siret = siret
    self.attestationID = try Identifiers.attestationID(attestationID)
    self.decisionIndex = decisionIndex
    self.payloadSHA256 = try Identifiers.sha256Hex(payloadSHA256, field: "payload hash")
  }
}

extension AttestationIssued: ServiceEventPayload {
  public static let kind = EventKind.attestationIssued

  public var event: Event { .attestationIssued(self) }

  public var decisionDate: CalendarDate? { nil }

  public func encode(into members: inout EventMembers) {
    members.put("siret", siret.digits)
    members.put("attestation", attestationID)
    members.put("decision", decisionIndex)
    members.put("payloadSHA256", payloadSHA256)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      siret: try members.siret(), attestationID: try members.string("attestation"),
      decisionIndex: try members.integer("decision"),
      payloadSHA256: try members.string("payloadSHA256"))
  }
}
