import Foundation

/// A job store in memory: an actor, so every method is atomic. For tests and one-off command-line runs.
public actor InMemoryJobStore: JobStore {
    private var records: [String: JobRecord] = [:]
    private let clock: any OrchestratorClock

    public init(clock: any OrchestratorClock = SystemClock()) {
        self.clock = clock
    }

    public func create(_ record: JobRecord) throws {
        guard records[record.id] == nil else { throw JobStoreError.duplicate(id: record.id) }
        records[record.id] = record
    }

    public func get(_ id: String) -> JobRecord? { records[id] }

    public func list(states: Set<JobState>?) -> [JobRecord] {
        records.values
            .filter { states?.contains($0.state) ?? true }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    @discardableResult
    public func updateProgress(_ id: String, _ update: ProgressUpdate) throws -> JobRecord {
        var record = try existing(id)
        try record.applyProgress(update, at: clock.now())
        records[id] = record
        return record
    }

    @discardableResult
    public func transition(_ id: String, to state: JobState, failure: JobFailure?, result: JobResult?) throws -> JobRecord {
        var record = try existing(id)
        try record.applyTransition(to: state, at: clock.now(), failure: failure, result: result)
        records[id] = record
        return record
    }

    @discardableResult
    public func modify(_ id: String, _ change: @Sendable (inout JobRecord) -> Void) throws -> JobRecord {
        let before = try existing(id)
        var record = before
        change(&record)
        try Self.checkFreeFieldsOnly(before: before, after: record)
        record.touch(at: clock.now())
        records[id] = record
        return record
    }

    @discardableResult
    public func delete(_ id: String) -> JobRecord? {
        records.removeValue(forKey: id)
    }

    public func removeFinished(createdBefore cutoff: Date) -> [JobRecord] {
        let expired = records.values.filter { $0.state.isTerminal && $0.createdAt < cutoff }
        for record in expired { records.removeValue(forKey: record.id) }
        return expired.sorted { $0.createdAt < $1.createdAt }
    }

    private func existing(_ id: String) throws -> JobRecord {
        guard let record = records[id] else { throw JobStoreError.notFound(id: id) }
        return record
    }

    /// Rejects a `modify` that changed state, progress, result or failure (those go through their own methods).
    static func checkFreeFieldsOnly(before: JobRecord, after: JobRecord) throws {
        if before.id != after.id { throw JobStoreError.forbiddenChange(id: before.id, field: "id") }
        if before.state != after.state { throw JobStoreError.forbiddenChange(id: before.id, field: "state") }
        if before.progress != after.progress { throw JobStoreError.forbiddenChange(id: before.id, field: "progress") }
        if before.result != after.result { throw JobStoreError.forbiddenChange(id: before.id, field: "result") }
        if before.failure != after.failure { throw JobStoreError.forbiddenChange(id: before.id, field: "failure") }
    }
}
