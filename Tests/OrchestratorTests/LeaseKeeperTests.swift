import Foundation
import Orchestrator
import Testing

@Suite("Lease keeper and durable configuration")
struct LeaseKeeperTests {
    static let leaseSeconds = 30.0

    /// Work that runs until cancelled (real time bound so a broken keeper fails instead of hanging).
    static func longWork() async throws -> String {
        try await Task.sleep(nanoseconds: 20_000_000_000)
        return "finished"
    }

    @Test("renews the lease while the work runs, then returns its value")
    func renews() async throws {
        let clock = TestClock(autoAdvance: false)
        let queue = InMemoryJobQueue(clock: clock)
        try await queue.create(JobRecord(id: "j", songs: [], createdAt: clock.now()))
        _ = try await queue.claimNext(nodeID: "n", leaseSeconds: Self.leaseSeconds)
        let gate = AsyncGate()
        let run = Task {
            try await LeaseKeeper.run(
                queue: queue, jobID: "j", nodeID: "n", leaseSeconds: Self.leaseSeconds, clock: clock
            ) {
                await gate.wait()
                return 42
            }
        }
        try await clock.waitForSleepers(1)
        clock.advance(by: Self.leaseSeconds / 3)
        try await eventually { await queue.lease(of: "j")?.expiresAt == clock.now() + Self.leaseSeconds }
        await gate.open()
        #expect(try await run.value == 42)
    }

    @Test("a cancel requested on another node interrupts the work")
    func cancelInterrupts() async throws {
        let clock = TestClock(autoAdvance: false)
        let queue = InMemoryJobQueue(clock: clock)
        try await queue.create(JobRecord(id: "j", songs: [], createdAt: clock.now()))
        _ = try await queue.claimNext(nodeID: "n", leaseSeconds: Self.leaseSeconds)
        let run = Task {
            try await LeaseKeeper.run(
                queue: queue, jobID: "j", nodeID: "n", leaseSeconds: Self.leaseSeconds, clock: clock,
                Self.longWork)
        }
        try await clock.waitForSleepers(1)
        try await queue.requestCancel("j")
        clock.advance(by: Self.leaseSeconds / 3)
        await #expect(throws: LeaseInterruption.cancelRequested(id: "j")) { try await run.value }
    }

    @Test("a lost lease interrupts the work")
    func lostLeaseInterrupts() async throws {
        let clock = TestClock(autoAdvance: false)
        let queue = InMemoryJobQueue(clock: clock)
        try await queue.create(JobRecord(id: "j", songs: [], createdAt: clock.now()))
        _ = try await queue.claimNext(nodeID: "n", leaseSeconds: Self.leaseSeconds)
        let run = Task {
            try await LeaseKeeper.run(
                queue: queue, jobID: "j", nodeID: "n", leaseSeconds: Self.leaseSeconds, clock: clock,
                Self.longWork)
        }
        try await clock.waitForSleepers(1)
        _ = try await queue.requeueRunningJobs(ofNode: "n")
        _ = try await queue.claimNext(nodeID: "other", leaseSeconds: Self.leaseSeconds)
        clock.advance(by: Self.leaseSeconds / 3)
        await #expect(throws: LeaseInterruption.leaseLost(id: "j")) { try await run.value }
    }

    @Test("configuration from the environment, with errors naming the variable")
    func configuration() throws {
        let storage = URL(fileURLWithPath: "/srv/mashup")
        let defaults = try DurableConfiguration.fromEnvironment([:], storageDirectory: storage)
        #expect(defaults.databaseURL == nil)
        #expect(defaults.sqliteFileURL.path == "/srv/mashup/jobs.sqlite")
        #expect(defaults.leaseSeconds == DurableConfiguration.defaultLeaseSeconds)
        let set = try DurableConfiguration.fromEnvironment(
            [
                "MASHUP_DATABASE_URL": "postgres://u@db:5432/mashup", "MASHUP_NODE_ID": "render-2",
                "MASHUP_LEASE_SECONDS": "12", "MASHUP_MAX_ATTEMPTS": "5", "MASHUP_CACHE_MAX_MB": "64",
            ], storageDirectory: storage)
        #expect(set.databaseURL == "postgres://u@db:5432/mashup" && set.nodeID == "render-2")
        #expect(set.leaseSeconds == 12 && set.maxAttempts == 5 && set.cacheCapacityBytes == 64 * 1_048_576)
        #expect(throws: ConfigurationError.self) {
            try DurableConfiguration.fromEnvironment(["MASHUP_DATABASE_URL": "mysql://x"], storageDirectory: storage)
        }
        #expect(throws: ConfigurationError.self) {
            try DurableConfiguration.fromEnvironment(["MASHUP_LEASE_SECONDS": "0"], storageDirectory: storage)
        }
    }
}

/// A one-shot gate tasks can wait on.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters = []
    }
}
