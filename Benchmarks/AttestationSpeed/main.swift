import AmexistDomain
import Attestation
import Documents
import Foundation
import TransparencyLog

// Attestations signed and verified per second on one thread, as `amexist attest` and
// `amexist verify` do them (claims to canonical JSON, JWS, signature; bundle parse, strict
// checks, signature, claims), next to the raw Ed25519 operations of swift-crypto.
// Run through Benchmarks/attestations.sh, which pins it to one core next to `openssl speed`.
// Also the printable attestation: the QR code of a /v/ link, the PDF made from a bundle (which
// verifies it first) and the PDF verified (bundle, link, page rebuilt and compared), each to be
// read against the bundle verification of the same run.

let seconds = Double(CommandLine.arguments.dropFirst().first ?? "3") ?? 3
// A second argument selects one measurement (sign, verify, bulk, pdf), for profiling; `file
// BUNDLE TRUST` measures one verifier verifying BUNDLE under the trust file TRUST, over and over
// (the in-process reference of `POST /verify` in Benchmarks/http.sh).
let only = CommandLine.arguments.dropFirst(2).first

func rate(_ label: String, _ body: () throws -> Void) rethrows -> Double {
  // Warm up, then count whole iterations for the given time.
  for _ in 0..<200 { try body() }
  let start = DispatchTime.now().uptimeNanoseconds
  let deadline = start + UInt64(seconds * 1e9)
  var count = 0
  var now = start
  while now < deadline {
    for _ in 0..<100 { try body() }
    count += 100
    now = DispatchTime.now().uptimeNanoseconds
  }
  let perSecond = Double(count) / (Double(now - start) / 1e9)
  print("\(label) \(Int(perSecond))")
  return perSecond
}

if only == "file" {
  let arguments = Array(CommandLine.arguments.dropFirst(3))
  guard arguments.count == 2,
    let bundle = FileManager.default.contents(atPath: arguments[0]).map(Array.init),
    let trustBytes = FileManager.default.contents(atPath: arguments[1]).map(Array.init)
  else {
    print("usage: amexist-benchmark SECONDS file BUNDLE TRUST")
    exit(64)
  }
  let verifier = AttestationVerifier(trust: try TrustFile(bytes: trustBytes))
  let now = Instant(Date())
  guard verifier.verify(bundle, now: now).isValid else {
    print("the bundle does not verify under the trust file")
    exit(1)
  }
  _ = rate("amexist_file_verify_per_second") {
    precondition(verifier.verify(bundle, now: now).isValid)
  }
  exit(0)
}

let key = SigningKey(generating: .edDSA)
let kid = key.publicKey.keyID
let issuer = "https://registry.amexist.example"
let siret = try SIRET("73282932000074")
let issued = try Instant(parsing: "2026-11-25T10:00:00Z")
let events = [
  LoggedEvent(
    index: 1,
    recorded: RecordedEvent(
      recordedAt: issued,
      event: .serviceRegistered(
        ServiceRegistered(
          siret: siret,
          profile: try ServiceProfile(name: "Santé Travail Lyon Métropole", region: "84"))))),
  LoggedEvent(
    index: 2,
    recorded: RecordedEvent(
      recordedAt: issued,
      event: .levelGranted(
        try LevelGranted(
          siret: siret, level: .implementation, decided: try CalendarDate(parsing: "2026-01-10"),
          validUntil: try CalendarDate(parsing: "2029-01-09")))
    )
  ),
]
let state = ServiceState.fold(events, at: issued)!
let claims = AttestationClaims(
  state: state, id: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", issuer: issuer,
  issuedAt: issued)!
// The attestation's issuance is the single entry of a one-entry log.
let logSigner = try SigningKey(generating: .edDSA).logSigner(origin: "bench.amexist.example/log")
let trust = TrustFile(
  issuer: issuer,
  keys: [
    TrustedKey(
      kid: kid, publicKey: key.publicKey, validFrom: issued, validUntil: nil, revokedAt: nil)
  ],
  log: logSigner.verifier)
let verifier = AttestationVerifier(trust: trust)
let now = try Instant(parsing: "2026-12-01T00:00:00Z")
let jws = try CompactJWS.sign(
  payload: claims.payload, key: key, kid: kid, type: AttestationClaims.jwsType)
