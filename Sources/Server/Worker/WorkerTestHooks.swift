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
            var blocks: [UnsafeMutableRawPointer] = []
            while true {
                guard let block = malloc(64 << 20) else {
                    fatalError("MASHUP_WORKER_TEST_CRASH=memory: out of memory after \(blocks.count * 64) MiB")
                }
                memset(block, 1, 64 << 20)
                blocks.append(block)
            }
        case "hang":
            while true { sleep(3_600) }
        default:
            return
        }
    }
}
