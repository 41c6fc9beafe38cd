import AmexistDomain
public import AsyncHTTPClient
public import Attestation
import Foundation
import Logging
public import RegistryService
import RegistryStore
import TransparencyLog

/// Keeps the registry's status snapshot and lists fresh in a server (DESIGN, "Status"): one at
/// start, then after each write other than its own `statusPublished` (writes that come close
/// together share one renewal) and at least every ``maximumAge``. With witnesses, a round
/// first gets the newest checkpoint cosigned, so the snapshot's age counts from now.
public struct StatusRenewal: Sendable {
  public let service: RegistryService
  public let signer: (key: SigningKey, kid: String)
  public let issuer: String
  public let policy: WitnessPolicy
  /// How often the log's size is looked at.
  public let pollInterval: Duration
  /// Writes within this time of each other share one renewal.
  public let coalescing: Duration
  /// The longest a snapshot is served before a new one (half its 24 hours).
  public static let maximumAge: Duration = .seconds(12 * 3600)

  /// Renewals for `service`, signed by the status key `signer` for `issuer`.
  public init(
    service: RegistryService, signer: (key: SigningKey, kid: String), issuer: String,
    policy: WitnessPolicy, pollInterval: Duration = .milliseconds(250),
    coalescing: Duration = .milliseconds(250)
  ) {
    self.service = service
    self.signer = signer
    self.issuer = issuer
    self.policy = policy
    self.pollInterval = pollInterval
    self.coalescing = coalescing
  }

  /// Publishes one release now (after a witness round when a quorum is set) and serves it.
  @discardableResult
  public func renew(client: HTTPClient) async throws(RegistryError) -> StatusRelease {
    _ = await WitnessRounds(service: service).freshQuorum(
      policy: policy, client: client, deadline: .seconds(10))
    let release = try await service.publishStatus(
      signer: signer, issuer: issuer, policy: policy, realNow: SystemClock().now())
    service.currentStatus.publish(release)
    return release
  }

  /// Renews until the task is cancelled. A failed renewal is retried at the next poll; the
  /// previous release stays served meanwhile.
  public func serve(client: HTTPClient) async {
    let logger = Logger(label: "amexist.status")
    var publishedAt = ContinuousClock.now
    var sizeAfter: Int64 = -1
    while !Task.isCancelled {
      // Only whether the log grew is asked here (a count, nothing verified); the renewal
      // itself reads the log verified.
      let size = (try? await service.uncheckedRead { try $0.count() }) ?? sizeAfter
      if size != sizeAfter || ContinuousClock.now - publishedAt >= Self.maximumAge {
        if sizeAfter >= 0 { try? await Task.sleep(for: coalescing) }
        do {
          let release = try await renew(client: client)
          publishedAt = ContinuousClock.now
          // A write that came between the read and the publication needs its own renewal.
          sizeAfter = release.logged?.index == release.size ? release.size + 1 : -2
        } catch {
          // The previous release stays served; the next attempt waits a little.
          logger.warning("status snapshot not renewed: \(error.description)")
          try? await Task.sleep(for: .seconds(5))
        }
      }
      try? await Task.sleep(for: pollInterval)
    }
  }
}
