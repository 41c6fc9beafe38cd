import AmexistDomain
import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import RegistryService

/// The `amexist` command line as a library, so that the executable is a few lines and tests can
/// run commands in process.
public enum AmexistCLI {
  /// The version `amexist --version` prints.
  public static let version = "0.15.0"

  /// Exit status for success.
  public static let success: Int32 = 0
  /// Exit status when the registry refused the request or failed.
  public static let failure: Int32 = 1
  /// Exit status for a usage error (unknown option, missing argument, bad value).
  public static let usageError: Int32 = 2
  /// Exit status when a log proof or checkpoint is invalid or inconsistent (also `verify`'s).
  public static let logInvalid: Int32 = 6
  /// Exit status when a key, body or trust file is not trusted for what it signed (also
  /// `verify`'s).
  public static let untrusted: Int32 = 7
  /// The attestation is logged but not yet witnessed: try again later (EX_TEMPFAIL).
  public static let temporaryFailure: Int32 = 75

  /// Makes Swift concurrency run its tasks on the server's event loops, so that a request is
  /// handled without hopping between two thread pools. Call it once, first, from the main
  /// thread of the `amexist` executable.
  public static func runTasksOnEventLoops() {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
  }

  /// Runs the command line `arguments` (without the program name) and returns the exit status.
  /// Errors are printed to standard error as one line.
  public static func main(_ arguments: [String]) async -> Int32 {
    let command: any ParsableCommand
    do {
      command = try AmexistCommand.parseAsRoot(arguments)
    } catch {
      return report(parseError: error)
    }
    guard ParisTime.isAvailable else {
      Console.error(
        "the time zone database has no Europe/Paris, by which the registry tells its days: install the tzdata package"
      )
      return failure
    }
    do {
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        var syncCommand = command
        try syncCommand.run()
      }
      return success
    } catch let error as CLIError {
      Console.error(error.message)
      return error.exitCode
    } catch {
      return report(parseError: error)
    }
  }

  private static func report(parseError error: any Error) -> Int32 {
    let code = AmexistCommand.exitCode(for: error)
    if code == .success {
      Console.out(AmexistCommand.fullMessage(for: error))
      return success
    }
    let message =
      AmexistCommand.message(for: error).split(separator: "\n").first.map(String.init)
      ?? "invalid usage"
    Console.error("\(message) (see `amexist help`)")
    return usageError
  }
}

/// A failure the CLI reports as one line and an exit status.
struct CLIError: Error {
  let message: String
  let exitCode: Int32

  init(_ message: String, exitCode: Int32 = AmexistCLI.failure) {
    self.message = message
    self.exitCode = exitCode
  }

  /// A registry error with its exit status: 6 when the database does not match its log, 2 for
  /// a value the operation does not accept, 1 otherwise.
  init(_ error: RegistryError) {
    switch error {
    case .integrity: self.init(error.description, exitCode: AmexistCLI.logInvalid)
    case .invalidArgument: self.init(error.description, exitCode: AmexistCLI.usageError)
    case .untrusted: self.init(error.description, exitCode: AmexistCLI.untrusted)
    default: self.init(error.description)
    }
  }
}

/// The root command.
struct AmexistCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "amexist",
    abstract: "The AMEXIST Registry: the public, tamper-evident register of AMEXIST levels.",
    version: AmexistCLI.version,
    groupedSubcommands: [
      CommandGroup(
        name: "Registry",
        subcommands: [
          InitCommand.self, DemoCommand.self, ConfigCommand.self, MigrateCommand.self,
          CopyCommand.self,
        ]),
      CommandGroup(
        name: "Services and decisions",
        subcommands: [ServiceCommand.self, DecisionCommand.self, HistoryCommand.self]),
      CommandGroup(
        name: "Documents",
        subcommands: [
          AttestCommand.self, BundleCommand.self, VerifyCommand.self, StatusCommand.self,
          ExportCommand.self,
        ]),
      CommandGroup(
        name: "Keys and trust",
        subcommands: [KeysCommand.self, BodyCommand.self, TokenCommand.self, TrustCommand.self]),
      CommandGroup(name: "Log", subcommands: [LogCommand.self]),
      CommandGroup(name: "Server", subcommands: [ServeCommand.self]),
      CommandGroup(name: "Witnesses", subcommands: [WitnessesCommand.self, WitnessCommand.self]),
    ]
  )
}

/// Writes to the standard streams.
enum Console {
  /// Writes `text` and a line end to standard output.
  static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  /// Writes the canonical JSON array of `elements` and a line end to standard output, element
  /// by element (the same bytes as the whole array encoded at once, without holding them all:
  /// a list of every service is tens of megabytes).
  static func outJSONArray<Elements: Sequence>(
    _ elements: Elements, _ json: (Elements.Element) -> JSONValue
  ) {
    var pending: [UInt8] = [UInt8(ascii: "[")]
    pending.reserveCapacity(1 << 20)
    var first = true
    for element in elements {
      if !first { pending.append(UInt8(ascii: ",")) }
      first = false
      pending.append(contentsOf: CanonicalJSON.encode(json(element)))
      if pending.count >= 1 << 20 {
        FileHandle.standardOutput.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
      }
    }
    pending.append(contentsOf: "]\n".utf8)
    FileHandle.standardOutput.write(Data(pending))
  }

  /// Writes `amexist: warning: ` and `text` as one line to standard error.
  static func warning(_ text: String) {
    error("warning: " + text)
  }

  /// Writes `amexist: ` and `text` as one line to standard error; line breaks in `text` are
  /// flattened so that the message stays one line.
  static func error(_ text: String) {
    let line = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(
      of: "\r", with: " ")
    FileHandle.standardError.write(Data("amexist: \(line)\n".utf8))
  }
}
