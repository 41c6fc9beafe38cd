/// The wire form of a recorded event: version 1 of the log's leaf format.
///
/// A leaf is a canonical JSON object (see ``CanonicalJSON``) with `v` (1), `event` (the kind),
/// `recordedAt` (RFC 3339 UTC) and the event's own members; absent optional values are omitted,
/// never `null`. Decoding refuses unknown members, wrong types and any bytes that are not the
/// canonical encoding of what they decode to.
public enum EventCoding {
  /// The leaf format version written by this code.
  public static let formatVersion: Int64 = 1

  /// Largest stored event accepted, in bytes.
  public static let maximumSize = 16_384

  /// The canonical bytes of `recorded`.
  public static func encode(_ recorded: RecordedEvent) -> [UInt8] {
    CanonicalJSON.encode(json(recorded))
  }

  /// The JSON object of `recorded`.
  public static func json(_ recorded: RecordedEvent) -> JSONValue {
    var members = EventMembers(writing: [
      "v": .integer(formatVersion),
      "event": .string(recorded.event.kind),
      "recordedAt": .string(recorded.recordedAt.description),
    ])
    recorded.event.payload.encode(into: &members)
    return .object(members.members)
  }

  /// Decodes stored or received leaf bytes.
  ///
  /// - Throws: ``DomainError/malformedEvent(reason:)`` when the bytes are not the canonical
  ///   encoding of a version-1 event, or any field is invalid.
  public static func decode(_ bytes: [UInt8]) throws(DomainError) -> RecordedEvent {
    let value: JSONValue
    do {
      value = try StrictJSONParser(maximumSize: maximumSize, maximumDepth: 8).parse(bytes)
    } catch {
      throw .malformedEvent(reason: error.description)
    }
    guard case .object(let members) = value else {
      throw .malformedEvent(reason: "not a JSON object")
    }
    var fields = EventMembers(reading: members)
    let recorded: RecordedEvent
    do throws(DomainError) {
      guard try fields.integer("v") == formatVersion else {
        throw .malformedEvent(reason: "unsupported format version")
      }
      let name = try fields.string("event")
      let recordedAt = try fields.instant("recordedAt")
      guard let kind = EventKind(rawValue: name) else {
        throw .malformedEvent(reason: "unknown event kind \(Printable.quoted(name))")
      }
      recorded = RecordedEvent(
        recordedAt: recordedAt, event: try kind.payloadType.init(from: &fields).event)
    } catch {
      if case .malformedEvent = error { throw error }
      throw .malformedEvent(reason: error.description)
    }
    if let unknown = fields.unread.sorted().first {
      throw .malformedEvent(reason: "unknown member \(Printable.quoted(unknown))")
    }
    guard encode(recorded) == bytes else { throw .malformedEvent(reason: "not in canonical form") }
    return recorded
  }
}
