public import AmexistDomain
import Synchronization
public import TransparencyLog

/// Checkpoints one verifier has already verified, kept by their exact bytes, so that bundles
/// sharing a checkpoint (an authority's folder, `/verify` under load) each cost their own
/// signature only: the log's signature and the witnesses' cosignatures are checked once.
///
/// Only successes are kept, and only for the verifier that made them (one trust file: one log
/// key, one witness policy). A witness quorum that held at one real instant is reused only at
/// that instant or later: cosignatures are refused when dated in the future, never for
/// being old. Bounded: the oldest checkpoint is forgotten first.
public final class VerifiedCheckpoints: Sendable {
  /// What was verified of one checkpoint note.
  struct Entry: Sendable {
    let checkpoint: SignedCheckpoint
    /// The witnesses counted for it and the size their quorum was counted for, and the real
    /// instant at which they were; nil until its quorum was checked and held.
    var witnesses: (names: [String], size: Int64?, at: Instant)?
  }

  private struct State {
    var entries: [String: Entry] = [:]
    var order: [String] = []
  }

  /// The most checkpoints kept.
  public let capacity: Int
  private let state = Mutex(State())

  /// An empty cache keeping at most `capacity` checkpoints (at least one).
  public init(capacity: Int) { self.capacity = max(1, capacity) }

  /// The checkpoint of `note` verified with `log`'s key: from the cache when this exact note
  /// verified before, else verified now (and kept when it holds).
  public func checkpoint(_ note: String, log: NoteVerifier) throws(NoteError) -> SignedCheckpoint {
    if let known = state.withLock({ $0.entries[note]?.checkpoint }) { return known }
    let signed = try SignedCheckpoint(verifying: note, log: log)
    state.withLock { state in
      guard state.entries[note] == nil else { return }
      if state.order.count >= capacity {
        let oldest = state.order.removeFirst()
        state.entries[oldest] = nil
      }
      state.entries[note] = Entry(checkpoint: signed)
      state.order.append(note)
    }
    return signed
  }

  /// The witnesses that met the quorum for `note` when checked at a real instant not later
  /// than `realNow`; nil when no such check is kept.
  public func witnesses(of note: String, realNow: Instant) -> (names: [String], size: Int64?)? {
    state.withLock { state in
      guard let kept = state.entries[note]?.witnesses, kept.at <= realNow else { return nil }
      return (kept.names, kept.size)
    }
  }

  /// Keeps that `names` met the quorum for the (already kept) checkpoint `note` at `realNow`.
  public func remember(witnesses names: [String], size: Int64?, of note: String, realNow: Instant) {
    state.withLock { state in
      state.entries[note]?.witnesses = (names, size, realNow)
    }
  }

  /// How many checkpoints are kept now.
  public var count: Int { state.withLock { $0.entries.count } }
}
