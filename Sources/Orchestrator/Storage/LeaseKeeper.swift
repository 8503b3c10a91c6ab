import Foundation

/// Raised inside a leased job's work when it must stop: another node asked to cancel it, or the lease was lost
/// (the job expired and may run elsewhere; finishing it here would run it twice).
public enum LeaseInterruption: Error, Sendable, Equatable, CustomStringConvertible {
    case cancelRequested(id: String)
    case leaseLost(id: String)

    public var description: String {
        switch self {
        case .cancelRequested(let id): "job \(id): cancel requested"
        case .leaseLost(let id): "job \(id): lease lost to another node"
        }
    }
}

/// Keeps a claimed job's lease alive while its work runs.
public enum LeaseKeeper {
    /// Runs `work` while a sibling task renews the lease every `leaseSeconds / 3` and checks the cancel flag.
    /// When a cancel is requested or the lease is lost, `work` is cancelled and this throws `LeaseInterruption`.
    /// - Returns: what `work` returned.
    public static func run<T: Sendable>(
        queue: any JobQueue, jobID: String, nodeID: String, leaseSeconds: Double,
        clock: any OrchestratorClock = SystemClock(),
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try JobQueueRules.validate(leaseSeconds: leaseSeconds)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                while true {
                    try await clock.sleep(seconds: leaseSeconds / 3)
                    if try await queue.isCancelRequested(jobID) { throw LeaseInterruption.cancelRequested(id: jobID) }
                    do {
                        try await queue.renewLease(jobID, nodeID: nodeID, leaseSeconds: leaseSeconds)
                    } catch is JobQueueError {
                        throw LeaseInterruption.leaseLost(id: jobID)
                    }
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }
}
