public import AmexistDomain
public import Attestation
import RegistryStore
import Synchronization
import TransparencyLog

/// What recording a body's signed decision did.
public struct RecordedDecision: Sendable {
  /// The decision's entry in the log (the earlier one when it was already recorded).
  public let entry: LoggedEvent
  /// Whether the same token was recorded before, so nothing was written this time.
  public let alreadyRecorded: Bool
  /// The decision as the body signed it.
  public let claims: DecisionClaims
}

extension RegistryService {
  /// The longest a body may take to sign a decision after its decision date.
  public static let decisionSigningDelay = 30

  /// Records the decision a certifying body signed (`token`, a compact JWS of `typ`
  /// `amexist-decision+jwt`) as the event it stands for, keeping the token in the log.
  ///
  /// The token is recorded only when its signature verifies with a key of the body that the log
  /// holds and that is valid on the decision date and now; the body is registered and
  /// accredited on both days; `aud` is this registry's log origin and `scheme` its scheme;
  /// `iat` falls between the decision date and 30 days after it, and not in the future; its
  /// `jti` and payload are new; and the event it stands for passes every append rule. The same
  /// token again writes nothing and answers with the earlier entry.
  ///
  /// - Throws: ``RegistryError/untrusted(_:)`` for a key or body the registry does not trust
  ///   for the decision, ``RegistryError/refused(_:)`` or ``RegistryError/invalidDecision(_:)``
  ///   for everything else.
  public func recordSignedDecision(_ token: String, dryRun: Bool = false)
    async throws(RegistryError) -> RecordedDecision
  {
    guard let origin = logVerifier?.name else {
      throw .keys("the log key is not loaded, so no decision can be recorded")
    }
    let clock = self.clock
    let outcome = Mutex<RecordedDecision?>(nil)
    let check: @Sendable (VerifiedSnapshot) throws -> [RecordedEvent] = { snapshot in
      let (event, decision) = try Self.decisionEvent(
        token, snapshot: snapshot, origin: origin,
        now: try Self.recordingInstant(snapshot, clock: clock))
      if let earlier = snapshot.signedDecision(
        jti: decision.claims.id, payloadSHA256: decision.payloadSHA256)
      {
        guard let logged = try snapshot.event(at: earlier), logged.event.signedBy?.token == token
        else {
          throw RegistryError.invalidDecision(
            "a decision with this jti or this payload was already recorded (entry \(earlier)); a body signs each decision once"
          )
        }
        outcome.withLock {
          $0 = RecordedDecision(entry: logged, alreadyRecorded: true, claims: decision.claims)
        }
        return []
      }
      let recorded = try Self.checkedBatch([(event, nil)], snapshot: snapshot, clock: clock)
      let index = try snapshot.count()
      outcome.withLock {
        $0 = RecordedDecision(
          entry: LoggedEvent(index: index, recorded: recorded[0]), alreadyRecorded: false,
          claims: decision.claims)
      }
      return recorded
    }
    if dryRun {
      _ = try await verifiedRead { snapshot in _ = try check(snapshot) }
    } else {
      let receipt = try await sealedAppend(check)
      if let written = receipt.events.first {
        outcome.withLock {
          $0 = $0.map {
            RecordedDecision(entry: written, alreadyRecorded: false, claims: $0.claims)
          }
        }
      }
    }
    guard let result = outcome.withLock({ $0 }) else {
      throw .storage(.unavailable("the decision was checked but no outcome was kept"))
    }
    return result
  }

