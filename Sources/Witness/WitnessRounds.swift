import AmexistDomain
public import AsyncHTTPClient
public import Attestation
import Foundation
import NIOCore
public import RegistryService
import RegistryStore
import Synchronization
public import TransparencyLog

/// The registry's side of witnessing (DESIGN, "Witnesses"): rounds that send the newest
/// checkpoint to every serving witness in parallel, keep the cosignatures that verify, and
/// note what each witness answered. A witness that is down only shows as lag: it never blocks a
/// write.
public struct WitnessRounds: Sendable {
  /// The registry.
  public let service: RegistryService
  /// How long one witness may take to answer.
  public let timeout: Duration

  /// Rounds for `service`, giving each witness `timeout` to answer.
  public init(service: RegistryService, timeout: Duration = .seconds(10)) {
    self.service = service
    self.timeout = timeout
  }

  /// What one round did.
  public struct Report: Sendable {
    /// The size of the checkpoint sent; nil when the log has none or no witness serves.
    public let size: Int64?
    /// The witnesses that cosigned it.
    public let cosigned: [String]
    /// The others, with what they answered.
    public let failed: [(name: String, answer: String)]
  }

  /// Sends the newest checkpoint to every serving witness in parallel and keeps the
  /// cosignatures. A witness holding a larger tree than the database raises the rollback alarm
  /// (``WitnessingState/raise(_:)``): the registry then refuses signed reads and writes.
  /// Each witness has `timeout` (the rounds' own by default) to answer.
  @discardableResult
  public func run(client: HTTPClient, timeout: Duration? = nil) async -> Report {
    let service = self.service
    let roster: WitnessRoster
    let latest: (size: Int64, note: String)?
    do {
      roster = try await service.witnessRoster()
      latest = try await service.latestCheckpoint().map { ($0.size, $0.note) }
    } catch {
      return Report(size: nil, cosigned: [], failed: [("registry", "\(error)")])
    }
    guard let latest, !roster.serving.isEmpty else {
      return Report(size: nil, cosigned: [], failed: [])
    }
    let now = SystemClock().now()
    let limit = timeout ?? self.timeout
    let timeout = TimeAmount.nanoseconds(
      limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000)
    let outcomes = await withTaskGroup(of: (String, Bool, String).self) { group in
      for member in roster.serving {
        group.addTask {
          await Self.send(
            latest, to: member, service: service, client: client, timeout: timeout, now: now)
        }
      }
      var outcomes: [(String, Bool, String)] = []
      for await outcome in group { outcomes.append(outcome) }
      return outcomes
    }
    service.witnessing.roundRan(at: now, size: latest.size)
    return Report(
      size: latest.size, cosigned: outcomes.filter(\.1).map(\.0).sorted(),
      failed: outcomes.filter { !$0.1 }.map { ($0.0, $0.2) }.sorted { $0.name < $1.name })
  }

  private static func send(
    _ latest: (size: Int64, note: String), to member: WitnessRoster.Member,
    service: RegistryService, client: HTTPClient, timeout: TimeAmount, now: Instant
  ) async -> (String, Bool, String) {
    var seen = service.witnessing.witness(member.name)
    seen.lastContact = now
    defer { service.witnessing.record(seen) }
    guard let key = try? CosignatureVerifier(verifierKey: member.key) else {
      seen.lastAnswer = "its logged key is not a cosignature key"
      return (member.name, false, seen.lastAnswer)
    }
    let (answer, held) = await WitnessClient(url: member.url, timeout: timeout).submit(
      note: latest.note, size: latest.size, knownSize: seen.heldSize ?? 0, client: client
    ) { old in
      try await service.consistencyProof(from: old, to: latest.size).proof
    }
    if let held { seen.heldSize = held }
    switch answer {
    case .cosigned(let signatures):
      do {
        guard
          let timestamp = try await service.keepCosignatures(
            signatures, size: latest.size, by: key)
        else {
          seen.lastAnswer = "answered 200 without a valid cosignature by its key"
          return (member.name, false, seen.lastAnswer)
        }
        seen.cosignedSize = latest.size
        seen.cosignedAt = Instant(millisecondsSinceEpoch: Int64(timestamp) * 1000)
        seen.lastAnswer = "cosigned \(latest.size)"
        return (member.name, true, seen.lastAnswer)
      } catch {
        seen.lastAnswer = "cosigned, but the cosignature could not be kept: \(error)"
        return (member.name, false, seen.lastAnswer)
      }
    case .refused(let status, let size):
      seen.lastAnswer = "refused with \(status)" + (size.map { " (it holds \($0))" } ?? "")
      return (member.name, false, seen.lastAnswer)
    case .ahead(let size):
      // Checked against the database itself: a write may have landed since the round began
      // (a witness holding another tree of the very size sent is a fork of it, whatever
      // landed since).
      let count = (try? await service.uncheckedRead { try $0.count() }) ?? 0
      if size > count || size == latest.size {
        service.witnessing.raise(
          WitnessingState.Rollback(witness: member.name, size: size, databaseSize: count))
      }
      seen.lastAnswer =
        "holds another tree of this log (\(size) entries; the registry sent \(latest.size))"
      return (member.name, false, seen.lastAnswer)
    case .unreachable(let reason):
      seen.lastAnswer = "unreachable: \(reason.prefix(200))"
      return (member.name, false, seen.lastAnswer)
    }
  }

