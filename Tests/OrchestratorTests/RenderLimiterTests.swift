import Foundation
import Orchestrator
import Testing

/// Counts concurrent holders and records the order of entry.
actor ConcurrencyProbe {
    private(set) var current = 0
    private(set) var maximum = 0
    private(set) var order: [Int] = []
    func enter(_ id: Int) { current += 1; maximum = max(maximum, current); order.append(id) }
    func leave() { current -= 1 }
}

@Suite("Render concurrency limiter")
struct RenderLimiterTests {
    @Test("never more than the limit at once, and all finish", arguments: [1, 2, 3])
    func limitRespected(limit: Int) async throws {
        let limiter = RenderLimiter(limit: limit)
        let probe = ConcurrencyProbe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in 0..<8 {
                group.addTask {
                    try await limiter.withSlot {
                        await probe.enter(id)
                        // Hold the slot until the limit is reached or every task has entered: the maximum is
                        // then reached by construction, not by scheduling luck.
                        try await eventually {
                            let (holders, entered) = (await probe.current, await probe.order.count)
                            return holders >= limit || entered == 8
                        }
                        await probe.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await probe.maximum == limit)
        #expect(await probe.order.count == 8)
        #expect(await limiter.running == 0)
    }

    @Test("waiters are served first come, first served")
    func fifo() async throws {
        let limiter = RenderLimiter(limit: 1)
        try await limiter.acquire()
        let probe = ConcurrencyProbe()
        var tasks: [Task<Void, any Error>] = []
        for id in 0..<5 {
            tasks.append(
                Task {
                    try await limiter.withSlot {
                        await probe.enter(id); await probe.leave()
                    }
                })
            try await eventually { await limiter.waiting == id + 1 }
        }
        await limiter.release()
        for task in tasks { try await task.value }
        #expect(await probe.order == [0, 1, 2, 3, 4])
    }

    @Test("a cancelled waiter leaves the queue at once and the others keep their order")
    func cancellableWait() async throws {
        let limiter = RenderLimiter(limit: 1)
        try await limiter.acquire()
        let probe = ConcurrencyProbe()
        let first = Task {
            try await limiter.withSlot {
                await probe.enter(1); await probe.leave()
            }
        }
        try await eventually { await limiter.waiting == 1 }
        let second = Task {
            try await limiter.withSlot {
                await probe.enter(2); await probe.leave()
            }
        }
        try await eventually { await limiter.waiting == 2 }
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        #expect(await limiter.waiting == 1)
        await limiter.release()
        try await second.value
        #expect(await probe.order == [2])
        #expect(await limiter.running == 0)
    }

    @Test("a bounded queue refuses when full")
    func bounded() async throws {
        let limiter = RenderLimiter(limit: 1, maximumQueueLength: 1)
        try await limiter.acquire()
        let waiter = Task { try await limiter.acquire() }
        try await eventually { await limiter.waiting == 1 }
        await #expect(throws: RenderLimiterError.queueFull(waiting: 1)) { try await limiter.acquire() }
        await limiter.release()
        try await waiter.value
        #expect(await limiter.running == 1)
    }
}
