// The worker's side (`mashup worker`): read the job from standard input, run it with a `ServeJobExecutor` in a
// context whose store is a local copy of the job that forwards every change to the parent as a report line
// (descriptor 3), take render slots from the parent, and end with one `result` or `failure` line.
//
// The parent is the only writer of the durable store; the worker never touches it. When the parent dies, the
// worker's standard input reaches end-of-file and the worker exits at once (no orphan keeps rendering).
import Foundation
import Orchestrator
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs one job in a worker process.
public enum WorkerJobHost {
    /// The descriptor reports go to.
    static let reportFD: Int32 = 3

    /// Reads the spec, runs the job with the executor `makeExecutor` builds for it (URL policy, download limit; the
    /// closure it is given reports remote service calls), writes the answer. - Returns: the exit code (0: answered).
    public static func run(
        makeExecutor: (WorkerJobSpec, @escaping @Sendable (ServiceKind, Bool) -> Void) throws -> ServeJobExecutor
    ) async -> Int32 {
        let channel = WorkerChannel(input: 0, output: reportFD)
        guard let first = channel.readSpecLine() else {
            FileHandle.standardError.write(Data("mashup worker: no job on standard input\n".utf8))
            return 2
        }
        let spec: WorkerJobSpec
        do {
            spec = try WorkerWire.decode(WorkerJobSpec.self, from: first)
        } catch {
            FileHandle.standardError.write(Data("mashup worker: unreadable job spec: \(error)\n".utf8))
            return 2
        }
        channel.startReadingCommands()
        WorkerTestHooks.apply(ProcessInfo.processInfo.environment)
        let store = WorkerReportingStore(channel: channel)
        let answer: WorkerMessage
        do {
            try await store.seed(spec.record)
            let executor = try makeExecutor(spec) { service, succeeded in
                channel.send(WorkerMessage(.serviceAttempt, service: service, succeeded: succeeded))
            }
            let workspace = JobWorkspace(root: URL(fileURLWithPath: spec.workspaceRoot, isDirectory: true), jobID: spec.jobID)
            let context = JobContext.forRunner(jobID: spec.jobID, workspace: workspace, store: store,
                                               limiter: RenderLimiter(limit: 1), events: JobEventHub(),
                                               slotBroker: ParentSlotBroker(channel: channel))
            answer = WorkerMessage(.result, result: try await executor.execute(id: spec.jobID, context: context))
        } catch {
            answer = WorkerMessage(.failure, failure: ErrorClassifier.classify(error))
        }
        return channel.send(answer) ? 0 : 3
    }
}

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
            _exit(4)
        }
    }

    /// Writes one report line. - Returns: false when the parent is gone (the process then exits).
    @discardableResult
    func send(_ message: WorkerMessage) -> Bool {
        guard let data = try? WorkerWire.line(message) else { return false }
        let written = writeLock.withLock { _ -> Bool in
            data.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let count = write(output, raw.baseAddress! + offset, raw.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += count
                }
                return true
            }
        }
        if !written { _exit(4) }
        return written
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
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            pending.append(contentsOf: buffer[0..<count])
        }
    }
}

/// Render slots from the parent (which holds the node's limiter).
struct ParentSlotBroker: RenderSlotBroker {
    let channel: WorkerChannel

    func acquire() async throws {
        channel.send(WorkerMessage(.acquireRenderSlot))
        await channel.awaitGrant()
    }

    func release() async {
        channel.send(WorkerMessage(.releaseRenderSlot))
    }
}

/// The worker's job store: a local copy of the one job, each change applied with the same record rules and then
/// forwarded to the parent (progress as `progress`, free-field changes as `record`).
actor WorkerReportingStore: JobStore {
    private let local = InMemoryJobStore()
    private let channel: WorkerChannel

    init(channel: WorkerChannel) { self.channel = channel }

    func seed(_ record: JobRecord) async throws { try await local.create(record) }

    func create(_ record: JobRecord) async throws { try await local.create(record) }

    func get(_ id: String) async throws -> JobRecord? { await local.get(id) }

    func list(states: Set<JobState>?) async throws -> [JobRecord] { await local.list(states: states) }

    @discardableResult
    func updateProgress(_ id: String, _ update: ProgressUpdate) async throws -> JobRecord {
        let record = try await local.updateProgress(id, update)
        channel.send(WorkerMessage(.progress, progress: update))
        return record
    }

    @discardableResult
    func transition(_ id: String, to state: JobState, failure: JobFailure?, result: JobResult?) async throws -> JobRecord {
        try await local.transition(id, to: state, failure: failure, result: result)
    }

    @discardableResult
    func modify(_ id: String, _ change: @Sendable (inout JobRecord) -> Void) async throws -> JobRecord {
        let record = try await local.modify(id, change)
        channel.send(WorkerMessage(.record, record: record))
        return record
    }

    @discardableResult
    func delete(_ id: String) async throws -> JobRecord? { await local.delete(id) }

    func removeFinished(createdBefore cutoff: Date) async throws -> [JobRecord] {
        await local.removeFinished(createdBefore: cutoff)
    }
}

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
