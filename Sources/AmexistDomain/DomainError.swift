/// Every way a value or an event can be refused by the domain.
///
/// Each case carries what the user needs to mend the input; ``description`` is one line meant for
/// people (the CLI prints it as is). Messages never contain secrets: the domain handles none.
public enum DomainError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A SIRET that is not 14 digits with a valid checksum.
  case invalidSIRET(input: String, problem: SIRETProblem)
  /// A calendar date that is not `YYYY-MM-DD` or does not exist.
  case invalidDate(input: String, reason: String)
  /// An instant that is not an RFC 3339 timestamp with a time zone.
  case invalidInstant(input: String, reason: String)
  /// A level outside 1, 2 and 3.
  case invalidLevel(input: String)
  /// A region that is not one of the INSEE codes of the French regions.
  case invalidRegion(input: String)
  /// A free-text field (name, reason, evaluator…) that is empty, too long or holds control characters.
  case invalidText(field: String, reason: String)
  /// A website that is not an absolute `https` URL.
  case invalidWebsite(input: String, reason: String)
  /// An attestation id, key id or hash in the wrong form.
  case invalidIdentifier(field: String, input: String, reason: String)
  /// An event that breaks a rule of the registry given what was recorded before it.
  case ruleViolated(RuleViolation)
  /// Stored or received event bytes that are not a well-formed event in canonical form.
  case malformedEvent(reason: String)

  public var description: String {
    switch self {
    case .invalidSIRET(let input, let problem):
      return "invalid SIRET \(Printable.quoted(input)): \(problem)"
    case .invalidDate(let input, let reason):
      return "invalid date \(Printable.quoted(input)): \(reason) (expected YYYY-MM-DD)"
    case .invalidInstant(let input, let reason):
      return
        "invalid timestamp \(Printable.quoted(input)): \(reason) (expected RFC 3339, e.g. 2027-01-31T12:00:00Z)"
    case .invalidLevel(let input):
      return "invalid level \(Printable.quoted(input)): the AMEXIST levels are 1, 2 and 3"
    case .invalidRegion(let input):
      return
        "invalid region \(Printable.quoted(input)): expected an INSEE region code such as 11 (Île-de-France) or 84"
    case .invalidText(let field, let reason):
      return "invalid \(field): \(reason)"
    case .invalidWebsite(let input, let reason):
      return "invalid website \(Printable.quoted(input)): \(reason)"
    case .invalidIdentifier(let field, let input, let reason):
      return "invalid \(field) \(Printable.quoted(input)): \(reason)"
    case .ruleViolated(let violation):
      return violation.description
    case .malformedEvent(let reason):
      return "malformed event: \(reason)"
    }
  }
}

/// What is wrong with a SIRET.
public enum SIRETProblem: Hashable, Sendable, CustomStringConvertible {
  /// Nothing but spaces was given.
  case empty
  /// A character other than a digit or a space.
  case unexpectedCharacter(Character, position: Int)
  /// Not 14 digits once spaces are removed.
  case wrongLength(Int)
  /// The Luhn checksum (or the La Poste rule) does not hold.
  case badChecksum
  /// The SIREN (the first nine digits) is all zeros: no company has it.
  case zeroSIREN

  public var description: String {
    switch self {
    case .empty: return "it is empty"
    case .unexpectedCharacter(let character, let position):
      return
        "character \(Printable.quoted(String(character))) at position \(position) is not a digit"
    case .wrongLength(let count): return "a SIRET has 14 digits, this one has \(count)"
    case .badChecksum: return "the check digit does not match (a typing error?)"
    case .zeroSIREN: return "its SIREN (the first nine digits) is all zeros, which no company has"
    }
  }
}

