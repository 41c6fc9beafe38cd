import AmexistDomain
import RegistryService
import RegistryTesting
import Testing

@Suite("Open data")
struct OpenDataTests {
  @Test("the schema names every CSV column in order, with the licence and the SIRET as key")
  func schema() throws {
    let schema = OpenData.schema(csvURL: "https://r.example/open-data/services.csv")
    let fields = schema["fields"]?.arrayValue.compactMap { $0["name"]?.stringValue } ?? []
    let header = OpenData.csv([]).split(separator: "\r\n").first.map(String.init)
    #expect(fields.joined(separator: ",") == header)
    #expect(
      Array(fields.prefix(RegistryService.importColumns.count)) == RegistryService.importColumns)
    #expect(schema["primaryKey"] == .string("siret"))
    #expect(schema["licenses"]?.arrayValue.first?["title"] == .string(OpenData.licence))
  }
}
