/// Why a key, trust file, token or bundle was refused.
///
/// Messages never include key material or whole tokens: at most a key id or a member name.
public enum AttestationError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A key (JWK, PEM) that cannot be used.
  case invalidKey(String)
  /// A trust file that cannot be loaded.
  case invalidTrustFile(String)
  /// A private key file with unsafe permissions or that does not match the trust file.
  case unsafeKey(String)
  /// Signing failed.
  case signingFailed(String)

  public var description: String {
    switch self {
    case .invalidKey(let reason): return "invalid key: \(reason)"
    case .invalidTrustFile(let reason): return "invalid trust file: \(reason)"
    case .unsafeKey(let reason): return reason
    case .signingFailed(let reason): return "signing failed: \(reason)"
    }
  }
}
