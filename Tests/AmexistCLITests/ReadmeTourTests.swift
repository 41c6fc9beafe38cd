import Foundation
import RegistryTesting
import Testing

/// Item 10: the README's tour of the command line, run exactly as printed, in order, in an empty
/// folder: it fails when the README and the program disagree.
@Suite("The README tour")
struct ReadmeTourTests {
  /// The tour's lines: the indented block of the section "A tour of the command line", up to
  /// the paragraph after it.
  static func tour() async throws -> String {
    let readme = try String(
      contentsOfFile: Vectors.packageRoot + "/README.md", encoding: .utf8)
    guard let start = readme.range(of: "## A tour of the command line"),
      let end = readme.range(of: "\nAlso: ", range: start.upperBound..<readme.endIndex)
    else { return "" }
    return readme[start.upperBound..<end.lowerBound].split(
      separator: "\n", omittingEmptySubsequences: false
    )
    .filter { $0.hasPrefix("    ") }.map { $0.dropFirst(4) }.joined(separator: "\n") + "\n"
  }

  @Test("item 10: every command of the README tour runs as printed, in order")
  func tourRuns() async throws {
    let script = try await Self.tour()
    let commands = script.split(separator: "\n").filter { $0.hasPrefix("amexist ") }
    #expect(commands.count >= 30, "the tour is in the README")
    let cli = try CommandRunner()
    defer { cli.folder.remove() }
    try script.write(toFile: cli.path("tour.sh"), atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-euo", "pipefail", "-x", "tour.sh"]
    process.currentDirectoryURL = URL(fileURLWithPath: cli.folder.path)
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "AMEXIST_DATABASE_URL")
    environment.removeValue(forKey: "AMEXIST_TRUST_PIN")
    environment["XDG_STATE_HOME"] = cli.path("state")
    environment["PATH"] =
      CommandRunner.executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
    process.environment = environment
    let result = try await cli.finish(CommandRunner.launch(process))
    let lastCommand = result.stderr.split(separator: "\n").last { $0.hasPrefix("+ amexist") } ?? ""
    #expect(
      result.status == 0, "the README tour stopped at \(lastCommand): \(result.stderr.suffix(600))")
    // What the tour says it writes is where it says.
    let written = try FileManager.default.contentsOfDirectory(atPath: cli.path("out"))
    #expect(written.filter { $0.hasSuffix(".amexist.json") }.count == 3)
    #expect(written.filter { $0.hasSuffix(".pdf") }.count == 1)
    #expect(result.stdout.contains("Verdict       VALID"))
  }
}
