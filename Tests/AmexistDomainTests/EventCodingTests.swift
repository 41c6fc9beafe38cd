import AmexistDomain
import Foundation
import RegistryTesting
import Testing

@Suite("Event leaf format")
struct EventCodingTests {
  static let siret = TestValues.siret("73282932000074")
  static let at = TestValues.instant("2026-11-25T10:15:30.250Z")

  static func everyKind() throws -> [Event] {
    [
      .serviceRegistered(
        ServiceRegistered(
          siret: siret,
          profile: try ServiceProfile(
            name: "Santé Travail « Test »", address: "1 rue de l'Œuvre", city: "Lyon", region: "84",
            website: "https://example.org/st"
          )
        )
      ),
      .serviceUpdated(
        ServiceUpdated(siret: siret, profile: try ServiceProfile(name: "Nouveau nom"))),
      try TestValues.grant(
        siret, .certification, evaluator: "AFNOR Certification", reference: "R-1", corrects: 3),
      .levelRenewed(
        try LevelRenewed(
          siret: siret, decided: TestValues.date("2026-11-02"),
          validUntil: TestValues.date("2030-01-01"))),
      .levelSuspended(
        try LevelSuspended(siret: siret, decided: TestValues.date("2026-11-03"), reason: "Audit")),
      .levelReinstated(LevelReinstated(siret: siret, decided: TestValues.date("2026-11-04"))),
      .levelWithdrawn(
        try LevelWithdrawn(siret: siret, decided: TestValues.date("2026-11-05"), reason: "Fin")),
      .attestationIssued(
        try AttestationIssued(
          siret: siret, attestationID: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
          decisionIndex: 2,
          payloadSHA256: String(repeating: "ab", count: 32)
        )
      ),
      .keyAdded(
        try KeyAdded(
          kid: "issuer-2026", algorithm: "EdDSA",
          publicKey: .object([
            "kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string("abc"),
          ]),
          validFrom: at, validUntil: at.adding(milliseconds: 1000)
        )
      ),
      .keyRetired(try KeyRetired(kid: "issuer-2026", at: at)),
      .keyRevoked(try KeyRevoked(kid: "issuer-2026", at: at, reason: "compromise")),
      .registryConfigured(RegistryConfigured(scheme: .spsti2023)),
      .bodyRegistered(
        try BodyRegistered(
          body: "afnor-certification", name: "AFNOR Certification", accreditor: "COFRAC",
          number: "5-0012", scope: "SPEC 2217", validFrom: TestValues.date("2024-01-01"),
          validUntil: TestValues.date("2028-12-31"))),
      .bodyAccreditationChanged(
        try BodyAccreditationChanged(
          body: "afnor-certification", change: .extended(until: TestValues.date("2030-12-31")),
          effective: TestValues.date("2026-11-01"), reason: "Renouvellement COFRAC")),
      .levelTransferred(
        try LevelTransferred(
          siret: siret, decided: TestValues.date("2026-11-06"), level: .certification,
          validUntil: TestValues.date("2029-10-31"), evaluator: "Organisme B", reference: "B-1",
          fromBody: "afnor-certification", signedBy: try signature("organisme-b"))),
      .reservesRecorded(
        try ReservesRecorded(
          siret: siret, decided: TestValues.date("2026-11-07"),
          reservations: "Procédure de suivi individuel à formaliser",
          deadline: TestValues.date("2027-02-07"), signedBy: try signature("organisme-b"))),
      .reservesLifted(
        ReservesLifted(
          siret: siret, decided: TestValues.date("2026-11-08"),
          signedBy: try signature("organisme-b"))),
      .levelRefused(
        try LevelRefused(
          siret: siret, decided: TestValues.date("2026-11-09"), reason: "Écarts majeurs",
          signedBy: try signature("organisme-c"))),
      .serviceSucceeded(
        try ServiceSucceeded(
          siret: siret, decided: TestValues.date("2026-11-10"),
          side: .successor(
            predecessor: TestValues.siret("90011223400019"),
            carried: try carriedLevel()))),
      .witnessAdded(
        try WitnessAdded(
          name: "dreets-ara", url: "https://witness.dreets.example/w",
          key: "dreets.example/w+01020304+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", at: at)),
      .witnessRemoved(try WitnessRemoved(name: "dreets-ara", at: at)),
      .quorumSet(try QuorumSet(k: 2, fromSize: 120)),
      .statusPublished(
        try StatusPublished(sha256: String(repeating: "ab", count: 32), size: 120, issued: at)),
    ]
  }