/// The log entry the registry writes when it issues `claims`.
func issuanceEntry(_ claims: AttestationClaims) throws -> [UInt8] {
  EventCoding.encode(
    RecordedEvent(
      recordedAt: issued,
      event: .attestationIssued(
        try AttestationIssued(
          siret: siret, attestationID: claims.id, decisionIndex: claims.decisionIndex,
          payloadSHA256: PayloadHash.hex(of: claims.payload)))))
}
let entry = try issuanceEntry(claims)
let checkpoint = try logSigner.sign(size: 1, root: Merkle.leafHash(entry))
let bundle = CanonicalJSON.encode(
  AttestationBundle(
    jws: jws, evidence: InclusionEvidence(index: 0, proof: [], checkpointNote: checkpoint.note)
  ).json)
precondition(verifier.verify(bundle, now: now).isValid)

if only == nil || only == "sign" {
  _ = try rate("amexist_sign_per_second") {
    _ = try CompactJWS.sign(
      payload: claims.payload, key: key, kid: kid, type: AttestationClaims.jwsType)
  }
}
if only == nil || only == "verify" {
  // A verifier of its own for each bundle: every signature is checked.
  _ = rate("amexist_verify_per_second") {
    precondition(AttestationVerifier(trust: trust).verify(bundle, now: now).isValid)
  }
}
if only == nil || only == "bulk" {
  // A folder: 256 attestations of one log, each bundle with its own inclusion proof in the
  // same checkpoint, verified by one verifier (as `amexist verify` a folder, or `/verify`).
  struct Hashes: StoredHashReader {
    var stored: [MerkleHash] = []
    func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
      indexes.map { stored[Int($0)] }
    }
  }
  var tree = Hashes()
  var tokens: [String] = []
  for n in 0..<256 {
    let id = String(format: "urn:uuid:0f8fad5b-d9cb-469f-a165-%012x", n)
    let each = AttestationClaims(state: state, id: id, issuer: issuer, issuedAt: issued)!
    tokens.append(
      try CompactJWS.sign(
        payload: each.payload, key: key, kid: kid, type: AttestationClaims.jwsType))
    let leaf = try issuanceEntry(each)
    let siblings = try tree.storedHashes(at: StoredTree.siblingIndexes(forLeaf: Int64(n)))
    tree.stored += StoredTree.hashesForLeaf(
      Int64(n), leafHash: Merkle.leafHash(leaf), siblings: siblings)
  }
  let shared = try logSigner.sign(size: 256, root: StoredTree.rootHash(size: 256, reader: tree))
  let folder = try tokens.enumerated().map { n, token in
    CanonicalJSON.encode(
      AttestationBundle(
        jws: token,
        evidence: InclusionEvidence(
          index: Int64(n),
          proof: try StoredTree.inclusionProof(index: Int64(n), size: 256, reader: tree),
          checkpointNote: shared.note)
      ).json)
  }
  let bulkVerifier = AttestationVerifier(trust: trust)
  var next = 0
  _ = rate("amexist_bulk_verify_per_second") {
    precondition(bulkVerifier.verify(folder[next], now: now).isValid)
    next = (next + 1) % folder.count
  }
}
if only == nil || only == "pdf" {
  let link = "https://registre.amexist.example/v/0f8fad5b-d9cb-469f-a165-70867728950e"
  _ = try rate("amexist_qr_encode_per_second") { _ = try QRCode(text: link) }
  let origin = "https://registre.amexist.example"
  let pdf = try AttestationPDF.render(
    bundle: bundle, verifiedBy: verifier, at: now, language: .french, origin: origin)
  let pdfVerifier = AttestationPDFVerifier(verifier: verifier, origins: [origin])
  precondition(pdfVerifier.verify(pdf, now: now).isValid)
  print("amexist_pdf_bytes \(pdf.count)")
  _ = try rate("amexist_pdf_render_per_second") {
    _ = try AttestationPDF.render(
      bundle: bundle, verifiedBy: verifier, at: now, language: .french, origin: origin)
  }
  _ = rate("amexist_pdf_verify_per_second") {
    precondition(pdfVerifier.verify(pdf, now: now).isValid)
  }
}
if only == nil {
  let message = Array(jws.utf8.prefix(400))
  let signature = try key.signature(for: message)
  _ = try rate("swiftcrypto_ed25519_sign_per_second") { _ = try key.signature(for: message) }
  _ = rate("swiftcrypto_ed25519_verify_per_second") {
    precondition(key.publicKey.isValidSignature(signature, for: message))
  }
}
