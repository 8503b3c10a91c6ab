// The fuzz driver: one executable, one target per run, chosen by the first argument (`MashupFuzz plan CORPUS
// -max_total_time=60`). Built two ways (see the Makefile, `make fuzz`):
// - a normal `swift build`: FUZZING is not defined, and `main` only says how to build the fuzzer, so the package
//   builds and tests as before;
// - `make fuzz`: every Swift module is built with `-sanitize=address -sanitize-coverage=edge,...` and `-D FUZZING`,
//   and linked with libFuzzer's no-main runtime. SwiftPM links an executable with `--defsym main=MashupFuzz_main`,
//   so this module defines `MashupFuzz_main`, which picks the target and hands over to `LLVMFuzzerRunDriver`.
//   (`-sanitize=fuzzer` would also link libFuzzer's own `main`, which clashes with that symbol.)
import Foundation

#if FUZZING
    // swift-format-ignore: AlwaysUseLowerCamelCase
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The target of this run (set once in `main`, before libFuzzer starts calling back).
    nonisolated(unsafe) var selectedTarget: FuzzTarget?

    @_cdecl("MashupFuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        guard argc >= 2, let argv, let first = argv[1], let target = FuzzTarget(rawValue: String(cString: first)) else {
            FileHandle.standardError.write(Data(FuzzTarget.usage.utf8))
            return 2
        }
        selectedTarget = target
        // Drop the target name: libFuzzer sees `MashupFuzz CORPUS -flags...`.
        argv[1] = argv[0]
        var count = argc - 1
        var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv + 1
        return LLVMFuzzerRunDriver(&count, &vector) { data, size in
            let bytes = UnsafeBufferPointer(start: size > 0 ? data : nil, count: size)
            selectedTarget?.run(bytes)
            return 0
        }
    }
#else
    @main
    struct FuzzMain {
        static func main() {
            // Run one input through a target without libFuzzer (reproducing a crash file): `MashupFuzz TARGET FILE`.
            let arguments = CommandLine.arguments
            guard arguments.count == 3, let target = FuzzTarget(rawValue: arguments[1]),
                let data = FileManager.default.contents(atPath: arguments[2])
            else {
                FileHandle.standardError.write(
                    Data(
                        ("This build has no fuzzer: run `make fuzz` to build and run it.\n"
                            + "Reproduce one input: MashupFuzz TARGET FILE\n" + FuzzTarget.usage).utf8))
                exit(2)
            }
            [UInt8](data).withUnsafeBufferPointer { target.run($0) }
            print("ok: \(target.rawValue) ran \(arguments[2]) without a trap")
        }
    }
#endif
