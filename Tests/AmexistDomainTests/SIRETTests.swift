import AmexistDomain
import Testing

@Suite("SIRET")
struct SIRETTests {
  @Test(
    "valid SIRETs are accepted as given",
    arguments: ["73282932000074", "90011223400019", "91011223400018"])
  func valid(_ text: String) throws {
    #expect(try SIRET(text).digits == text)
  }

  @Test(
    "spaces, including French non-breaking ones, are removed",
    arguments: [
      "732 829 320 00074", " 73282932000074 ", "732\u{00A0}829\u{00A0}320\u{00A0}00074",
      "732\u{202F}829 32000074",
    ]
  )
  func spacesAreNormalised(_ text: String) throws {
    #expect(try SIRET(text).digits == "73282932000074")
  }

  @Test("a wrong check digit is refused")
  func badChecksum() {
    #expect(throws: DomainError.invalidSIRET(input: "73282932000075", problem: .badChecksum)) {
      try SIRET("73282932000075")
    }
  }

  @Test(
    "a wrong length is refused with the count",
    arguments: [("7328293200007", 13), ("732829320000740", 15), ("1", 1)])
  func wrongLength(_ text: String, _ count: Int) {
    #expect(throws: DomainError.invalidSIRET(input: text, problem: .wrongLength(count))) {
      try SIRET(text)
    }
  }

  @Test("letters and punctuation are refused with their position")
  func letters() {
    #expect(
      throws: DomainError.invalidSIRET(
        input: "7328293200007A", problem: .unexpectedCharacter("A", position: 14))
    ) {
      try SIRET("7328293200007A")
    }
    #expect(
      throws: DomainError.invalidSIRET(
        input: "732-829-320-00074", problem: .unexpectedCharacter("-", position: 4))
    ) {
      try SIRET("732-829-320-00074")
    }
    // Non-ASCII digits look like digits but are not.
    #expect(throws: DomainError.self) { try SIRET("٧٣٢٨٢٩٣٢٠٠٠٠٧٤") }
  }

  @Test("empty input is refused", arguments: ["", "   "])
  func empty(_ text: String) {
    #expect(throws: DomainError.invalidSIRET(input: text, problem: .empty)) { try SIRET(text) }
  }

  @Test("La Poste establishments follow the digit-sum rule, not Luhn")
  func laPoste() throws {
    // Digit sum 15: valid for La Poste although Luhn fails.
    #expect(try SIRET("35600000000001").siren == SIRET.laPosteSIREN)
    // Digit sum 16: refused.
    #expect(throws: DomainError.invalidSIRET(input: "35600000000002", problem: .badChecksum)) {
      try SIRET("35600000000002")
    }
  }

  @Test("14 digits as stored are judged as the same digits typed with spaces")
  func storedFormMatchesTypedForm() throws {
    var random = SystemRandomNumberGenerator()
    var accepted = 0
    for round in 0..<20_000 {
      // A third start with La Poste's SIREN, some with a zero SIREN; about a tenth pass Luhn.
      let prefix =
        round % 3 == 0 ? SIRET.laPosteSIREN : round % 97 == 0 ? "000000000" : ""
      let digits =
        prefix
        + String(
          (prefix.count..<14).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
      let stored = try? SIRET(digits)
      let typed = try? SIRET(" " + digits.prefix(9) + "\u{00A0}" + digits.dropFirst(9))
      #expect(stored == typed, "\(digits)")
      if stored != nil { accepted += 1 }
    }
    #expect(accepted > 1_000)
  }

  @Test("a huge input is refused without being read whole")
  func huge() {
    let text = String(repeating: "1", count: 1_000_000)
    #expect(throws: DomainError.invalidSIRET(input: text, problem: .wrongLength(65))) {
      try SIRET(text)
    }
  }

  @Test("the message says what is wrong and escapes control characters")
  func message() {
    let error = DomainError.invalidSIRET(
      input: "12\u{1B}[31m", problem: .unexpectedCharacter("\u{1B}", position: 3))
    #expect(!error.description.contains("\u{1B}"))
    #expect(error.description.contains("is not a digit"))
  }

  @Test("formatting groups the digits as INSEE prints them")
  func formatted() throws {
    #expect(try SIRET("73282932000074").formatted == "732 829 320 00074")
  }
}

@Suite("Levels and regions")
struct LevelTests {
  @Test("the three levels have their French and English names")
  func names() {
    #expect(
      Level.allCases.map(\.frenchName) == [
        "Attestation d'engagement", "Attestation de mise en œuvre", "Certification",
      ])
    #expect(
      Level.allCases.map(\.englishName) == [
        "Commitment attestation", "Implementation attestation", "Certification",
      ])
    #expect(Level.allCases.filter(\.requiresThirdPartyEvaluator) == [.certification])
  }

  @Test("levels parse from 1, 2 and 3 only", arguments: ["0", "4", "", "one", "1.0", " 1"])
  func invalidLevels(_ text: String) {
    #expect(throws: DomainError.invalidLevel(input: text)) { try Level(parsing: text) }
  }

  @Test("regions are INSEE codes")
  func regions() throws {
    #expect(try Region(code: "84").name == "Auvergne-Rhône-Alpes")
    #expect(try Region(code: "4").code == "04")
    #expect(throws: DomainError.invalidRegion(input: "99")) { try Region(code: "99") }
    // Around the stored form: spaces trimmed, two bytes that are no code refused.
    #expect(try Region(code: " 84 ").code == "84")
    #expect(throws: DomainError.invalidRegion(input: "é")) { try Region(code: "é") }
    #expect(throws: DomainError.invalidRegion(input: "8 ")) { try Region(code: "8 ") }
    #expect(Region.names.count == 18)
  }
}
