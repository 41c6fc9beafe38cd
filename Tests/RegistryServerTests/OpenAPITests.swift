import AmexistDomain
import Attestation
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RegistryServer
import RegistryService
import RegistryTesting
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
  /// One JSON response to check: the documented path template it answers, and its status.
  struct Sample {
    let template: String
    let method: String
    let uri: String
    var headers: HTTPFields = [:]
    var body: [UInt8]? = nil
  }

  @Test("the served document is valid OpenAPI 3.1 and every JSON response matches it")
  func responsesMatchTheDocument() async throws {
    let harness = try await ServerHarness()
    defer { harness.folder.remove() }
    let (siret, issued) = harness.activeSample
    let uuid = String(issued.claims.id.dropFirst("urn:uuid:".count))
    try await harness.service.decide(
      .levelSuspended(
        try LevelSuspended(
          siret: harness.issued.keys.sorted().last!, decided: harness.service.today(), reason: "x"))
    )
    let bundle = CanonicalJSON.encode(issued.bundle.json)
    let samples: [Sample] = [
      Sample(template: "/services.json", method: "get", uri: "/services.json"),
      Sample(template: "/services.json", method: "get", uri: "/services.json?level=2&limit=1"),
      Sample(template: "/services/{siret}.json", method: "get", uri: "/services/\(siret).json"),
      Sample(
        template: "/services/{siret}.json", method: "get",
        uri: "/services/\(harness.issued.keys.sorted().last!).json"),
      Sample(
        template: "/services/{siret}.json", method: "get", uri: "/services/90677889000010.json"),
      Sample(
        template: "/services/{siret}.json", method: "get", uri: "/services/73282932000074.json"),
      Sample(template: "/services/{siret}.json", method: "get", uri: "/services/1.json"),
      Sample(template: "/attestations/{id}.json", method: "get", uri: "/attestations/\(uuid).json"),
      Sample(
        template: "/attestations/{id}.json", method: "get",
        uri: "/attestations/00000000-0000-4000-8000-000000000000.json"),
      Sample(
        template: "/attestations/{id}/bundle", method: "get", uri: "/attestations/\(uuid)/bundle"),
      Sample(
        template: "/verify", method: "post", uri: "/verify",
        headers: [.contentType: "application/json", .accept: "application/json"], body: bundle),
      Sample(
        template: "/verify", method: "post", uri: "/verify",
        headers: [.contentType: "text/plain", .accept: "application/json"],
        body: Array("x.y.z".utf8)),
      Sample(
        template: "/verify", method: "post", uri: "/verify",
        headers: [.contentType: "application/xml", .accept: "application/json"], body: [1]),
      Sample(
        template: "/.well-known/amexist-trust.json", method: "get",
        uri: "/.well-known/amexist-trust.json"),
      Sample(
        template: "/.well-known/amexist-trust/{file}", method: "get",
        uri: "/.well-known/amexist-trust/1.json"),
      Sample(
        template: "/.well-known/amexist-trust/{file}", method: "get",
        uri: "/.well-known/amexist-trust/2.json", headers: [.accept: "application/json"]),
      Sample(template: "/.well-known/jwks.json", method: "get", uri: "/.well-known/jwks.json"),
      Sample(template: "/log/entries", method: "get", uri: "/log/entries?start=3&limit=5"),
      Sample(template: "/log/entries", method: "get", uri: "/log/entries?start=x"),
      Sample(template: "/log/proof/inclusion", method: "get", uri: "/log/proof/inclusion?index=2"),
      Sample(
        template: "/log/proof/consistency", method: "get", uri: "/log/proof/consistency?from=2&to=3"
      ),
      Sample(template: "/log.json", method: "get", uri: "/log.json"),
      Sample(template: "/healthz", method: "get", uri: "/healthz"),
    ]
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try await harness.test { client in
      var manifest: [JSONValue] = []
      let spec = try await client.get("/openapi.yaml")
      #expect(spec.headers[.contentType] == "application/yaml; charset=utf-8")
      try Data(Array(buffer: spec.body)).write(
        to: URL(fileURLWithPath: folder.file("openapi.yaml")))
      for (number, sample) in samples.enumerated() {
        let response = try await client.executeRequest(
          uri: sample.uri, method: sample.method == "post" ? .post : .get, headers: sample.headers,
          body: sample.body.map { ByteBuffer(bytes: $0) })
        let file = folder.file("\(number).json")
        try Data(Array(buffer: response.body)).write(to: URL(fileURLWithPath: file))
        manifest.append(
          .object([
            "path": .string(sample.template), "method": .string(sample.method),
            "status": .integer(Int64(response.status.code)), "file": .string(file),
          ]))
      }
      try Data(CanonicalJSON.encode(.array(manifest))).write(
        to: URL(fileURLWithPath: folder.file("manifest.json")))
    }
    let check = try await Python.run([
      "\(Vectors.packageRoot)/Tests/Interop/openapi_check.py", folder.file("openapi.yaml"),
      folder.file("manifest.json"),
    ])
    #expect(check.status == 0, "\(check.output)")
    #expect(check.output.contains("checked \(samples.count) responses"))
  }
}

/// Runs a Python script of the interoperability tools.
enum Python {
  static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let output = try await ExternalTool.run("python3", ["-W", "ignore"] + arguments)
    return (output.status, output.text + output.stderr)
  }
}
