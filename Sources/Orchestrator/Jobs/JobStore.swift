import Foundation

/// Where jobs live. Implementations: `InMemoryJobStore` (tests, one-off CLI runs); durable SQLite/PostgreSQL stores
/// (issue 10) implement the same protocol, running each method as one transaction and applying the same
/// `JobRecord` mutation functions, so the transition table and progress rules hold everywhere.
///
/// Every method is atomic with respect to the others. Dates come from the store's clock.
public protocol JobStore: Sendable {
    /// Adds a new job (state queued). - Throws: `JobStoreError.duplicate`.
    func create(_ record: JobRecord) async throws

    /// The job with `id`, or nil.
    func get(_ id: String) async throws -> JobRecord?

    /// Jobs in `states` (all when nil), oldest first.
    func list(states: Set<JobState>?) async throws -> [JobRecord]

    /// Applies a progress report (`JobRecord.applyProgress`).
    /// - Throws: `JobStoreError.notFound`, `.notActive` when the job is not processing (e.g. cancelled meanwhile).
    @discardableResult
    func updateProgress(_ id: String, _ update: ProgressUpdate) async throws -> JobRecord

    /// Changes the state (`JobRecord.applyTransition`).
    /// - Throws: `JobStoreError.notFound`, `.invalidTransition`.
    @discardableResult
    func transition(_ id: String, to state: JobState, failure: JobFailure?, result: JobResult?) async throws
        -> JobRecord

    /// Changes the free fields (songs, workload, metadata, warnings, file paths) in one atomic read-modify-write.
    /// - Throws: `JobStoreError.notFound`; `.forbiddenChange` when `change` touched anything else.
    @discardableResult
    func modify(_ id: String, _ change: @Sendable (inout JobRecord) -> Void) async throws -> JobRecord

    /// Removes a job. - Returns: the removed record, or nil when there was none.
    @discardableResult
    func delete(_ id: String) async throws -> JobRecord?

    /// Removes finished jobs (complete, failed, cancelled) created before `cutoff`.
    /// - Returns: the removed records (their `filePaths` are for the caller to delete).
    func removeFinished(createdBefore cutoff: Date) async throws -> [JobRecord]
}

extension JobStore {
    /// `transition` without failure or result.
    @discardableResult
    public func transition(_ id: String, to state: JobState) async throws -> JobRecord {
        try await transition(id, to: state, failure: nil, result: nil)
    }

    /// All jobs, oldest first.
    public func list() async throws -> [JobRecord] { try await list(states: nil) }
}
