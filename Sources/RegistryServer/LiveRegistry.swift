import AmexistDomain
import Attestation
import Foundation
import Hummingbird
import RegistryService
import RegistryStore
import Synchronization
import TransparencyLog

/// The registry as the routes read it: its log size known at most one refresh interval late,
/// and the replies (and reads) built from it kept while that size is unchanged.
struct LiveRegistry: Sendable {
  let registry: RegistryService
  let generation: LogGeneration
  let replies = GenerationCache<Reply>()
  /// What `POST /verify` read of the log about an attestation, by id and signing key.
  let statusSources = GenerationCache<AttestationStatusSource>(capacity: 4_096)

  init(_ registry: RegistryService, refreshInterval: Duration) {
    self.registry = registry
    self.generation = LogGeneration(refreshInterval: refreshInterval)
  }

  /// The log size the cached replies are valid for.
  func currentGeneration() async throws -> Int64 {
    try await generation.current { () async throws(RegistryError) -> Int64 in
      try await registry.eventCount()
    }
  }

  /// Names the last witnessing round, so that cached replies carrying cosignatures change
  /// with it.
  var witnessingRound: String {
    registry.witnessing.lastRound.map { "\($0.at.millisecondsSinceEpoch)" } ?? "none"
  }

  /// What `cache` keeps for `key` at the log size, while that size is recent enough to use
  /// without reading it: what most requests take, with no suspension point on the way (each
  /// costs a task switch).
  func fresh<Value>(_ cache: GenerationCache<Value>, _ key: String) -> Value? {
    guard let generation = generation.known() else { return nil }
    return cache.known(key, generation: generation)
  }

  /// Serves the reply `build` makes for `key`, from the cache while the log has not changed.
  func cached(
    _ request: Request, key: String, build: @Sendable () async throws -> Reply
  ) async throws -> Response {
    if let reply = fresh(replies, key) { return reply.response(to: request) }
    let generation = try await currentGeneration()
    return try await replies.value(key, generation: generation) {
      try await build().publicRead().prepared()
    }.response(to: request)
  }

  /// The bundle of a just-issued attestation with a checkpoint carrying the quorum `policy`
  /// sets, waiting up to `wait` for this server's witnessing rounds; the bundle as issued when
  /// the policy sets no quorum; nil when the quorum was not reached in time.
  func witnessedBundle(_ issued: IssuedAttestation, policy: WitnessPolicy, wait: Duration)
    async throws -> AttestationBundle?
  {
    guard !policy.quorums.isEmpty else { return issued.bundle }
    registry.witnessing.requestRound()
    let deadline = ContinuousClock.now + wait
    while true {
      let result: Result<InclusionEvidence, RegistryError>
      do {
        result = .success(
          try await registry.witnessedEvidence(
            index: issued.logged.index, attestation: issued.claims.id, policy: policy,
            realNow: SystemClock().now()))
      } catch {
        result = .failure(error)
      }
      switch result {
      case .success(let evidence):
        return AttestationBundle(
          jws: issued.bundle.jws, evidence: evidence, decision: issued.bundle.decision)
      case .failure(.notWitnessed):
        guard ContinuousClock.now < deadline else { return nil }
        try await Task.sleep(for: .milliseconds(200))
      case .failure(let error):
        throw error
      }
    }
  }
}

/// A controller whose replies are read from the registry and cached per log size.
protocol RegistryReader: Sendable {
  var live: LiveRegistry { get }
}

extension RegistryReader {
  var registry: RegistryService { live.registry }

  /// Names the last witnessing round (see ``LiveRegistry/witnessingRound``).
  var witnessingRound: String { live.witnessingRound }

  /// Serves the reply `build` makes for `key`, from the cache while the log has not changed.
  func cached(
    _ request: Request, key: String, build: @Sendable () async throws -> Reply
  ) async throws -> Response {
    try await live.cached(request, key: key, build: build)
  }
}

/// Every service's state, folded once per log size and Paris day (levels expire by day).
struct ServiceDirectory: Sendable {
  let live: LiveRegistry
  private let folded = DerivedValue<Key, ServiceStateList>()

  init(_ live: LiveRegistry) { self.live = live }

  private struct Key: Equatable, Sendable {
    let generation: Int64
    let day: CalendarDate
  }

  /// Every service's state now.
  func services() async throws -> ServiceStateList {
    let key = Key(generation: try await live.currentGeneration(), day: live.registry.today())
    return try await folded.value(for: key) { () async throws(RegistryError) in
      try await live.registry.currentServices()
    }
  }

  private let searchable = DerivedValue<Key, SearchList>()
  private let searchEntries = SearchEntries()

  /// Every service's state now with what the search compares, in the same order as
  /// ``services()``.
  func searchableServices() async throws -> SearchList {
    let key = Key(generation: try await live.currentGeneration(), day: live.registry.today())
    return try await searchable.value(for: key) {
      let states = try await services()
      return SearchList(states: states, entries: searchEntries.entries(states))
    }
  }
}

