// Runs the jobs of `mashup serve` from a durable `JobQueue` (SQLite by default, PostgreSQL for several nodes).
//
// Submitting writes the job's spec to the shared storage (`jobs/<id>.json`) and creates the queued record; a
// small pool of worker tasks on every node claims queued jobs (`claimNext`, atomic across nodes), runs each under
// `LeaseKeeper` (lease renewed every third of its length, cancel flag polled), and ends it with `finish`, which
// only succeeds while this node still holds the lease (no job completes twice). A timer requeues jobs whose node
// stopped renewing (`requeueExpiredLeases`); on start the jobs this node was running when it died are requeued.
// Status is always read from the store, so every node answers for every job. This sits beside `JobManager`
// (which runs jobs in process, from submission) rather than replacing it: the same `JobContext`, pipeline,
// render slots and file clean-up rules apply. The work of a job (`ServeJobExecutor`) runs in this process or, with
// a `WorkerLauncher` (`mashup serve`), in a worker process whose reports the launcher applies to the same context;
// a worker that dies fails only its job (`engine_crash`), which is finished at once and never claimed again.
import Foundation
import MashupModel
import Orchestrator
import Synchronization

/// Settings of the runner.
public struct DurableRunnerSettings: Sendable, Equatable {
    /// This node's name in leases (stable across restarts, unique among nodes).
    public var nodeID: String
    public var leaseSeconds: Double
    public var maxAttempts: Int
    /// Jobs this node runs at once (analysis and planning overlap; renders also take a slot of the limiter).
    public var workerCount: Int = 2
    /// Renders at once on this node.
    public var renderLimit: Int = 1
    /// Queued jobs (all nodes) beyond which submissions answer 429.
    public var maxQueuedJobs: Int = 16
    /// Idle workers look for queued jobs this often.
    public var pollSeconds: Double = 0.2
    /// Age at which finished jobs and their files are removed.
    public var timeToLiveSeconds: Double = 86_400

    public init(nodeID: String, leaseSeconds: Double = DurableConfiguration.defaultLeaseSeconds,
                maxAttempts: Int = DurableConfiguration.defaultMaxAttempts) {
        self.nodeID = nodeID
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
    }
}

/// What the runner calls when jobs run and end (metrics).
public protocol DurableRunnerObserver: Sendable {
    func jobFinished(_ record: JobRecord)
}

/// Claims, runs, finishes and cancels durable jobs.
public final class DurableJobRunner: Sendable {
    public let queue: any JobQueue
    public let storage: any SongStorage
    public let settings: DurableRunnerSettings
    public let limiter: RenderLimiter
    public let estimator: ETAEstimator
    /// Live updates of the jobs this node runs.
    public let events = JobEventHub()
    /// Runs a job's work in this process (tests, `MASHUP_WORKER_ISOLATION=0`).
    let executor: ServeJobExecutor
    /// Runs a job's work in a worker process instead (`mashup serve`); nil: in process.
    let launcher: WorkerLauncher?
    let urlPolicy: URLPolicy
    let workspaceRoot: URL
    let observer: (any DurableRunnerObserver)?
    private let state = Mutex(RunnerState())

    private struct RunnerState {
        var accepting = true
        var started = false
        var running: [String: Task<Void, Never>] = [:]
        /// Jobs stopped by shutdown: left for the requeue, not finished.
        var abandoned: Set<String> = []
        var loops: [Task<Void, Never>] = []
    }

    /// - Parameters:
    ///   - pipeline: the whole pipeline for songs (`MashupPipeline.job`), for pipeline jobs.
    ///   - renderer: the render step for plan jobs (a `StorageResultRenderer` so results land in the storage).
    ///   - analyzer: analyses songs a plan job gives without one (nil: such songs get an empty analysis).
    ///   - workspaceRoot: where job workspaces are created (local disk of this node).
    ///   - launcher: runs each job's work in a worker process (nil: in this process).
    public init(queue: any JobQueue, storage: any SongStorage, settings: DurableRunnerSettings,
                pipeline: @escaping @Sendable ([PipelineSong]) -> JobPipeline, renderer: any MashupRenderer,
                analyzer: (any AnalysisService)? = nil, urlPolicy: URLPolicy = URLPolicy(), workspaceRoot: URL,
                downloadLimitBytes: Int = 200 * 1_048_576, launcher: WorkerLauncher? = nil, observer: (any DurableRunnerObserver)? = nil) {
        self.queue = queue
        self.storage = storage
        self.settings = settings
        executor = ServeJobExecutor(storage: storage, pipeline: pipeline, renderer: renderer, analyzer: analyzer,
                                    urlPolicy: urlPolicy, downloadLimitBytes: downloadLimitBytes)
        self.launcher = launcher
        self.urlPolicy = urlPolicy
        self.workspaceRoot = workspaceRoot
        self.observer = observer
        limiter = RenderLimiter(limit: settings.renderLimit)
        estimator = ETAEstimator()
    }

