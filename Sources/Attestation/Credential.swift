public import AmexistDomain

/// The claims of an AMEXIST attestation: a W3C Verifiable Credential 2.0, secured as a compact
/// JWS with `typ` `vc+jwt`.
///
/// Payload members (all required unless noted, nothing else accepted): `@context`
/// (`["https://www.w3.org/ns/credentials/v2"]`), `type` (`["VerifiableCredential",
/// "AmexistAttestation"]`), `id` (`urn:uuid:…`), `issuer`, `validFrom` (issuance instant),
/// `validUntil` (the end of the level's last valid day in Paris), and `credentialSubject` with
/// `siret`, `name`, `level`, `levelName` (French), `decisionDate`, `levelValidFrom`,
/// `levelValidUntil`, `decision` (log index of the decision attested), `address` when the
/// registry has one (the printed attestation shows it, so it is signed too) and, unless the
/// federation evaluated the service, `evaluator`; and the printed document's `layout` (its
/// version) and `lang` (`fr` or `en`), so that the page is rebuilt as it was issued and no one
/// can re-render a genuine attestation with another layout (absent from attestations issued
/// before layouts were named: those were made with the first layout). Since certifying bodies
/// sign their decisions, `credentialSubject` also names the registry's `scheme` and, for a
/// level a body decided, the body and its signed decision (``BodyCertification``); both are
/// absent from attestations issued before. Attestations issued since status lists carry
/// `credentialStatus`: two `BitstringStatusListEntry` (purposes `revocation` and `suspension`)
/// at the same status index, in the registry's lists (``StatusListLayout``).
public struct AttestationClaims: Hashable, Sendable {
  public let id: String
  /// The issuer's identifier (a URL), compared with the trust file's.
  public let issuer: String
  /// The issuer's organisation name, when the registry has one: the credential's `issuer` is
  /// then `{"id", "name"}` (W3C VC 2.0), and the printed page names it.
  public let issuerName: String?
  /// When the attestation was issued; it is not valid before.
  public let validFrom: Instant
  /// When the attested level ends; the attestation is expired from then on.
  public let validUntil: Instant
  public let siret: SIRET
  public let name: String
  /// The service's postal address and city as the registry holds them, if any.
  public let address: String?
  public let level: Level
  public let decisionDate: CalendarDate
  public let levelValidFrom: CalendarDate
  public let levelValidUntil: CalendarDate
  /// The evaluating body; nil means the federation.
  public let evaluator: String?
  /// Log index of the decision the attestation states.
  public let decisionIndex: Int64
  /// The printed document's layout version; nil for attestations issued before it was named.
  public let layout: String?
  /// The printed document's language (`fr`, `en`); nil as for ``layout``.
  public let lang: String?
  /// The scheme whose rules the registry applies; nil for attestations issued before schemes.
  public let scheme: SchemeName?
  /// The certifying body's signed decision behind the level; nil when the federation decided
  /// (and for attestations issued before bodies signed).
  public let certification: BodyCertification?
  /// The attestation's index in the registry's Bitstring Status Lists; nil for attestations
  /// issued before them.
  public let statusIndex: Int64?

  /// The layout new attestations are issued with.
  public static let currentLayout = "amexist-a4/2"
  /// The languages a printed attestation is made in.
  public static let languages: Set<String> = ["fr", "en"]

  /// The attestation's UUID: its id without `urn:uuid:`.
  public var uuid: String { String(id.dropFirst("urn:uuid:".count)) }

  /// The JWS `typ` of attestations.
  public static let jwsType = "vc+jwt"
  static let context = JSONValue.array([.string("https://www.w3.org/ns/credentials/v2")])
  static let types = JSONValue.array([
    .string("VerifiableCredential"), .string("AmexistAttestation"),
  ])

  /// Claims for the decision in force of `state`, issued at `instant` by `issuer` with `id`.
  ///
  /// - Returns: nil when the state has no decision.
  public init?(
    state: ServiceState, id: String, issuer: String, issuerName: String? = nil,
    issuedAt instant: Instant, layout: String = Self.currentLayout, lang: String = "fr",
    scheme: SchemeName? = nil, certification: BodyCertification? = nil, statusIndex: Int64? = nil
  ) {
    guard let decision = state.decision else { return nil }
    self.statusIndex = statusIndex
    self.scheme = scheme
    self.certification = certification
    self.issuerName = issuerName
    self.layout = layout
    self.lang = lang
    self.id = id
    self.issuer = issuer
    self.validFrom = instant
    self.validUntil = decision.validUntil.adding(days: 1).parisStart
    self.siret = state.siret
    self.name = state.profile.name
    let address = [state.profile.address, state.profile.city].compactMap { $0 }
      .joined(separator: ", ")
    self.address = address.isEmpty ? nil : address
    self.level = decision.level
    self.decisionDate = decision.decided
    self.levelValidFrom = decision.validFrom
    self.levelValidUntil = decision.validUntil
    self.evaluator = decision.evaluator
    self.decisionIndex = decision.latestIndex
  }

