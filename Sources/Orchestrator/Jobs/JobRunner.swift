// Runs jobs, in one of two modes over the same job life cycle:
// - in memory (`JobRunner(store:workspaceRoot:...)`, the CLI and tests): `submit(songs:pipeline:)` creates the
//   record and runs the pipeline at once in its own task;
// - durable (`JobRunner(queue:settings:workspaceRoot:work:...)`, `mashup serve`): `enqueue` writes the queued record
//   to a `JobQueue` (SQLite, PostgreSQL), a small pool of worker tasks on every node claims queued jobs
//   (`claimNext`, atomic across nodes) and runs each under `LeaseKeeper` (lease renewed every third of its length,
//   cancel flag polled); `finish` only succeeds while this node still holds the lease (no job completes twice). A
//   timer requeues jobs whose node stopped renewing; on `start` the jobs this node was running when it died are
//   requeued; a TTL pass removes old finished jobs with their files.
//
// Both modes give the job the same `JobContext` (progress, warnings, render slots, registered files), mark a
// cancelled job at once and stop its task, end it complete / failed (with the classified error) / cancelled, delete
// its workspace and, on failure or cancellation, every file it registered (no partial output), and record its
// phase timings for the ETA. The runner raises domain errors (`JobRunnerError`, `JobStoreError`); the faces map
// them (the Server to HTTP statuses).
import Foundation
import Synchronization

/// Settings of the durable mode.
public struct DurableRunnerSettings: Sendable, Equatable {
    /// This node's name in leases (stable across restarts, unique among nodes).
    public var nodeID: String
    public var leaseSeconds: Double
    public var maxAttempts: Int
    /// Jobs this node runs at once (analysis and planning overlap; renders also take a slot of the limiter).
    public var workerCount: Int = 2
    /// Renders at once on this node.
    public var renderLimit: Int = 1
    /// Queued jobs (all nodes) beyond which submissions are refused (`JobRunnerError.queueFull`).
    public var maxQueuedJobs: Int = 16
    /// Idle workers look for queued jobs this often.
    public var pollSeconds: Double = 0.2
    /// Age at which finished jobs and their files are removed.
    public var timeToLiveSeconds: Double = 86_400

    public init(
        nodeID: String, leaseSeconds: Double = DurableConfiguration.defaultLeaseSeconds,
        maxAttempts: Int = DurableConfiguration.defaultMaxAttempts
    ) {
        self.nodeID = nodeID
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
    }
}

/// What the runner calls when jobs end (metrics).
public protocol DurableRunnerObserver: Sendable {
    func jobFinished(_ record: JobRecord)
}

/// The work of a durable job, supplied by the face that queued it (the Server: read the job's request from the
/// shared storage, fetch its songs, run the pipeline or the render, in this process or a worker process).
public protocol DurableJobWork: Sendable {
    /// Runs job `jobID` in `context`, whose workspace exists and is registered. - Returns: the job's result.
    func execute(jobID: String, context: JobContext) async throws -> JobResult
    /// Job `jobID` ended here (complete, failed or cancelled; not when it was left for a requeue): drop what only
    /// the run needed (its stored request).
    func jobEnded(jobID: String) async
    /// The TTL removed finished job `jobID`: drop its stored results and request.
    func jobRemoved(jobID: String) async
}

/// Starts, tracks and cancels jobs, in memory or from a durable queue (see the file's note).
public typealias JobManager = JobRunner

/// Starts, tracks and cancels jobs, in memory or from a durable queue.
public final class JobRunner: Sendable {
    /// The jobs' records (the queue itself in durable mode).
    public let store: any JobStore
    public let estimator: ETAEstimator
    public let limiter: RenderLimiter
    /// Live updates of every job this runner runs.
    public let events = JobEventHub()
    /// The durable mode's queue and settings (nil in memory).
    public let durable: (queue: any JobQueue, settings: DurableRunnerSettings)?
    private let clock: any OrchestratorClock
    private let workspaceRoot: URL
    private let makeID: @Sendable () -> String
    private let work: (any DurableJobWork)?
    private let observer: (any DurableRunnerObserver)?
    private let state = Mutex(RunnerState())

    private struct RunnerState {
        var accepting = true
        var running: [String: Task<Void, Never>] = [:]
        /// Durable jobs stopped by shutdown: left for the requeue, not finished.
        var abandoned: Set<String> = []
        var loops: [Task<Void, Never>] = []
    }

