// The jobs of `mashup serve`: the Orchestrator's `JobRunner` in its durable mode (SQLite by default, PostgreSQL for
// several nodes), with the serve-specific work around it. Submitting writes the job's spec to the shared storage
// (`jobs/<id>.json`) before the queued record exists; the work of a claimed job (`ServeJobExecutor`: fetch the
// songs, run the pipeline or render the plan) runs in this process or, with a `WorkerLauncher` (`mashup serve`), in
// a worker process whose reports the launcher applies to the same context (a worker that dies fails only its job,
// `engine_crash`); when a job ends its spec goes, and when the TTL removes it, its stored results go too. Claims,
// leases, cancellation, requeues and file clean-up are the runner's (see `JobRunner`); its refusals
// (`JobRunnerError`) are answered by `HTTPServer` with 503, 429 and 409.
import Foundation
import MashupModel
import Orchestrator

/// The former name of `ServeJobs`.
public typealias DurableJobRunner = ServeJobs

/// The durable runner of `mashup serve` with its storage, request specs and job work.
public final class ServeJobs: Sendable {
    /// The runner (durable mode).
    public let runner: JobRunner
    public let queue: any JobQueue
    public let storage: any SongStorage
    public let settings: DurableRunnerSettings
    let work: ServeJobWork

    /// - Parameters:
    ///   - pipeline: the whole pipeline for songs (`MashupPipeline.job`), for pipeline jobs.
    ///   - renderer: the render step for plan jobs (a `StorageResultRenderer` so results land in the storage).
    ///   - analyzer: analyses songs a plan job gives without one, and completes a given analysis that lacks a beat
    ///     grid, a duration or a trusted key (`AnalysisReconciler`); nil: such songs get an empty analysis.
    ///   - separation: the separation step for render jobs (nil: none configured).
    ///   - workspaceRoot: where job workspaces are created (local disk of this node).
    ///   - launcher: runs each job's work in a worker process (nil: in this process).
    public init(
        queue: any JobQueue, storage: any SongStorage, settings: DurableRunnerSettings,
        pipeline: @escaping @Sendable ([PipelineSong]) -> JobPipeline, renderer: any MashupRenderer,
        analyzer: (any AnalysisService)? = nil, separation: StemSeparation? = nil, urlPolicy: URLPolicy = URLPolicy(),
        workspaceRoot: URL,
        downloadLimitBytes: Int = 200 * 1_048_576, launcher: WorkerLauncher? = nil,
        observer: (any DurableRunnerObserver)? = nil
    ) {
        self.queue = queue
        self.storage = storage
        self.settings = settings
        let executor = ServeJobExecutor(
            storage: storage, pipeline: pipeline, renderer: renderer, analyzer: analyzer, separation: separation,
            urlPolicy: urlPolicy, downloadLimitBytes: downloadLimitBytes)
        work = ServeJobWork(
            queue: queue, storage: storage, executor: executor, launcher: launcher, urlPolicy: urlPolicy,
            workspaceRoot: workspaceRoot)
        runner = JobRunner(
            queue: queue, settings: settings, workspaceRoot: workspaceRoot, work: work, observer: observer)
    }

    public var limiter: RenderLimiter { runner.limiter }
    public var estimator: ETAEstimator { runner.estimator }
    /// Live updates of the jobs this node runs.
    public var events: JobEventHub { runner.events }
    var urlPolicy: URLPolicy { work.urlPolicy }

    // MARK: - Life cycle

    /// Requeues the jobs this node was running when it stopped, loads the ETA history, starts the workers, the
    /// lease-expiry timer and the TTL cleanup. - Returns: the requeued jobs.
    @discardableResult
    public func start() async throws -> [JobRecord] { try await runner.start() }

    /// Stops claiming, lets running jobs finish for up to `gracePeriod`, then stops the rest and puts them back in
    /// the queue. - Returns: true when every running job finished within the grace period.
    public func shutdown(gracePeriod: Duration) async -> Bool { await runner.shutdown(gracePeriod: gracePeriod) }

    /// Whether new jobs are accepted (false once shutdown began).
    public var isAccepting: Bool { runner.isAccepting }

    /// Ids of the jobs running on this node.
    public var runningJobIDs: [String] { runner.runningJobIDs }

    // MARK: - Requests

    /// Queues a job: its spec goes to the shared storage, then the queued record to the queue.
    /// - Parameter id: the job id to use (the caller's `job_id`), nil for a new UUID.
    /// - Throws: `JobRunnerError` (answered with 503, 429 with `Retry-After`, 409); storage errors.
    public func submit(_ spec: ServeJobSpec, id: String? = nil) async throws -> JobRecord {
        let storage = self.storage
        return try await runner.enqueue(
            songs: spec.songs.map(\.jobSong), workload: JobWorkload(songCount: spec.songs.count),
            id: id
        ) { jobID in
            let specFile = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mashup-spec-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: specFile) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(spec).write(to: specFile)
            try await storage.upload(
                specFile, to: ServeJobSpec.storagePath(jobID: jobID), contentType: "application/json")
        }
    }

    /// Cancels a job from any node. - Throws: `JobStoreError.notFound`.
    @discardableResult
    public func cancel(_ id: String) async throws -> JobRecord { try await runner.cancel(id) }

    /// The contract's status answer, read from the store.
    public func status(_ id: String) async throws -> JobStatus? { try await runner.status(id) }

    /// Removes finished jobs older than the TTL with their files and stored results.
    public func cleanupOnce() async { await runner.cleanupOnce() }

    /// Where the audio and report endpoints keep local copies of results from remote storage.
    var resultCacheDirectory: URL { work.resultCacheDirectory }

    /// A safe local file name for an upload or download: `audio.<ext>` (letters and digits, up to 5), else `audio.bin`.
    static func safeExtension(_ path: String) -> String { ServeJobExecutor.safeExtension(path) }
}

/// What a serve job does when the runner runs it, and what goes when it ends.
struct ServeJobWork: DurableJobWork {
    let queue: any JobQueue
    let storage: any SongStorage
    /// Runs a job's work in this process (tests, `MASHUP_WORKER_ISOLATION=0`).
    let executor: ServeJobExecutor
    /// Runs a job's work in a worker process instead (`mashup serve`); nil: in process.
    let launcher: WorkerLauncher?
    let urlPolicy: URLPolicy
    let workspaceRoot: URL

    var resultCacheDirectory: URL { workspaceRoot.appendingPathComponent("result-cache", isDirectory: true) }

    func execute(jobID: String, context: JobContext) async throws -> JobResult {
        guard let launcher else { return try await executor.execute(id: jobID, context: context) }
        guard let record = try await queue.get(jobID) else { throw JobStoreError.notFound(id: jobID) }
        let spec = WorkerJobSpec(
            jobID: jobID, record: record, workspaceRoot: workspaceRoot.path, urlPolicy: urlPolicy,
            downloadLimitBytes: executor.downloadLimitBytes)
        return try await launcher.run(spec, context: context)
    }

    func jobEnded(jobID: String) async {
        try? await storage.remove(ServeJobSpec.storagePath(jobID: jobID))
    }

    func jobRemoved(jobID: String) async {
        for ext in ServeResultFiles.extensions {
            try? await storage.remove(ServeJobSpec.resultPath(jobID: jobID, extension: ext))
            // The local copies the audio/report endpoints keep of remote results.
            try? FileRemoval.remove(resultCacheDirectory.appendingPathComponent("\(jobID).\(ext)").path)
        }
        try? await storage.remove(ServeJobSpec.storagePath(jobID: jobID))
    }
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
