/// A key's history as the log records it: a pure fold of its key events.
public struct KeyRecord: Hashable, Sendable {
  public let kid: String
  /// The certifying body whose key it is; nil for an issuer key.
  public let owner: String?
  /// What the key signs.
  public let purpose: KeyPurpose
  /// `EdDSA` or `ES256`.
  public let algorithm: String
  /// The public JWK.
  public let publicKey: JSONValue
  public let validFrom: Instant
  /// Set when the key was retired (or added with an end).
  public let validUntil: Instant?
  public let revokedAt: Instant?
  public let revocationReason: String?
  /// Log index of the `keyAdded` event.
  public let addedIndex: Int64
  /// Log index of the `keyRevoked` event: what the key signed and the log holds before it
  /// stays valid.
  public let revocationIndex: Int64?

  /// Whether the key may sign at `instant`: inside its window and not revoked.
  public func maySign(at instant: Instant) -> Bool {
    instant >= validFrom && (validUntil.map { instant < $0 } ?? true)
      && (revokedAt.map { instant < $0 } ?? true)
  }

  /// Folds the events of one key (in log order).
  ///
  /// - Returns: nil when the events do not include the key's addition.
  public static func fold(_ events: [LoggedEvent]) -> KeyRecord? {
    var record: KeyRecord?
    for logged in events {
      switch logged.event {
      case .keyAdded(let added):
        // A second addition of the same key id is refused when appended; ignored here.
        guard record == nil else { continue }
        record = KeyRecord(
          kid: added.kid, owner: added.owner, purpose: added.purpose, algorithm: added.algorithm,
          publicKey: added.publicKey,
          validFrom: added.validFrom,
          validUntil: added.validUntil, revokedAt: nil, revocationReason: nil,
          addedIndex: logged.index, revocationIndex: nil
        )
      case .keyRetired(let retired):
        guard let current = record else { continue }
        let end = current.validUntil.map { min($0, retired.at) } ?? retired.at
        record = current.with(validUntil: end)
      case .keyRevoked(let revoked):
        guard let current = record, current.revokedAt == nil else { continue }
        record = current.with(
          revokedAt: revoked.at, reason: revoked.reason, revocationIndex: logged.index)
      case .serviceRegistered, .serviceUpdated, .levelGranted, .levelRenewed, .levelSuspended,
        .levelReinstated, .levelWithdrawn, .attestationIssued, .registryConfigured, .witnessAdded,
        .witnessRemoved, .quorumSet, .statusPublished,
        .bodyRegistered, .bodyAccreditationChanged, .levelTransferred, .reservesRecorded,
        .reservesLifted, .levelRefused, .serviceSucceeded:
        continue
      }
    }
    return record
  }

  private func with(
    validUntil: Instant? = nil, revokedAt: Instant? = nil, reason: String? = nil,
    revocationIndex: Int64? = nil
  ) -> KeyRecord {
    KeyRecord(
      kid: kid, owner: owner, purpose: purpose, algorithm: algorithm, publicKey: publicKey,
      validFrom: validFrom,
      validUntil: validUntil ?? self.validUntil, revokedAt: revokedAt ?? self.revokedAt,
      revocationReason: reason ?? revocationReason, addedIndex: addedIndex,
      revocationIndex: revocationIndex ?? self.revocationIndex
    )
  }
}

/// The one rule for what a key revocation takes back (DESIGN, "Keys/"; catalogue B1, B13).
public enum KeyRevocation {
  /// Whether an attestation logged at `logIndex` with `validFrom` is revoked by a revocation
  /// effective from `revokedAt` and logged at `revocationIndex`: it is when its `validFrom` is
  /// at or after `revokedAt` (the revocation may be set back to a suspected compromise), or
  /// when its entry is not proven to precede the revocation's entry in the log (log order is
  /// evidence the key's thief cannot choose). A nil `logIndex` means no proof of order.
  public static func revokes(
    revokedAt: Instant, revocationIndex: Int64?, validFrom: Instant, logIndex: Int64?
  ) -> Bool {
    if validFrom >= revokedAt { return true }
    guard let logIndex, let revocationIndex else { return true }
    return logIndex >= revocationIndex
  }
}
