// Runs jobs: creates the record, runs the pipeline closure in its own task, feeds progress to the store,
// finishes the record (complete with the result, failed with the classified error, or cancelled), removes
// temporary and partial files, and records the phase timings for the ETA.
//
// Cancellation: `cancel(id)` marks the job cancelled in the store first (status readers see it at once), then
// cancels its task. The pipeline sees `Task.isCancelled`/`CancellationError` at its next await (a progress report
// also throws `CancellationError` once the job is no longer processing); when its task ends, the job's workspace
// and registered output files are deleted, so no partial output remains.
import Foundation

/// What a pipeline run sees of its job.
public struct JobContext: Sendable {
    public let jobID: String
    /// The job's private folder (created before the pipeline starts, removed when the job ends).
    public let workspace: JobWorkspace
    let store: any JobStore
    let limiter: RenderLimiter
    let events: JobEventHub
    /// Where render slots come from when not from `limiter` (a worker process asks its parent for one).
    var slotBroker: (any RenderSlotBroker)? = nil

    /// Reports progress.
    /// - Throws: `CancellationError` when the task is cancelled or the job is no longer processing.
    public func report(_ update: ProgressUpdate) async throws {
        try Task.checkCancellation()
        do {
            await events.publish(try await store.updateProgress(jobID, update))
        } catch JobStoreError.notActive {
            throw CancellationError()
        }
    }

    /// Adds a warning to the job (e.g. a service degraded to its embedded default).
    public func warn(_ message: String) async throws {
        await events.publish(try await store.modify(jobID) { $0.warnings.append(message) })
    }

    /// Updates the job's metadata (analyses done, scores, plan).
    public func updateMetadata(_ change: @escaping @Sendable (inout JobMetadata) -> Void) async throws {
        await events.publish(try await store.modify(jobID) { change(&$0.metadata) })
    }

    /// Updates the input size the ETA scales by (audio seconds after decoding, layers after planning).
    public func updateWorkload(_ change: @escaping @Sendable (inout JobWorkload) -> Void) async throws {
        try await store.modify(jobID) { change(&$0.workload) }
    }

    /// Registers a file or folder that belongs to the job (an output): deleted if the job fails or is cancelled,
    /// and by the TTL cleanup.
    public func registerFile(_ path: String) async throws {
        try await store.modify(jobID) { record in
            if !record.filePaths.contains(path) { record.filePaths.append(path) }
        }
    }

    /// Runs `body` holding a render slot; while waiting, the job reports its place in the queue (as phase
    /// `queued`, so the wait is not counted as render time in the ETA history). `body` should report the
    /// rendering phase when it starts.
    public func withRenderSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if let slotBroker {
            try await slotBroker.acquire()
            do {
                let value = try await body()
                await slotBroker.release()
                return value
            } catch {
                await slotBroker.release()
                throw error
            }
        }
        try await acquireRenderSlot()
        do {
            let value = try await body()
            await releaseRenderSlot()
            return value
        } catch {
            await releaseRenderSlot()
            throw error
        }
    }

    /// Takes a render slot from this node's limiter, reporting the place in line while waiting (what
    /// `withRenderSlot` does before its body; for a parent holding a slot on behalf of a worker process).
    /// - Throws: `CancellationError` when cancelled while waiting (no slot is then held).
    public func acquireRenderSlot() async throws {
        let waiting = await limiter.waiting
        if await limiter.isSaturated {
            try await report(ProgressUpdate(phase: .queued, progress: JobPhase.rendering.progressRange.lowerBound,
                                            message: "Waiting for a render slot (\(waiting + 1) in line)"))
        }
        try await limiter.acquire()
    }

    /// Gives back a slot taken with `acquireRenderSlot`.
    public func releaseRenderSlot() async {
        await limiter.release()
    }

    /// Copies the free fields (warnings, metadata, workload, file paths) of `record`, the job as a worker process
    /// changed it, into the store, and publishes the result. File paths are merged (none is forgotten).
    public func adoptFreeFields(of record: JobRecord) async throws {
        let updated = try await store.modify(jobID) { current in
            current.warnings = record.warnings
            current.metadata = record.metadata
            current.workload = record.workload
            for path in record.filePaths where !current.filePaths.contains(path) { current.filePaths.append(path) }
        }
        await events.publish(updated)
    }
}

/// The pipeline a job runs: given its context, returns the result (or throws).
public typealias JobPipeline = @Sendable (JobContext) async throws -> JobResult

