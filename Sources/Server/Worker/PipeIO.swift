// Why pointer code here: write(2) and read(2) on the worker's pipes take raw buffers. This file is the only one of
// the worker protocol that touches them; WorkerChannel (child side) and WorkerProcess (parent side) call it.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whole writes and blocking reads on a pipe's file descriptor, retrying when a signal interrupts them (EINTR).
enum PipeIO {
    /// Writes all of `data` to `fd`. - Returns: false when the other end is gone or the write failed.
    static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
    }

    /// Reads what is available from `fd` into the start of `buffer`, waiting for at least one byte.
    /// - Returns: the byte count; 0 at end of file; negative on an error.
    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            return count
        }
    }
}
