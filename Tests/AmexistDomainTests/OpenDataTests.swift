import Testing

@testable import AmexistDomain

@Suite("Open data")
struct OpenDataTests {
  @Test(
    "a cell a spreadsheet would run as a formula starts with an apostrophe; separators and quotes are quoted; plain text is left alone",
    arguments: [
      ("=1+1", "'=1+1"), ("+33 1 23", "'+33 1 23"), ("-Lille", "'-Lille"),
      ("@SUM(A1)", "'@SUM(A1)"),
      ("\tx", "'\tx"), ("\r=x", "\"'\r=x\""), ("=A1,\"b\"", "\"'=A1,\"\"b\"\"\""),
      ("Santé, Travail", "\"Santé, Travail\""), ("dit \"X\"", "\"dit \"\"X\"\"\""),
      ("Santé au Travail", "Santé au Travail"), ("", ""), ("2026-12-02", "2026-12-02"),
    ])
  func cells(input: String, written: String) {
    #expect(OpenData.cell(input) == written)
  }

  @Test("the schema names every CSV column in order, with the licence and the SIRET as key")
  func schema() throws {
    let schema = OpenData.schema(csvURL: "https://r.example/open-data/services.csv")
    guard case .array(let described)? = schema["fields"] else {
      Issue.record("no fields")
      return
    }
    let fields = described.compactMap { field -> String? in
      if case .string(let name)? = field["name"] { name } else { nil }
    }
    let header = OpenData.csv([]).split(separator: "\r\n").first.map(String.init)
    #expect(fields.joined(separator: ",") == header)
    #expect(schema["primaryKey"] == .string("siret"))
    guard case .array(let licences)? = schema["licenses"] else {
      Issue.record("no licences")
      return
    }
    #expect(licences.first?["title"] == .string(OpenData.licence))
  }
}