/// Starts, tracks and cancels jobs over a store.
public actor JobManager {
    public nonisolated let store: any JobStore
    public nonisolated let estimator: ETAEstimator
    public nonisolated let limiter: RenderLimiter
    /// Live updates of every job this manager runs.
    public nonisolated let events = JobEventHub()
    private let clock: any OrchestratorClock
    private let workspaceRoot: URL
    private let makeID: @Sendable () -> String
    private var tasks: [String: Task<Void, Never>] = [:]

    /// - Parameters:
    ///   - workspaceRoot: where job workspaces are created (`<root>/<jobID>/`).
    ///   - makeID: job ids (default: lower-case UUIDs).
    public init(store: any JobStore, workspaceRoot: URL, clock: any OrchestratorClock = SystemClock(),
                estimator: ETAEstimator = ETAEstimator(), limiter: RenderLimiter = RenderLimiter(limit: 1),
                makeID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }) {
        self.store = store
        self.workspaceRoot = workspaceRoot
        self.clock = clock
        self.estimator = estimator
        self.limiter = limiter
        self.makeID = makeID
    }

    /// Creates a job and runs `pipeline` for it in the background.
    /// - Returns: the queued record (its `id` is the `jobId` to answer).
    public func submit(songs: [JobSong], workload: JobWorkload? = nil, pipeline: @escaping JobPipeline) async throws -> JobRecord {
        let record = JobRecord(id: makeID(), songs: songs, workload: workload, createdAt: clock.now())
        try await store.create(record)
        let id = record.id
        let workspace = JobWorkspace(root: workspaceRoot, jobID: id)
        let context = JobContext(jobID: id, workspace: workspace, store: store, limiter: limiter, events: events)
        let store = self.store, estimator = self.estimator, events = self.events
        tasks[id] = Task {
            await Self.run(context, pipeline: pipeline, store: store, estimator: estimator)
            if let final = try? await store.get(id) { await events.publish(final) }
            self.finished(id)
        }
        return record
    }

    /// Cancels a job: marks it cancelled at once, then stops its pipeline (files are removed when it stops).
    /// - Returns: the cancelled record; a job already finished is returned unchanged.
    /// - Throws: `JobStoreError.notFound`.
    @discardableResult
    public func cancel(_ id: String) async throws -> JobRecord {
        guard let record = try await store.get(id) else { throw JobStoreError.notFound(id: id) }
        guard !record.state.isTerminal else { return record }
        let cancelled = try await store.transition(id, to: .cancelled, failure: ErrorClassifier.classify(CancellationError()),
                                                   result: nil)
        tasks[id]?.cancel()
        await events.publish(cancelled)
        return cancelled
    }

    /// The contract's status of a job, or nil when there is none.
    public func status(_ id: String) async throws -> JobStatus? {
        guard let record = try await store.get(id) else { return nil }
        let now = clock.now()
        return JobStatus(record: record, now: now, remainingSeconds: await estimator.remainingSeconds(for: record, now: now))
    }

    /// The records of job `id` as they change: first its current record, then every update, ending after the
    /// terminal one (at once when the job is already finished). Nil when there is no such job.
    public func updates(_ id: String) async throws -> AsyncStream<JobRecord>? {
        let (token, stream) = await events.subscribe(id)
        guard let current = try await store.get(id) else {
            await events.unsubscribe(id, token)
            return nil
        }
        await events.publish(current, to: token)
        return stream
    }

    /// Waits until the job's task has ended. - Returns: the final record.
    public func waitUntilFinished(_ id: String) async throws -> JobRecord? {
        if let task = tasks[id] { await task.value }
        return try await store.get(id)
    }

    /// Ids of jobs whose pipeline is running now.
    public var activeJobIDs: [String] { tasks.keys.sorted() }

    /// Cancels every running job (shutdown).
    public func cancelAll() async {
        for id in tasks.keys { _ = try? await cancel(id) }
    }

    private func finished(_ id: String) { tasks[id] = nil }

    private static func run(_ context: JobContext, pipeline: JobPipeline, store: any JobStore, estimator: ETAEstimator) async {
        let id = context.jobID
        do {
            await context.events.publish(try await store.transition(id, to: .processing))
            try context.workspace.create()
            try await store.modify(id) { $0.filePaths.append(context.workspace.directory.path) }
            let result = try await pipeline(context)
            try Task.checkCancellation()
            let record = try await store.transition(id, to: .complete, failure: nil, result: result)
            await estimator.record(record)
            try? context.workspace.remove()
            _ = try? await store.modify(id) { record in
                record.filePaths.removeAll { $0 == context.workspace.directory.path }
            }
        } catch {
            let failure = ErrorClassifier.classify(error)
            if let current = try? await store.get(id), !current.state.isTerminal {
                _ = try? await store.transition(id, to: failure.details.type == .cancelled ? .cancelled : .failed,
                                                failure: failure, result: nil)
            }
            // No partial output: the workspace and every registered output go.
            if let current = try? await store.get(id) {
                var kept: [String] = []
                for path in current.filePaths {
                    do { try FileRemoval.remove(path) } catch { kept.append(path) }
                }
                let remaining = kept
                _ = try? await store.modify(id) { $0.filePaths = remaining }
            }
        }
    }
}
