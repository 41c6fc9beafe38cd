public import Hummingbird
public import NIOCore

/// The per-request context: Hummingbird's core storage and the peer's address.
public struct RegistryRequestContext: RequestContext, RemoteAddressRequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The address of the connection's peer (the client, or a proxy in front of the server).
  public let remoteAddress: SocketAddress?
  /// The connection's event loop, whose timers bound how long a body may take.
  public let eventLoop: any EventLoop
  /// Body size limit when a route does not set its own.
  public var maxUploadSize: Int { 64 * 1024 }

  /// A context for a request arriving on `source`'s channel.
  public init(source: ApplicationRequestContextSource) {
    self.coreContext = .init(source: source)
    self.remoteAddress = source.channel.remoteAddress
    self.eventLoop = source.channel.eventLoop
  }
}