  /// The payload as JSON.
  public var json: JSONValue {
    var subject: [String: JSONValue] = [
      "siret": .string(siret.digits), "name": .string(name),
      "level": .integer(Int64(level.rawValue)),
      "levelName": .string(level.frenchName), "decisionDate": .string(decisionDate.description),
      "levelValidFrom": .string(levelValidFrom.description),
      "levelValidUntil": .string(levelValidUntil.description),
      "decision": .integer(decisionIndex),
    ]
    if let evaluator { subject["evaluator"] = .string(evaluator) }
    if let address { subject["address"] = .string(address) }
    if let scheme { subject["scheme"] = .string(scheme.rawValue) }
    if let certification { subject.merge(certification.members) { first, _ in first } }
    var members: [String: JSONValue] = [
      "@context": Self.context, "type": Self.types, "id": .string(id),
      "issuer": issuerName.map { .object(["id": .string(issuer), "name": .string($0)]) }
        ?? .string(issuer),
      "validFrom": .string(validFrom.description), "validUntil": .string(validUntil.description),
      "credentialSubject": .object(subject),
    ]
    if let layout { members["layout"] = .string(layout) }
    if let lang { members["lang"] = .string(lang) }
    if let statusIndex { members["credentialStatus"] = Self.credentialStatus(statusIndex, issuer) }
    return .object(members)
  }

  /// The `credentialStatus` entries of status index `index` in the lists of `issuer`.
  static func credentialStatus(_ index: Int64, _ issuer: String) -> JSONValue {
    .array(
      StatusPurpose.allCases.map { purpose in
        let list = StatusListLayout.url(
          issuer: issuer, list: StatusListLayout.list(holding: index, purpose: purpose))
        let position = String(StatusListLayout.position(of: index))
        return .object([
          "id": .string("\(list)#\(position)"), "type": .string("BitstringStatusListEntry"),
          "statusPurpose": .string(purpose.rawValue), "statusListIndex": .string(position),
          "statusListCredential": .string(list),
        ])
      })
  }

  /// The status index `credentialStatus` names, if it is exactly the entries
  /// ``credentialStatus(_:_:)`` writes for it.
  static func statusIndex(of value: JSONValue, issuer: String) throws(ClaimsError) -> Int64 {
    guard case .array(let entries) = value, entries.count == 2,
      case .object(let first) = entries[0],
      case .string(let listURL) = first["statusListCredential"],
      case .string(let positionText) = first["statusListIndex"],
      let position = Int64(positionText), position >= 0, position < StatusListLayout.entries,
      String(position) == positionText
    else {
      throw ClaimsError("credentialStatus is not the registry's two status list entries")
    }
    let prefix = StatusListLayout.url(issuer: issuer, list: 0).dropLast()
    guard listURL.hasPrefix(prefix), let list = Int64(listURL.dropFirst(prefix.count)), list >= 0,
      list % 2 == 0, list < Int64.max / StatusListLayout.entries
    else {
      throw ClaimsError("credentialStatus names a status list of another registry")
    }
    let index = StatusListLayout.firstIndex(ofList: list) + position
    guard value == credentialStatus(index, issuer) else {
      throw ClaimsError("credentialStatus is not the registry's two status list entries")
    }
    return index
  }

  /// The payload bytes that are signed: canonical JSON.
  public var payload: [UInt8] { CanonicalJSON.encode(json) }

