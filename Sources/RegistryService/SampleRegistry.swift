public import AmexistDomain
import Attestation
import Foundation
import TransparencyLog

/// A fictional registry of the `amexist` scheme for demonstrations and tests: every level and
/// every standing appears, and two certifying bodies sign the level-3 decisions.
///
/// The services, bodies, SIRETs, accreditation numbers and references are invented. Dates are
/// relative to `today` so that the standings stay the same whenever the demo runs. The bodies'
/// private keys are made for one call and then dropped, as a body's key never enters the
/// registry.
public enum SampleRegistry {
  /// How many services ``events(today:existing:origin:)`` registers.
  public static let serviceCount = 13

  /// The fictional certifying bodies, in registration order: id, name, COFRAC number.
  public static let bodies = [
    (id: "certiflex-exemple", name: "Certiflex Santé Travail (fictif)", number: "5-9901"),
    (id: "qualiprev-exemple", name: "Qualiprev Certification (fictif)", number: "5-9902"),
  ]

  /// The SIRETs of the sample services, in registration order.
  public static let sirets = [
    "90011223400019", "90122334500017", "90233445600016", "90344556700014", "90455667800012",
    "90566778900010", "90677889000010", "90788990100019", "90899001200019", "90900112300019",
    "91011223400018", "91122334500016", "91223345600017",
  ]

  /// The sample events, in the order they are appended to a log that holds `existing` events
  /// and whose origin is `origin` (the bodies' signed decisions name it as their audience; the
  /// correction of the second service names an entry by its index).
  public static func events(today: CalendarDate, existing: Int64 = 0, origin: String) -> [Event] {
    // The values below are valid by construction; a failure is a bug in this list.
    do {
      return try build(today: today, existing: existing, origin: origin)
    } catch {
      preconditionFailure("invalid sample registry: \(error)")
    }
  }

