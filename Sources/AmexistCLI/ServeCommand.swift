import ArgumentParser
import Attestation
import Foundation
import Hummingbird
import RegistryServer
import RegistryService

/// Where and how `serve` and `demo` listen.
struct ServerOptions: ParsableArguments {
  @Option(help: "Address to listen on.") var host = "127.0.0.1"
  @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
  @Option(help: "The registry's public https origin, used in absolute links.")
  var publicOrigin = "https://registre.amexist.example"
  @Option(
    help: ArgumentHelp(
      "A reverse proxy whose X-Forwarded-For is believed (repeatable).", valueName: "address"))
  var trustedProxy: [String] = []

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
    guard publicOrigin.hasPrefix("https://") || publicOrigin.hasPrefix("http://127.0.0.1") else {
      throw ValidationError("--public-origin must be an https:// origin")
    }
  }

  /// Serves `service` until SIGINT or SIGTERM; `ready` is told the base URL once listening.
  func serve(
    _ service: RegistryService, issuer: String, ready: @escaping @Sendable (String) -> Void
  ) async throws(CLIError) {
    let settings = RegistryServerSettings(
      host: host, port: port, publicOrigin: publicOrigin, trustedProxies: Set(trustedProxy))
    let host = self.host
    do {
      let app = try RegistryServer.application(
        registry: service, issuer: issuer, settings: settings
      ) { port in
        ready("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
      }
      try await app.runService()
    } catch {
      throw CLIError("the server stopped: \(error)")
    }
  }
}

/// `amexist serve`
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve the public lookup, verification pages and the log over HTTP."
  )
  @OptionGroup var global: GlobalOptions
  @OptionGroup var server: ServerOptions

  func run() async throws {
    let service = try global.openService()
    let trust = try performNow { () throws(RegistryError) in try global.keyFolder.loadTrust() }
    try await server.serve(service, issuer: trust.issuer) { base in
      Console.out("Serving the registry on \(base)/ (Ctrl-C stops it).")
    }
  }
}
