import RegistryService
import Testing

@Suite("CSV")
struct CSVTests {
  @Test("records keep the line they start on, across quoted line breaks")
  func lines() throws {
    let text = "a,b\r\n\"x\ny\",2\n\n3,\"q\"\"uote\"\n4,\n"
    let records = try CSV.parse(text)
    #expect(records.map(\.line) == [1, 2, 5, 6])
    #expect(records.map(\.fields) == [["a", "b"], ["x\ny", "2"], ["3", "q\"uote"], ["4", ""]])
  }

  @Test("a byte order mark is skipped and ';' is used when the header does")
  func bomAndSemicolons() throws {
    let records = try CSV.parse("\u{FEFF}siret;name\n1;Santé, Travail\n")
    #expect(records.map(\.fields) == [["siret", "name"], ["1", "Santé, Travail"]])
  }

  @Test(
    "malformed quoting is refused with its line",
    arguments: [
      ("a,b\nx\"y,2\n", 2), ("a,b\n\"x\"y,2\n", 2), ("a,b\n\"open,2\n", 2), ("a\rb\n", 1),
    ])
  func malformed(_ text: String, _ line: Int) {
    #expect(throws: CSVError.self) { try CSV.parse(text) }
    do { _ = try CSV.parse(text) } catch { #expect(error.line == line) }
  }

  @Test("written fields are quoted only when needed and read back")
  func write() throws {
    let fields = ["plain", "with,comma", "with \"quote\"", "two\nlines", "semi;colon", ""]
    let line = CSV.line(fields)
    #expect(line == #"plain,"with,comma","with ""quote""","two"# + "\nlines\",\"semi;colon\",")
    #expect(try CSV.parse(line).first?.fields == fields)
  }

  @Test(
    "a quote or separator followed by a combining mark is still quoted; a lone empty field is kept (found by fuzzing)",
    arguments: [["72;\u{06D7}7Z"], ["a\"\u{0301}b", "c"], ["x,\u{0301}"], [""]])
  func combiningMarks(_ fields: [String]) throws {
    let records = try CSV.parse(CSV.line(fields))
    #expect(records.count == 1)
    #expect(
      records.first?.fields.map { Array($0.unicodeScalars) }
        == fields.map { Array($0.unicodeScalars) })
  }
}
