import Foundation

/// What one cleanup pass removed.
public struct CleanupReport: Sendable, Equatable {
    public var removedJobIDs: [String] = []
    public var removedPaths: [String] = []
    /// Paths that could not be removed, with the reason.
    public var failures: [String] = []
}

/// Removes finished jobs older than the TTL, with their files, on a timer (contract: 24 h).
public actor JobCleaner {
    public nonisolated let timeToLiveSeconds: Double
    public nonisolated let intervalSeconds: Double
    private let store: any JobStore
    private let clock: any OrchestratorClock
    private var timer: Task<Void, Never>?
    /// Called after each timed pass (logging, metrics).
    private let onPass: (@Sendable (CleanupReport) -> Void)?

    /// - Parameters:
    ///   - timeToLiveSeconds: age at which a finished job is removed (default 24 h).
    ///   - intervalSeconds: time between passes (default 1 h).
    public init(
        store: any JobStore, clock: any OrchestratorClock = SystemClock(), timeToLiveSeconds: Double = 86_400,
        intervalSeconds: Double = 3_600, onPass: (@Sendable (CleanupReport) -> Void)? = nil
    ) {
        precondition(timeToLiveSeconds >= 0 && intervalSeconds > 0)
        self.store = store
        self.clock = clock
        self.timeToLiveSeconds = timeToLiveSeconds
        self.intervalSeconds = intervalSeconds
        self.onPass = onPass
    }

    /// One pass: removes finished jobs created more than the TTL ago, and their files.
    public func runOnce() async throws -> CleanupReport {
        let cutoff = clock.now().addingTimeInterval(-timeToLiveSeconds)
        var report = CleanupReport()
        for record in try await store.removeFinished(createdBefore: cutoff) {
            report.removedJobIDs.append(record.id)
            for path in record.filePaths {
                do {
                    try FileRemoval.remove(path)
                    report.removedPaths.append(path)
                } catch {
                    report.failures.append("\(path): \(error.localizedDescription)")
                }
            }
        }
        return report
    }

    /// Starts the timer: a pass every `intervalSeconds` until `stop()`.
    public func start() {
        guard timer == nil else { return }
        let clock = self.clock
        let interval = intervalSeconds
        timer = Task { [weak self] in
            while !Task.isCancelled {
                do { try await clock.sleep(seconds: interval) } catch { return }
                guard let self else { return }
                if let report = try? await self.runOnce() { await self.notify(report) }
            }
        }
    }

    /// Stops the timer.
    public func stop() {
        timer?.cancel()
        timer = nil
    }

    public var isRunning: Bool { timer != nil }

    private func notify(_ report: CleanupReport) { onPass?(report) }
}