/// The services as the search reads them: their states, and beside each chunk of states what
/// the search compares of each (same positions).
struct SearchList: Sendable {
  let states: ServiceStateList
  /// One array per chunk of ``states``, each entry at its state's place in the chunk.
  let entries: [[SearchEntry]]

  /// The positions in ``states`` of the services whose entry satisfies `matches`, in order.
  func positions(where matches: (SearchEntry) -> Bool) -> [Int] {
    var found: [Int] = []
    for (chunk, chunkEntries) in entries.enumerated() {
      let start = chunk * ServiceStateList.chunkSize
      for (offset, entry) in chunkEntries.enumerated() where matches(entry) {
        found.append(start + offset)
      }
    }
    return found
  }
}

/// What the search compares of a service: the fields its filters read, and its name and city
/// folded once (case and accents) rather than at every request. Small and without the state, so
/// that a search passing over every service copies none.
struct SearchEntry: Sendable {
  let siret: SIRET
  let region: Region?
  let heldLevel: Level?
  let standing: Standing
  /// The name and city as given, and folded as UTF-8.
  let nameText: String
  let cityText: String?
  let name: [UInt8]
  let city: [UInt8]?

  /// The entry of `state`, with its name and city already folded as `name` and `city`.
  init(_ state: ServiceState, name: [UInt8], city: [UInt8]?) {
    siret = state.siret
    region = state.profile.region
    heldLevel = state.heldLevel
    standing = state.standing
    nameText = state.profile.name
    cityText = state.profile.city
    self.name = name
    self.city = city
  }
}

/// Case and accents removed, as the search compares text.
enum SearchText {
  /// `text` without case and accents, as UTF-8.
  static func fold(_ text: String) -> [UInt8] {
    Array(text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).utf8)
  }

  /// Whether `needle` occurs in `haystack`. Byte by byte: both are folded UTF-8, whose
  /// characters cannot match in the middle of one another, and Foundation's `contains` costs
  /// microseconds per call, paid for every service at every search.
  static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard let first = needle.first else { return true }
    guard haystack.count >= needle.count else { return false }
    return haystack.withUnsafeBufferPointer { hay in
      needle.withUnsafeBufferPointer { pin in
        var start = 0
        let last = hay.count - pin.count
        while start <= last {
          if hay[start] == first {
            var matched = 1
            while matched < pin.count, hay[start + matched] == pin[matched] { matched += 1 }
            if matched == pin.count { return true }
          }
          start += 1
        }
        return false
      }
    }
  }
}

/// The search entries of the last list of states, by chunk, so that after a write only the
/// chunks it changed are built again, and in them only new or renamed services' texts folded.
/// A chunk a write did not touch is the same object in the next list (see ``ServiceStateList``);
/// in a changed chunk services keep their place, so each is compared with the one at its place
/// before, without hashing any text.
final class SearchEntries: Sendable {
  private let kept = Mutex<[(chunk: ServiceStateChunk, entries: [SearchEntry])]>([])

  /// Rebuilt chunks past which the freed memory is given back to the system.
  static let manyChunks = 8

  /// The search entries of `states`, one array per chunk.
  func entries(_ states: ServiceStateList) -> [[SearchEntry]] {
    kept.withLock { kept in
      var rebuilt = 0
      let built = states.chunks.indices.map { index in
        let chunk = states.chunks[index]
        let before = index < kept.count ? kept[index] : nil
        if let before, before.chunk === chunk { return before }
        rebuilt += 1
        return (chunk: chunk, entries: Self.entries(chunk.states, before: before?.entries ?? []))
      }
      kept = built
      // Foundation's folding of many texts leaves far more freed memory than the entries keep.
      if rebuilt >= Self.manyChunks { HeapTrim.releaseFreeMemory() }
      return built.map(\.entries)
    }
  }

  /// The entries of `states`, reusing the folded texts of `before` (the same places' entries
  /// in the previous list) where the service and its texts are unchanged.
  private static func entries(_ states: [ServiceState], before: [SearchEntry]) -> [SearchEntry] {
    states.indices.map { index in
      let state = states[index]
      if index < before.count {
        let previous = before[index]
        // Equal strings that share their storage compare at once.
        if previous.siret == state.siret, previous.nameText == state.profile.name,
          previous.cityText == state.profile.city
        {
          return SearchEntry(state, name: previous.name, city: previous.city)
        }
      }
      return SearchEntry(
        state, name: SearchText.fold(state.profile.name),
        city: state.profile.city.map(SearchText.fold))
    }
  }
}

/// The trust file as the log has it now: issuer and body keys from the log, the log's verifier
/// key; signed under the newest root of the keys folder when one is published (re-signed at
/// each write and each day, so that it never nears its expiry while the server runs).
struct TrustSource: Sendable {
  let live: LiveRegistry
  /// The keys folder: the published root versions and the registry key that signs the
  /// registry list (nil: the trust file is rebuilt unsigned from the log).
  let keys: KeyFolder?
  let issuer: String
  /// The issuer's organisation name, kept in the trust file.
  let issuerName: String?
  private let built = DerivedValue<Key, TrustFile>()
  private let verifiers = DerivedValue<Key, AttestationVerifier>()
  private let rootVersions: PublishedRootWatch?

