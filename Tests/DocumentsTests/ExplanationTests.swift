import AmexistDomain
import Attestation
import Documents
import Testing

@Suite("Failures explained")
struct ExplanationTests {
  static let failures: [VerificationFailure] = [
    .malformed("x"), .invalidSignature("x"), .wrongIssuer("x"), .untrustedKey("x"),
    .keyRevoked(kid: "k", at: Instant(millisecondsSinceEpoch: 1_790_000_000_000)),
    .expired(Instant(millisecondsSinceEpoch: 1_790_000_000_000)),
    .notYetValid(Instant(millisecondsSinceEpoch: 1_790_000_000_000)), .statusUnknown("x"),
    .notInForce(.suspended), .listedInSnapshot(.withdrawn, since: "2026-11-12", reason: "Motif"),
    .logProof("x"), .documentAltered("x"), .unpinnedLink("x"), .untrustedBody("x"),
    .bodyDecision("x"), .trustExpired(Instant(millisecondsSinceEpoch: 1_790_000_000_000)),
  ]

  @Test(
    "every verification failure has its own French and English sentence, with what to do, and none repeats the English technical reason"
  )
  func everyFailure() {
    var seen: Set<String> = []
    for failure in Self.failures {
      let explanation = failure.explanation
      #expect(explanation.french != explanation.english)
      #expect(explanation.french.hasSuffix("."), "\(failure)")
      #expect(explanation.english.hasSuffix("."), "\(failure)")
      #expect(!explanation.french.contains(failure.description), "\(failure)")
      #expect(seen.insert(explanation.french).inserted, "\(failure)")
      #expect(explanation.json["fr"] == .string(explanation.french))
    }
    #expect(seen.count == Self.failures.count)
  }
}
