// The server's side of a job run in a worker process: start `mashup worker`, send it the job, act on its report
// lines in the job's own context (progress, warnings, metadata and render slots go to the store exactly as an
// in-process run would), and turn its end into the job's result or a classified failure.
//
// A worker that traps, is killed, runs out of memory (its address space is bounded by setrlimit) or exits without
// a result fails its job with `engine_crash` (not recoverable); one over the time limit is killed with SIGKILL and
// fails the same way. Cancelling the task (DELETE, client disconnect, lease lost, shutdown) kills the worker.
// Each worker writes its temporary files in a scratch folder of its own (`WorkerScratch`), removed once it has ended.
import Foundation
import Orchestrator
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs jobs in worker processes.
public struct WorkerLauncher: Sendable {
    public let isolation: WorkerIsolation
    /// Called for every remote service call a worker reports (metrics).
    let onServiceAttempt: (@Sendable (ServiceKind, Bool) -> Void)?
    /// Called with a worker's pid when it starts and with nil when it ended (the server's list of live workers).
    let onWorker: (@Sendable (String, pid_t?) -> Void)?

    public init(
        isolation: WorkerIsolation, onServiceAttempt: (@Sendable (ServiceKind, Bool) -> Void)? = nil,
        onWorker: (@Sendable (String, pid_t?) -> Void)? = nil
    ) {
        self.isolation = isolation
        self.onServiceAttempt = onServiceAttempt
        self.onWorker = onWorker
    }

    /// Runs `spec` in a worker, reporting in `context`. - Returns: the job's result.
    /// - Throws: the worker's classified `JobFailure`; `JobFailure(.engineCrash)` when it died, was killed or
    ///   exceeded its time limit; `CancellationError` when the task was cancelled (the worker is then killed);
    ///   errors of the store while acting on its reports (the worker is then killed).
    public func run(_ spec: WorkerJobSpec, context: JobContext) async throws -> JobResult {
        let arguments = isolation.arguments + ["--job-id", spec.jobID, "--memory-mb", String(isolation.memoryLimitMB)]
        // Removed after the worker has ended (every path below waits for its exit before leaving).
        let scratch = try WorkerScratch.create(in: isolation.scratchRoot)
        defer { WorkerScratch.remove(scratch) }
        var environment = isolation.extraEnvironment
        environment["TMPDIR"] = scratch.path
        environment["MASHUP_SPOOL_DIR"] = scratch.path
        let process = try WorkerProcess(
            executable: isolation.executable, arguments: arguments, extraEnvironment: environment)
        onWorker?(spec.jobID, process.pid)
        defer { onWorker?(spec.jobID, nil) }
        let timedOut = SharedFlag()
        let timeoutSeconds = isolation.timeoutSeconds
        let watchdog = Task.detached {
            try await Task.sleep(for: .seconds(timeoutSeconds))
            timedOut.set()
            process.kill()
        }
        defer { watchdog.cancel() }
        var holdsSlot = false
        var result: JobResult?
        var failure: JobFailure?
        do {
            guard process.send(try WorkerWire.line(spec)) else { throw WorkerLauncherError.closedInput }
            try await withTaskCancellationHandler {
                for await line in process.lines {
                    let message: WorkerMessage
                    do {
                        message = try WorkerWire.decode(WorkerMessage.self, from: line)
                    } catch {
                        throw JobFailure(
                            .engineCrash,
                            "The engine failed on this input: its worker sent an unreadable "
                                + "report (\(line.count) bytes).")
                    }
                    switch message.type {
                    case .progress:
                        if let update = message.progress { try await context.report(update) }
                    case .record:
                        if let record = message.record { try await context.adoptFreeFields(of: record) }
                    case .serviceAttempt:
                        if let service = message.service { onServiceAttempt?(service, message.succeeded ?? false) }
                    case .acquireRenderSlot:
                        if !holdsSlot {
                            try await context.acquireRenderSlot()
                            holdsSlot = true
                        }
                        process.send(try WorkerWire.line(WorkerCommand(.renderSlotGranted)))
                    case .releaseRenderSlot:
                        if holdsSlot {
                            holdsSlot = false
                            await context.releaseRenderSlot()
                        }
                    case .result:
                        result = message.result
                    case .failure:
                        failure = message.failure
                    }
                }
            } onCancel: {
                process.kill()
            }
        } catch {
            process.kill()
            if holdsSlot { await context.releaseRenderSlot() }
            _ = await process.exit()
            throw error
        }
        if holdsSlot { await context.releaseRenderSlot() }
        let exit = await process.exit()
        try Task.checkCancellation()
        if exit == .exited(code: 0) {
            if let result { return result }
            if let failure { throw failure }
        }
        throw crashFailure(exit: exit, timedOut: timedOut.isSet)
    }

    /// The classified failure of a worker that ended without an answer.
    func crashFailure(exit: WorkerExit, timedOut: Bool) -> JobFailure {
        if timedOut {
            return JobFailure(
                .engineCrash,
                "The engine failed on this input: its worker took longer than the limit of "
                    + "\(String(format: "%g", isolation.timeoutSeconds)) s (MASHUP_WORKER_TIMEOUT_SECONDS) "
                    + "and was stopped.")
        }
        return JobFailure(
            .engineCrash,
            "The engine failed on this input: its worker process \(exit) (memory limit "
                + "\(isolation.memoryLimitMB) MiB, MASHUP_WORKER_MEMORY_MB). Other jobs were not affected.")
    }
}

/// Errors of the worker link.
public enum WorkerLauncherError: Error, Sendable, Equatable, CustomStringConvertible {
    case closedInput

    public var description: String {
        switch self {
        case .closedInput: "the worker closed its input before it got the job"
        }
    }
}

extension WorkerLauncherError: ClassifiableError {
    public var jobFailure: JobFailure {
        JobFailure(.engineCrash, "The engine failed on this input: \(description).")
    }
}
