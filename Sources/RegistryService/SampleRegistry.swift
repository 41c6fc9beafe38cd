public import AmexistDomain

/// A fictional registry for demonstrations and tests: every level and every standing appears.
///
/// The services, SIRETs and references are invented. Dates are relative to `today` so that the
/// standings stay the same whenever the demo runs.
public enum SampleRegistry {
  /// How many services ``events(today:)`` registers.
  public static let serviceCount = 11

  /// The SIRETs of the sample services, in registration order.
  public static let sirets = [
    "90011223400019", "90122334500017", "90233445600016", "90344556700014", "90455667800012",
    "90566778900010", "90677889000010", "90788990100019", "90899001200019", "90900112300019",
    "91011223400018",
  ]

  /// The sample events, in the order they are appended to a log that holds `existing` events
  /// (the correction of the tenth service names an entry by its index).
  public static func events(today: CalendarDate, existing: Int64 = 0) -> [Event] {
    // The values below are valid by construction; a failure is a bug in this list.
    do {
      return try build(today: today, existing: existing)
    } catch {
      preconditionFailure("invalid sample registry: \(error)")
    }
  }

  private static func build(today: CalendarDate, existing: Int64) throws(DomainError) -> [Event] {
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

    try register(
      0, "Santé au Travail Val de Loire", city: "Tours", region: "24",
      website: "https://example.org/stvl")
    try grant(0, .commitment, decided: -200, reference: "DPST-2026-014")

    try register(1, "Prévention Santé Travail Lyon Métropole", city: "Lyon", region: "84")
    try grant(1, .commitment, decided: -1200, reference: "DPST-2023-101")
    try grant(1, .implementation, decided: -300, reference: "DPST-2025-077")

    try register(2, "Service de Santé au Travail de Bretagne Ouest", city: "Brest", region: "53")
    try grant(
      2, .certification, decided: -150, evaluator: "AFNOR Certification",
      reference: "CERT-2026-0412")

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
    let mistyped = existing + Int64(events.count)
    try grant(
      9, .certification, decided: -90, evaluator: "AFNOR Certification", reference: "CERT-2026-O118"
    )
    // The reference above was mistyped (letter O): the correction names the grant it corrects.
    try grant(
      9, .certification, decided: -90, evaluator: "AFNOR Certification",
      reference: "CERT-2026-0118", corrects: mistyped)

    try register(
      10, "Prévention et Santé au Travail de La Réunion", city: "Saint-Denis", region: "04")
    try grant(10, .implementation, decided: -400, reference: "DPST-2025-061")
    events.append(
      .levelSuspended(
        try LevelSuspended(
          siret: s[10], decided: day(-100), reason: "Contrôle documentaire en cours"))
    )
    events.append(.levelReinstated(LevelReinstated(siret: s[10], decided: day(-70))))
    return events
  }
}