  static func signature(_ body: String) throws -> BodySignature {
    try BodySignature(body: body, token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
  }

  /// The level a successor receives from a level-3 grant logged at index 4.
  static func carriedLevel() throws -> ServiceSucceeded.CarriedLevel {
    var ledger = Ledger()
    let predecessor = TestValues.siret("90011223400019")
    try ledger.append(TestValues.registration(predecessor))
    for _ in 0..<3 { ledger.appendUnchecked(TestValues.registration(TestValues.generatedSIRET(1))) }
    try ledger.append(
      try TestValues.grant(
        predecessor, .certification, evaluator: "AFNOR Certification",
        signedBy: try signature("afnor-certification")))
    return ServiceSucceeded.CarriedLevel(try #require(ledger.state(predecessor)?.decision))
  }

  @Test("both sides of a succession decode to themselves, and only one side per entry")
  func successionSides() throws {
    let side = ServiceSucceeded.Side.predecessor(successor: TestValues.siret("90011223400019"))
    let recorded = RecordedEvent(
      recordedAt: Self.at,
      event: .serviceSucceeded(
        try ServiceSucceeded(siret: Self.siret, decided: TestValues.date("2026-11-10"), side: side))
    )
    #expect(try EventCoding.decode(EventCoding.encode(recorded)) == recorded)
    #expect(throws: DomainError.self) {
      try ServiceSucceeded(
        siret: Self.siret, decided: TestValues.date("2026-11-10"),
        side: .predecessor(successor: Self.siret))
    }
    // A body-only decision without its signature is refused when read back.
    let unsigned =
      #"{"decided":"2026-11-09","event":"levelRefused","reason":"x","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#
    #expect(throws: DomainError.self) { try EventCoding.decode(Array(unsigned.utf8)) }
  }

  @Test("every kind of event encodes canonically and decodes to itself")
  func roundTrip() throws {
    for event in try Self.everyKind() {
      let recorded = RecordedEvent(recordedAt: Self.at, event: event)
      let bytes = EventCoding.encode(recorded)
      #expect(try EventCoding.decode(bytes) == recorded)
      #expect(try LoggedEvent(index: 7, canonicalBytes: bytes).recorded == recorded)
    }
  }

  @Test("each kind's payload names its own kind, and the samples cover every kind once")
  func kindsAndPayloads() throws {
    let samples = try Self.everyKind()
    #expect(samples.map(\.eventKind) == EventKind.allCases)
    for (kind, event) in zip(EventKind.allCases, samples) {
      #expect(kind.payloadType.kind == kind)
      #expect(event.kind == kind.rawValue)
      #expect(event.payload.event == event)
    }
  }

  @Test("the leaf bytes are exactly the documented form")
  func exactBytes() throws {
    let recorded = RecordedEvent(
      recordedAt: Self.at,
      event: try TestValues.grant(Self.siret, .implementation, reference: "DPST-1")
    )
    #expect(
      String(decoding: EventCoding.encode(recorded), as: UTF8.self)
        == #"{"decided":"2026-11-01","event":"levelGranted","level":2,"recordedAt":"2026-11-25T10:15:30.250Z","reference":"DPST-1","siret":"73282932000074","v":1,"validFrom":"2026-11-01","validUntil":"2029-10-31"}"#
    )
  }

  @Test(
    "bytes that are not a canonical version-1 event are refused",
    arguments: [
      // Not canonical: white space, member order.
      #"{ "event":"levelReinstated","decided":"2026-11-04","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#,
      #"{"event":"levelReinstated","decided":"2026-11-04","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#,
      // Unknown member, unknown kind, wrong version, wrong types, invalid values.
      #"{"decided":"2026-11-04","event":"levelReinstated","extra":1,"recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#,
      #"{"decided":"2026-11-04","event":"levelPromoted","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#,
      #"{"decided":"2026-11-04","event":"levelReinstated","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":2}"#,
      #"{"decided":"2026-11-04","event":"levelReinstated","recordedAt":"2026-11-25T10:15:30.250Z","siret":73282932000074,"v":1}"#,
      #"{"decided":"2026-11-04","event":"levelReinstated","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000075","v":1}"#,
      #"{"decided":"2026-02-30","event":"levelReinstated","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#,
      #"{"decided":"2026-11-04","event":"levelReinstated","recordedAt":"2026-11-25T11:15:30.250+01:00","siret":"73282932000074","v":1}"#,
      // A12 in a stored event.
      #"{"decided":"2026-11-04","decided":"2026-11-04","event":"levelReinstated","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#,
      #"[]"#, "",
    ]
  )
  func refused(_ text: String) {
    #expect(throws: DomainError.self) { try EventCoding.decode(Array(text.utf8)) }
  }

