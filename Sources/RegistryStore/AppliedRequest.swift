/// A client's write request that the store applies at most once, named by the client's
/// idempotency key.
///
/// While ``current`` is set, an append checks, inside its write transaction and before running
/// its body, whether a request with the same key was already applied (by this or any other
/// process sharing the store). If so, nothing is written and the append throws
/// ``RequestReplay``; otherwise the key is stored in the same transaction as the batch, so a
/// client that lost the answer (a crash after the commit) can retry and still get one entry.
public struct AppliedRequest: Hashable, Sendable {
  /// A digest naming the key (the client's key and its token, hashed: keys are not published).
  public let key: String
  /// A digest of the request itself: the same key for another request is refused.
  public let fingerprint: String

  /// A request named by `key` with the digest `fingerprint`.
  public init(key: String, fingerprint: String) {
    self.key = key
    self.fingerprint = fingerprint
  }

  /// The request the current task's appends belong to; nil for appends outside a keyed request.
  @TaskLocal public static var current: AppliedRequest?
}

/// What the store kept of an applied request.
public struct AppliedRequestRecord: Hashable, Sendable {
  /// The request's fingerprint.
  public let fingerprint: String
  /// The index of the first entry the request appended.
  public let firstIndex: Int64
  /// How many entries it appended.
  public let entries: Int64

  /// A record of a request that appended `entries` entries from `firstIndex`.
  public init(fingerprint: String, firstIndex: Int64, entries: Int64) {
    self.fingerprint = fingerprint
    self.firstIndex = firstIndex
    self.entries = entries
  }
}

/// Why an append keyed by an ``AppliedRequest`` wrote nothing.
public enum RequestReplay: Error, Hashable, Sendable, CustomStringConvertible {
  /// The same request was applied before: these are the entries it appended.
  case applied(first: Int64, entries: Int64)
  /// The key was used for another request.
  case keyReused

  public var description: String {
    switch self {
    case .applied(let first, let entries):
      return "this request was applied before (\(entries) entries from index \(first))"
    case .keyReused: return "this idempotency key was used for another request"
    }
  }
}
