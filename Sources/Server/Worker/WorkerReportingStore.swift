import Foundation
import Orchestrator

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
    func transition(_ id: String, to state: JobState, failure: JobFailure?, result: JobResult?) async throws
        -> JobRecord
    {
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
