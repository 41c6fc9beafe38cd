import AmexistDomain

extension RegistryService {
  /// The newest decisions about services' levels, newest first: at most `limit`, found among
  /// the last `window` entries of the verified log (a feed reader follows recent changes; the
  /// whole history stays in the log and on each service's page).
  public func recentDecisions(limit: Int = 50, window: Int64 = 20_000) async throws(RegistryError)
    -> [LoggedEvent]
  {
    try await verifiedRead { snapshot in
      let size = try snapshot.count()
      let floor = max(0, size - window)
      var found: [LoggedEvent] = []
      var end = size
      // Backwards by chunks, so that a busy log is not read further than the feed needs.
      while end > floor, found.count < limit {
        let start = max(floor, end - 512)
        var chunk: [LoggedEvent] = []
        try snapshot.forEachEntry(from: start, below: end) { index, bytes in
          let event = try LoggedEvent(index: index, canonicalBytes: bytes)
          let recorded = event.recorded.event
          if recorded.decisionDate != nil, case .service = recorded.subject { chunk.append(event) }
        }
        found += chunk.reversed().prefix(limit - found.count)
        end = start
      }
      return found
    }
  }
}
