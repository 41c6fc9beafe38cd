public import AmexistDomain

/// Where the registry's events live: an append-only, gapless sequence of logged events.
///
/// Guarantees every engine MUST give (the conformance suite in `RegistryTesting` checks them):
/// - **Durability**: when ``append(_:)`` returns, the events survive a crash or power loss.
/// - **Atomicity**: a batch is appended whole or not at all.
/// - **Serialisation**: appends are totally ordered, across tasks and processes sharing the
///   store; the closure given to ``append(_:)`` sees every event appended before it and no other
///   append runs until it returns, so a rule checked there cannot be broken by a concurrent write.
/// - **Gapless indexes**: the n-th event ever appended has index n − 1.
/// - **Immutability**: no stored event is ever changed or removed, by this API or (where the
///   engine can enforce it) by direct access to the database.
/// - **Snapshots**: ``read(_:)`` sees a consistent snapshot: every event up to some index, never
///   a part of a batch.
/// - **Integrity**: bytes read back are the bytes appended; anything else is reported as
///   ``StoreError/corrupt(_:)``, never returned as an event.
public protocol RegistryStore: Sendable {
  /// Runs `body` on a consistent snapshot of the store.
  func read<Result: Sendable>(_ body: @escaping @Sendable (any RegistrySnapshot) throws -> Result)
    async throws
    -> Result

  /// Appends the events `body` returns, atomically, after everything appended before.
  ///
  /// `body` runs while the store is locked for writing, with a snapshot of everything appended
  /// so far; an error it throws is rethrown unchanged and nothing is written.
  ///
  /// - Returns: the events as logged, with their indexes.
  func append(_ body: @escaping @Sendable (any RegistrySnapshot) throws -> [RecordedEvent])
    async throws
    -> [LoggedEvent]
}

/// A consistent view of the store, valid only inside the closure that received it.
public protocol RegistrySnapshot {
  /// The number of events in the log, which is also the index the next event will get.
  func count() throws -> Int64

  /// Every event about `subject`, in log order.
  func events(about subject: EventSubject) throws -> [LoggedEvent]

  /// The event at `index`, or nil past the end of the log.
  func event(at index: Int64) throws -> LoggedEvent?

  /// The SIRETs of all registered services, in registration order.
  func registeredServices() throws -> [SIRET]

  /// The ids of all issuer keys ever added, in the order they were added.
  func addedKeyIDs() throws -> [String]

  /// Calls `body` with each event from index `start` on, in log order, without holding the
  /// whole log in memory.
  func forEachEvent(from start: Int64, _ body: (LoggedEvent) throws -> Void) throws
}

/// Why the store could not do what was asked.
///
/// Messages name the database and say what the operator can do; they never include event content.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The database is damaged (corrupt pages, not a database, events that do not decode).
  case corrupt(String)
  /// The database was written by a newer version of amexist.
  case tooNew(String)
  /// The database cannot be opened or written (permissions, missing folder, disk full).
  case unavailable(String)
  /// The store was busy for longer than the wait allowed.
  case busy(String)
  /// The location names an engine that is not available.
  case unsupported(String)

  public var description: String {
    switch self {
    case .corrupt(let message), .tooNew(let message), .unavailable(let message), .busy(let message),
      .unsupported(let message):
      return message
    }
  }
}
