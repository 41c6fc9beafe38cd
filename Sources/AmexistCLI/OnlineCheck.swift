import AmexistDomain
import AsyncHTTPClient
import Attestation
import Foundation
import NIOCore
import NIOHTTP1
import TransparencyLog

/// `verify --online`: the live status of a verified attestation, and the server's log checked
/// against the bundle's checkpoint, with keys taken only from the local trust file.
struct OnlineCheck {
  /// The server's base URL: https, or http to this machine only.
  let base: String
  let trust: TrustFile

  /// Largest response read from the server.
  static let maximumResponse = 256 * 1024

  init(url: String, trust: TrustFile) throws(CLIError) {
    var text = url
    while text.hasSuffix("/") { text.removeLast() }
    guard let components = URLComponents(string: text), let host = components.host,
      components.query == nil, components.fragment == nil, components.user == nil
    else {
      throw CLIError("--online needs a URL such as https://registre.example", exitCode: 2)
    }
    let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
    guard components.scheme == "https" || (components.scheme == "http" && loopback) else {
      throw CLIError("--online needs an https:// URL (http only to this machine)", exitCode: 2)
    }
    self.base = text
    self.trust = trust
  }

  /// The report once checked online: unchanged when everything holds, else failing with the
  /// first reason (status unknown when the server cannot be read, never valid by default).
  func check(_ report: VerificationReport) async -> VerificationReport {
    guard report.isValid, let attestation = report.attestation, let inclusion = report.inclusion
    else { return report }
    let client = makeHTTPClient(timeouts: true)
    defer { _ = client.shutdown() }
    do {
      try await checkLog(inclusion.checkpoint.checkpoint, client: client)
      let status = try await liveStatus(attestation, index: inclusion.index, client: client)
      return status.isValid ? report : report.failing(.notInForce(status))
    } catch let failure as OnlineFailure {
      return report.failing(failure.reason)
    } catch {
      return report.failing(.statusUnknown("the server could not be read: \(error)"))
    }
  }

  /// The server's newest witnessed checkpoint with the consistency proof from a bundle's tree
  /// of `size` entries; nil when the server cannot give one (the verdict then stays the
  /// offline one).
  func laterCheckpoint(from size: Int64) async -> LaterCheckpoint? {
    let client = makeHTTPClient(timeouts: true)
    defer { _ = client.shutdown() }
    do {
      let note = String(decoding: try await get("/log/checkpoint", client: client), as: UTF8.self)
      let latest = try SignedCheckpoint(verifying: note, log: trust.log).checkpoint
      guard latest.size > size else { return nil }
      let body = try await get(
        "/log/proof/consistency?from=\(size)&to=\(latest.size)", client: client)
      let proof = try LaterCheckpoint(json: body)
      return LaterCheckpoint(note: note, proof: proof.proof)
    } catch {
      return nil
    }
  }

  /// Why the status snapshot whose SHA-256 is `sha256` cannot be trusted online: the registry
  /// does not say it logged it (exit 6), or could not be asked (exit 5); nil when it is logged.
  func snapshotLogged(_ sha256: String) async -> VerificationFailure? {
    let client = makeHTTPClient(timeouts: true)
    defer { _ = client.shutdown() }
    do {
      var request = HTTPClientRequest(url: base + "/status/published/\(sha256)")
      request.headers.add(name: "Accept", value: "application/json")
      let response = try await client.execute(request, timeout: .seconds(15))
      _ = try? await response.body.collect(upTo: Self.maximumResponse)
      switch response.status {
      case .ok: return nil
      case .notFound:
        return .logProof(
          "the registry's log holds no statusPublished entry for this snapshot: it is not one the registry published"
        )
      default:
        return .statusUnknown("the server answered \(response.status.code) for the snapshot's hash")
      }
    } catch {
      return .statusUnknown("the server could not be read: \(error)")
    }
  }

  struct OnlineFailure: Error {
    let reason: VerificationFailure
  }

  /// The server's latest checkpoint is signed by the trusted log and extends the bundle's.
  private func checkLog(_ held: Checkpoint, client: HTTPClient) async throws {
    let note = String(decoding: try await get("/log/checkpoint", client: client), as: UTF8.self)
    let latest: Checkpoint
    do {
      latest = try SignedCheckpoint(verifying: note, log: trust.log).checkpoint
    } catch {
      throw OnlineFailure(reason: .logProof("the server's checkpoint does not verify: \(error)"))
    }
    guard latest.size >= held.size else {
      throw OnlineFailure(
        reason: .logProof(
          "the server's log (\(latest.size) entries) is older than the bundle's checkpoint (\(held.size)): rolled back"
        ))
    }
    if latest.size == held.size {
      guard latest.root == held.root else {
        throw OnlineFailure(
          reason: .logProof("the server's log forked from the bundle's checkpoint"))
      }
      return
    }
    let body = try await get(
      "/log/proof/consistency?from=\(held.size)&to=\(latest.size)", client: client)
    let items: [JSONValue]
    if case .array(let array)? = try? StrictJSONParser().parse(body)["hashes"] {
      items = array
    } else {
      items = []
    }
    let hashes = items.compactMap { item -> MerkleHash? in
      guard case .string(let text) = item else { return nil }
      return MerkleHash(base64: text)
    }
    guard !items.isEmpty, hashes.count == items.count else {
      throw OnlineFailure(reason: .logProof("the server sent no well-formed consistency proof"))
    }
    do {
      try ProofVerifier.verifyConsistency(
        size1: held.size, size2: latest.size, root1: held.root, root2: latest.root, proof: hashes)
    } catch {
      throw OnlineFailure(
        reason: .logProof("the server's log is not consistent with the bundle's checkpoint"))
    }
  }

  /// The registry's status for the attestation, only if the server names the same document.
  private func liveStatus(_ attestation: VerifiedAttestation, index: Int64, client: HTTPClient)
    async throws -> AttestationStatus
  {
    let uuid = attestation.claims.uuid
    guard UUID(uuidString: uuid) != nil else {
      throw OnlineFailure(reason: .statusUnknown("the attestation id is not a UUID"))
    }
    let body = try await get("/attestations/\(uuid.lowercased()).json", client: client)
    guard let json = try? StrictJSONParser().parse(body),
      json["id"] == .string(attestation.claims.id),
      json["payloadSHA256"] == .string(attestation.payloadSHA256),
      json["logIndex"] == .integer(index),
      case .string(let text)? = json["status"], let status = AttestationStatus(rawValue: text)
    else {
      throw OnlineFailure(
        reason: .statusUnknown("the server's answer does not name this attestation"))
    }
    return status
  }

  private func get(_ path: String, client: HTTPClient) async throws -> [UInt8] {
    var request = HTTPClientRequest(url: base + path)
    request.headers.add(name: "Accept", value: "application/json")
    let response = try await client.execute(request, timeout: .seconds(15))
    guard response.status == .ok else {
      throw OnlineFailure(
        reason: .statusUnknown("the server answered \(response.status.code) for \(path)"))
    }
    let body = try await response.body.collect(upTo: Self.maximumResponse)
    return Array(buffer: body)
  }
}

/// An HTTP client that never follows a redirect (a registry or witness answers where it was
/// asked, or not at all); with `timeouts`, 5 s to connect and 10 s to read.
func makeHTTPClient(timeouts: Bool = false) -> HTTPClient {
  var configuration = HTTPClient.Configuration()
  configuration.redirectConfiguration = .disallow
  if timeouts { configuration.timeout = .init(connect: .seconds(5), read: .seconds(10)) }
  return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}
