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
            let workspace = JobWorkspace(
                root: URL(fileURLWithPath: spec.workspaceRoot, isDirectory: true), jobID: spec.jobID)
            let context = JobContext.forRunner(
                jobID: spec.jobID, workspace: workspace, store: store,
                limiter: RenderLimiter(limit: 1), events: JobEventHub(),
                slotBroker: ParentSlotBroker(channel: channel))
            answer = WorkerMessage(.result, result: try await executor.execute(id: spec.jobID, context: context))
        } catch {
            answer = WorkerMessage(.failure, failure: ErrorClassifier.classify(error))
        }
        return channel.send(answer) ? 0 : 3
    }
}