/// An append rule of the registry that an event breaks.
public enum RuleViolation: Hashable, Sendable, CustomStringConvertible {
  case unknownService(SIRET)
  case serviceAlreadyRegistered(SIRET)
  case profileUnchanged(SIRET)
  case validUntilNotAfterValidFrom(validFrom: CalendarDate, validUntil: CalendarDate)
  case validFromBeforeDecision(decided: CalendarDate, validFrom: CalendarDate)
  case decisionInFuture(decided: CalendarDate, today: CalendarDate)
  case decisionBeforePrevious(decided: CalendarDate, previous: CalendarDate)
  case nothingToRenew(SIRET, standing: Standing)
  case renewalDoesNotExtend(currentValidUntil: CalendarDate, requested: CalendarDate)
  case cannotSuspend(SIRET, standing: Standing)
  case cannotReinstate(SIRET, standing: Standing)
  case cannotWithdraw(SIRET, standing: Standing)
  case correctionTargetInvalid(index: Int64)
  case attestationNeedsActiveLevel(SIRET, standing: Standing)
  case attestationForStaleDecision(requested: Int64, current: Int64?)
  case attestationAlreadyIssued(id: String)
  case keyAlreadyExists(kid: String)
  case unknownKey(kid: String)
  case keyAlreadyRetired(kid: String)
  case keyAlreadyRevoked(kid: String)
  case keyValidityInverted(kid: String)
  /// A body's key is dated from before the body's accreditation.
  case keyBeforeAccreditation(kid: String, validFrom: CalendarDate, accreditedFrom: CalendarDate)
  /// A body's key is dated from a time still to come.
  case keyStartsInFuture(kid: String, validFrom: Instant)
  /// New text that goes on printed attestations holds a character they cannot show.
  case notPrintable(field: String, character: Unicode.Scalar)
  /// A rule of the registry's scheme (its table in ``Scheme``).
  case scheme(SchemeName, SchemeViolation)
  /// The registry already names its scheme: a registry never changes scheme.
  case registryAlreadyConfigured(SchemeName)
  /// The registry's scheme is named by its first entry only.
  case configurationNotFirst(index: Int64)
  /// No certifying body with this id is registered.
  case unknownBody(String)
  /// A certifying body with this id is already registered.
  case bodyAlreadyRegistered(String)
  /// An accreditation must end after it begins.
  case accreditationWindowInverted(validFrom: CalendarDate, validUntil: CalendarDate)
  /// The body's accreditation was withdrawn: nothing more is recorded for it.
  case accreditationWithdrawn(body: String, on: CalendarDate)
  /// Accreditation changes take effect in log order.
  case accreditationChangeBeforePrevious(effective: CalendarDate, previous: CalendarDate)
  /// An extension must move the accreditation's end later.
  case accreditationNotExtended(current: CalendarDate, requested: CalendarDate)
  /// The accreditation is already suspended.
  case accreditationAlreadySuspended(String)
  /// Only a suspended accreditation can be reinstated.
  case accreditationNotSuspended(String)
  /// The level was decided by this body, which alone renews, suspends, reinstates or withdraws it.
  case decisionReservedToBody(String)
  /// The key belongs to a certifying body, not to the registry's issuer (or to another body).
  case keyOwnedElsewhere(kid: String, owner: String?)
  /// A transfer names a body that does not hold the level.
  case transferFromOtherBody(named: String, holder: String?)
  /// A transfer moves the level as it is: same level, same last day.
  case transferChangesLevel(current: Level, validUntil: CalendarDate)
  /// Only a level in force or suspended can be transferred.
  case nothingToTransfer(SIRET, standing: Standing)
  /// Réserves are recorded on a level a certifying body decided and that is held.
  case reservesNeedBodyLevel(SIRET)
  /// The re-examination deadline of réserves follows their decision.
  case reservesDeadlineNotAfterDecision(decided: CalendarDate, deadline: CalendarDate)
  /// Réserves are open: the body lifts them (or withdraws the level) before recording others.
  case reservesAlreadyOpen(deadline: CalendarDate)
  /// No réserves are open.
  case noReservesToLift(SIRET)
  /// A succession links two distinct services.
  case successionToItself(SIRET)
  /// A succession passes on a level in force.
  case nothingToPassOn(SIRET, standing: Standing)
  /// The service's activity was taken over by its successor: nothing more is decided for it.
  case serviceSucceeded(SIRET, successor: SIRET)
  /// A succession is the predecessor's entry followed by the successor's, in one batch, the
  /// successor receiving the level as the predecessor held it.
  case successionUnpaired(SIRET)
  /// A witness name or key is used once in a registry's life (a key counted twice would count
  /// twice in a quorum).
  case witnessAlreadyListed(String)
  /// No witness of this name serves the registry.
  case unknownWitness(String)
  /// A quorum larger than the witnesses serving, or a removal that would leave fewer witnesses
  /// than the quorum in force.
  case quorumUnreachable(k: Int64, witnesses: Int)
  /// Quorums apply from increasing tree sizes.
  case quorumSizeNotIncreasing(fromSize: Int64, previous: Int64)
  /// A status snapshot names a smaller tree, or an earlier time, than the last one published.
  case statusSnapshotBackwards(size: Int64, previousSize: Int64)
  /// The status list index is already held by another attestation.
  case statusIndexTaken(Int64)
  /// A status key belongs to the registry, never to a certifying body.
  case statusKeyOwned(kid: String)