  private static func build(today: CalendarDate, existing: Int64, origin: String) throws -> [Event]
  {
    func day(_ offset: Int) -> CalendarDate { today.adding(days: offset) }
    let s = try sirets.map { text throws(DomainError) in try SIRET(text) }
    var events: [Event] = []
    func register(
      _ index: Int, _ name: String, city: String, region: String, website: String? = nil
    )
      throws(DomainError)
    {
      events.append(
        .serviceRegistered(
          ServiceRegistered(
            siret: s[index],
            profile: try ServiceProfile(name: name, city: city, region: region, website: website)
          )
        )
      )
    }
    func grant(
      _ index: Int, _ level: Level, decided: Int, from: Int? = nil, years: Int = 3,
      evaluator: String? = nil,
      reference: String? = nil, corrects: Int64? = nil
    ) throws(DomainError) {
      let start = day(from ?? decided)
      events.append(
        .levelGranted(
          try LevelGranted(
            siret: s[index], level: level, decided: day(decided), validFrom: start,
            validUntil: start.adding(days: 365 * years - 1), evaluator: evaluator,
            reference: reference,
            corrects: corrects
          )
        )
      )
    }

    // Both bodies were accredited, and signing, long before the samples' decisions.
    var bodyKeys: [String: (key: SigningKey, name: String)] = [:]
    for (offset, body) in bodies.enumerated() {
      events.append(
        .bodyRegistered(
          try BodyRegistered(
            body: body.id, name: body.name, accreditor: "COFRAC", number: body.number,
            scope: "Certification des services de prévention et de santé au travail",
            validFrom: day(-1900), validUntil: day(1000))))
      let key = SigningKey(generating: offset == 0 ? .es256 : .edDSA)
      let kid = key.publicKey.keyID
      events.append(
        .keyAdded(
          try KeyAdded(
            kid: kid, algorithm: key.algorithm.rawValue, publicKey: key.publicKey.jwk(kid: kid),
            validFrom: day(-1900).parisStart, validUntil: nil, owner: body.id)))
      bodyKeys[body.id] = (key, body.name)
    }
    // A body's signed decision, signed the day after its decision date, as the event the
    // registry records from it.
    func signed(
      _ kind: DecisionKind, _ index: Int, by body: String, decided: Int, years: Int? = nil,
      reference: String? = nil, fromBody: String? = nil, reason: String? = nil,
      reservations: String? = nil, deadline: Int? = nil
    ) throws {
      let (key, name) = bodyKeys[body]!
      let start = day(decided)
      let current = events.last { $0.subject == .service(s[index]) && $0.decisionDate != nil }
      var until = years.map { start.adding(days: 365 * $0 - 1) }
      var level: Level? = years == nil ? nil : .certification
      if kind == .transfer, case .levelGranted(let grant) = current {
        until = grant.validUntil
        level = grant.level
      }
      let claims = try DecisionClaims(
        audience: origin, scheme: .amexist, id: UUID().uuidString.lowercased(),
        issuedAt: day(decided + 1).parisStart.millisecondsSinceEpoch / 1000, body: body,
        kind: kind, siret: s[index], decided: start, level: level,
        validFrom: level == nil ? nil : start, validUntil: until, reference: reference,
        fromBody: fromBody, reason: reason, reservations: reservations,
        deadline: deadline.map(day))
      let token = try claims.signed(with: key, kid: key.publicKey.keyID)
      events.append(try RegistryService.event(for: claims, token: token, bodyName: name))
    }

    try register(
      0, "Santé au Travail Val de Loire", city: "Tours", region: "24",
      website: "https://example.org/stvl")
    try grant(0, .commitment, decided: -200, reference: "DPST-2026-014")

    try register(1, "Prévention Santé Travail Lyon Métropole", city: "Lyon", region: "84")
    try grant(1, .commitment, decided: -1200, reference: "DPST-2023-101")
    let mistyped = existing + Int64(events.count)
    try grant(1, .implementation, decided: -300, reference: "DPST-2O25-077")
    // The reference above was mistyped (letter O): the correction names the grant it corrects.
    try grant(1, .implementation, decided: -300, reference: "DPST-2025-077", corrects: mistyped)

    try register(2, "Service de Santé au Travail de Bretagne Ouest", city: "Brest", region: "53")
    try signed(.grant, 2, by: bodies[0].id, decided: -150, years: 3, reference: "CERT-2026-0412")
    // Réserves recorded at the audit, lifted before their deadline.
    try signed(
      .reserves, 2, by: bodies[0].id, decided: -120,
      reservations: "Formaliser la procédure de suivi des expositions aux risques chimiques",
      deadline: -60)
    try signed(.lift, 2, by: bodies[0].id, decided: -70)

    try register(3, "Santé Travail Provence", city: "Marseille", region: "93")
    try grant(3, .implementation, decided: -500, reference: "DPST-2025-020")
    events.append(
      .levelSuspended(
        try LevelSuspended(
          siret: s[3], decided: day(-20), reason: "Audit de suivi non réalisé dans les délais")
      )
    )

    try register(4, "Association Médicale Interentreprises du Nord", city: "Lille", region: "32")
    try grant(4, .commitment, decided: -700, reference: "DPST-2024-055")
    events.append(
      .levelWithdrawn(
        try LevelWithdrawn(
          siret: s[4], decided: day(-40), reason: "Objectifs du programme non tenus")
      )
    )

    try register(5, "Santé au Travail Normandie Est", city: "Rouen", region: "28")
    try grant(5, .commitment, decided: -1500, reference: "DPST-2022-031")

    try register(
      6, "Centre Interprofessionnel de Santé au Travail d'Occitanie", city: "Toulouse", region: "76"
    )
    try signed(
      .refuse, 6, by: bodies[1].id, decided: -45,
      reason: "Écarts majeurs sur le suivi individuel de l'état de santé, non corrigés à l'audit")

    try register(
      7, "Santé Travail Île-de-France Ouest", city: "Versailles", region: "11",
      website: "https://example.org/stifo")
    try grant(7, .implementation, decided: -1000, reference: "DPST-2024-002")
    events.append(
      .levelRenewed(
        try LevelRenewed(
          siret: s[7], decided: day(-60), validUntil: day(1000), reference: "DPST-2026-090")
      )
    )

    try register(
      8, "Service Interentreprises de Santé au Travail de Corse", city: "Ajaccio", region: "94")
    try grant(8, .commitment, decided: -5, from: 30, reference: "DPST-2026-120")

    try register(9, "Santé au Travail Grand Est", city: "Strasbourg", region: "44")
    try signed(.grant, 9, by: bodies[1].id, decided: -90, years: 5, reference: "QP-2026-0118")
    // The service moved to the other body, which recorded réserves now past their deadline.
    try signed(
      .transfer, 9, by: bodies[0].id, decided: -40, reference: "CERT-2026-0733",
      fromBody: bodies[1].id)
    try signed(
      .reserves, 9, by: bodies[0].id, decided: -30,
      reservations: "Mettre à jour le projet pluriannuel de service et le présenter au conseil",
      deadline: -3)

    try register(
      10, "Prévention et Santé au Travail de La Réunion", city: "Saint-Denis", region: "04")
    try grant(10, .implementation, decided: -400, reference: "DPST-2025-061")
    events.append(
      .levelSuspended(
        try LevelSuspended(
          siret: s[10], decided: day(-100), reason: "Contrôle documentaire en cours"))
    )
    events.append(.levelReinstated(LevelReinstated(siret: s[10], decided: day(-70))))

    // A cession d'activité: the second service takes over the first and its level.
    try register(11, "Santé au Travail de l'Artois", city: "Arras", region: "32")
    try grant(11, .implementation, decided: -400, reference: "DPST-2025-066")
    try register(
      12, "Santé Travail Hauts-de-France Sud", city: "Amiens", region: "32",
      website: "https://example.org/sthdfs")
    let predecessorHistory = events.enumerated().filter { $0.element.subject == .service(s[11]) }
      .map { offset, event in
        LoggedEvent(
          index: existing + Int64(offset),
          recorded: RecordedEvent(recordedAt: day(-16).parisStart, event: event))
      }
    guard
      let held = ServiceState.fold(predecessorHistory, at: day(-15).parisStart)?.decision
    else { preconditionFailure("the sample's predecessor holds a level") }
    events.append(
      .serviceSucceeded(
        try ServiceSucceeded(
          siret: s[11], decided: day(-15), side: .predecessor(successor: s[12]))))
    events.append(
      .serviceSucceeded(
        try ServiceSucceeded(
          siret: s[12], decided: day(-15),
          side: .successor(predecessor: s[11], carried: ServiceSucceeded.CarriedLevel(held)))))
    return events
  }
}

