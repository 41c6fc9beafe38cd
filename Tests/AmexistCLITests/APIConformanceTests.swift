import Foundation
import RegistryTesting
import Testing

/// The OpenAPI document against the server it describes, as an integrator's tools read it
/// (issue "The public site", item 4): schemathesis generates valid and invalid requests for
/// every documented operation and checks every answer (status, content type, schema, headers).
@Suite("The OpenAPI document against the server (schemathesis)")
struct APIConformanceTests {
  @Test(
    "schemathesis --checks all finds no failure: valid requests are served, invalid ones refused with a documented status and body"
  )
  func schemathesis() async throws {
    let cli = try await CommandRunner.prepared([["demo", "--no-serve"]])
    defer { cli.folder.remove() }
    // The rate limits are the subject of other tests; here they would only answer 429.
    let (process, base) = try await cli.serve(
      environment: [
        "AMEXIST_HTTP_CLIENT_RATE": "1000000", "AMEXIST_HTTP_VERIFY_RATE": "1000000",
      ], statusSnapshots: true)
    defer { process.terminate() }
    // The quick suite runs the coverage phase alone (every documented constraint, just inside
    // and just outside); the full one every phase with 40 generated examples per operation.
    let examples = TestScale.count("AMEXIST_SCHEMATHESIS_EXAMPLES", smoke: 3, full: 40)
    let phases = TestScale.isFull ? "examples,coverage,fuzzing,stateful" : "coverage"
    // In the test's own folder: schemathesis keeps its example database in the working folder.
    let command =
      "cd \"$0\" && exec st run \"$1\"/openapi.yaml --checks all --phases \(phases) --max-examples \(examples) --workers 2 --request-timeout 10 --seed 20261203 --no-color"
    let run = try await ExternalTool.run(
      "bash",
      [
        "-c", command, cli.folder.path,
        String(base.absoluteString.reversed().drop { $0 == "/" }.reversed()),
      ])
    let summary = run.text.split(separator: "\n").last { $0.contains(" in ") && $0.contains("=") }
    let text = String(summary ?? "")
    // schemathesis's own runtime errors (a Hypothesis internal) are not the API's failures.
    #expect(!text.contains("failure"), "\(run.text.suffix(6000))")
    #expect(run.text.contains("Tested:"), "\(run.text.suffix(2000)) \(run.stderr)")
  }
}
