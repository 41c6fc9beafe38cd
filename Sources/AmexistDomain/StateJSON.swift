/// The JSON views of registry state that programs read (CLI `--json`, exports, the HTTP API).
///
/// Absent values are `null` so that every object of a kind has the same members.
public enum StateJSON {
  /// A service's state: what programs read from `--json`, exports and the admin API.
  public static func service(_ state: ServiceState) -> JSONValue {
    var members = stateMembers(state)
    members["attestations"] = .array(
      state.attestations.map { record in
        .object([
          "id": .string(record.id), "index": .integer(record.index),
          "decision": .integer(record.decisionIndex),
          "payloadSHA256": .string(record.payloadSHA256),
          "recordedAt": .string(record.recordedAt.description),
        ])
      })
    return .object(members)
  }

  /// A service's public document: its state, its dated history, and each attestation with its
  /// live status (`status`) and its page. `service show --json` prints it and
  /// `GET /services/{siret}.json` serves it.
  public static func document(
    _ state: ServiceState, status: (AttestationRecord) -> AttestationStatus
  ) -> JSONValue {
    var members = stateMembers(state)
    members["history"] = history(state)
    members["attestations"] = .array(
      state.attestations.map { record in
        .object([
          "id": .string(record.id), "index": .integer(record.index),
          "decision": .integer(record.decisionIndex),
          "recordedAt": .string(record.recordedAt.description),
          "status": .string(status(record).rawValue),
          "url": .string("/attestations/\(AttestationRecord.uuid(of: record.id))"),
        ])
      })
    return .object(members)
  }

  /// The members every view of a service's state has (all but its attestations).
  private static func stateMembers(_ state: ServiceState) -> [String: JSONValue] {
    [
      "siret": .string(state.siret.digits),
      "name": .string(state.profile.name),
      "address": optional(state.profile.address),
      "city": optional(state.profile.city),
      "region": optional(state.profile.region?.code),
      "regionName": optional(state.profile.region?.name),
      "website": optional(state.profile.website),
      "registeredAt": .string(state.registeredAt.description),
      "asOf": .string(state.asOf.description),
      "standing": .string(state.standing.rawValue),
      "level": state.heldLevel.map { .integer(Int64($0.rawValue)) } ?? .null,
      "decision": state.decision.map(decision) ?? .null,
      "suspension": state.suspension.map(note) ?? .null,
      "withdrawal": state.withdrawal.map(note) ?? .null,
      "reserves": state.reserves.map { reserves in
        .object([
          "decided": .string(reserves.decided.description),
          "reservations": .string(reserves.reservations),
          "deadline": .string(reserves.deadline.description), "body": .string(reserves.body),
          "liftedOn": optional(reserves.liftedOn?.description), "index": .integer(reserves.index),
        ])
      } ?? .null,
      "reservesOverdue": .bool(state.reservesOverdue),
      "refusals": .array(
        state.refusals.map { refusal in
          .object([
            "decided": .string(refusal.decided.description), "reason": .string(refusal.reason),
            "body": .string(refusal.body), "index": .integer(refusal.index),
          ])
        }),
      "successor": state.successor.map(link) ?? .null,
      "predecessor": state.predecessor.map(link) ?? .null,
    ]
  }

  /// A service's history: each event as stored, with its log index.
  public static func history(_ state: ServiceState) -> JSONValue {
    .array(
      state.history.map { logged in
        guard case .object(var members) = EventCoding.json(logged.recorded) else { return .null }
        members["index"] = .integer(logged.index)
        members["corrected"] = .bool(state.correctedIndexes.contains(logged.index))
        return .object(members)
      }
    )
  }

  /// A decision in force or pending.
  public static func decision(_ decision: Decision) -> JSONValue {
    .object([
      "level": .integer(Int64(decision.level.rawValue)),
      "levelName": .string(decision.level.frenchName),
      "levelNameEnglish": .string(decision.level.englishName),
      "decided": .string(decision.decided.description),
      "validFrom": .string(decision.validFrom.description),
      "validUntil": .string(decision.validUntil.description),
      "evaluator": optional(decision.evaluator),
      "reference": optional(decision.reference),
      "index": .integer(decision.latestIndex),
      "grantIndex": .integer(decision.grantIndex),
      "body": optional(decision.body),
      "transferredFrom": optional(decision.transferredFrom),
      "succeeds": optional(decision.succeeds?.digits),
    ])
  }

  private static func link(_ link: SuccessionLink) -> JSONValue {
    .object([
      "siret": .string(link.siret.digits), "decided": .string(link.decided.description),
      "index": .integer(link.index),
    ])
  }

  private static func note(_ note: StandingNote) -> JSONValue {
    .object(["decided": .string(note.decided.description), "reason": .string(note.reason)])
  }

  private static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}
