import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import TransparencyLog

/// What a witness answered to a checkpoint.
public enum WitnessAnswer: Hashable, Sendable {
  /// It cosigned: its signature lines (unverified: the caller keeps only those of the key it
  /// lists).
  case cosigned([NoteSignature])
  /// It refused with this status (404, 403, 400, 422, or 409 again after learning its size);
  /// `size` is the size it reported with a 409.
  case refused(status: Int, size: Int64?)
  /// It reported a tree larger than the checkpoint, or another tree of the same size: it saw a
  /// tree of this log that the registry does not have (a rollback of the registry, or a fork
  /// shown to it).
  case ahead(size: Int64)
  /// It could not be reached or answered nonsense.
  case unreachable(String)
}

/// The registry's side of C2SP `tlog-witness`: sends a checkpoint with a consistency proof from
/// the size the witness holds, learning that size from a 409 and trying once more.
public struct WitnessClient: Sendable {
  /// The witness's submission prefix (`…/add-checkpoint` is appended).
  public let url: String
  /// How long one request may take.
  public let timeout: TimeAmount

  /// A client of the witness at `url`.
  public init(url: String, timeout: TimeAmount = .seconds(10)) {
    self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    self.timeout = timeout
  }

  /// Sends `checkpoint` (a signed note of the tree of `size` leaves) with the proof from
  /// `knownSize` (the size the witness held last time; 0 when unknown), made by `proof`.
  ///
  /// - Returns: the answer and the size the witness holds afterwards, when known.
  public func submit(
    note: String, size: Int64, knownSize: Int64, client: HTTPClient,
    proof: @Sendable (Int64) async throws -> [MerkleHash]
  ) async -> (answer: WitnessAnswer, witnessSize: Int64?) {
    var old = min(knownSize, size)
    for attempt in 0..<2 {
      let hashes: [MerkleHash]
      do {
        hashes = old == 0 || old == size ? [] : try await proof(old)
      } catch {
        return (.unreachable("no consistency proof from \(old): \(error)"), nil)
      }
      let body = "old \(old)\n" + hashes.map { $0.base64 + "\n" }.joined() + "\n" + note
      var request = HTTPClientRequest(url: url + "/add-checkpoint")
      request.method = .POST
      request.body = .bytes(ByteBuffer(string: body))
      let status: Int
      let text: String
      do {
        let response = try await client.execute(request, timeout: timeout)
        status = Int(response.status.code)
        text = String(buffer: try await response.body.collect(upTo: 65_536))
      } catch {
        return (.unreachable("\(error)"), nil)
      }
      switch status {
      case 200:
        var lines: [NoteSignature] = []
        for line in text.split(separator: "\n") {
          // Parsed as a note's signature lines; anything else is a broken answer.
          guard let signature = try? NoteSignature(line: String(line)) else {
            return (.unreachable("the witness answered 200 with no signature line"), nil)
          }
          lines.append(signature)
        }
        return (.cosigned(lines), size)
      case 409:
        guard let held = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), held >= 0
        else { return (.unreachable("a 409 without the witness's size"), nil) }
        if held > size { return (.ahead(size: held), held) }
        if attempt == 0 && held != old {
          old = held
          continue
        }
        // Sent from its own size, the same as the checkpoint's: it cosigned another root there.
        if held == size && old == size { return (.ahead(size: held), held) }
        return (.refused(status: 409, size: held), held)
      default:
        return (.refused(status: status, size: nil), nil)
      }
    }
    return (.refused(status: 409, size: old), old)
  }
}
