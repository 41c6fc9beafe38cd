import AmexistDomain
import Foundation
import HTTPTypes
import HummingbirdTesting
import RegistryServer
import RegistryService
import RegistryStore
import RegistryTesting
import Testing
import TransparencyLog

#if canImport(Glibc)
  import Glibc
#endif

/// Raw HTTP/1.1 over a loopback socket, for what a well-behaved client never sends.
enum RawHTTP {
  /// Sends `request`, then reads until the server closes or `timeout` seconds pass; returns
  /// what was read and whether the server closed the connection.
  static func exchange(port: Int, _ request: String, timeout: Double = 15) async throws -> (
    text: String, closed: Bool
  ) {
    try await offPool { try blockingExchange(port: port, request, timeout: timeout) }
  }

  /// A loopback port nothing listens on now (the kernel's choice, released at once).
  static func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw POSIXError(.EIO) }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  private static func blockingExchange(port: Int, _ request: String, timeout: Double) throws -> (
    text: String, closed: Bool
  ) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw POSIXError(.EIO) }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    var wait = timeval(
      tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(request.utf8)
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes {
        send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if count <= 0 { break }
      sent += count
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let count = recv(socket, &buffer, buffer.count, 0)
      if count == 0 { return (String(decoding: received, as: UTF8.self), true) }
      if count < 0 { break }
      received += buffer[0..<count]
    }
    return (String(decoding: received, as: UTF8.self), false)
  }
}

@Suite("Connections (group E, live server)", .serialized)
struct ConnectionTests {
  /// Settings with a rate limit no test here reaches.
  static var settings: RegistryServerSettings {
    var settings = RegistryServerSettings(refreshInterval: .zero)
    settings.limits.publicRate = RateLimit(perSecond: 10_000, burst: 10_000)
    return settings
  }

  func live(
    _ settings: RegistryServerSettings = Self.settings,
    _ body: @Sendable @escaping (Int) async throws -> Void
  ) async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    try await harness.application(settings).test(.live) { client in
      try await body(try #require(client.port))
    }
  }

  @Test("E2: an oversized header line, too many headers or a huge header list are refused, no 5xx")
  func headerLimits() async throws {
    try await live { port in
      let long =
        "GET / HTTP/1.1\r\nHost: x\r\nX-Long: \(String(repeating: "a", count: 9000))\r\n\r\n"
      let many =
        "GET / HTTP/1.1\r\nHost: x\r\n"
        + (0..<10_000).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
      let list =
        "GET / HTTP/1.1\r\nHost: x\r\n"
        + (0..<20).map { "X-\($0): \(String(repeating: "b", count: 4000))\r\n" }.joined() + "\r\n"
      for request in [long, many, list] {
        let answer = try await RawHTTP.exchange(port: port, request)
        #expect(!answer.text.contains("HTTP/1.1 200"))
        #expect(!answer.text.contains("HTTP/1.1 5"))
        #expect(answer.closed)
      }
    }
  }

  @Test("E4: Content-Length with Transfer-Encoding, two Content-Length, obs-fold are 400 and close")
  func smuggling() async throws {
    try await live { port in
      let requests = [
        "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
        "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
        "POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
      ]
      for request in requests {
        let answer = try await RawHTTP.exchange(port: port, request)
        #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text.prefix(80))")
        #expect(answer.closed)
        #expect(!answer.text.contains("\"status\":\"ok\""))
      }
    }
  }