  /// Reads claims from verified payload bytes, refusing anything but the documented members.
  ///
  /// - Throws: a reason (one line) when the payload is not an AMEXIST attestation.
  public init(verifiedPayload bytes: [UInt8]) throws(ClaimsError) {
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: CompactJWS.maximumSize, maximumDepth: 4).parse(
        bytes)
    } catch {
      throw ClaimsError("payload: \(error)")
    }
    var top = try Members(value, "payload")
    guard try top.take("@context") == Self.context else { throw ClaimsError("unexpected @context") }
    guard try top.take("type") == Self.types else {
      throw ClaimsError("not an AmexistAttestation credential")
    }
    do {
      id = try Identifiers.attestationID(try top.string("id"))
      switch try top.take("issuer") {
      case .string(let text):
        (issuer, issuerName) = (text, nil)
      case let object:
        var named = try Members(object, "issuer")
        issuer = try named.string("id")
        issuerName = try TextRules.required(
          try named.string("name"), field: "issuer name", maximumLength: 200)
        try named.finish()
      }
      validFrom = try Instant(parsing: try top.string("validFrom"))
      validUntil = try Instant(parsing: try top.string("validUntil"))
      var subject = try Members(try top.take("credentialSubject"), "credentialSubject")
      siret = try SIRET(try subject.string("siret"))
      name = try TextRules.required(try subject.string("name"), field: "name", maximumLength: 200)
      guard case .integer(let number) = try subject.take("level"),
        let level = Level(rawValue: Int(number))
      else {
        throw ClaimsError("level is not 1, 2 or 3")
      }
      self.level = level
      guard try subject.string("levelName") == level.frenchName else {
        throw ClaimsError("levelName does not match level")
      }
      decisionDate = try CalendarDate(parsing: try subject.string("decisionDate"))
      levelValidFrom = try CalendarDate(parsing: try subject.string("levelValidFrom"))
      levelValidUntil = try CalendarDate(parsing: try subject.string("levelValidUntil"))
      guard case .integer(let index) = try subject.take("decision"), index >= 0 else {
        throw ClaimsError("decision is not a log index")
      }
      decisionIndex = index
      evaluator = try subject.optionalString("evaluator")
      address = try subject.optionalString("address").map { text throws(DomainError) in
        try TextRules.required(
          text, field: "address", maximumLength: ServiceProfile.maximumPostalAddressLength)
      }
      switch try subject.optionalString("scheme") {
      case nil: scheme = nil
      case let name?:
        guard let known = SchemeName(rawValue: name) else {
          throw ClaimsError(
            "scheme \"\(name.prefix(32))\" is unknown to this amexist: upgrade amexist")
        }
        scheme = known
      }
      certification = try BodyCertification.read(from: &subject.members)
      try subject.finish()
    } catch let error as DomainError {
      throw ClaimsError(error.description)
    } catch let error as ClaimsError {
      throw error
    } catch {
      throw ClaimsError("unreadable claims")
    }
    layout = try top.optionalString("layout")
    lang = try top.optionalString("lang")
    if let status = top.members.removeValue(forKey: "credentialStatus") {
      statusIndex = try Self.statusIndex(of: status, issuer: issuer)
    } else {
      statusIndex = nil
    }
    if let layout, layout.isEmpty || layout.utf8.count > 40 {
      throw ClaimsError("layout is not a layout name")
    }
    if let lang, !Self.languages.contains(lang) { throw ClaimsError("lang is not fr or en") }
    guard (layout == nil) == (lang == nil) else {
      throw ClaimsError("layout and lang go together")
    }
    try top.finish()
    guard validUntil > validFrom else { throw ClaimsError("validUntil is not after validFrom") }
    guard !level.requiresThirdPartyEvaluator || evaluator != nil else {
      throw ClaimsError("a certification names its evaluator")
    }
  }

  /// Reads the members of one object and refuses those left unread.
  private struct Members {
    var members: [String: JSONValue]
    let context: String

    init(_ value: JSONValue, _ context: String) throws(ClaimsError) {
      guard case .object(let members) = value else {
        throw ClaimsError("\(context) is not an object")
      }
      self.members = members
      self.context = context
    }

    mutating func take(_ name: String) throws(ClaimsError) -> JSONValue {
      guard let value = members.removeValue(forKey: name) else {
        throw ClaimsError("\(context) has no \(name)")
      }
      return value
    }

    mutating func string(_ name: String) throws(ClaimsError) -> String {
      guard case .string(let text) = try take(name) else {
        throw ClaimsError("\(name) is not a string")
      }
      return text
    }

    mutating func optionalString(_ name: String) throws(ClaimsError) -> String? {
      members[name] == nil ? nil : try string(name)
    }

    func finish() throws(ClaimsError) {
      if let unknown = members.keys.sorted().first {
        throw ClaimsError("unknown member \"\(unknown.prefix(32))\" in \(context)")
      }
    }
  }
}

/// Why verified payload bytes are not an AMEXIST attestation.
public struct ClaimsError: Error, Hashable, Sendable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
