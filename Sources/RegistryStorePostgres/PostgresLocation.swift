import Foundation
import PostgresNIO
public import RegistryStore

/// A PostgreSQL registry's address, read from a `postgres://` (or `postgresql://`) URL in the
/// form libpq accepts: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`, or a Unix
/// socket folder as `postgres://USER@/DATABASE?host=/run/postgresql`.
///
/// The password never appears in ``description``, in errors or in logs.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
  /// How the connection is encrypted (`sslmode`).
  public enum TLSMode: String, Sendable, Hashable {
    /// No TLS (the default over a Unix socket, where it does not apply).
    case disable
    /// TLS when the server offers it, with the certificate verified (the default over TCP).
    case prefer
    /// TLS required, the certificate verified against the system's roots and the host name.
    case require
  }

  /// The server's host name or address; nil when ``socketDirectory`` is used.
  public let host: String?
  /// The server's port (also the number in the Unix socket's name).
  public let port: Int
  /// The folder holding the server's Unix socket, when connecting through one.
  public let socketDirectory: String?
  /// The role to connect as.
  public let user: String
  /// The role's password, if any.
  public let password: String?
  /// The database name.
  public let database: String
  /// The encryption asked for.
  public let tls: TLSMode

  /// Reads `url`.
  ///
  /// - Throws: ``StoreError/unsupported(_:)`` with a message that names the part that is wrong
  ///   (never the password).
  public init(url: String) throws(StoreError) {
    guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"),
      let components = URLComponents(string: url)
    else {
      throw .unsupported("not a PostgreSQL URL: expected postgres://USER@HOST/DATABASE")
    }
    var query: [String: String] = [:]
    for item in components.queryItems ?? [] {
      guard query[item.name] == nil, let value = item.value else {
        throw .unsupported("the PostgreSQL URL repeats or leaves empty its \(item.name) parameter")
      }
      query[item.name] = value
    }
    let known: Set = ["host", "sslmode", "user", "password", "port"]
    if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
      throw .unsupported("the PostgreSQL URL has an unknown parameter \(unknown)")
    }
    let socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
    let host = socketDirectory == nil ? (query["host"] ?? components.host) : nil
    if socketDirectory == nil, host?.isEmpty ?? true {
      throw .unsupported(
        "the PostgreSQL URL names no host: give one, or a socket folder as ?host=/path")
    }
    guard let user = query["user"] ?? components.user.flatMap({ $0.removingPercentEncoding }),
      !user.isEmpty
    else { throw .unsupported("the PostgreSQL URL names no user") }
    let database = String(components.path.drop(while: { $0 == "/" }))
    guard !database.isEmpty, !database.contains("/"),
      let decodedDatabase = database.removingPercentEncoding
    else { throw .unsupported("the PostgreSQL URL names no database (postgres://…/NAME)") }
    let port = query["port"].flatMap { Int($0) } ?? components.port ?? 5432
    guard (1...65535).contains(port) else {
      throw .unsupported("the PostgreSQL URL's port is out of range")
    }
    let tls: TLSMode
    switch query["sslmode"] {
    case nil: tls = socketDirectory == nil ? .prefer : .disable
    case "disable": tls = .disable
    case "prefer", "allow": tls = .prefer
    case "require", "verify-ca", "verify-full": tls = .require
    case .some(let other):
      throw .unsupported(
        "the PostgreSQL URL's sslmode \(other.prefix(20)) is not one amexist knows")
    }
    self.host = host
    self.port = port
    self.socketDirectory = socketDirectory
    self.user = user
    self.password = query["password"] ?? components.password.flatMap { $0.removingPercentEncoding }
    self.database = decodedDatabase
    self.tls = tls
  }

  /// The location as a URL without its password.
  public var description: String {
    if let socketDirectory {
      return "postgres://\(user)@/\(database)?host=\(socketDirectory)"
    }
    return "postgres://\(user)@\(host ?? ""):\(port)/\(database)"
  }

  /// The client configuration for this location.
  func clientConfiguration() -> PostgresClient.Configuration {
    if let socketDirectory {
      return PostgresClient.Configuration(
        unixSocketPath: (socketDirectory as NSString).appendingPathComponent(".s.PGSQL.\(port)"),
        username: user, password: password, database: database)
    }
    let mode: PostgresClient.Configuration.TLS
    switch tls {
    case .disable: mode = .disable
    case .prefer: mode = .prefer(.makeClientConfiguration())
    case .require: mode = .require(.makeClientConfiguration())
    }
    return PostgresClient.Configuration(
      host: host ?? "localhost", port: port, username: user, password: password,
      database: database, tls: mode)
  }
}
