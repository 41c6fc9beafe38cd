import FuzzTargets

#if FUZZING
  #if canImport(Glibc)
    import Glibc
  #endif

  /// The target named by `AMEXIST_FUZZ_TARGET`, read once.
  let selected: FuzzTarget = {
    guard let name = getenv("AMEXIST_FUZZ_TARGET").map({ String(cString: $0) }),
      let target = FuzzTarget(rawValue: name)
    else {
      fatalError(
        "set AMEXIST_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    return target
  }()

  /// libFuzzer's entry point (built by `Fuzz/run.sh` with `-sanitize=fuzzer,address -DFUZZING`).
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
  }

  @_silgen_name("LLVMFuzzerRunDriver")
  func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt

  /// The program's entry point. SwiftPM links an executable's entry point under the name
  /// `<module>_main` (so that tests can import executables), which leaves no `main` for
  /// libFuzzer's own: this one hands over to libFuzzer's driver.
  @_cdecl("amexist_fuzz_main")
  public func fuzzMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
  }
#else
  import Foundation

  /// Without libFuzzer: `amexist-fuzz seed DIR` writes each target's seed inputs into
  /// `DIR/<target>/`; `amexist-fuzz TARGET PATH...` runs files (or every file of folders)
  /// through a target, as the regression test does.
  @main
  enum FuzzReplay {
    static func main() throws {
      let arguments = Array(CommandLine.arguments.dropFirst())
      if arguments.count == 2, arguments[0] == "seed" {
        for (target, inputs) in FuzzFixture.shared.seeds {
          let folder = URL(fileURLWithPath: arguments[1]).appendingPathComponent(target.rawValue)
          try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
          for (number, input) in inputs.enumerated() {
            try Data(input).write(to: folder.appendingPathComponent("seed-\(number)"))
          }
        }
        return
      }
      guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(
          Data("usage: amexist-fuzz seed DIR | amexist-fuzz TARGET PATH...\n".utf8))
        exit(2)
      }
      var count = 0
      for path in arguments.dropFirst() {
        for file in FuzzInputs.files(at: path) {
          target.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
          count += 1
        }
      }
      print("\(target.rawValue): \(count) inputs ran")
    }
  }
#endif