    /// The in-memory mode: jobs run from submission (`submit(songs:pipeline:)`).
    /// - Parameters:
    ///   - workspaceRoot: where job workspaces are created (`<root>/<jobID>/`).
    ///   - makeID: job ids (default: lower-case UUIDs).
    public init(
        store: any JobStore, workspaceRoot: URL, clock: any OrchestratorClock = SystemClock(),
        estimator: ETAEstimator = ETAEstimator(), limiter: RenderLimiter = RenderLimiter(limit: 1),
        makeID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.store = store
        self.workspaceRoot = workspaceRoot
        self.clock = clock
        self.estimator = estimator
        self.limiter = limiter
        self.makeID = makeID
        durable = nil
        work = nil
        observer = nil
    }

    /// The durable mode: jobs are queued with `enqueue` and claimed by `start`'s workers, which run `work`.
    /// - Parameters:
    ///   - workspaceRoot: where job workspaces are created (local disk of this node).
    ///   - observer: told when jobs end (metrics).
    public init(
        queue: any JobQueue, settings: DurableRunnerSettings, workspaceRoot: URL, work: any DurableJobWork,
        observer: (any DurableRunnerObserver)? = nil
    ) {
        store = queue
        durable = (queue, settings)
        self.workspaceRoot = workspaceRoot
        self.work = work
        self.observer = observer
        clock = SystemClock()
        estimator = ETAEstimator()
        limiter = RenderLimiter(limit: settings.renderLimit)
        makeID = { UUID().uuidString.lowercased() }
    }

    // MARK: - Both modes

    /// Cancels a job: marks it cancelled at once, then stops its task (files are removed when it stops). In durable
    /// mode from any node: the node running it stops it at its next progress report, or within a third of the lease
    /// through the cancel flag.
    /// - Returns: the cancelled record; in memory, a job already finished is returned unchanged.
    /// - Throws: `JobStoreError.notFound`.
    @discardableResult
    public func cancel(_ id: String) async throws -> JobRecord {
        if let durable {
            let record = try await durable.queue.requestCancel(id)
            state.withLock { $0.running[id] }?.cancel()
            return record
        }
        guard let record = try await store.get(id) else { throw JobStoreError.notFound(id: id) }
        guard !record.state.isTerminal else { return record }
        let cancelled = try await store.transition(
            id, to: .cancelled, failure: ErrorClassifier.classify(CancellationError()),
            result: nil)
        state.withLock { $0.running[id] }?.cancel()
        await events.publish(cancelled)
        return cancelled
    }

