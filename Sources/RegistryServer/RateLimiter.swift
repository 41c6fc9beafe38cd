import Synchronization

/// Token buckets per client, bounded in memory.
final class RateLimiter: Sendable {
  private struct Bucket {
    var tokens: Double
    var updated: ContinuousClock.Instant
  }

  private let limit: RateLimit
  private let capacity: Int
  private let buckets = Mutex<[String: Bucket]>([:])

  /// Tokens added per second.
  var perSecond: Double { limit.perSecond }

  init(_ limit: RateLimit, capacity: Int) {
    self.limit = limit
    self.capacity = max(capacity, 1)
  }

  /// Takes one token for `client`; when none is left, the whole seconds until one is.
  func take(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
    buckets.withLock { buckets in
      var bucket = refilled(buckets[client], now: now)
      guard bucket.tokens >= 1 else {
        buckets[client] = bucket
        let wait = (1 - bucket.tokens) / max(limit.perSecond, 1e-9)
        return max(1, Int(wait.rounded(.up)))
      }
      bucket.tokens -= 1
      if buckets[client] == nil, buckets.count >= capacity { evict(&buckets, now: now) }
      buckets[client] = bucket
      return nil
    }
  }

  /// Would `client` be refused now? (Does not take a token.)
  func isExhausted(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
    buckets.withLock { buckets in
      guard let bucket = buckets[client] else { return false }
      return refilled(bucket, now: now).tokens < 1
    }
  }

  /// `bucket` (a full one for a new client) with the tokens earned since it was last used.
  private func refilled(_ bucket: Bucket?, now: ContinuousClock.Instant) -> Bucket {
    guard let bucket else { return Bucket(tokens: limit.burst, updated: now) }
    let elapsed = now - bucket.updated
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Bucket(
      tokens: min(limit.burst, bucket.tokens + seconds * limit.perSecond), updated: now)
  }

  /// Forgets every client whose bucket has refilled (it would start full anyway), and when
  /// the table is still full, half of it: a flood of new clients cannot grow memory.
  private func evict(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
    let refill = Duration.seconds(limit.burst / max(limit.perSecond, 1e-9))
    buckets = buckets.filter { now - $0.value.updated < refill }
    if buckets.count >= capacity {
      buckets = Dictionary(
        uniqueKeysWithValues: buckets.prefix(buckets.count / 2).map { ($0.key, $0.value) })
    }
  }
}