  /// The event `token` stands for, after every check of the token against the log.
  static func decisionEvent(
    _ token: String, snapshot: VerifiedSnapshot, origin: String, now: Instant
  ) throws -> (Event, VerifiedDecision) {
    var signer: KeyRecord?
    let decision: VerifiedDecision
    do {
      decision = try VerifiedDecision(token: token) { kid in
        guard (try? Identifiers.keyID(kid)) != nil,
          let record = (try? snapshot.events(about: .key(kid))).flatMap(KeyRecord.fold),
          record.owner != nil, let key = try? JWK.publicKey(record.publicKey)
        else { return nil }
        signer = record
        return key
      }
    } catch {
      if case .signature(.unknownKey(let kid)) = error {
        throw RegistryError.untrusted(
          "signed decision: no certifying body's key \"\(kid.prefix(64))\" is in the log (`amexist body list`)"
        )
      }
      throw RegistryError.invalidDecision(error.description)
    }
    let claims = decision.claims
    guard let key = signer else { throw RegistryError.untrusted("signed decision: unknown key") }
    guard key.owner == claims.body else {
      throw RegistryError.untrusted(
        "signed decision: key \(key.kid) is the key of \(key.owner ?? "the issuer"), not of \(claims.body)"
      )
    }
    guard claims.audience == origin else {
      throw RegistryError.invalidDecision(
        "signed decision: it is for the registry \(Printable.quoted(claims.audience)), not this one (\(origin))"
      )
    }
    let scheme = try scheme(of: snapshot)
    guard claims.scheme == scheme else {
      throw RegistryError.invalidDecision(
        "signed decision: it is taken under the \(claims.scheme) scheme; this registry applies \(scheme)"
      )
    }
    guard let body = BodyRecord.fold(try snapshot.events(about: .body(claims.body))) else {
      throw RegistryError.untrusted(
        "signed decision: no certifying body \(claims.body) is registered")
    }
    let today = CalendarDate(parisDayOf: now)
    for (day, what) in [(claims.decided, "on its decision date"), (today, "today")] {
      let standing = body.accreditation.standing(on: day)
      guard standing == .accredited else {
        throw RegistryError.untrusted(
          "signed decision: \(body.name) is not accredited \(what) (\(day): \(standing))")
      }
    }
    // The key must have been valid on the decision date and still be now: a key revoked or
    // retired since signs nothing more.
    let dayStart = claims.decided.parisStart
    let dayEnd = claims.decided.adding(days: 1).parisStart
    guard key.validFrom < dayEnd, key.validUntil.map({ dayStart < $0 }) ?? true,
      key.revokedAt.map({ dayStart < $0 }) ?? true
    else {
      throw RegistryError.untrusted(
        "signed decision: key \(key.kid) was not valid on \(claims.decided) (added \(key.validFrom)\(key.revokedAt.map { ", revoked \($0)" } ?? ""))"
      )
    }
    guard key.maySign(at: now) else {
      throw RegistryError.untrusted(
        "signed decision: key \(key.kid) is \(key.revokedAt == nil ? "retired" : "revoked"): the body signs again with a valid key"
      )
    }
    let signedAt = Instant(millisecondsSinceEpoch: claims.issuedAt * 1000)
    guard signedAt >= dayStart else {
      throw RegistryError.invalidDecision(
        "signed decision: signed (iat \(signedAt)) before its decision date \(claims.decided)")
    }
    guard signedAt <= now.adding(milliseconds: 300_000) else {
      throw RegistryError.invalidDecision("signed decision: iat \(signedAt) is in the future")
    }
    guard signedAt < claims.decided.adding(days: decisionSigningDelay + 1).parisStart else {
      throw RegistryError.invalidDecision(
        "signed decision: signed \(signedAt), more than \(decisionSigningDelay) days after its decision date \(claims.decided)"
      )
    }
    return (try event(for: claims, token: token, bodyName: body.name), decision)
  }

  /// The event a verified decision stands for.
  static func event(for claims: DecisionClaims, token: String, bodyName: String) throws -> Event {
    do throws(DomainError) {
      let signature = try BodySignature(body: claims.body, token: token)
      switch claims.kind {
      case .grant:
        return .levelGranted(
          try LevelGranted(
            siret: claims.siret, level: claims.level!, decided: claims.decided,
            validFrom: claims.validFrom, validUntil: claims.validUntil!, evaluator: bodyName,
            reference: claims.reference, signedBy: signature))
      case .renew:
        return .levelRenewed(
          try LevelRenewed(
            siret: claims.siret, decided: claims.decided, validUntil: claims.validUntil!,
            evaluator: bodyName, reference: claims.reference, signedBy: signature))
      case .suspend:
        return .levelSuspended(
          try LevelSuspended(
            siret: claims.siret, decided: claims.decided, reason: claims.reason!,
            signedBy: signature))
      case .reinstate:
        return .levelReinstated(
          LevelReinstated(siret: claims.siret, decided: claims.decided, signedBy: signature))
      case .withdraw:
        return .levelWithdrawn(
          try LevelWithdrawn(
            siret: claims.siret, decided: claims.decided, reason: claims.reason!,
            signedBy: signature))
      case .transfer:
        return .levelTransferred(
          try LevelTransferred(
            siret: claims.siret, decided: claims.decided, level: claims.level!,
            validFrom: claims.validFrom, validUntil: claims.validUntil!, evaluator: bodyName,
            reference: claims.reference, fromBody: claims.fromBody!, signedBy: signature))
      case .reserves:
        return .reservesRecorded(
          try ReservesRecorded(
            siret: claims.siret, decided: claims.decided, reservations: claims.reservations!,
            deadline: claims.deadline!, signedBy: signature))
      case .lift:
        return .reservesLifted(
          ReservesLifted(siret: claims.siret, decided: claims.decided, signedBy: signature))
      case .refuse:
        return .levelRefused(
          try LevelRefused(
            siret: claims.siret, decided: claims.decided, reason: claims.reason!,
            signedBy: signature))
      }
    } catch {
      throw RegistryError.refused(error)
    }
  }
}