    // MARK: - Life cycle

    /// Requeues the jobs this node was running when it stopped, loads the ETA history, starts the workers, the
    /// lease-expiry timer and the TTL cleanup. - Returns: the requeued jobs.
    @discardableResult
    public func start() async throws -> [JobRecord] {
        let requeued = try await queue.requeueRunningJobs(ofNode: settings.nodeID)
        for sample in (try? await queue.loadTimings(limit: estimator.historyLimit)) ?? [] { await estimator.record(sample) }
        state.withLock { $0.started = true }
        var loops: [Task<Void, Never>] = []
        for _ in 0..<max(1, settings.workerCount) {
            loops.append(Task { [self] in await workerLoop() })
        }
        loops.append(Task { [self] in await expiryLoop() })
        loops.append(Task { [self] in await cleanupLoop() })
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
        if !leftover.isEmpty { _ = try? await queue.requeueRunningJobs(ofNode: settings.nodeID) }
        return leftover.isEmpty
    }

    /// Whether new jobs are accepted (false once shutdown began).
    public var isAccepting: Bool { state.withLock { $0.accepting } }

    /// Ids of the jobs running on this node.
    public var runningJobIDs: [String] { state.withLock { $0.running.keys.sorted() } }

    // MARK: - Requests

    /// Queues a job. - Parameter id: the job id to use (the caller's `job_id`), nil for a new UUID.
    /// - Throws: `JobRunnerError` `.queueFull` (with the seconds to wait), `.shuttingDown`, `.alreadyRunning` (id in
    ///   use by a running job), which the Server answers with 429, 503 and 409; storage errors.
    public func submit(_ spec: ServeJobSpec, id: String? = nil) async throws -> JobRecord {
        guard isAccepting else { throw JobRunnerError.shuttingDown(retryAfterSeconds: 5) }
        let queued = try await queue.list(states: [.queued]).count
        if queued >= settings.maxQueuedJobs {
            throw JobRunnerError.queueFull(queuedJobs: queued, retryAfterSeconds: max(5, Int(settings.leaseSeconds)))
        }
        let jobID = id ?? UUID().uuidString.lowercased()
        if let existing = try await queue.get(jobID) {
            guard existing.state.isTerminal else { throw JobRunnerError.alreadyRunning(jobID: jobID) }
            try await removeFiles(of: existing)
            try await queue.delete(jobID)
        }
        let specFile = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-spec-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: specFile) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(spec).write(to: specFile)
        try await storage.upload(specFile, to: ServeJobSpec.storagePath(jobID: jobID), contentType: "application/json")
        let record = JobRecord(id: jobID, songs: spec.songs.map(\.jobSong), workload: JobWorkload(songCount: spec.songs.count),
                               createdAt: Date())
        try await queue.create(record)
        return record
    }

    /// Cancels a job from any node: the store marks it cancelled at once; the node running it stops it (at its
    /// next progress report, or within a third of the lease through the cancel flag).
    /// - Throws: `JobStoreError.notFound`.
    @discardableResult
    public func cancel(_ id: String) async throws -> JobRecord {
        let record = try await queue.requestCancel(id)
        state.withLock { $0.running[id] }?.cancel()
        return record
    }

    /// The contract's status answer, read from the store.
    public func status(_ id: String) async throws -> JobStatus? {
        guard let record = try await queue.get(id) else { return nil }
        let now = Date()
        return JobStatus(record: record, now: now, remainingSeconds: await estimator.remainingSeconds(for: record, now: now))
    }

    // MARK: - Loops

    private func workerLoop() async {
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
            await run(record)
        }
    }

    private func expiryLoop() async {
        let interval = max(0.2, settings.leaseSeconds / 2)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { break }
            if let recovery = try? await queue.requeueExpiredLeases(now: Date(), maxAttempts: settings.maxAttempts) {
                for failed in recovery.failed {
                    try? await removeFiles(of: failed)
                    observer?.jobFinished(failed)
                }
            }
        }
    }

    private func cleanupLoop() async {
        let interval = min(3_600, max(1, settings.timeToLiveSeconds / 4))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { break }
            await cleanupOnce()
        }
    }

    /// Removes finished jobs older than the TTL with their files and stored results.
    public func cleanupOnce() async {
        let cutoff = Date().addingTimeInterval(-settings.timeToLiveSeconds)
        guard let removed = try? await queue.removeFinished(createdBefore: cutoff) else { return }
        for record in removed {
            try? await removeFiles(of: record)
            for ext in ServeResultFiles.extensions {
                try? await storage.remove(ServeJobSpec.resultPath(jobID: record.id, extension: ext))
                // The local copies the audio/report endpoints keep of remote results.
                try? FileRemoval.remove(resultCacheDirectory.appendingPathComponent("\(record.id).\(ext)").path)
            }
            try? await storage.remove(ServeJobSpec.storagePath(jobID: record.id))
        }
    }

    /// Where the audio and report endpoints keep local copies of results from remote storage.
    var resultCacheDirectory: URL { workspaceRoot.appendingPathComponent("result-cache", isDirectory: true) }

    // MARK: - Running one job

    private func run(_ claimed: JobRecord) async {
        let id = claimed.id
        let workspace = JobWorkspace(root: workspaceRoot, jobID: id)
        let context = JobContext.forRunner(jobID: id, workspace: workspace, store: queue, limiter: limiter, events: events)
        let queue = self.queue, settings = self.settings
        let task = Task<Void, Never> { [self] in
            let outcome: Result<JobResult, any Error>
            do {
                let result = try await LeaseKeeper.run(queue: queue, jobID: id, nodeID: settings.nodeID,
                                                       leaseSeconds: settings.leaseSeconds) { [self] in
                    try await execute(id: id, context: context)
                }
                outcome = .success(result)
            } catch {
                outcome = .failure(error)
            }
            await conclude(id: id, workspace: workspace, outcome: outcome)
        }
        state.withLock { $0.running[id] = task }
        await task.value
        state.withLock { state in
            state.running[id] = nil
            state.abandoned.remove(id)
        }
    }

    private func conclude(id: String, workspace: JobWorkspace, outcome: Result<JobResult, any Error>) async {
        let abandoned = state.withLock { $0.abandoned.contains(id) }
        // The work is over: its workspace goes before the job is seen finished (results are in the storage).
        try? workspace.remove()
        if abandoned { return }   // shutdown: requeued, to run again
        switch outcome {
        case .success(let result):
            do {
                let record = try await queue.finish(id, nodeID: settings.nodeID, as: .complete, failure: nil, result: result)
                await events.publish(record)
                let sample = ProcessingSample(workload: record.workload, phaseDurations: record.phaseDurations)
                await estimator.record(sample)
                try? await queue.recordTiming(sample)
                try? await storage.remove(ServeJobSpec.storagePath(jobID: id))
                _ = try? await queue.modify(id) { $0.filePaths.removeAll { $0 == workspace.directory.path } }
                observer?.jobFinished(record)
            } catch {
                // Lease lost meanwhile: the job runs (or ran) elsewhere; its output there is the one that counts.
            }
        case .failure(let error):
            if case LeaseInterruption.leaseLost = error { return }
            let failure = ErrorClassifier.classify(error)
            if let current = try? await queue.get(id), !current.state.isTerminal {
                let final = try? await queue.finish(id, nodeID: settings.nodeID,
                                                    as: failure.details.type == .cancelled ? .cancelled : .failed,
                                                    failure: failure, result: nil)
                if let final { await events.publish(final) }
            }
            if let current = try? await queue.get(id) {
                try? await removeFiles(of: current)
                try? await storage.remove(ServeJobSpec.storagePath(jobID: id))
                observer?.jobFinished(current)
            }
        }
    }

    /// Deletes a job's registered files (workspace, outputs) and forgets the ones that went.
    private func removeFiles(of record: JobRecord) async throws {
        var kept: [String] = []
        for path in record.filePaths {
            do { try FileRemoval.remove(path) } catch { kept.append(path) }
        }
        let remaining = kept
        if remaining != record.filePaths { _ = try? await queue.modify(record.id) { $0.filePaths = remaining } }
    }

    private func execute(id: String, context: JobContext) async throws -> JobResult {
        try context.workspace.create()
        try await context.registerFile(context.workspace.directory.path)
        guard let launcher else { return try await executor.execute(id: id, context: context) }
        guard let record = try await queue.get(id) else { throw JobStoreError.notFound(id: id) }
        let spec = WorkerJobSpec(jobID: id, record: record, workspaceRoot: workspaceRoot.path, urlPolicy: urlPolicy,
                                 downloadLimitBytes: executor.downloadLimitBytes)
        return try await launcher.run(spec, context: context)
    }

    /// A safe local file name for an upload or download: `audio.<ext>` (letters and digits, up to 5), else `audio.bin`.
    static func safeExtension(_ path: String) -> String { ServeJobExecutor.safeExtension(path) }
}

/// Errors of a serve job.
public enum ServeJobError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingSpec(jobID: String)
    case missingPlan(jobID: String)

    public var description: String {
        switch self {
        case .missingSpec(let id): "job \(id): its request (jobs/\(id).json) is missing from the storage"
        case .missingPlan(let id): "job \(id): a render job without a plan"
        }
    }
}
