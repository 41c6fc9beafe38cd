// The framework's floor for the lookup benchmark (Benchmarks/http.sh): one Hummingbird 2 route
// returning bytes read once at start, with no middleware, on the same executor `amexist serve`
// uses (Swift tasks on the NIO event loops).
// Usage: amexist-bare-route FILE PORT
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard arguments.count == 3, let data = FileManager.default.contents(atPath: arguments[1]),
  let port = Int(arguments[2])
else {
  FileHandle.standardError.write(Data("usage: amexist-bare-route FILE PORT\n".utf8))
  exit(64)
}
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
let body = ByteBuffer(bytes: data)
let router = Router()
router.get("/services/{siret}") { _, _ in
  Response(
    status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
    body: .init(byteBuffer: body))
}
let app = Application(
  router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