  /// Runs rounds until cancelled: every `interval` when the log has grown since the last
  /// round, and at least every `freshness` when it has not (fresh cosignature timestamps).
  public func serve(
    client: HTTPClient, interval: Duration = .seconds(5), freshness: Duration = .seconds(86_400)
  ) async {
    let freshnessMilliseconds = freshness.components.seconds * 1000
    while !Task.isCancelled {
      let size = (try? await service.latestCheckpoint()?.size) ?? nil
      let last = service.witnessing.lastRound
      let now = SystemClock().now()
      if let size,
        last == nil || size > last!.size
          || now.millisecondsSinceEpoch - last!.at.millisecondsSinceEpoch >= freshnessMilliseconds
      {
        await run(client: client)
      }
      // Sleeps the interval in short steps, so that a requested round starts at once.
      let wake = ContinuousClock.now + interval
      while ContinuousClock.now < wake, !Task.isCancelled {
        if service.witnessing.takeRoundRequest() {
          await run(client: client)
          break
        }
        try? await Task.sleep(for: .milliseconds(100))
      }
    }
  }

  /// Runs rounds until the checkpoint holding entry `index` carries the quorum of `policy`, or
  /// `deadline` passes. It returns as soon as the cosignatures kept meet the quorum, without
  /// waiting for the slowest witness (one that is down holds a round until its timeout).
  ///
  /// - Returns: the inclusion evidence in a witnessed checkpoint.
  /// - Throws: ``RegistryError/notWitnessed(attestation:reason:)`` when the deadline passed.
  public func waitForQuorum(
    index: Int64, attestation: String, policy: WitnessPolicy, client: HTTPClient,
    deadline: Duration
  ) async throws(RegistryError) -> InclusionEvidence {
    let start = ContinuousClock.now
    var round: Task<Void, Never>?
    defer { round?.cancel() }
    let roundEnded = RoundEnded()
    while true {
      do {
        return try await service.witnessedEvidence(
          index: index, attestation: attestation, policy: policy, realNow: SystemClock().now())
      } catch .notWitnessed(let id, let reason) {
        guard ContinuousClock.now - start < deadline else {
          throw .notWitnessed(attestation: id, reason: reason)
        }
      }
      if roundEnded.value.withLock({ $0 }) {
        roundEnded.value.withLock { $0 = false }
        let left = deadline - (ContinuousClock.now - start)
        let timeout = max(.milliseconds(500), min(left, self.timeout))
        round = Task {
          await run(client: client, timeout: timeout)
          roundEnded.value.withLock { $0 = true }
        }
      }
      try? await Task.sleep(for: .milliseconds(100))
    }
  }
}

extension WitnessRounds {
  /// Runs rounds until the newest checkpoint carries the quorum `policy` sets for its size
  /// with cosignatures made since this call began, or `deadline` passes, so that a status
  /// snapshot built next names a checkpoint its witnesses vouch for now.
  ///
  /// - Returns: whether such a quorum was kept (always true when the policy sets none).
  public func freshQuorum(policy: WitnessPolicy, client: HTTPClient, deadline: Duration) async
    -> Bool
  {
    guard !policy.quorums.isEmpty else { return true }
    let start = ContinuousClock.now
    // Cosignature timestamps have a one-second grain.
    let since = SystemClock().now().adding(milliseconds: -1_000)
    while true {
      let left = deadline - (ContinuousClock.now - start)
      await run(client: client, timeout: max(.milliseconds(500), min(left, timeout)))
      if let size = try? await service.latestCheckpoint()?.size,
        let checkpoint = try? await service.cosignedCheckpoint(
          size: size, policy: policy, realNow: SystemClock().now()),
        let note = try? SignedNote(parsing: Array(checkpoint.note.utf8)),
        case .success(let quorum) = Result(catching: { () throws(QuorumFailure) in
          try policy.quorumInstant(of: note, size: size, realNow: SystemClock().now())
        }),
        quorum.map({ $0.at >= since }) ?? true
      {
        return true
      }
      guard ContinuousClock.now - start < deadline else { return false }
      try? await Task.sleep(for: .milliseconds(200))
    }
  }
}

/// Whether the round a waiter started has ended (shared with that round's task).
private final class RoundEnded: Sendable {
  let value = Mutex(true)
}
