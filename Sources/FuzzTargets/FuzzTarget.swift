import AmexistDomain
import Attestation
import Documents
import RegistryService
import TransparencyLog

/// The parsers fuzzed with libFuzzer (`Fuzz/run.sh`), each a function that must return for
/// any input: no crash, no hang, no unbounded allocation, and its invariants hold (a violated
/// invariant stops the process, so the fuzzer keeps the input).
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// The strict JSON parser and its duplicate-member scanner; canonical output parses back to
  /// the same value.
  case json
  /// The strict compact JWS layer, with the fixture's keys.
  case jws
  /// Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint).
  case note
  /// Inclusion and consistency proofs, and `c2sp.org/tlog-proof` evidence.
  case proof
  /// Whatever `amexist verify` and `POST /verify` accept: bundles, bare JWS, PDFs.
  case bundle
  /// Trust files (keys, JWKs, the log key).
  case trust
  /// CSV import files: records, and each field as the import reads it; records written after a
  /// header (as `service export` writes them) parse back to the same fields.
  case csv
  /// Admin API request bodies as the routes decode them.
  case admin

  /// Runs the target on `input`.
  public func run(_ input: [UInt8]) {
    switch self {
    case .json: Self.json(input)
    case .jws: Self.jws(input)
    case .note: Self.note(input)
    case .proof: Self.proof(input)
    case .bundle: Self.bundle(input)
    case .trust: _ = try? TrustFile(bytes: input)
    case .csv: Self.csv(input)
    case .admin: Self.admin(input)
    }
  }

  static func json(_ input: [UInt8]) {
    guard let value = try? StrictJSONParser().parse(input) else { return }
    let canonical = CanonicalJSON.encode(value)
    guard let again = try? StrictJSONParser(maximumSize: .max).parse(canonical) else {
      fatalError("canonical JSON does not parse back")
    }
    precondition(again == value, "canonical JSON parses back to another value")
    precondition(CanonicalJSON.encode(again) == canonical, "canonical JSON is not stable")
  }

  static func jws(_ input: [UInt8]) {
    let fixture = FuzzFixture.shared
    let verified = try? CompactJWS.verify(
      input, key: { $0 == fixture.kid ? fixture.issuerKey.publicKey : nil }, expectedType: nil)
    if let verified {
      // Only the fixture's own tokens carry its signature.
      precondition(verified.header.kid == fixture.kid, "a token verified under another kid")
    }
  }

  static func note(_ input: [UInt8]) {
    let log = FuzzFixture.shared.log.verifier
    if let note = try? SignedNote(parsing: input) {
      _ = try? note.verified(by: [log])
      _ = try? Checkpoint(text: note.text)
    }
    let text = String(decoding: input, as: UTF8.self)
    _ = try? SignedCheckpoint(verifying: text, log: log)
    _ = try? NoteVerifier(verifierKey: text)
  }

  static func proof(_ input: [UInt8]) {
    let log = FuzzFixture.shared.log.verifier
    if let evidence = try? InclusionEvidence(parsing: String(decoding: input, as: UTF8.self)) {
      _ = try? evidence.verify(leaf: Array(input.prefix(16)), log: log)
    }
    // The same bytes as numbers and hashes: two sizes, an index, then 32-byte hashes.
    guard input.count >= 24 else { return }
    func number(_ offset: Int) -> Int64 {
      input[offset..<offset + 8].reduce(0) { $0 << 8 | Int64($1) }
    }
    let hashes = stride(from: 24, to: input.count - 31, by: 32).prefix(70).compactMap {
      MerkleHash(bytes: Array(input[$0..<$0 + 32]))
    }
    let leaf = hashes.first ?? Merkle.emptyRoot
    _ = try? ProofVerifier.rootFromInclusionProof(
      index: number(16), size: number(0), leafHash: leaf, proof: Array(hashes.dropFirst()))
    _ = try? ProofVerifier.verifyConsistency(
      size1: number(8), size2: number(0), root1: leaf, root2: hashes.last ?? leaf,
      proof: Array(hashes.dropFirst()))
  }

  static func bundle(_ input: [UInt8]) {
    let fixture = FuzzFixture.shared
    let report = fixture.documents.verifyUpload(input, now: fixture.now).report
    if report.isValid {
      // Valid only for what the fixture issued: its attestation, under its key.
      precondition(report.attestation?.claims.id == fixture.claims.id, "a forged attestation")
    }
  }

  static func csv(_ input: [UInt8]) {
    guard let text = String(validating: input, as: UTF8.self),
      let records = try? CSV.parse(text)
    else { return }
    for record in records {
      // As in an exported file: after a header, whose commas name the separator.
      let written = CSV.line(["siret", "name"]) + "\n" + CSV.line(record.fields)
      guard let again = try? CSV.parse(written), again.count == 2 else {
        fatalError("a written CSV record does not parse back as one record")
      }
      precondition(again[1].fields == record.fields, "a written CSV record changed")
      for field in record.fields {
        _ = try? SIRET(field)
        _ = try? CalendarDate(parsing: field)
        _ = try? Level(parsing: field)
        _ = try? Region(code: field)
      }
      if record.fields.count >= 2 {
        _ = try? ServiceProfile(
          name: record.fields[0], address: record.fields[1], city: record.fields.last,
          region: record.fields.first, website: record.fields.last)
      }
    }
  }

  static func admin(_ input: [UInt8]) {
    // The first byte picks the media type, as a client picks its Content-Type.
    let mediaType = input.first.map { $0 & 1 == 0 ? "application/json" : "text/csv" } ?? ""
    guard let body = try? AdminRequestBody(Array(input.dropFirst()), mediaType: mediaType) else {
      return
    }
    let siret = FuzzFixture.shared.claims.siret
    _ = try? body.siret("siret")
    _ = try? body.profile()
    _ = try? body.decision(siret, today: FuzzFixture.shared.today)
    _ = try? body.only(["siret", "name", "address", "city", "region", "website"])
    _ = try? body.optionalString("at").map { try Instant(parsing: $0) }
    _ = try? body.csv()
  }
}
