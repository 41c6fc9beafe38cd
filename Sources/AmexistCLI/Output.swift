import AmexistDomain

/// A text table with aligned columns, for people.
struct TextTable {
  let headers: [String]
  var rows: [[String]] = []

  /// The table as lines, columns separated by two spaces, the last column not padded.
  func render() -> String {
    var widths = headers.map(\.count)
    for row in rows {
      for (column, cell) in row.enumerated() where column < widths.count {
        widths[column] = max(widths[column], cell.count)
      }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, cell in
        column == cells.count - 1
          ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
      }.joined(separator: "  ")
    }
    return ([line(headers)] + rows.map(line)).joined(separator: "\n")
  }
}

/// Human-readable renderings of registry state.
enum Describe {
  /// `2 · Attestation de mise en œuvre`, or `—`.
  static func level(_ level: Level?) -> String {
    level.map { "\($0.rawValue) · \($0.frenchName)" } ?? "—"
  }

  /// `active (en vigueur)`.
  static func standing(_ standing: Standing) -> String {
    "\(standing.rawValue) (\(standing.frenchName))"
  }

  /// The standing of a service, saying when a decided level starts if it is not in force yet.
  static func standing(of state: ServiceState) -> String {
    if state.standing == .none, let decision = state.decision,
      decision.validFrom > CalendarDate(parisDayOf: state.asOf)
    {
      return "\(standing(state.standing)), level from \(decision.validFrom)"
    }
    return standing(state.standing)
  }

  /// Who evaluated a decision: the named body, or the federation.
  static func evaluator(_ evaluator: String?) -> String {
    evaluator ?? "la fédération"
  }

  /// Label and value pairs, one a line, values aligned after the longest label.
  static func labelled(_ lines: [(label: String, value: String)]) -> String {
    let width = lines.map(\.label.count).max() ?? 0
    return lines.map {
      $0.label + String(repeating: " ", count: width - $0.label.count) + "  " + $0.value
    }
    .joined(separator: "\n")
  }

  /// The label block `amexist service show` prints.
  static func service(_ state: ServiceState) -> String {
    var lines: [(String, String)] = [
      ("Service", state.profile.name),
      ("SIRET", state.siret.formatted),
    ]
    if let address = state.profile.address { lines.append(("Address", address)) }
    let place = [state.profile.city, state.profile.region.map { "\($0.name) (\($0.code))" }]
      .compactMap { $0 }
    if !place.isEmpty { lines.append(("Location", place.joined(separator: ", "))) }
    if let website = state.profile.website { lines.append(("Website", website)) }
    lines.append(("Standing", standing(of: state)))
    if let decision = state.decision {
      lines.append(("Level", level(decision.level)))
      lines.append(("Decided", decision.decided.description))
      lines.append(("Valid", "\(decision.validFrom) to \(decision.validUntil)"))
      lines.append(("Evaluator", evaluator(decision.evaluator)))
      if let reference = decision.reference { lines.append(("Reference", reference)) }
      if let body = decision.body { lines.append(("Decided by", "\(body) (signed decision)")) }
      if let from = decision.transferredFrom {
        lines.append(("Transferred", "from \(from) on \(decision.decided)"))
      }
    } else {
      lines.append(("Level", "—"))
    }
    if let suspension = state.suspension {
      lines.append(("Suspended", "\(suspension.decided): \(suspension.reason)"))
    }
    if let withdrawal = state.withdrawal {
      lines.append(("Withdrawn", "\(withdrawal.decided): \(withdrawal.reason)"))
    }
    if let reserves = state.reserves, state.standing == .active || state.standing == .suspended {
      let status =
        reserves.liftedOn.map { "lifted \($0)" }
        ?? (state.reservesOverdue
          ? "NOT LIFTED (réserves non levées), deadline \(reserves.deadline) passed"
          : "open, to lift by \(reserves.deadline)")
      lines.append(("Réserves", "\(status): \(reserves.reservations)"))
    }
    for refusal in state.refusals {
      lines.append(("Refused", "\(refusal.decided) by \(refusal.body): \(refusal.reason)"))
    }
    if let successor = state.successor {
      lines.append(("Succeeded by", "\(successor.siret.formatted) from \(successor.decided)"))
    }
    if let predecessor = state.predecessor {
      lines.append(("Succeeds", "\(predecessor.siret.formatted) from \(predecessor.decided)"))
    }
    lines.append(("Attestations", "\(state.attestations.count)"))
    lines.append(("History", "\(state.history.count) entries (amexist history \(state.siret))"))
    return labelled(lines)
  }

