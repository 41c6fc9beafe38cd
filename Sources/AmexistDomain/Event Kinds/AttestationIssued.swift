/// An attestation document was signed for a decision.
public struct AttestationIssued: Hashable, Sendable {
  public let siret: SIRET
  /// The credential's id, `urn:uuid:` followed by a lower-case UUID.
  public let attestationID: String
  /// The log index of the decision (grant or renewal) the attestation states.
  public let decisionIndex: Int64
  /// SHA-256 of the signed payload, lower-case hex.
  public let payloadSHA256: String
  /// The attestation's place in the registry's Bitstring Status Lists (the same index in the
  /// revocation and the suspension lists); nil for attestations issued before them.
  public let statusIndex: Int64?

  /// An issuance record; the id and hash forms are checked here.
  public init(
    siret: SIRET, attestationID: String, decisionIndex: Int64, payloadSHA256: String,
    statusIndex: Int64? = nil
  ) throws(DomainError) {
    if let statusIndex, statusIndex < 0 {
      throw .invalidText(field: "statusIndex", reason: "a status list index (0 or more)")
    }
    self.statusIndex = statusIndex
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
    members.put("statusIndex", statusIndex)
  }

  public init(from members: inout EventMembers) throws(DomainError) {
    try self.init(
      siret: try members.siret(), attestationID: try members.string("attestation"),
      decisionIndex: try members.integer("decision"),
      payloadSHA256: try members.string("payloadSHA256"),
      statusIndex: try members.optionalInteger("statusIndex"))
  }
}
