import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// The public site as a browser, an integrator's tools and an authority's feed reader meet it
/// (issue "The public site"): one demo registry, one server, then Playwright and axe-core,
/// schemathesis, and the open data and feed read with Python's standard library.
// Chromium, axe-core and schemathesis cost more than the quick suite's budget allows: this
// runs with the full counts (`AMEXIST_FULL_TESTS=1`, as CI does) or with AMEXIST_SITE_TESTS=1;
// the quick suite keeps the server-level tests of the same pages and routes.
@Suite(
  "The public site, end to end",
  .enabled(
    if: TestScale.isFull || ProcessInfo.processInfo.environment["AMEXIST_SITE_TESTS"] == "1"))
struct PublicSiteCLITests {
  @Test(
    "pages: no sideways scroll at 320, 390 or 1280 px, every result's standing on screen, no axe-core violation at 390 and 1280 px; API: schemathesis --checks all finds no failure; open data: the CSV opens with Python's csv and matches service list --json cell by cell (a formula in a name is neutralised) and amexist export byte for byte, the JSON Lines are service list --json, the Atom feed parses, newest first, and shows a suspension made while serving"
  )
  func publicSite() async throws {
    let cli = try await CommandRunner.prepared([["demo", "--no-serve"]])
    defer { cli.folder.remove() }
    let hostile = "90011223400019"
    let added = try await cli.run([
      "service", "add", "12345678200010", "--name", "=HYPERLINK(\"https://x.example\",\"a, b\")",
      "--city=-Lille", "--region", "32",
    ])
    #expect(added.status == 0, "\(added.stderr)")
    // The rate limits are the subject of other tests; here they would only answer 429.
    let (process, base) = try await cli.serve(
      environment: [
        "AMEXIST_HTTP_CLIENT_RATE": "1000000", "AMEXIST_HTTP_VERIFY_RATE": "1000000",
      ], statusSnapshots: true)
    defer { process.terminate() }
    let origin = String(base.absoluteString.reversed().drop { $0 == "/" }.reversed())
    try await pages(origin)
    try await schemathesis(origin, folder: cli.folder.path)

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

    // One document: `service show --json` is what /services/{siret}.json serves (asOf apart,
    // the instant each read was made).
    let (_, served) = try await WitnessedRegistryTests.get(
      base.appendingPathComponent("services/\(hostile).json"))
    let shown = try await cli.run(["service", "show", hostile, "--json"])
    guard case .object(var servedMembers) = try StrictJSONParser().parse(Array(served)),
      case .object(var shownMembers) = try StrictJSONParser().parse(Array(shown.stdout.utf8))
    else {
      Issue.record("not JSON objects")
      return
    }
    servedMembers["asOf"] = nil
    shownMembers["asOf"] = nil
    #expect(servedMembers == shownMembers)
    #expect(shownMembers["history"] != nil)

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

  /// Every kind of page in Chromium (Playwright) at three widths, axe-core at two; the quick
  /// suite looks at the search results and a service page at 390 px.
  func pages(_ origin: String) async throws {
    let checked = try await ExternalTool.run(
      "python3",
      [Vectors.packageRoot + "/Tests/Interop/pages_check.py", origin]
        + (TestScale.isFull ? [] : ["--smoke"]))
    #expect(checked.status == 0, "\(checked.text) \(checked.stderr)")
    let report = try StrictJSONParser().parse(
      Array(checked.text.trimmingCharacters(in: .newlines).utf8))
    #expect((report["pages"]?.integerValue ?? 0) >= (TestScale.isFull ? 18 : 2), "\(report)")
    #expect(report["failures"]?.arrayValue.isEmpty == true, "\(report)")
  }

  /// schemathesis against the served OpenAPI document: every phase with 40 examples per
  /// operation in the full suite; the coverage phase (each documented constraint, just inside
  /// and just outside) on the public reads in the quick one.
  func schemathesis(_ origin: String, folder: String) async throws {
    let examples = TestScale.count("AMEXIST_SCHEMATHESIS_EXAMPLES", smoke: 3, full: 40)
    let scope =
      TestScale.isFull
      ? "--phases examples,coverage,fuzzing,stateful"
      : "--phases coverage --include-path-regex '^/(services|log|status|verify)'"
    // In the test's own folder: schemathesis keeps its example database in the working folder.
    let command =
      "cd \"$0\" && exec st run \"$1\"/openapi.yaml --checks all \(scope) --max-examples \(examples) --workers 2 --request-timeout 10 --seed 20261203 --no-color"
    let run = try await ExternalTool.run("bash", ["-c", command, folder, origin])
    let summary = run.text.split(separator: "\n").last { $0.contains(" in ") && $0.contains("=") }
    // schemathesis's own runtime errors (a Hypothesis internal) are not the API's failures.
    #expect(!String(summary ?? "").contains("failure"), "\(run.text.suffix(6000))")
    #expect(run.text.contains("Tested:"), "\(run.text.suffix(2000)) \(run.stderr)")
  }
}