  /// The table of `amexist service list` and `amexist demo`.
  static func serviceTable(_ states: [ServiceState]) -> String {
    var table = TextTable(headers: ["SIRET", "Name", "Region", "Level", "Standing", "Valid until"])
    for state in states {
      table.rows.append([
        state.siret.digits, state.profile.name, state.profile.region?.code ?? "—",
        level(state.decision?.level), standing(of: state),
        state.decision?.validUntil.description ?? "—",
      ])
    }
    return table.render()
  }

  /// The table of `amexist history`.
  static func history(_ state: ServiceState) -> String {
    var table = TextTable(headers: ["#", "Recorded", "Decided", "Event", "Details"])
    for logged in state.history {
      let corrected = state.correctedIndexes.contains(logged.index) ? " (corrected)" : ""
      table.rows.append([
        "\(logged.index)", logged.recordedAt.description,
        logged.event.decisionDate?.description ?? "—",
        logged.event.kind + corrected, details(logged.event),
      ])
    }
    return table.render()
  }

  /// One line saying what an event records, and who signed it when a certifying body did.
  static func details(_ event: Event) -> String {
    let text = what(event)
    guard let signature = event.signedBy else { return text }
    return text + " (decision signed by \(signature.body))"
  }

  private static func what(_ event: Event) -> String {
    switch event {
    case .serviceRegistered(let event): return "registered as \(event.profile.name)"
    case .serviceUpdated(let event): return "profile updated: \(event.profile.name)"
    case .levelGranted(let event):
      var text = "level \(level(event.level)), valid \(event.validFrom) to \(event.validUntil)"
      text += ", evaluated by \(evaluator(event.evaluator))"
      if let reference = event.reference { text += ", ref. \(reference)" }
      if let corrects = event.corrects { text += ", corrects #\(corrects)" }
      return text
    case .levelRenewed(let event):
      var text = "renewed until \(event.validUntil)"
      if let evaluator = event.evaluator { text += ", evaluated by \(evaluator)" }
      if let reference = event.reference { text += ", ref. \(reference)" }
      return text
    case .levelSuspended(let event): return "suspended: \(event.reason)"
    case .levelReinstated: return "reinstated"
    case .levelWithdrawn(let event): return "withdrawn: \(event.reason)"
    case .attestationIssued(let event):
      return "attestation \(event.attestationID) for decision #\(event.decisionIndex)"
    case .keyAdded(let event): return "key \(event.kid) (\(event.algorithm)) added"
    case .keyRetired(let event): return "key \(event.kid) retired at \(event.at)"
    case .keyRevoked(let event): return "key \(event.kid) revoked at \(event.at): \(event.reason)"
    case .bodyRegistered(let event):
      return
        "certifying body \(event.body) registered: \(event.name), \(event.accreditation.accreditor) accreditation \(event.accreditation.number) until \(event.accreditation.validUntil)"
    case .bodyAccreditationChanged(let event):
      var text = "accreditation of \(event.body) \(event.change.name) from \(event.effective)"
      if case .extended(let until) = event.change { text += " until \(until)" }
      if let reason = event.reason { text += ": \(reason)" }
      return text
    case .registryConfigured(let event):
      return
        "the registry applies the \(event.scheme) scheme (rules version \(event.schemeVersion))"
    case .witnessAdded(let event):
      return "witness \(event.name) added at \(event.at): \(event.url)"
    case .witnessRemoved(let event): return "witness \(event.name) removed at \(event.at)"
    case .quorumSet(let event):
      return "witness quorum \(event.k) from tree size \(event.fromSize)"
    case .statusPublished(let event):
      return
        "status snapshot of tree size \(event.size) published (SHA-256 \(event.sha256.prefix(16))…)"
    case .levelTransferred(let event):
      var text =
        "level \(level(event.level)) transferred from \(event.fromBody) to \(evaluator(event.evaluator)), valid until \(event.validUntil)"
      if let reference = event.reference { text += ", ref. \(reference)" }
      return text
    case .reservesRecorded(let event):
      return "réserves to lift by \(event.deadline): \(event.reservations)"
    case .reservesLifted: return "réserves lifted"
    case .levelRefused(let event): return "level refused: \(event.reason)"
    case .serviceSucceeded(let event):
      switch event.side {
      case .predecessor(let successor):
        return "activity taken over by \(successor) from \(event.decided)"
      case .successor(let predecessor, let carried):
        return
          "took over the activity of \(predecessor) from \(event.decided): level \(level(carried.level)) until \(carried.validUntil) (decision #\(carried.decisionIndex))"
      }
    }
  }
}