    /// The contract's status of a job, or nil when there is none (read from the store: in durable mode every node
    /// answers for every job).
    public func status(_ id: String) async throws -> JobStatus? {
        guard let record = try await store.get(id) else { return nil }
        let now = clock.now()
        return JobStatus(
            record: record, now: now, remainingSeconds: await estimator.remainingSeconds(for: record, now: now))
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

    /// Waits until the job's task (on this node) has ended. - Returns: the final record.
    public func waitUntilFinished(_ id: String) async throws -> JobRecord? {
        if let task = state.withLock({ $0.running[id] }) { await task.value }
        return try await store.get(id)
    }

    /// Ids of the jobs running now (on this node).
    public var activeJobIDs: [String] { state.withLock { $0.running.keys.sorted() } }

    /// Ids of the jobs running on this node (same as `activeJobIDs`).
    public var runningJobIDs: [String] { activeJobIDs }

    /// Whether new jobs are accepted (false once a durable shutdown began).
    public var isAccepting: Bool { state.withLock { $0.accepting } }

    /// Cancels every running job (shutdown of the in-memory mode).
    public func cancelAll() async {
        for id in activeJobIDs { _ = try? await cancel(id) }
    }

    // MARK: - In memory

    /// Creates a job and runs `pipeline` for it in the background (in-memory mode).
    /// - Returns: the queued record (its `id` is the `jobId` to answer).
    public func submit(songs: [JobSong], workload: JobWorkload? = nil, pipeline: @escaping JobPipeline) async throws
        -> JobRecord
    {
        precondition(durable == nil, "a durable runner takes jobs through enqueue")
        let record = JobRecord(id: makeID(), songs: songs, workload: workload, createdAt: clock.now())
        try await store.create(record)
        let id = record.id
        let workspace = JobWorkspace(root: workspaceRoot, jobID: id)
        let context = JobContext(jobID: id, workspace: workspace, store: store, limiter: limiter, events: events)
        let store = self.store, estimator = self.estimator, events = self.events
        // Registered under the lock, so the task (which removes itself when done) cannot end before it is listed.
        state.withLock { runner in
            runner.running[id] = Task { [self] in
                await Self.runInMemory(context, pipeline: pipeline, store: store, estimator: estimator)
                if let final = try? await store.get(id) { await events.publish(final) }
                _ = self.state.withLock { $0.running.removeValue(forKey: id) }
            }
        }
        return record
    }

    private static func runInMemory(
        _ context: JobContext, pipeline: JobPipeline, store: any JobStore,
        estimator: ETAEstimator
    ) async {
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
                _ = try? await store.transition(
                    id, to: failure.details.type == .cancelled ? .cancelled : .failed,
                    failure: failure, result: nil)
            }
            // No partial output: the workspace and every registered output go.
            if let current = try? await store.get(id) { await removeFiles(of: current, store: store) }
        }
    }

    /// Deletes a job's registered files (workspace, outputs) and forgets the ones that went.
    static func removeFiles(of record: JobRecord, store: any JobStore) async {
        var kept: [String] = []
        for path in record.filePaths {
            do { try FileRemoval.remove(path) } catch { kept.append(path) }
        }
        let remaining = kept
        if remaining != record.filePaths { _ = try? await store.modify(record.id) { $0.filePaths = remaining } }
    }

    // MARK: - Durable

    /// Requeues the jobs this node was running when it stopped, loads the ETA history, starts the workers, the
    /// lease-expiry timer and the TTL cleanup (durable mode). - Returns: the requeued jobs.
    @discardableResult
    public func start() async throws -> [JobRecord] {
        guard let durable else { preconditionFailure("start() is for the durable mode") }
        let queue = durable.queue, settings = durable.settings
        let requeued = try await queue.requeueRunningJobs(ofNode: settings.nodeID)
        for sample in (try? await queue.loadTimings(limit: estimator.historyLimit)) ?? [] {
            await estimator.record(sample)
        }
        var loops: [Task<Void, Never>] = []
        for _ in 0..<max(1, settings.workerCount) {
            loops.append(Task { [self] in await workerLoop(queue: queue, settings: settings) })
        }
        loops.append(Task { [self] in await expiryLoop(queue: queue, settings: settings) })
        loops.append(Task { [self] in await cleanupLoop(settings: settings) })
        state.withLock { $0.loops = loops }
        return requeued
    }

    /// Stops claiming, lets running jobs finish for up to `gracePeriod`, then stops the rest and puts them back in
    /// the queue (their workspaces removed: no partial file remains; another node or the next start runs them).
    /// - Returns: true when every running job finished within the grace period.
    public func shutdown(gracePeriod: Duration) async -> Bool {
        let loops = state.withLock { state -> [Task<Void, Never>] in
            state.accepting = false
            return state.loops
        }
        for loop in loops { loop.cancel() }
        let deadline = ContinuousClock.now + gracePeriod
        while !runningJobIDs.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let leftover = state.withLock { state -> [String: Task<Void, Never>] in
            state.abandoned.formUnion(state.running.keys)
            return state.running
        }
        for task in leftover.values { task.cancel() }
        for task in leftover.values { await task.value }
        if let durable, !leftover.isEmpty {
            _ = try? await durable.queue.requeueRunningJobs(ofNode: durable.settings.nodeID)
        }
        return leftover.isEmpty
    }

    /// Queues a job (durable mode): checks that jobs are accepted and the queue has room, replaces a finished job
    /// of the same id (its files removed), lets `persist` store the job's request, then writes the queued record.
    /// - Parameters:
    ///   - id: the job id to use (the caller's), nil for a new UUID.
    ///   - persist: stores what the job's work will need, given the job id (before the record exists).
    /// - Throws: `JobRunnerError` `.shuttingDown`, `.queueFull` (with the seconds to wait), `.alreadyRunning` (id in
    ///   use by an unfinished job); store and `persist` errors.
    public func enqueue(
        songs: [JobSong], workload: JobWorkload? = nil, id: String? = nil,
        persist: @Sendable (String) async throws -> Void
    ) async throws -> JobRecord {
        guard let durable else { preconditionFailure("enqueue is for the durable mode") }
        let queue = durable.queue, settings = durable.settings
        guard isAccepting else { throw JobRunnerError.shuttingDown(retryAfterSeconds: 5) }
        let queued = try await queue.list(states: [.queued]).count
        if queued >= settings.maxQueuedJobs {
            throw JobRunnerError.queueFull(queuedJobs: queued, retryAfterSeconds: max(5, Int(settings.leaseSeconds)))
        }
        let jobID = id ?? makeID()
        if let existing = try await queue.get(jobID) {
            guard existing.state.isTerminal else { throw JobRunnerError.alreadyRunning(jobID: jobID) }
            await Self.removeFiles(of: existing, store: queue)
            try await queue.delete(jobID)
        }
        try await persist(jobID)
        let record = JobRecord(id: jobID, songs: songs, workload: workload, createdAt: Date())
        try await queue.create(record)
        return record
    }

    /// Removes finished jobs older than the TTL with their files, and lets the work drop their stored results.
    public func cleanupOnce() async {
        guard let durable else { return }
        let queue = durable.queue
        let cutoff = Date().addingTimeInterval(-durable.settings.timeToLiveSeconds)
        guard let removed = try? await queue.removeFinished(createdBefore: cutoff) else { return }
        for record in removed {
            await Self.removeFiles(of: record, store: queue)
            await work?.jobRemoved(jobID: record.id)
        }
    }

    private func workerLoop(queue: any JobQueue, settings: DurableRunnerSettings) async {
        while !Task.isCancelled, isAccepting {
            let claimed: JobRecord?
            do {
                claimed = try await queue.claimNext(nodeID: settings.nodeID, leaseSeconds: settings.leaseSeconds)
            } catch {
                claimed = nil
            }
            guard let record = claimed else {
                try? await Task.sleep(for: .seconds(settings.pollSeconds))
                continue
            }
            await run(record, queue: queue, settings: settings)
        }
    }

    private func expiryLoop(queue: any JobQueue, settings: DurableRunnerSettings) async {
        let interval = max(0.2, settings.leaseSeconds / 2)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { break }
            if let recovery = try? await queue.requeueExpiredLeases(now: Date(), maxAttempts: settings.maxAttempts) {
                for failed in recovery.failed {
                    await Self.removeFiles(of: failed, store: queue)
                    observer?.jobFinished(failed)
                }
            }
        }
    }

    private func cleanupLoop(settings: DurableRunnerSettings) async {
        let interval = min(3_600, max(1, settings.timeToLiveSeconds / 4))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { break }
            await cleanupOnce()
        }
    }

    private func run(_ claimed: JobRecord, queue: any JobQueue, settings: DurableRunnerSettings) async {
        let id = claimed.id
        let workspace = JobWorkspace(root: workspaceRoot, jobID: id)
        let context = JobContext(jobID: id, workspace: workspace, store: queue, limiter: limiter, events: events)
        let task = Task<Void, Never> { [self] in
            let outcome: Result<JobResult, any Error>
            do {
                let result = try await LeaseKeeper.run(
                    queue: queue, jobID: id, nodeID: settings.nodeID,
                    leaseSeconds: settings.leaseSeconds
                ) { [self] in
                    try context.workspace.create()
                    try await context.registerFile(context.workspace.directory.path)
                    guard let work else { throw JobStoreError.notFound(id: id) }
                    return try await work.execute(jobID: id, context: context)
                }
                outcome = .success(result)
            } catch {
                outcome = .failure(error)
            }
            await conclude(id: id, workspace: workspace, outcome: outcome, queue: queue, settings: settings)
        }
        state.withLock { $0.running[id] = task }
        await task.value
        state.withLock { state in
            state.running[id] = nil
            state.abandoned.remove(id)
        }
    }

    private func conclude(
        id: String, workspace: JobWorkspace, outcome: Result<JobResult, any Error>,
        queue: any JobQueue, settings: DurableRunnerSettings
    ) async {
        let abandoned = state.withLock { $0.abandoned.contains(id) }
        // The work is over: its workspace goes before the job is seen finished (results are in the storage).
        try? workspace.remove()
        if abandoned { return } // shutdown: requeued, to run again
        switch outcome {
        case .success(let result):
            do {
                let record = try await queue.finish(
                    id, nodeID: settings.nodeID, as: .complete, failure: nil, result: result)
                await events.publish(record)
                let sample = ProcessingSample(workload: record.workload, phaseDurations: record.phaseDurations)
                await estimator.record(sample)
                try? await queue.recordTiming(sample)
                await work?.jobEnded(jobID: id)
                _ = try? await queue.modify(id) { $0.filePaths.removeAll { $0 == workspace.directory.path } }
                observer?.jobFinished(record)
            } catch {
                // Lease lost meanwhile: the job runs (or ran) elsewhere; its output there is the one that counts.
            }
        case .failure(let error):
            if case LeaseInterruption.leaseLost = error { return }
            let failure = ErrorClassifier.classify(error)
            if let current = try? await queue.get(id), !current.state.isTerminal {
                let final = try? await queue.finish(
                    id, nodeID: settings.nodeID,
                    as: failure.details.type == .cancelled ? .cancelled : .failed,
                    failure: failure, result: nil)
                if let final { await events.publish(final) }
            }
            if let current = try? await queue.get(id) {
                await Self.removeFiles(of: current, store: queue)
                await work?.jobEnded(jobID: id)
                observer?.jobFinished(current)
            }
        }
    }
}
