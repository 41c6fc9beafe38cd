import Foundation
import FuzzTargets
import RegistryTesting
import Testing

/// Every input the fuzzers ever crashed on (`Fuzz/Regressions/<target>/`, kept once fixed) and
/// every seed input runs through its target without stopping the process.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
  @Test(
    "A, D, E13, H: kept crashers and seeds run through each fuzz target",
    arguments: FuzzTarget.allCases)
  func regressions(_ target: FuzzTarget) throws {
    let kept = FuzzInputs.files(at: Vectors.packageRoot + "/Fuzz/Regressions/" + target.rawValue)
    for file in kept {
      target.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
    }
    let seeds = FuzzFixture.shared.seeds[target] ?? []
    #expect(!seeds.isEmpty, "each target has seed inputs")
    for seed in seeds { target.run(seed) }
  }

  @Test("the fixture's bundle and PDF verify: the bundle target starts past every check")
  func seedsVerify() {
    let seeds = FuzzFixture.shared.seeds[.bundle] ?? []
    let verified = seeds.map { FuzzFixture.shared.verifies($0) }
    // The bundle and the PDF verify whole; the bare JWS has no log proof.
    #expect(verified == [true, false, true])
  }
}
