import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// The open data and the decision feed as an integrator and an authority read them (issue
/// "The public site", item 6): Python's `csv`, `json` and `xml.etree` alone, against the
/// registry's own `service list --json`.
@Suite("Open data and the decision feed, end to end")
struct OpenDataCLITests {
  @Test(
    "the CSV opens with Python's csv and matches service list --json cell by cell (a formula in a name is neutralised) and amexist export byte for byte; the JSON Lines are service list --json; the Atom feed parses, newest first, and shows a suspension made while serving"
  )
  func openDataAndFeed() async throws {
    let cli = try await CommandRunner.prepared([["demo", "--no-serve"]])
    defer { cli.folder.remove() }
    let hostile = "90011223400019"
    let added = try await cli.run([
      "service", "add", "12345678200010", "--name", "=HYPERLINK(\"https://x.example\",\"a, b\")",
      "--city=-Lille", "--region", "32",
    ])
    #expect(added.status == 0, "\(added.stderr)")
    let (process, base) = try await cli.serve(statusSnapshots: false)
    defer { process.terminate() }
    let suspended = try await cli.run([
      "decision", "suspend", hostile, "--reason", "Contrôle \"inopiné\", le 2 décembre",
    ])
    #expect(suspended.status == 0, "\(suspended.stderr)")

    let listing = try await cli.run(["service", "list", "--json"])
    try listing.stdout.write(toFile: cli.path("services.json"), atomically: true, encoding: .utf8)
    let script = Vectors.packageRoot + "/Tests/Interop/open_data_check.py"
    // The server sees another process's write within its refresh interval.
    var report: JSONValue = .null
    for _ in 0..<50 {
      let checked = try await ExternalTool.run(
        "python3", [script, base.absoluteString, cli.path("services.json")])
      if checked.status == 0 {
        report = try StrictJSONParser().parse(
          Array(checked.text.trimmingCharacters(in: .newlines).utf8))
        break
      }
      report = .string(checked.stderr)
      try await Task.sleep(for: .milliseconds(100))
    }
    let services = try StrictJSONParser().parse(Array(listing.stdout.utf8))
    #expect(report["rows"]?.integerValue == Int64(services.arrayValue.count), "\(report)")
    let kinds = report["kinds"]?.arrayValue ?? []
    #expect(kinds.first == .string("levelSuspended"), "\(report)")
    #expect(kinds.count > 5)
    let title = report["titles"]?.arrayValue.first?.stringValue ?? ""
    #expect(title.hasPrefix("Suspension · "), "\(title)")
    let summary = report["summaries"]?.arrayValue.first?.stringValue ?? ""
    #expect(summary.contains("Motif : Contrôle \"inopiné\""), "\(summary)")
    #expect(summary.contains("Décision du "), "\(summary)")

    // The raw cell, as a spreadsheet would see it.
    let (code, csv) = try await WitnessedRegistryTests.get(
      base.appendingPathComponent("open-data/services.csv"))
    #expect(code == 200)
    let text = String(decoding: csv, as: UTF8.self)
    #expect(text.contains("\"'=HYPERLINK(\"\"https://x.example\"\",\"\"a, b\"\")\""))
    #expect(text.contains(",'-Lille,"))
    #expect(!text.contains(",=HYPERLINK"))
    // One function writes both: the export is the served file, byte for byte.
    let exported = try await cli.run(["export", "--format", "csv"])
    #expect(exported.status == 0)
    #expect(exported.stdout == text)
  }
}
