/// The certifying body's own signature on a decision: the body and the compact JWS it signed
/// (`typ` `amexist-decision+jwt`). The registry checks the token and that the event says what
/// the token says before logging it; the log keeps the token so that anyone can check it again.
public struct BodySignature: Hashable, Sendable {
  /// The body that decided.
  public let body: String
  /// The compact JWS the body signed.
  public let token: String

  /// The largest token kept, in bytes.
  public static let maximumSize = 8192

  /// A body's signed decision; the forms of the id and the token are checked (the signature is
  /// the attestation layer's job).
  public init(body: String, token: String) throws(DomainError) {
    self.body = try Identifiers.bodyID(body)
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".utf8)
    guard (1...Self.maximumSize).contains(token.utf8.count),
      token.utf8.allSatisfy(allowed.contains),
      token.utf8.filter({ $0 == UInt8(ascii: ".") }).count == 2
    else {
      throw .invalidIdentifier(
        field: "signed decision", input: String(token.prefix(40)),
        reason: "expected a compact JWS of at most \(Self.maximumSize) bytes")
    }
    self.token = token
  }
}

extension EventMembers {
  /// Writes a body's signature (`body` and `signedDecision`) unless it is nil.
  public mutating func put(signature: BodySignature?) {
    guard let signature else { return }
    put("body", signature.body)
    put("signedDecision", signature.token)
  }

  /// A body's signature, nil when the decision is the federation's own.
  public mutating func signature() throws(DomainError) -> BodySignature? {
    guard let body = try optionalString("body") else {
      if members["signedDecision"] != nil {
        throw .malformedEvent(reason: "member \"signedDecision\" without \"body\"")
      }
      return nil
    }
    return try BodySignature(body: body, token: try string("signedDecision"))
  }
}