  init(_ live: LiveRegistry, keys: KeyFolder?, issuer: String, issuerName: String?) {
    self.live = live
    self.keys = keys
    self.rootVersions = keys.map(PublishedRootWatch.init)
    self.issuer = issuer
    self.issuerName = issuerName
  }

  /// What the trust file depends on: the log, the day (it is re-signed daily) and the newest
  /// root version.
  struct Key: Equatable, Sendable {
    let generation: Int64
    let day: CalendarDate
    let rootVersion: Int64
  }

  /// The trust file now.
  func current() async throws -> TrustFile {
    let key = try await currentKey()
    return try await built.value(for: key) { () async throws(RegistryError) in
      guard let keys else {
        return try await live.registry.trustFile(issuer: issuer, issuerName: issuerName)
      }
      return try await live.registry.publishedTrust(
        folder: keys, issuer: issuer, issuerName: issuerName)
    }
  }

  /// A verifier of the trust file now, kept with it: bundles sharing a checkpoint verify its
  /// signatures once while the trust file is unchanged.
  func verifier() async throws -> AttestationVerifier {
    // What most requests take: no suspension point on the way (each costs a task switch).
    if let generation = live.generation.known(),
      let known = verifiers.known(for: key(at: generation))
    {
      return known
    }
    let key = try await currentKey()
    return try await verifiers.value(for: key) {
      AttestationVerifier(trust: try await current())
    }
  }

  /// What the trust file served now depends on.
  func currentKey() async throws -> Key { key(at: try await live.currentGeneration()) }

  /// What the trust file depends on at the log size `generation`, today.
  private func key(at generation: Int64) -> Key {
    Key(
      generation: generation, day: live.registry.today(), rootVersion: rootVersions?.newest() ?? 0)
  }
}

/// The newest root version published in a keys folder, listed again only when the folder's
/// modification time changed (one `stat` per question rather than a listing).
final class PublishedRootWatch: Sendable {
  private struct Listing {
    let modified: timespec
    let newest: Int64
  }
  private let folder: KeyFolder
  private let rootsPath: String
  private let listing = Mutex<Listing?>(nil)

  init(_ folder: KeyFolder) {
    self.folder = folder
    self.rootsPath = folder.rootsPath
  }

  /// The newest version published now; 0 when none is.
  func newest() -> Int64 {
    var status = stat()
    guard stat(rootsPath, &status) == 0 else { return folder.publishedRootVersions().last ?? 0 }
    let modified = status.st_mtim
    if let known = listing.withLock({ $0 }), known.modified.tv_sec == modified.tv_sec,
      known.modified.tv_nsec == modified.tv_nsec
    {
      return known.newest
    }
    let newest = folder.publishedRootVersions().last ?? 0
    // A folder changed within the last two seconds may change again within its timestamp's
    // granularity: such a listing is not kept.
    if time(nil) - modified.tv_sec >= 2 {
      listing.withLock { $0 = Listing(modified: modified, newest: newest) }
    }
    return newest
  }
}

/// The log size, re-read from the registry at most once per interval.
///
/// One request re-reads it while the others keep using the size known so far, so that an
/// expired size does not send every request in flight to the database at once.
final class LogGeneration: Sendable {
  private struct State {
    var value: Int64?
    var checked: ContinuousClock.Instant?
    var refreshing = false
  }
  private let state = Mutex(State())
  private let refreshInterval: Duration

  init(refreshInterval: Duration) { self.refreshInterval = refreshInterval }

  /// The size last read, while it is recent enough to use without reading it again.
  func known() -> Int64? {
    let now = ContinuousClock.now
    return state.withLock { state in
      guard let checked = state.checked, now - checked < refreshInterval else { return nil }
      return state.value
    }
  }

  func current(_ read: () async throws -> Int64) async throws -> Int64 {
    let now = ContinuousClock.now
    let known = state.withLock { state -> Int64? in
      if let checked = state.checked, now - checked < refreshInterval { return state.value }
      if state.refreshing, let value = state.value { return value }
      state.refreshing = true
      return nil
    }
    if let known { return known }
    do {
      let value = try await read()
      state.withLock { state in
        state.value = value
        state.checked = now
        state.refreshing = false
      }
      return value
    } catch {
      state.withLock { $0.refreshing = false }
      throw error
    }
  }

  /// Forgets the size: the next question re-reads it (after a write through this server).
  func invalidate() { state.withLock { $0.checked = nil } }
}

/// A value computed from the registry and kept while what it depends on (`Key`) is unchanged.
final class DerivedValue<Key: Equatable & Sendable, Value: Sendable>: Sendable {
  private let cached = Mutex<(Key, Value)?>(nil)

  /// The kept value, when it was computed for `key`.
  func known(for key: Key) -> Value? {
    guard let (known, value) = cached.withLock({ $0 }), known == key else { return nil }
    return value
  }

  /// The value for `key`, computed by `compute` when the kept one is for another key.
  func value(for key: Key, _ compute: () async throws -> Value) async throws -> Value {
    if let value = known(for: key) { return value }
    let value = try await compute()
    cached.withLock { $0 = (key, value) }
    return value
  }
}
