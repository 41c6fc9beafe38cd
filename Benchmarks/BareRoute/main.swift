// The framework's floor for the lookup benchmark (Benchmarks/http.sh): one Hummingbird 2 route
// returning bytes read once at start, with no middleware, on the same executor `amexist serve`
// uses (Swift tasks on the NIO event loops). With a headers file (the response head `curl -D`
// saved from `amexist serve`), it sends those header fields too, so that the cost of the
// registry's headers alone is measured.
// Usage: amexist-bare-route FILE PORT [HEADERS-FILE]
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard (3...4).contains(arguments.count),
  let data = FileManager.default.contents(atPath: arguments[1]),
  let port = Int(arguments[2])
else {
  FileHandle.standardError.write(Data("usage: amexist-bare-route FILE PORT [HEADERS-FILE]\n".utf8))
  exit(64)
}
let body = ByteBuffer(bytes: data)
var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
if arguments.count == 4 {
  guard let head = FileManager.default.contents(atPath: arguments[3]) else {
    FileHandle.standardError.write(Data("cannot read \(arguments[3])\n".utf8))
    exit(66)
  }
  // Every "Name: value" line but the status line and what the framework adds itself.
  headers = [:]
  for line in String(decoding: head, as: UTF8.self).split(whereSeparator: \.isNewline).dropFirst() {
    guard let colon = line.firstIndex(of: ":"),
      let name = HTTPField.Name(String(line[..<colon])), name != .date
    else { continue }
    headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
  }
}
let fields = headers
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
let router = Router()
router.get("/services/{siret}") { _, _ in
  Response(status: .ok, headers: fields, body: .init(byteBuffer: body))
}
let app = Application(
  router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