extension RegistryService {
  /// Appends the sample registry (``SampleRegistry``) to this registry as its next entries: the
  /// bodies' decisions as their signed tokens are recorded (``recordSignedDecision(_:dryRun:)``),
  /// the rest in batches of at most `batchSize` events (one checkpoint each).
  ///
  /// - Returns: the entries written.
  @discardableResult
  public func appendSample(batchSize: Int = .max) async throws(RegistryError) -> [LoggedEvent] {
    let existing = try await eventCount()
    let origin = logVerifier?.name ?? "sample.amexist.example/log"
    var written: [LoggedEvent] = []
    var pending: [Event] = []
    func flush() async throws(RegistryError) {
      guard !pending.isEmpty else { return }
      written += try await append(pending)
      pending = []
    }
    for event in SampleRegistry.events(today: today(), existing: existing, origin: origin) {
      if let signature = event.signedBy {
        try await flush()
        written.append(try await recordSignedDecision(signature.token).entry)
      } else {
        pending.append(event)
        // A succession's two entries go in one batch.
        var opensSuccession = false
        if case .serviceSucceeded(let succession) = event, case .predecessor = succession.side {
          opensSuccession = true
        }
        if pending.count >= batchSize, !opensSuccession { try await flush() }
      }
    }
    try await flush()
    return written
  }
}
