import Foundation

/// A job queue in memory: an actor, so every method is atomic. The reference behaviour the durable stores are
/// tested against; for tests and single-process runs (nothing survives the process).
public actor InMemoryJobQueue: JobQueue {
    private var records: [String: JobRecord] = [:]
    private var leases: [String: JobLease] = [:]
    private var timings: [ProcessingSample] = []
    private let clock: any OrchestratorClock

    public init(clock: any OrchestratorClock = SystemClock()) {
        self.clock = clock
    }

    // MARK: JobStore

    public func create(_ record: JobRecord) throws {
        guard records[record.id] == nil else { throw JobStoreError.duplicate(id: record.id) }
        records[record.id] = record
        leases[record.id] = JobLease()
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
    public func transition(_ id: String, to state: JobState, failure: JobFailure?, result: JobResult?) throws
        -> JobRecord
    {
        var record = try existing(id)
        try record.applyTransition(to: state, at: clock.now(), failure: failure, result: result)
        records[id] = record
        if state != .processing { clearLease(id) }
        return record
    }

    @discardableResult
    public func modify(_ id: String, _ change: @Sendable (inout JobRecord) -> Void) throws -> JobRecord {
        let before = try existing(id)
        var record = before
        change(&record)
        try JobStoreRules.checkFreeFieldsOnly(before: before, after: record)
        record.touch(at: clock.now())
        records[id] = record
        return record
    }

    @discardableResult
    public func delete(_ id: String) -> JobRecord? {
        leases[id] = nil
        return records.removeValue(forKey: id)
    }

    public func removeFinished(createdBefore cutoff: Date) -> [JobRecord] {
        let expired = records.values.filter { $0.state.isTerminal && $0.createdAt < cutoff }
        for record in expired {
            records[record.id] = nil
            leases[record.id] = nil
        }
        return expired.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    // MARK: JobQueue

    public func claimNext(nodeID: String, leaseSeconds: Double) throws -> JobRecord? {
        try JobQueueRules.validate(leaseSeconds: leaseSeconds)
        guard var record = list(states: [.queued]).first else { return nil }
        let now = clock.now()
        try record.applyTransition(to: .processing, at: now)
        records[record.id] = record
        var lease = leases[record.id] ?? JobLease()
        lease.owner = nodeID
        lease.expiresAt = now.addingTimeInterval(leaseSeconds)
        lease.attempts += 1
        leases[record.id] = lease
        return record
    }

    @discardableResult
    public func renewLease(_ id: String, nodeID: String, leaseSeconds: Double) throws -> Date {
        try JobQueueRules.validate(leaseSeconds: leaseSeconds)
        let record = try existing(id)
        var lease = leases[id] ?? JobLease()
        guard record.state == .processing, lease.owner == nodeID else {
            throw JobQueueError.leaseLost(id: id, nodeID: nodeID, owner: lease.owner, state: record.state)
        }
        let expiry = clock.now().addingTimeInterval(leaseSeconds)
        lease.expiresAt = expiry
        leases[id] = lease
        return expiry
    }

    @discardableResult
    public func finish(
        _ id: String, nodeID: String, as state: JobState, failure: JobFailure?,
        result: JobResult?
    ) throws -> JobRecord {
        var record = try existing(id)
        let owner = leases[id]?.owner
        guard record.state == .processing, owner == nodeID else {
            throw JobQueueError.leaseLost(id: id, nodeID: nodeID, owner: owner, state: record.state)
        }
        guard state.isTerminal else { throw JobStoreError.invalidTransition(id: id, from: record.state, to: state) }
        try record.applyTransition(to: state, at: clock.now(), failure: failure, result: result)
        records[id] = record
        clearLease(id)
        return record
    }

    public func requeueExpiredLeases(now: Date, maxAttempts: Int) throws -> LeaseRecovery {
        try JobQueueRules.validate(maxAttempts: maxAttempts)
        var recovery = LeaseRecovery()
        let expired = list(states: [.processing]).filter { record in
            guard let expiry = leases[record.id]?.expiresAt else { return false }
            return expiry < now
        }
        for var record in expired {
            let attempts = leases[record.id]?.attempts ?? 0
            if attempts >= maxAttempts {
                try record.applyTransition(
                    to: .failed, at: clock.now(),
                    failure: JobQueueRules.attemptsExhausted(attempts: attempts))
                recovery.failed.append(record)
            } else {
                try record.applyTransition(to: .queued, at: clock.now())
                recovery.requeued.append(record)
            }
            records[record.id] = record
            clearLease(record.id)
        }
        return recovery
    }

    public func requeueRunningJobs(ofNode nodeID: String) throws -> [JobRecord] {
        var requeued: [JobRecord] = []
        for var record in list(states: [.processing]) where leases[record.id]?.owner == nodeID {
            try record.applyTransition(to: .queued, at: clock.now())
            records[record.id] = record
            clearLease(record.id)
            requeued.append(record)
        }
        return requeued
    }

    public func lease(of id: String) -> JobLease? {
        records[id] == nil ? nil : (leases[id] ?? JobLease())
    }

    @discardableResult
    public func requestCancel(_ id: String, failure: JobFailure?) throws -> JobRecord {
        var record = try existing(id)
        leases[id, default: JobLease()].cancelRequested = true
        if !record.state.isTerminal {
            try record.applyTransition(
                to: .cancelled, at: clock.now(),
                failure: failure ?? ErrorClassifier.classify(CancellationError()))
            records[id] = record
            clearLease(id)
        }
        return record
    }

    public func isCancelRequested(_ id: String) -> Bool { leases[id]?.cancelRequested ?? false }

    public func recordTiming(_ sample: ProcessingSample) {
        timings.append(sample)
    }

    public func loadTimings(limit: Int) -> [ProcessingSample] {
        Array(timings.suffix(max(0, limit)))
    }

    // MARK: Helpers

    private func existing(_ id: String) throws -> JobRecord {
        guard let record = records[id] else { throw JobStoreError.notFound(id: id) }
        return record
    }

    /// Drops owner and expiry (the job left processing); keeps the attempt count and cancel flag.
    private func clearLease(_ id: String) {
        leases[id]?.owner = nil
        leases[id]?.expiresAt = nil
    }
}
