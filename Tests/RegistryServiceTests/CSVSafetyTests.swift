import AmexistDomain
import RegistryService
import RegistryTesting
import Testing

/// Items 4 and 6: import files refused when they name a SIRET twice or lost a leading zero;
/// French headers read; exports that spreadsheets open safely.
@Suite("CSV: safe export, French spreadsheets, import refusals")
struct CSVSafetyTests {
  @Test("item 4: a file naming one SIRET on two rows is refused, naming both lines")
  func duplicateRows() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let text = "siret,name\n73282932000074,Un\n90011223400019,Deux\n732 829 320 00074,Trois\n"
    await #expect(
      throws: RegistryError.importRejected(
        line: 4,
        reason: "SIRET 73282932000074 is on line 2 and line 4: a file names each service once")
    ) {
      try await harness.service.importCSV(text)
    }
    #expect(try await harness.service.allServices().isEmpty)
  }

  @Test("item 6: a SIRET that lost its leading zero says so")
  func lostLeadingZero() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let valid = (0...9).lazy.compactMap { try? SIRET("0123456780001\($0)") }.first!
    let text = "siret,name\n\(valid.digits.dropFirst()),Service\n"
    do {
      _ = try await harness.service.importCSV(text)
      Issue.record("imported")
    } catch {
      #expect(error.description.contains("dropped its leading zero (\(valid.digits))"))
      #expect(error.description.hasPrefix("line 2:"))
    }
  }

  @Test("item 6: French column names, ';' and a byte order mark, as a French spreadsheet saves")
  func frenchHeaders() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let text =
      "\u{FEFF}SIRET;Nom;Ville;Région;Niveau;Date de décision;Valable jusqu'au;Référence\r\n"
      + "732 829 320 00074;Santé Travail Lyon;Lyon;84;2;2026-01-10;2029-01-09;DPST-7\r\n"
    let summary = try await harness.service.importCSV(text)
    #expect(summary.servicesRegistered == 1 && summary.decisionsRecorded == 1)
    let state = try await harness.service.state(of: TestValues.siret("73282932000074"))
    #expect(state.profile.city == "Lyon" && state.profile.region?.code == "84")
    #expect(state.decision?.level == .implementation && state.decision?.reference == "DPST-7")
  }

  @Test(
    "item 6: cells a spreadsheet would run as formulas are neutralised, and read back as written")
  func formulaCells() async throws {
    let harness = try Harness()
    defer { harness.folder.remove() }
    let names = ["=HYPERLINK(\"http://x\")", "+33 Santé", "-Service", "@SUM(A1)"]
    for (offset, name) in names.enumerated() {
      try await harness.service.register(
        TestValues.generatedSIRET(offset + 1), profile: try ServiceProfile(name: name))
    }
    let exported = try await harness.service.exportCSV()
    let records = try CSV.parse(exported)
    let cells = records.dropFirst().map { $0.fields[1] }
    for cell in cells {
      #expect(cell.hasPrefix("'"), "\(cell)")
    }
    let excel = try await harness.service.exportCSV(dialect: .excel)
    #expect(excel.hasPrefix("\u{FEFF}siret;name;"))
    // Importing the export elsewhere gives the names back unchanged.
    let other = try Harness()
    defer { other.folder.remove() }
    _ = try await other.service.importCSV(exported)
    let imported = try await other.service.allServices().map(\.profile.name)
    #expect(Set(imported) == Set(try await harness.service.allServices().map(\.profile.name)))
    // And importing it again into the same registry records nothing.
    #expect(try await harness.service.importCSV(excel).servicesUpdated == 0)
  }
}
