import AmexistDomain
import Attestation
import Crypto
import CryptoExtras
import Documents
import TransparencyLog

/// A tiny registry the fuzz targets verify against, built from fixed keys so that the seed
/// inputs (and kept regression inputs) mean the same on every run: an issuer, a log of three
/// entries whose middle one is the issued attestation, the trust file, a bundle and a PDF.
public struct FuzzFixture: Sendable {
  /// The fixture every target uses.
  public static let shared: FuzzFixture = {
    do {
      return try FuzzFixture()
    } catch {
      fatalError("the fuzz fixture cannot be built: \(error)")
    }
  }()

  let kid = "Fuzz_ed25519"
  let issuerKey: SigningKey
  let log: LogSigner
  let claims: AttestationClaims
  let now: Instant
  let today: CalendarDate
  let documents: AttestationPDFVerifier
  /// Well-formed inputs per target: where the fuzzer starts.
  public let seeds: [FuzzTarget: [[UInt8]]]

  init() throws {
    let issuer = "https://registre.amexist.example"
    issuerKey = try SigningKey(
      pemRepresentation: try Curve25519.Signing.PrivateKey(
        rawRepresentation: [UInt8](repeating: 2, count: 32)
      ).pemRepresentation)
    log = try LogSigner(
      origin: "fuzz.amexist.example/log",
      key: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 32)))
    let keysFrom = try Instant(parsing: "2026-01-01T00:00:00Z")
    now = try Instant(parsing: "2026-11-25T12:00:00Z")
    today = try CalendarDate(parsing: "2026-11-25")
    let siret = try SIRET("73282932000074")
    let history = [
      LoggedEvent(
        index: 4,
        recorded: RecordedEvent(
          recordedAt: keysFrom,
          event: .serviceRegistered(
            ServiceRegistered(
              siret: siret,
              profile: try ServiceProfile(name: "Santé Travail Fuzz", city: "Lyon", region: "84"))
          ))),
      LoggedEvent(
        index: 5,
        recorded: RecordedEvent(
          recordedAt: keysFrom,
          event: .levelGranted(
            try LevelGranted(
              siret: siret, level: .certification, decided: try CalendarDate(parsing: "2026-01-10"),
              validFrom: nil, validUntil: try CalendarDate(parsing: "2029-01-09"),
              evaluator: "AFNOR Certification", reference: nil, corrects: nil)))),
    ]
    guard let state = ServiceState.fold(history, at: now),
      let claims = AttestationClaims(
        state: state, id: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", issuer: issuer,
        issuedAt: now)
    else { throw FixtureError() }
    self.claims = claims
    let payload = claims.payload
    let token = try CompactJWS.sign(
      payload: payload, key: issuerKey, kid: kid, type: AttestationClaims.jwsType)
    let issued = try AttestationIssued(
      siret: siret, attestationID: claims.id, decisionIndex: claims.decisionIndex,
      payloadSHA256: PayloadHash.hex(of: payload))
    let entry = EventCoding.encode(
      RecordedEvent(recordedAt: claims.validFrom, event: .attestationIssued(issued)))
    // A log of three leaves, the attestation at index 1: root = H(H(l0, l1), l2).
    let leaves = [Array("filler 0".utf8), entry, Array("filler 2".utf8)].map(Merkle.leafHash)
    let root = Merkle.nodeHash(Merkle.nodeHash(leaves[0], leaves[1]), leaves[2])
    let checkpoint = try log.sign(size: 3, root: root)
    let evidence = InclusionEvidence(
      index: 1, proof: [leaves[0], leaves[2]], checkpointNote: checkpoint.note)
    let bundle = AttestationBundle(jws: token, evidence: evidence)
    let trust = TrustFile(
      issuer: issuer,
      keys: [
        TrustedKey(
          kid: kid, publicKey: issuerKey.publicKey, validFrom: keysFrom, validUntil: nil,
          revokedAt: nil)
      ], log: log.verifier)
    let verifier = AttestationVerifier(trust: trust)
    documents = AttestationPDFVerifier(verifier: verifier, origins: [issuer])
    let bundleBytes = CanonicalJSON.encode(bundle.json)
    let pdf = try AttestationPDF.render(
      AttestationSheet(
        claims: claims, kid: kid, algorithm: .edDSA, logIndex: 1, logOrigin: log.verifier.name),
      bundle: bundleBytes, language: .french,
      link: try VerificationLink(origin: issuer, uuid: claims.uuid))
    let trustBytes = CanonicalJSON.encode(trust.json)
    seeds = [
      .json: [bundleBytes, trustBytes, Array(#"{"a":[1,-2.5e3,true,null,"\u00e9"]}"#.utf8)],
      .jws: [Array(token.utf8)],
      .note: [Array(checkpoint.note.utf8)],
      .proof: [
        Array(evidence.text.utf8),
        [0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]
          + leaves[1].bytes + leaves[0].bytes + leaves[2].bytes,
      ],
      .bundle: [bundleBytes, Array(token.utf8), pdf],
      .trust: [trustBytes],
      .csv: [
        Array(
          "siret,name,city,region,level,decided,valid_until\n73282932000074,\"Santé, Travail\",Lyon,84,2,2026-01-10,2029-01-09\n"
            .utf8)
      ],
      .admin: [
        [0] + Array(#"{"siret":"73282932000074","name":"Service","region":"84"}"#.utf8),
        [0]
          + Array(
            #"{"decision":"grant","level":2,"decided":"2026-11-01","validUntil":"2029-11-01"}"#.utf8
          ),
        [1] + Array("siret,name\n73282932000074,Service\n".utf8),
      ],
    ]
  }

  struct FixtureError: Error {}
}

extension FuzzFixture {
  /// Whether `input` verifies as the fixture's attestation (bundle, bare JWS or PDF).
  public func verifies(_ input: [UInt8]) -> Bool {
    let report = documents.verifyUpload(input, now: now).report
    return report.attestation?.claims.id == claims.id && report.failure == nil
  }
}
