import AmexistDomain
import Foundation
import RegistryTesting
import Testing

/// Every kind of page as a phone and a desktop show it (issue "The public site", items 1 and
/// 8): headless Chromium driven by Playwright, axe-core for accessibility.
@Suite("Pages at 320, 390 and 1280 px, with axe-core")
struct PageLayoutTests {
  @Test(
    "no page scrolls sideways at 320, 390 or 1280 px; every search result's standing is on screen; axe-core finds no violation at 390 and 1280 px"
  )
  func layoutAndAccessibility() async throws {
    let cli = try await CommandRunner.prepared([["demo", "--no-serve"]])
    defer { cli.folder.remove() }
    let (process, base) = try await cli.serve(statusSnapshots: false)
    defer { process.terminate() }
    // The quick suite checks the search results and a service page at 390 px; the full one
    // every kind of page at three widths.
    let checked = try await ExternalTool.run(
      "python3",
      [Vectors.packageRoot + "/Tests/Interop/pages_check.py", base.absoluteString]
        + (TestScale.isFull ? [] : ["--smoke"]))
    #expect(checked.status == 0, "\(checked.text) \(checked.stderr)")
    let report = try StrictJSONParser().parse(
      Array(checked.text.trimmingCharacters(in: .newlines).utf8))
    #expect((report["pages"]?.integerValue ?? 0) >= (TestScale.isFull ? 18 : 2), "\(report)")
    #expect(report["failures"]?.arrayValue.isEmpty == true, "\(report)")
  }
}