  @Test("the canonical reinstatement in the refused list is otherwise accepted")
  func controlForRefused() throws {
    let text =
      #"{"decided":"2026-11-04","event":"levelReinstated","recordedAt":"2026-11-25T10:15:30.250Z","siret":"73282932000074","v":1}"#
    #expect(
      try EventCoding.decode(Array(text.utf8)).event
        == .levelReinstated(
          LevelReinstated(siret: Self.siret, decided: TestValues.date("2026-11-04"))))
  }

  @Test("identifier forms are checked")
  func identifiers() {
    #expect(throws: DomainError.self) {
      try Identifiers.attestationID("urn:uuid:0F8FAD5B-D9CB-469F-A165-70867728950E")
    }
    #expect(throws: DomainError.self) {
      try Identifiers.attestationID("0f8fad5b-d9cb-469f-a165-70867728950e")
    }
    #expect(throws: DomainError.self) {
      try Identifiers.sha256Hex(String(repeating: "g", count: 64), field: "hash")
    }
    #expect(throws: DomainError.self) { try Identifiers.keyID("../../dev/null") }
    #expect(throws: DomainError.self) { try Identifiers.keyID(String(repeating: "k", count: 65)) }
    #expect(throws: DomainError.self) { try Identifiers.keyID("") }
  }

  @Test("identifier byte classes: each range's edges accepted, the bytes beside them refused")
  func identifierBytes() throws {
    let uuid = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"
    #expect(try Identifiers.attestationID(uuid) == uuid)
    for bad in [
      "urn:uuid:0f8fad5b-d9cb-469f-a165-7086772895:e",
      "urn:uuid:0f8fad5b-d9cb-469f-a165-7086772895`e",
      "urn:uuid:0f8fad5b-d9cb-469f-a165-7086772895ge",
      "urn:uuid:0f8fad5bd-9cb-469f-a165-70867728950e",
    ] {
      #expect(throws: DomainError.self) { try Identifiers.attestationID(bad) }
    }
    let hash = "0123456789abcdef" + String(repeating: "9", count: 32) + "fedcba9876543210"
    #expect(try Identifiers.sha256Hex(hash, field: "hash") == hash)
    for edge: Character in ["/", ":", "`", "g", "A", "F"] {
      #expect(throws: DomainError.self) {
        try Identifiers.sha256Hex(String(hash.dropLast()) + String(edge), field: "hash")
      }
    }
    #expect(try Identifiers.bodyID("az-09") == "az-09")
    for bad in ["-az", "aZ", "a_b", "a.b", "a{", "a`", "é", ""] {
      #expect(throws: DomainError.self) { try Identifiers.bodyID(bad) }
    }
    #expect(try Identifiers.keyID("AZaz09._-") == "AZaz09._-")
    for bad in ["a@", "a[", "a/", "a:", "a b", "clé"] {
      #expect(throws: DomainError.self) { try Identifiers.keyID(bad) }
    }
  }

  @Test("free text is trimmed, normalised to NFC and refuses control characters")
  func text() throws {
    #expect(try ServiceProfile(name: "  Sante\u{301} Travail \n").name == "Santé Travail")
    for bad in ["Line\nbreak", "Esc\u{1B}[31m", "Bidi\u{202E}txet", "Sep\u{2028}aration", "   "] {
      #expect(throws: DomainError.self) { try ServiceProfile(name: bad) }
    }
    #expect(throws: DomainError.self) {
      try ServiceProfile(name: String(repeating: "é", count: 201))
    }
    #expect(throws: Never.self) { try ServiceProfile(name: String(repeating: "é", count: 200)) }
  }

  @Test(
    "text already trimmed and below the combining marks is kept as is; anything else is normalised as Foundation does",
    arguments: [
      "Santé Travail", "Sante\u{301} Travail", "\u{A0}Santé", "Santé\u{A0}", "Œuvre ÿ", "A",
      "Ångström \u{212B}", "e\u{301}", "\u{1E9B}\u{323}", "ß ĳ ſt",
    ])
  func textFastPath(_ text: String) throws {
    let expected = text.trimmingCharacters(in: .whitespacesAndNewlines)
      .precomposedStringWithCanonicalMapping
    let kept = try TextRules.required(text, field: "name", maximumLength: 200)
    #expect(Array(kept.unicodeScalars) == Array(expected.unicodeScalars))
  }

  @Test(
    "websites must be absolute https URLs",
    arguments: [
      "http://example.org", "javascript:alert(1)", "https://", "example.org",
      "https://user:pw@example.org", "https://exa mple.org", "ftp://example.org",
    ])
  func websites(_ url: String) {
    #expect(throws: DomainError.self) { try ServiceProfile(name: "S", website: url) }
  }
}
