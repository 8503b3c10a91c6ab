// What a job's work sees of its job: progress, warnings, metadata, workload, registered files and render slots.
// Made by `JobRunner` for the jobs it runs (both modes), and by a worker process for the job it runs for its
// parent (`forRunner`).
//
// Cancellation: a progress report throws `CancellationError` once the job is no longer processing (cancelled in
// the store) or its task is cancelled, so the work stops at its next await.
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
        try await RenderHold.waitIfHeld(progress: update.progress)
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
            try await report(
                ProgressUpdate(
                    phase: .queued, progress: JobPhase.rendering.progressRange.lowerBound,
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

extension JobContext {
    /// A context for job `jobID` that reports to `store`, takes render slots from `limiter` and publishes to `events`
    /// (a worker process running a job for its parent).
    /// - Parameter slotBroker: where render slots come from instead of `limiter` (a worker process asks its parent).
    public static func forRunner(
        jobID: String, workspace: JobWorkspace, store: any JobStore, limiter: RenderLimiter,
        events: JobEventHub, slotBroker: (any RenderSlotBroker)? = nil
    ) -> JobContext {
        JobContext(
            jobID: jobID, workspace: workspace, store: store, limiter: limiter, events: events,
            slotBroker: slotBroker)
    }
}

/// The pipeline a job runs: given its context, returns the result (or throws).
public typealias JobPipeline = @Sendable (JobContext) async throws -> JobResult
