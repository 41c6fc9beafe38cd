import Foundation
public import Hummingbird
import Logging
public import TransparencyLog

/// A witness as `amexist witness serve` runs it: C2SP `tlog-witness` over HTTP, cosigning with
/// Ed25519 `cosignature/v1`.
public enum WitnessServer {
  /// The largest request body accepted, in bytes (a checkpoint note, 63 proof lines).
  public static let maximumBody = SignedNote.maximumSize + 8_192

  /// The application answering `POST /add-checkpoint` for `store` with `cosigner`, on `host`
  /// and `port`; `onServerRunning` is told the bound port.
  public static func application(
    store: WitnessStore, cosigner: Cosigner, host: String = "127.0.0.1", port: Int,
    clock: @escaping @Sendable () -> Date = { Date() },
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    let router = Router()
    router.post("/add-checkpoint") { request, _ -> Response in
      let body: ByteBuffer
      do {
        body = try await request.body.collect(upTo: maximumBody)
      } catch {
        return text(
          "the request body is larger than \(maximumBody) bytes\n", status: .contentTooLarge)
      }
      return answer(Array(buffer: body), store: store, cosigner: cosigner, now: clock())
    }
    router.get("/healthz") { _, _ in text("ok\n", status: .ok) }
    return Application(
      router: router,
      configuration: .init(address: .hostname(host, port: port), serverName: nil),
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
      logger: Logger(label: "amexist.witness"))
  }

  /// The reply to one `add-checkpoint` body: the cosignature line (200), or the
  /// specification's refusal (404, 403, 400, 409 with the witness's size, 422).
  static func answer(_ body: [UInt8], store: WitnessStore, cosigner: Cosigner, now: Date)
    -> Response
  {
    do {
      let request = try AddCheckpointRequest(parsing: body)
      let checkpoint = try store.record(request, at: now)
      let seconds = UInt64(max(0, now.timeIntervalSince1970.rounded(.down)))
      guard let line = try? cosigner.cosign(checkpoint.text, at: seconds).line else {
        return text("the witness could not sign\n", status: .internalServerError)
      }
      return text(line + "\n", status: .ok)
    } catch {
      if case .conflict(let size) = error {
        var headers = HTTPFields()
        headers[.contentType] = "text/x.tlog.size"
        return Response(
          status: .conflict, headers: headers,
          body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
      }
      return text(error.description + "\n", status: .init(code: error.status))
    }
  }

  static func text(_ text: String, status: HTTPResponse.Status) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; charset=utf-8"
    return Response(
      status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
  }
}
