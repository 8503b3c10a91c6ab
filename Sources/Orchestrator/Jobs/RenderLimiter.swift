// A FIFO semaphore for renders: at most `limit` run at once; the others wait in arrival order.
// A waiting task that is cancelled leaves the queue at once (its `acquire` throws CancellationError) without
// disturbing the order of the others. An optional queue bound makes `acquire` fail fast (the server answers 429).
import Foundation

/// Errors of the render limiter.
public enum RenderLimiterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue already holds `waiting` tasks (the bound).
    case queueFull(waiting: Int)

    public var description: String {
        switch self {
        case .queueFull(let waiting): "the render queue is full (\(waiting) waiting)"
        }
    }
}

/// Limits concurrent renders, first come first served.
public actor RenderLimiter {
    /// Renders allowed at once (≥ 1).
    public private(set) var limit: Int
    /// Longest queue accepted (nil: unbounded).
    public nonisolated let maximumQueueLength: Int?
    /// Renders holding a slot now.
    public private(set) var running = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID: UInt64 = 0

    public init(limit: Int, maximumQueueLength: Int? = nil) {
        precondition(limit >= 1, "the render limit must be at least 1")
        self.limit = limit
        self.maximumQueueLength = maximumQueueLength
    }

    /// Tasks waiting for a slot.
    public var waiting: Int { waiters.count }

    /// Whether a new `acquire` would wait (every slot taken, or others already waiting).
    public var isSaturated: Bool { running >= limit || !waiters.isEmpty }

    /// Waits for a slot in FIFO order.
    /// - Throws: `CancellationError` when the task is cancelled while waiting (no slot is then held);
    ///   `RenderLimiterError.queueFull` when the queue is at its bound.
    public func acquire() async throws {
        try Task.checkCancellation()
        if running < limit && waiters.isEmpty {
            running += 1
            return
        }
        if let maximumQueueLength, waiters.count >= maximumQueueLength {
            throw RenderLimiterError.queueFull(waiting: waiters.count)
        }
        nextWaiterID += 1
        let id = nextWaiterID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives a slot back; the longest waiting task gets it.
    public func release() {
        precondition(running > 0, "release without acquire")
        if waiters.isEmpty {
            running -= 1
        } else {
            // The slot passes straight to the first waiter: `running` is unchanged.
            waiters.removeFirst().continuation.resume()
        }
    }

    /// Changes the limit; more waiters start at once when it grows.
    public func setLimit(_ newLimit: Int) {
        precondition(newLimit >= 1, "the render limit must be at least 1")
        limit = newLimit
        while running < limit, !waiters.isEmpty {
            running += 1
            waiters.removeFirst().continuation.resume()
        }
    }

    /// Runs `body` holding a slot (released when it ends, also by throwing or cancellation).
    public func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
