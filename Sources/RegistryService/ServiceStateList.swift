public import AmexistDomain

/// Every registered service's state in registration order, held in fixed-size chunks that
/// successive lists share: a write that touches a few services copies only their chunks, not
/// every state, and what is derived per chunk (the search's entries) can be kept for the chunks
/// a write did not touch.
public struct ServiceStateList: RandomAccessCollection, Sendable {
  /// The states a chunk holds; every chunk but the last is full.
  public static let chunkSize = 1024

  /// The chunks in order; a chunk never changes, and a list that differs in a chunk holds a new
  /// one, so the same chunk object means the same states.
  public private(set) var chunks: [ServiceStateChunk]
  /// The number of states.
  public private(set) var count: Int

  /// The states of `states`, in their order.
  public init(_ states: some Sequence<ServiceState>) {
    chunks = []
    count = 0
    append(contentsOf: states)
  }

  /// An empty list.
  public init() { self.init([]) }

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }

  /// The state at `position` (0 ..< count).
  public subscript(position: Int) -> ServiceState {
    chunks[position / Self.chunkSize].states[position % Self.chunkSize]
  }

  /// This list with the states at some positions replaced (each position in 0 ..< count);
  /// only the chunks holding them are copied.
  public mutating func replace(_ replacements: [Int: ServiceState]) {
    let byChunk = Dictionary(grouping: replacements) { $0.key / Self.chunkSize }
    for (chunkIndex, changes) in byChunk {
      var states = chunks[chunkIndex].states
      for (position, state) in changes { states[position % Self.chunkSize] = state }
      chunks[chunkIndex] = ServiceStateChunk(states)
    }
  }

  /// This list with `states` added at its end, filling its last chunk first.
  public mutating func append(contentsOf states: some Sequence<ServiceState>) {
    var pending = Array(states)
    guard !pending.isEmpty else { return }
    count += pending.count
    if let last = chunks.last, last.states.count < Self.chunkSize {
      let room = Self.chunkSize - last.states.count
      chunks[chunks.count - 1] = ServiceStateChunk(last.states + pending.prefix(room))
      pending.removeFirst(Swift.min(room, pending.count))
    }
    var start = 0
    while start < pending.count {
      let end = Swift.min(start + Self.chunkSize, pending.count)
      chunks.append(ServiceStateChunk(Array(pending[start..<end])))
      start = end
    }
  }
}

/// Up to ``ServiceStateList/chunkSize`` consecutive states of a ``ServiceStateList``; never
/// changes once made.
public final class ServiceStateChunk: Sendable {
  /// The states, in registration order.
  public let states: [ServiceState]

  init(_ states: [ServiceState]) { self.states = states }
}
