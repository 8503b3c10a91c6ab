import Foundation
import MashupModel
import Orchestrator
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The worker's two pipes: report lines out, the spec and slot grants in.
final class WorkerChannel: Sendable {
    let input: Int32
    let output: Int32
    private let writeLock = Mutex(())
    private let reader: LineReader
    private let grants = Mutex<(available: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
        reader = LineReader(fd: input)
    }

    /// The first line of the input (blocking); nil at end-of-file.
    func readSpecLine() -> Data? { reader.next() }

    /// Reads the parent's commands on a thread; at end-of-file (the parent is gone) the process exits.
    func startReadingCommands() {
        let reader = self.reader
        Thread.detachNewThread { [self] in
            while let line = reader.next() {
                guard let command = try? WorkerWire.decode(WorkerCommand.self, from: line) else { continue }
                switch command.type {
                case .renderSlotGranted: grant()
                }
            }
            WorkerChannel.exitParentGone()
        }
    }

    /// Writes one report line. - Returns: false when the parent is gone (the process then exits).
    @discardableResult
    func send(_ message: WorkerMessage) -> Bool {
        guard let data = try? WorkerWire.line(message) else { return false }
        let written = writeLock.withLock { _ -> Bool in SystemCalls.writeAll(data, to: output) }
        if !written { WorkerChannel.exitParentGone() }
        return written
    }

    /// The parent is gone: removes this process's temporary files (`TemporaryFiles`) and exits with status 4.
    private static func exitParentGone() -> Never {
        TemporaryFiles.removeAll()
        _exit(4)
    }

    /// Waits for the parent's next slot grant.
    func awaitGrant() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = grants.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func grant() {
        let waiter = grants.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}

/// Newline-separated lines from a descriptor; one reader thread at a time.
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private var pending = Data()
    private let lock = NSLock()

    init(fd: Int32) { self.fd = fd }

    /// The next line without its newline; nil at end-of-file or on a line over 64 MiB.
    func next() -> Data? {
        lock.lock()
        defer { lock.unlock() }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
                return line
            }
            if pending.count > WorkerProcess.maximumLineBytes { return nil }
            let count = SystemCalls.read(fd, into: &buffer)
            if count <= 0 { return nil }
            pending.append(contentsOf: buffer[0..<count])
        }
    }
}