  @Test(
    "a request without Host is 400 with the security headers; with one it is served; health checks answer without one"
  )
  func missingHost() async throws {
    try await live { port in
      let bare = try await RawHTTP.exchange(port: port, "GET / HTTP/1.1\r\n\r\n", timeout: 2)
      #expect(bare.text.hasPrefix("HTTP/1.1 400"), "\(bare.text.prefix(80))")
      #expect(bare.text.contains("X-Content-Type-Options: nosniff"))
      let named = try await RawHTTP.exchange(
        port: port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 5)
      #expect(named.text.hasPrefix("HTTP/1.1 200"), "\(named.text.prefix(80))")
      // A load balancer's probe in HTTP/1.0, without Host, still reaches the health check.
      let probe = try await RawHTTP.exchange(
        port: port, "GET /healthz HTTP/1.0\r\n\r\n", timeout: 5)
      #expect(
        probe.text.hasPrefix("HTTP/1.0 200") || probe.text.hasPrefix("HTTP/1.1 200"),
        "\(probe.text.prefix(80))")
    }
  }

  @Test(
    "/metrics is not public: 401 without an admin token, served to one; --metrics-port serves it alone, without a token"
  )
  func metricsListener() async throws {
    var settings = Self.settings
    let metricsPort = try RawHTTP.freePort()
    settings.metricsPort = metricsPort
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let token = try harness.token()
    try await harness.application(settings).test(.live) { client in
      _ = try await client.get("/")
      let anonymous = try await client.get("/metrics")
      #expect(anonymous.status == .unauthorized)
      #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
      #expect(!anonymous.text.contains("amexist_http_requests_total"))
      let bearer = try await client.get("/metrics", [.authorization: "Bearer \(token)"])
      #expect(bearer.status == .ok)
      #expect(bearer.text.contains("amexist_http_requests_total"))
      let scraped = try await RawHTTP.exchange(
        port: metricsPort, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        timeout: 5)
      #expect(scraped.text.hasPrefix("HTTP/1.1 200"), "\(scraped.text.prefix(80))")
      #expect(scraped.text.contains("amexist_http_requests_total"))
      let other = try await RawHTTP.exchange(
        port: metricsPort, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        timeout: 5)
      #expect(other.text.hasPrefix("HTTP/1.1 404"), "\(other.text.prefix(80))")
    }
  }

  @Test("E3: an idle connection is closed after the idle timeout")
  func idleTimeout() async throws {
    var settings = Self.settings
    settings.limits.idleTimeout = .seconds(1)
    try await live(settings) { port in
      let start = Date()
      let answer = try await RawHTTP.exchange(port: port, "", timeout: 20)
      #expect(answer.closed)
      #expect(Date().timeIntervalSince(start) < 15)
    }
  }

  @Test("E1: a body trickled past the request timeout is answered 408 and the connection closed")
  func slowBody() async throws {
    var settings = Self.settings
    settings.limits.requestTimeout = .seconds(1)
    try await live(settings) { port in
      // The head promises 100 bytes and only 3 come: the body never completes.
      let answer = try await RawHTTP.exchange(
        port: port,
        "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc",
        timeout: 20)
      #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text.prefix(80))")
    }
  }

  @Test("E15: 500 pipelined requests on one connection are all answered, in order")
  func pipelining() async throws {
    try await live { port in
      let request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      let answer = try await RawHTTP.exchange(
        port: port,
        String(repeating: request, count: 499)
          + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        timeout: 30)
      #expect(answer.text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 500)
      #expect(answer.closed)
    }
  }
}

/// A store that fails every read and write, as a database that went away does.
struct UnavailableStore: RegistryStore {
  func read<Result: Sendable>(_ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result)
    async throws -> Result
  {
    throw StoreError.unavailable("the database is unreachable")
  }

  func append(
    signer: LogSigner, _ body: @escaping @Sendable (any RegistrySnapshot) throws -> [RecordedEvent]
  ) async throws -> AppendReceipt {
    throw StoreError.unavailable("the database is unreachable")
  }

  func keepCosignatures(_ cosignatures: [KeptCosignature]) async throws {
    throw StoreError.unavailable("the database is unreachable")
  }
}

@Suite("Faults")
struct FaultTests {
  @Test("E18: with the database down, lookups are 503 with a generic body, never 200 or 500")
  func databaseDown() async throws {
    let registry = RegistryService(
      store: UnavailableStore(), logVerifier: TestValues.logSigner.verifier)
    let app = try RegistryServer.application(
      registry: registry, issuer: ServerHarness.issuer,
      settings: RegistryServerSettings(refreshInterval: .zero))
    try await app.test(.router) { client in
      for path in [
        "/", "/services/90011223400019", "/services/90011223400019.json",
        "/attestations/00000000-0000-4000-8000-000000000000", "/log/checkpoint", "/healthz",
        "/.well-known/amexist-trust.json", "/badge/90011223400019.svg",
      ] {
        let response = try await client.get(path)
        #expect(response.status == .serviceUnavailable, "\(path)")
        #expect(!response.text.contains("unreachable"), "\(path)")
      }
    }
  }
}
