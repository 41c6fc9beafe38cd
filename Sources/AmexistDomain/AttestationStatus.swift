/// The live status of an issued attestation, read from the registry's current state.
public enum AttestationStatus: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
  /// The attested decision is in force and the attestation has not expired.
  case valid
  /// The service's level is suspended.
  case suspended
  /// The service's level was withdrawn.
  case withdrawn
  /// The attested level has ended.
  case expired
  /// A later decision (a new grant or a renewal) replaced the one it attests.
  case superseded
  /// Its signing key was revoked before the attestation was logged.
  case revoked

  public var description: String { rawValue }

  /// Whether a relying party may accept the attestation.
  public var isValid: Bool { self == .valid }

  /// The status in French, as shown to users.
  public var frenchName: String {
    switch self {
    case .valid: "valide"
    case .suspended: "suspendue"
    case .withdrawn: "retirée"
    case .expired: "expirée"
    case .superseded: "remplacée par une décision plus récente"
    case .revoked: "révoquée (clé de signature révoquée)"
    }
  }

  /// The status in English.
  public var englishName: String {
    switch self {
    case .valid: "valid"
    case .suspended: "suspended"
    case .withdrawn: "withdrawn"
    case .expired: "expired"
    case .superseded: "superseded by a later decision"
    case .revoked: "revoked (signing key revoked)"
    }
  }

  /// The status of `attestation` given the service's state now (`state`, folded at the moment
  /// of the question) and the history of the key that signed it, if known.
  ///
  /// The gravest reason wins: a revoked key, then a withdrawal, a suspension, a later decision,
  /// and expiry. The key's revocation applies by ``KeyRevocation/revokes(revokedAt:revocationIndex:validFrom:logIndex:)``,
  /// the rule the offline verifier applies with the trust file; the attestation's `validFrom`
  /// is its entry's recording instant.
  ///
  /// Every place that reports an attestation's status (its page, the service page, JSON, the
  /// badge, `verify --online`) calls this function with the key that signed it.
  public static func of(
    _ attestation: AttestationRecord, in state: ServiceState, signingKey: KeyRecord?
  ) -> AttestationStatus {
    if let key = signingKey, let revokedAt = key.revokedAt,
      KeyRevocation.revokes(
        revokedAt: revokedAt, revocationIndex: key.revocationIndex,
        validFrom: attestation.recordedAt, logIndex: attestation.index)
    {
      return .revoked
    }
    switch state.standing {
    case .withdrawn: return .withdrawn
    case .suspended: return .suspended
    default: break
    }
    guard let decision = state.decision, decision.latestIndex == attestation.decisionIndex else {
      return .superseded
    }
    return state.standing == .active ? .valid : .expired
  }
}