  public var description: String {
    switch self {
    case .unknownService(let siret):
      return "no service with SIRET \(siret) is registered"
    case .serviceAlreadyRegistered(let siret):
      return "a service with SIRET \(siret) is already registered"
    case .profileUnchanged(let siret):
      return "the update of \(siret) changes nothing"
    case .validUntilNotAfterValidFrom(let from, let until):
      return "valid until (\(until)) must be after valid from (\(from))"
    case .validFromBeforeDecision(let decided, let from):
      return "valid from (\(from)) cannot be before the decision date (\(decided))"
    case .decisionInFuture(let decided, let today):
      return "the decision date \(decided) is in the future (today is \(today) in Paris)"
    case .decisionBeforePrevious(let decided, let previous):
      return "the decision date \(decided) is before the service's previous decision (\(previous))"
    case .nothingToRenew(let siret, let standing):
      return
        "\(siret) has no level that can be renewed (standing: \(standing)); record a new grant instead"
    case .renewalDoesNotExtend(let current, let requested):
      return "a renewal must extend validity beyond \(current), not to \(requested)"
    case .cannotSuspend(let siret, let standing):
      return "only an active level can be suspended; \(siret) is \(standing)"
    case .cannotReinstate(let siret, let standing):
      return "only a suspended level can be reinstated; \(siret) is \(standing)"
    case .cannotWithdraw(let siret, let standing):
      return "\(siret) has no level to withdraw (standing: \(standing))"
    case .correctionTargetInvalid(let index):
      return "entry \(index) is not an earlier decision of this service, so it cannot be corrected"
    case .attestationNeedsActiveLevel(let siret, let standing):
      return "an attestation needs an active level; \(siret) is \(standing)"
    case .attestationForStaleDecision(let requested, let current):
      let currentText = current.map { "entry \($0)" } ?? "none"
      return "entry \(requested) is not the service's current decision (current: \(currentText))"
    case .attestationAlreadyIssued(let id):
      return "attestation \(id) was already issued"
    case .keyAlreadyExists(let kid):
      return "a key with id \(Printable.quoted(kid)) already exists"
    case .unknownKey(let kid):
      return "no key with id \(Printable.quoted(kid))"
    case .keyAlreadyRetired(let kid):
      return "key \(Printable.quoted(kid)) is already retired"
    case .keyAlreadyRevoked(let kid):
      return "key \(Printable.quoted(kid)) is already revoked"
    case .keyValidityInverted(let kid):
      return "key \(Printable.quoted(kid)) must become valid before it stops being valid"
    case .keyBeforeAccreditation(let kid, let from, let accredited):
      return
        "key \(Printable.quoted(kid)) cannot be valid from \(from), before the body's accreditation (from \(accredited))"
    case .keyStartsInFuture(let kid, let from):
      return
        "key \(Printable.quoted(kid)) cannot be valid from \(from), which is still to come; add it once the body signs with it"
    case .notPrintable(let field, let character):
      return
        "\(field): character \(Printable.quoted(String(character))) (U+\(String(character.value, radix: 16, uppercase: true))) cannot be printed on attestations (their fonts hold Latin-1 and the French typographic characters); write it without it"
    case .scheme(let scheme, let violation):
      return "\(scheme): \(violation)"
    case .registryAlreadyConfigured(let scheme):
      return
        "the registry already applies the \(scheme) scheme, and a registry never changes scheme"
    case .unknownBody(let id):
      return "no certifying body \(Printable.quoted(id)) is registered (see `amexist body list`)"
    case .bodyAlreadyRegistered(let id):
      return "a certifying body \(Printable.quoted(id)) is already registered"
    case .accreditationWindowInverted(let from, let until):
      return "the accreditation must end (\(until)) after it begins (\(from))"
    case .accreditationWithdrawn(let body, let day):
      return
        "the accreditation of \(Printable.quoted(body)) was withdrawn on \(day): nothing more is recorded for this body"
    case .accreditationChangeBeforePrevious(let effective, let previous):
      return
        "the change takes effect on \(effective), before the body's previous change or accreditation start (\(previous))"
    case .accreditationNotExtended(let current, let requested):
      return "an extension must end after \(current), not on \(requested)"
    case .accreditationAlreadySuspended(let id):
      return "the accreditation of \(Printable.quoted(id)) is already suspended"
    case .accreditationNotSuspended(let id):
      return
        "only a suspended accreditation can be reinstated; \(Printable.quoted(id)) is not suspended"
    case .decisionReservedToBody(let body):
      return
        "the level was decided by the certifying body \(Printable.quoted(body)), which alone renews, suspends, reinstates or withdraws it: record its signed decision with `amexist decision record FILE`"
    case .keyOwnedElsewhere(let kid, let owner):
      return owner.map {
        "key \(Printable.quoted(kid)) belongs to the certifying body \(Printable.quoted($0)): use `amexist body key revoke \($0) \(kid)`"
      }
        ?? "key \(Printable.quoted(kid)) is an issuer key, not this body's: use `amexist keys revoke`"
    case .transferFromOtherBody(let named, let holder):
      return holder.map {
        "the transfer names \(Printable.quoted(named)) as the body giving up the level, but \(Printable.quoted($0)) decided it"
      }
        ?? "the level was decided by the federation, not by \(Printable.quoted(named)): the receiving body grants a new level after its own audit"
    case .transferChangesLevel(let level, let until):
      return
        "a transfer moves the level as it is (level \(level.rawValue), valid until \(until)); the receiving body renews it later by its own decision"
    case .nothingToTransfer(let siret, let standing):
      return "\(siret) holds no level to transfer (standing: \(standing))"
    case .reservesNeedBodyLevel(let siret):
      return
        "réserves are recorded on a level a certifying body decided and that \(siret) holds"
    case .reservesDeadlineNotAfterDecision(let decided, let deadline):
      return
        "the re-examination deadline (\(deadline)) must come after the decision (\(decided))"
    case .reservesAlreadyOpen(let deadline):
      return
        "réserves are already open (deadline \(deadline)): the body lifts them, or decides on the level, before recording others"
    case .noReservesToLift(let siret):
      return "\(siret) has no open réserves to lift"
    case .successionToItself(let siret):
      return "a service cannot succeed itself (\(siret))"
    case .nothingToPassOn(let siret, let standing):
      return
        "\(siret) holds no level in force to pass on (standing: \(standing)); a succession passes on a level in force"
    case .serviceSucceeded(let siret, let successor):
      return
        "the activity of \(siret) was taken over by \(successor): nothing more is decided for it; decide for \(successor)"
    case .successionUnpaired(let siret):
      return
        "a succession of \(siret) is the predecessor's entry followed by the successor's, in one batch (`amexist service succeed`)"
    case .witnessAlreadyListed(let what):
      return "\(what) was already listed as a witness: a name or key is used once"
    case .unknownWitness(let name):
      return "no witness named \(Printable.quoted(name)) serves this registry"
    case .quorumUnreachable(let k, let witnesses):
      return
        "a quorum of \(k) cannot be met by \(witnesses) witness(es): add witnesses first, or lower the quorum first"
    case .statusSnapshotBackwards(let size, let previousSize):
      return
        "a status snapshot follows the last one published (tree size \(previousSize)); one for size \(size), or issued no later, does not"
    case .statusIndexTaken(let index):
      return "status list index \(index) is already held by another attestation"
    case .statusKeyOwned(let kid):
      return "key \(Printable.quoted(kid)) cannot be both a status key and a certifying body's key"
    case .quorumSizeNotIncreasing(let fromSize, let previous):
      return
        "a new quorum applies from a larger tree size than the last one (\(previous)); \(fromSize) is not"
    case .configurationNotFirst(let index):
      return
        "the registry's scheme is named by its first entry only (this would be entry \(index)); a registry never changes scheme"
    }
  }
}

/// Renders untrusted input safely inside a one-line message.
public enum Printable {
  /// Quotes `input`, escaping control characters and truncating very long values, so that an
  /// error message stays one line and cannot carry terminal escapes.
  public static func quoted(_ input: String, limit: Int = 80) -> String {
    var result = "\""
    var count = 0
    for scalar in input.unicodeScalars {
      if count == limit {
        result += "…"
        break
      }
      count += 1
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case _ where TextRules.isForbidden(scalar):
        result += "\\u{\(String(scalar.value, radix: 16))}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
