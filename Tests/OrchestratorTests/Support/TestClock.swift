import Foundation
import Orchestrator

/// A virtual clock. In auto-advance mode a sleep moves time forward at once (retry timing tests); otherwise
/// sleepers wait until `advance(by:)` passes their deadline (timer tests). Every requested sleep is recorded.
final class TestClock: OrchestratorClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleeps: [Double] = []
    private var sleepers: [(id: UInt64, deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0
    let autoAdvance: Bool

    init(start: Date = Date(timeIntervalSince1970: 1_800_000_000), autoAdvance: Bool = true) {
        current = start
        self.autoAdvance = autoAdvance
    }

    func now() -> Date { lock.withLock { current } }

    /// Sleeps requested so far, in seconds.
    var recordedSleeps: [Double] { lock.withLock { sleeps } }

    /// Tasks suspended in `sleep` now.
    var sleeperCount: Int { lock.withLock { sleepers.count } }

    func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        if autoAdvance {
            lock.withLock {
                sleeps.append(seconds)
                current += seconds
            }
            return
        }
        let id: UInt64 = lock.withLock {
            nextID += 1; return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.withLock {
                    sleeps.append(seconds)
                    sleepers.append((id, current + seconds, continuation))
                }
            }
        } onCancel: {
            let removed: CheckedContinuation<Void, any Error>? = self.lock.withLock {
                guard let index = self.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return self.sleepers.remove(at: index).continuation
            }
            removed?.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes the sleepers whose deadline has passed.
    func advance(by seconds: Double) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current += seconds
            let ready = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return ready.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits until `count` tasks sleep on this clock (`timeoutSeconds` of real time only guards against a hang).
    func waitForSleepers(_ count: Int, timeoutSeconds: Double = hangFailsafeSeconds) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while sleeperCount < count {
            guard Date() < deadline else { throw TestTimeout(what: "\(count) sleepers") }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
    }
}

struct TestTimeout: Error { let what: String }

/// Longest real time a test waits for an event before it fails instead of hanging, in seconds. Only a guard
/// against a hang: no behaviour is judged by it (a loaded machine may take any time below it).
let hangFailsafeSeconds = 120.0

/// Polls `condition` until true; `timeoutSeconds` of real time only guards against a hang.
func eventually(timeoutSeconds: Double = hangFailsafeSeconds, _ condition: @Sendable () async throws -> Bool)
    async throws
{
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while try await !condition() {
        guard Date() < deadline else { throw TestTimeout(what: "condition") }
        try await Task.sleep(nanoseconds: 2_000_000)
    }
}
