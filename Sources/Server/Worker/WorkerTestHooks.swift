import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Failure injection for the isolation tests, active only when `MASHUP_WORKER_TEST_CRASH` is set:
/// `trap` stops the worker with a trap, `memory` allocates until the address-space limit stops it, `hang` never
/// answers (the time limit must stop it).
enum WorkerTestHooks {
    static func apply(_ environment: [String: String]) {
        switch environment["MASHUP_WORKER_TEST_CRASH"] {
        case "trap":
            fatalError("MASHUP_WORKER_TEST_CRASH=trap: injected trap")
        case "memory":
            // 64 MiB blocks, every byte written (resident); the runtime stops the process when one cannot be had.
            var blocks: [[UInt8]] = []
            while true { blocks.append([UInt8](repeating: 1, count: 64 << 20)) }
        case "hang":
            while true { sleep(3_600) }
        default:
            return
        }
    }
}
