import AmexistDomain
import Documents
import Hummingbird
import RegistryService

/// The certifying bodies: who may sign level decisions, with their accreditation and keys.
extension Site {
  func bodies(_ request: Request, context: RegistryRequestContext, jsonPath: Bool) async throws
    -> Response
  {
    let language = PageLanguage.of(request)
    let format = ResponseFormat.of(request, hasSuffix: jsonPath)
    return try await cached(request, key: "bodies/\(language)/\(format)") {
      let bodies = try await registry.bodies(services: true)
      let today = registry.today()
      let now = registry.clock.now()
      switch format {
      case .json:
        return .json(.object(["bodies": .array(bodies.map { $0.json(today: today, now: now) })]))
      case .html:
        let texts = Texts.table(language)
        return page(
          "bodies", title: texts["bodiesTitle"] ?? "", language: language, path: "/bodies",
          values: [
            "bodies": bodies.map { Self.bodyView($0, today: today, now: now, language) },
            "hasBodies": !bodies.isEmpty,
          ])
      }
    }
  }

  static func bodyView(
    _ body: CertifyingBody, today: CalendarDate, now: Instant, _ language: PageLanguage
  ) -> [String: Any] {
    let accreditation = body.record.accreditation
    let standing = accreditation.standing(on: today)
    return [
      "id": body.record.id, "name": body.record.name,
      "accreditor": accreditation.accreditor, "number": accreditation.number,
      "standard": accreditation.standard, "scope": accreditation.scope ?? "",
      "validFrom": DateWords.date(accreditation.validFrom, language),
      "validUntil": DateWords.date(accreditation.validUntil, language),
      "standing": Words.accreditation(standing, language), "standingCode": standing.rawValue,
      "keys": body.keys.map { key in
        [
          "kid": key.kid, "algorithm": key.algorithm,
          "state": Words.bodyKey(
            signsNow: key.maySign(at: now), revoked: key.revokedAt != nil, language),
        ] as [String: Any]
      },
      "hasKeys": !body.keys.isEmpty,
      "services": body.services.map { state in
        [
          "siret": state.siret.digits, "siretFormatted": state.siret.formatted,
          "name": state.profile.name,
          "level": state.decision.map {
            "\($0.level.rawValue) · \(Words.level($0.level, language))"
          }
            ?? "",
          "standing": Words.standing(state.standing, language),
          "standingCode": state.standing.rawValue,
          "overdue": state.reservesOverdue,
        ] as [String: Any]
      },
      "hasServices": !body.services.isEmpty,
    ]
  }
}
