import Foundation

/// Who holds a running job and until when, with the job's attempt count and cancel request.
public struct JobLease: Sendable, Equatable, Codable {
    /// The node that claimed the job (nil when the job is not leased: queued, finished, or run without a queue).
    public var owner: String?
    /// When the lease runs out unless renewed (nil when not leased).
    public var expiresAt: Date?
    /// How many times the job was claimed (1 on its first run).
    public var attempts: Int
    /// Whether some node asked for the job to be cancelled; the running node polls this.
    public var cancelRequested: Bool

    public init(owner: String? = nil, expiresAt: Date? = nil, attempts: Int = 0, cancelRequested: Bool = false) {
        self.owner = owner
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.cancelRequested = cancelRequested
    }
}

/// What one pass of `requeueExpiredLeases` did.
public struct LeaseRecovery: Sendable, Equatable {
    /// Jobs put back in the queue (their node stopped renewing).
    public var requeued: [JobRecord] = []
    /// Jobs failed because they had used up their attempts.
    public var failed: [JobRecord] = []

    public init(requeued: [JobRecord] = [], failed: [JobRecord] = []) {
        self.requeued = requeued
        self.failed = failed
    }
}

/// Errors of the queue operations.
public enum JobQueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `renewLease` by a node that no longer holds the job (it expired and another node took it, or it finished).
    case leaseLost(id: String, nodeID: String, owner: String?, state: JobState)
    /// A lease length or attempt limit out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .leaseLost(let id, let node, let owner, let state):
            "job \(id): node \(node) lost its lease (owner \(owner ?? "none"), state \(state.rawValue))"
        case .invalidArgument(let text): text
        }
    }
}

/// A job store shared by several nodes: a queue with leases, cancellation from any node, and the ETA history.
///
/// A node calls `claimNext` to take the oldest queued job (state → processing, lease owner and expiry written
/// atomically: no two nodes ever get the same job), renews the lease while it runs, and finishes it with
/// `transition`. Some node calls `requeueExpiredLeases` periodically: a job whose node died (lease not renewed)
/// goes back to the queue, or fails after `maxAttempts` claims. On start a node calls `requeueRunningJobs(ofNode:)`
/// for the jobs it was running when it stopped. Leases are cleared whenever a job leaves `processing`.
public protocol JobQueue: JobStore {
    /// Atomically moves the oldest queued job (by creation time, then id) to processing, owned by `nodeID` until
    /// now + `leaseSeconds`, and counts the attempt. - Returns: the claimed record, or nil when the queue is empty.
    func claimNext(nodeID: String, leaseSeconds: Double) async throws -> JobRecord?

    /// Extends the lease of a job `nodeID` holds to now + `leaseSeconds`.
    /// - Returns: the new expiry.
    /// - Throws: `JobQueueError.leaseLost` when the job is not processing under `nodeID`; `JobStoreError.notFound`.
    @discardableResult
    func renewLease(_ id: String, nodeID: String, leaseSeconds: Double) async throws -> Date

    /// Ends a leased job (complete, failed or cancelled) only while `nodeID` still holds its lease, so a node whose
    /// lease expired (the job was requeued and may run elsewhere) cannot finish it a second time.
    /// - Throws: `JobQueueError.leaseLost`; `JobStoreError.notFound`, `.invalidTransition`.
    @discardableResult
    func finish(_ id: String, nodeID: String, as state: JobState, failure: JobFailure?, result: JobResult?) async throws
        -> JobRecord

    /// Jobs in processing whose lease expired before `now`: back to queued when they were claimed fewer than
    /// `maxAttempts` times, else failed with a `system` error saying the node stopped `maxAttempts` times.
    func requeueExpiredLeases(now: Date, maxAttempts: Int) async throws -> LeaseRecovery

    /// Puts every job leased by `nodeID` back in the queue (call on start, for the jobs a crash interrupted).
    /// - Returns: the requeued records.
    func requeueRunningJobs(ofNode nodeID: String) async throws -> [JobRecord]

    /// The lease of a job, or nil when there is no such job.
    func lease(of id: String) async throws -> JobLease?

    /// Asks for a job to be cancelled from any node: sets the flag the running node polls and moves the job to
    /// cancelled at once when it is not finished (status reads on every node see it).
    /// - Returns: the record after the request. - Throws: `JobStoreError.notFound`.
    @discardableResult
    func requestCancel(_ id: String, failure: JobFailure?) async throws -> JobRecord

    /// Whether a cancel was requested for the job (false when there is no such job).
    func isCancelRequested(_ id: String) async throws -> Bool

    /// Stores the phase timings of a finished job for the ETA.
    func recordTiming(_ sample: ProcessingSample) async throws

    /// The newest `limit` timing samples, oldest first (feed them to `ETAEstimator(history:)`).
    func loadTimings(limit: Int) async throws -> [ProcessingSample]
}

extension JobQueue {
    /// `requestCancel` with the default cancellation failure.
    @discardableResult
    public func requestCancel(_ id: String) async throws -> JobRecord {
        try await requestCancel(id, failure: nil)
    }
}

/// Rules shared by every queue implementation.
enum JobQueueRules {
    /// The failure of a job whose node stopped renewing its lease `attempts` times.
    static func attemptsExhausted(attempts: Int) -> JobFailure {
        JobFailure(
            .system,
            "The job was interrupted \(attempts) times: its render node stopped responding "
                + "(lease expired) on every attempt, so it was not retried again.")
    }

    static func validate(leaseSeconds: Double) throws {
        guard leaseSeconds.isFinite, leaseSeconds > 0 else {
            throw JobQueueError.invalidArgument(
                "lease length must be a positive number of seconds, got \(leaseSeconds)")
        }
    }

    static func validate(maxAttempts: Int) throws {
        guard maxAttempts >= 1 else {
            throw JobQueueError.invalidArgument("the attempt limit must be at least 1, got \(maxAttempts)")
        }
    }
}
