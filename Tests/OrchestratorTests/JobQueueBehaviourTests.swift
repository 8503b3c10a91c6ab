import Foundation
import Orchestrator
import Testing

/// One suite of behaviours run against every job queue: in memory, SQLite, PostgreSQL.
@Suite("Job queue behaviour (memory, SQLite, PostgreSQL)")
struct JobQueueBehaviourTests {
    static func songs(_ count: Int) -> [JobSong] { (0..<count).map { JobSong(songID: "s\($0)", name: "Song \($0)") } }

    /// A lease long enough that nothing expires unless the test moves the clock past it.
    static let leaseSeconds = 30.0
    /// Jobs in the concurrent claim test, and claimers (each with its own connection).
    static let concurrentJobCount = 50
    static let concurrentClaimerCount = 8

    @Test("create, get, list oldest first, filter by state, duplicate refused", arguments: QueueBackend.available)
    func createGetList(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let store = try harness.node()
        let start = harness.clock.now()
        var song = JobSong(songID: "x", name: "Ünïcode \"quoted\" 'song'", artist: "A; DROP TABLE jobs; --")
        song.storagePath = "uploads/x.wav"
        let first = JobRecord(id: "job-b", songs: [song] + Self.songs(1), createdAt: start)
        try await store.create(JobRecord(id: "job-c", songs: Self.songs(2), createdAt: start + 2))
        try await store.create(first)
        try await store.create(JobRecord(id: "job-a", songs: Self.songs(3), createdAt: start + 1))
        await #expect(throws: JobStoreError.duplicate(id: "job-a")) {
            try await store.create(JobRecord(id: "job-a", songs: Self.songs(1), createdAt: start))
        }
        #expect(try await store.get("job-b") == first)
        #expect(try await store.get("missing") == nil)
        #expect(try await store.list().map(\.id) == ["job-b", "job-a", "job-c"])
        try await store.transition("job-a", to: .processing)
        #expect(try await store.list(states: [.processing]).map(\.id) == ["job-a"])
        #expect(try await store.list(states: [.queued, .complete]).map(\.id) == ["job-b", "job-c"])
        #expect(try await store.list(states: []).isEmpty)
        #expect(try await store.delete("job-c")?.id == "job-c")
        #expect(try await store.delete("job-c") == nil)
        #expect(try await store.list().count == 2)
    }

    @Test("progress and transitions follow the record's rules exactly", arguments: QueueBackend.available)
    func progressAndTransitions(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let store = try harness.node()
        let clock = harness.clock
        var expected = JobRecord(id: "j", songs: Self.songs(2), createdAt: clock.now())
        try await store.create(expected)

        let analysis = PipelineProgress.analysis(songIndex: 0, of: 2, songName: "Song 0")
        await #expect(throws: JobStoreError.notActive(id: "j", state: .queued)) {
            try await store.updateProgress("j", analysis)
        }
        clock.advance(by: 1)
        let claimed = try #require(try await store.claimNext(nodeID: "n1", leaseSeconds: Self.leaseSeconds))
        try expected.applyTransition(to: .processing, at: clock.now())
        #expect(claimed == expected)

        clock.advance(by: 2)
        try await store.updateProgress("j", analysis)
        try expected.applyProgress(analysis, at: clock.now())
        clock.advance(by: 3.25)
        let scoring = PipelineProgress.scoring(pairIndex: 0, of: 1, firstName: "Song 0", secondName: "Song 1")
        try await store.updateProgress("j", scoring)
        try expected.applyProgress(scoring, at: clock.now())
        // Progress never goes backwards.
        try await store.updateProgress("j", ProgressUpdate(phase: .scoring, progress: 20, message: "late report"))
        try expected.applyProgress(
            ProgressUpdate(phase: .scoring, progress: 20, message: "late report"), at: clock.now())

        let modified = try await store.modify("j") { $0.warnings.append("used the embedded planner") }
        expected.warnings.append("used the embedded planner")
        expected.touch(at: clock.now())
        #expect(modified == expected)
        await #expect(throws: JobStoreError.forbiddenChange(id: "j", field: "state")) {
            try await store.modify("j") {
                _ = $0; $0 = JobRecord(id: "j", songs: [], createdAt: .distantPast)
            }
        }
        await #expect(throws: JobStoreError.invalidTransition(id: "j", from: .processing, to: .processing)) {
            try await store.transition("j", to: .processing)
        }

        clock.advance(by: 4)
        let result = JobResult(
            resultURL: "/download/j", storagePath: "generated/j.wav", title: "T",
            timeline: .array([.object(["section": .string("Drop"), "bars": .number(8)])]))
        try await store.transition("j", to: .complete, failure: nil, result: result)
        try expected.applyTransition(to: .complete, at: clock.now(), result: result)
        let stored = try #require(try await store.get("j"))
        #expect(stored == expected)
        #expect(stored.phaseDurations[.analysis] == 3.25)
        #expect(stored.metadata.completedPhases == [.analysis, .scoring])
        #expect(try await store.lease(of: "j") == JobLease(attempts: 1))
        await #expect(throws: JobStoreError.invalidTransition(id: "j", from: .complete, to: .failed)) {
            try await store.transition("j", to: .failed)
        }
        await #expect(throws: JobStoreError.notFound(id: "nope")) { try await store.transition("nope", to: .failed) }
    }

    @Test("claims take the oldest queued job first, with lease and attempt", arguments: QueueBackend.available)
    func claimOldestFirst(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let store = try harness.node()
        let start = harness.clock.now()
        // Inserted out of order; two share a creation time (then the id decides).
        for (id, offset) in [("d", 3.0), ("b", 1.0), ("a", 0.0), ("c", 1.0)] {
            try await store.create(JobRecord(id: id, songs: Self.songs(1), createdAt: start + offset))
        }
        try await store.transition("b", to: .cancelled)
        var order: [String] = []
        while let job = try await store.claimNext(nodeID: "node-1", leaseSeconds: Self.leaseSeconds) {
            #expect(job.state == .processing)
            order.append(job.id)
        }
        #expect(order == ["a", "c", "d"])
        let lease = try #require(try await store.lease(of: "c"))
        #expect(lease == JobLease(owner: "node-1", expiresAt: start + Self.leaseSeconds, attempts: 1))
        #expect(try await store.claimNext(nodeID: "node-2", leaseSeconds: Self.leaseSeconds) == nil)
        await #expect(throws: JobQueueError.self) { try await store.claimNext(nodeID: "n", leaseSeconds: 0) }
    }

    @Test("lease renew, expiry, requeue, and the old owner loses it", arguments: QueueBackend.available)
    func leaseRenewAndExpiry(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let nodeA = try harness.node()
        let nodeB = try harness.node()
        let clock = harness.clock
        try await nodeA.create(JobRecord(id: "j", songs: Self.songs(1), createdAt: clock.now()))
        _ = try #require(try await nodeA.claimNext(nodeID: "A", leaseSeconds: Self.leaseSeconds))
        try await nodeA.updateProgress("j", PipelineProgress.analysis(songIndex: 0, of: 1, songName: "Song 0"))

        clock.advance(by: 20)
        let renewed = try await nodeA.renewLease("j", nodeID: "A", leaseSeconds: Self.leaseSeconds)
        #expect(renewed == clock.now() + Self.leaseSeconds)
        await #expect(throws: JobQueueError.leaseLost(id: "j", nodeID: "B", owner: "A", state: .processing)) {
            try await nodeB.renewLease("j", nodeID: "B", leaseSeconds: Self.leaseSeconds)
        }
        clock.advance(by: 20) // 40 s after the claim, 20 s after the renewal: still leased.
        #expect(try await nodeB.requeueExpiredLeases(now: clock.now(), maxAttempts: 3) == LeaseRecovery())

        clock.advance(by: 11) // A stopped renewing: 31 s since the renewal.
        let recovery = try await nodeB.requeueExpiredLeases(now: clock.now(), maxAttempts: 3)
        #expect(recovery.requeued.map(\.id) == ["j"] && recovery.failed.isEmpty)
        let requeued = try #require(try await nodeB.get("j"))
        #expect(requeued.state == .queued && requeued.phase == nil)
        #expect(requeued.phaseDurations[.analysis] == 51)
        #expect(try await nodeB.lease(of: "j") == JobLease(attempts: 1))

        let reclaimed = try #require(try await nodeB.claimNext(nodeID: "B", leaseSeconds: Self.leaseSeconds))
        #expect(reclaimed.id == "j")
        #expect(try await nodeB.lease(of: "j")?.attempts == 2)
        await #expect(throws: JobQueueError.leaseLost(id: "j", nodeID: "A", owner: "B", state: .processing)) {
            try await nodeA.renewLease("j", nodeID: "A", leaseSeconds: Self.leaseSeconds)
        }
        // The node that lost the lease cannot finish the job; its owner can, once.
        await #expect(throws: JobQueueError.leaseLost(id: "j", nodeID: "A", owner: "B", state: .processing)) {
            try await nodeA.finish(
                "j", nodeID: "A", as: .complete, failure: nil, result: JobResult(storagePath: "a.wav"))
        }
        await #expect(throws: JobStoreError.invalidTransition(id: "j", from: .processing, to: .queued)) {
            try await nodeB.finish("j", nodeID: "B", as: .queued, failure: nil, result: nil)
        }
        let finished = try await nodeB.finish(
            "j", nodeID: "B", as: .complete, failure: nil,
            result: JobResult(storagePath: "generated/j.wav"))
        #expect(finished.state == .complete && finished.result?.storagePath == "generated/j.wav")
        await #expect(throws: JobQueueError.leaseLost(id: "j", nodeID: "B", owner: nil, state: .complete)) {
            try await nodeB.finish("j", nodeID: "B", as: .failed, failure: nil, result: nil)
        }
        #expect(try await nodeA.lease(of: "j") == JobLease(attempts: 2))
        await #expect(throws: JobQueueError.self) {
            try await nodeB.renewLease("j", nodeID: "B", leaseSeconds: Self.leaseSeconds)
        }
    }

    @Test("a job whose node keeps dying fails after the attempt limit", arguments: QueueBackend.available)
    func attemptsLimit(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let store = try harness.node()
        let clock = harness.clock
        let maxAttempts = 2
        try await store.create(JobRecord(id: "j", songs: Self.songs(1), createdAt: clock.now()))
        for attempt in 1...maxAttempts {
            _ = try #require(try await store.claimNext(nodeID: "node-\(attempt)", leaseSeconds: Self.leaseSeconds))
            clock.advance(by: Self.leaseSeconds + 1)
            let recovery = try await store.requeueExpiredLeases(now: clock.now(), maxAttempts: maxAttempts)
            if attempt < maxAttempts {
                #expect(recovery.requeued.map(\.id) == ["j"] && recovery.failed.isEmpty)
            } else {
                #expect(recovery.failed.map(\.id) == ["j"] && recovery.requeued.isEmpty)
            }
        }
        let failed = try #require(try await store.get("j"))
        #expect(failed.state == .failed)
        #expect(failed.failure?.details.type == .system)
        #expect(failed.failure?.message.contains("interrupted \(maxAttempts) times") == true)
        #expect(try await store.claimNext(nodeID: "node-3", leaseSeconds: Self.leaseSeconds) == nil)
        await #expect(throws: JobQueueError.self) {
            try await store.requeueExpiredLeases(now: clock.now(), maxAttempts: 0)
        }
    }

    @Test(
        "cancel from another node: flag, state, and the runner's next report refused", arguments: QueueBackend.available
    )
    func cancelFromAnotherNode(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let runner = try harness.node()
        let other = try harness.node()
        let clock = harness.clock
        try await runner.create(JobRecord(id: "running", songs: Self.songs(1), createdAt: clock.now()))
        try await runner.create(JobRecord(id: "waiting", songs: Self.songs(1), createdAt: clock.now() + 1))
        _ = try #require(try await runner.claimNext(nodeID: "runner", leaseSeconds: Self.leaseSeconds))
        #expect(try await runner.isCancelRequested("running") == false)

        let cancelled = try await other.requestCancel("running")
        #expect(cancelled.state == .cancelled && cancelled.failure?.details.type == .cancelled)
        #expect(try await runner.isCancelRequested("running"))
        #expect(try await runner.get("running")?.state == .cancelled)
        await #expect(throws: JobStoreError.notActive(id: "running", state: .cancelled)) {
            try await runner.updateProgress("running", PipelineProgress.planning(plannerName: "Claude"))
        }
        await #expect(throws: JobQueueError.self) {
            try await runner.renewLease("running", nodeID: "runner", leaseSeconds: Self.leaseSeconds)
        }
        try await other.requestCancel("waiting")
        #expect(try await runner.claimNext(nodeID: "runner", leaseSeconds: Self.leaseSeconds) == nil)
        #expect(try await runner.isCancelRequested("missing") == false)
        await #expect(throws: JobStoreError.notFound(id: "missing")) { try await other.requestCancel("missing") }
    }

    @Test("TTL cleanup removes old finished jobs and their files, keeps the rest", arguments: QueueBackend.available)
    func cleanupByTTL(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let store = try harness.node()
        let clock = harness.clock
        let dayInSeconds = 86_400.0
        let oldFile = harness.filesDirectory.appendingPathComponent("old.wav")
        try Data([1, 2, 3]).write(to: oldFile)
        try await store.create(JobRecord(id: "old-done", songs: Self.songs(1), createdAt: clock.now()))
        try await store.create(JobRecord(id: "old-queued", songs: Self.songs(1), createdAt: clock.now() + 1))
        try await store.modify("old-done") { $0.filePaths = [oldFile.path] }
        try await store.transition("old-done", to: .failed)
        clock.advance(by: dayInSeconds)
        try await store.create(JobRecord(id: "new-done", songs: Self.songs(1), createdAt: clock.now()))
        try await store.transition("new-done", to: .cancelled)
        clock.advance(by: 10)

        let cleaner = JobCleaner(store: store, clock: clock, timeToLiveSeconds: dayInSeconds)
        let report = try await cleaner.runOnce()
        #expect(report.removedJobIDs == ["old-done"])
        #expect(report.removedPaths == [oldFile.path])
        #expect(!FileManager.default.fileExists(atPath: oldFile.path))
        #expect(try await store.list().map(\.id) == ["old-queued", "new-done"])
    }

    @Test("concurrent claimers with their own connections never get the same job", arguments: QueueBackend.available)
    func concurrentClaimers(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let setup = try harness.node()
        let start = harness.clock.now()
        for index in 0..<Self.concurrentJobCount {
            try await setup.create(
                JobRecord(
                    id: String(format: "job-%03d", index), songs: Self.songs(1),
                    createdAt: start + Double(index)))
        }
        let nodes = try (0..<Self.concurrentClaimerCount).map { _ in try harness.node() }
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for (index, node) in nodes.enumerated() {
                group.addTask {
                    var mine: [String] = []
                    while let job = try await node.claimNext(nodeID: "node-\(index)", leaseSeconds: Self.leaseSeconds) {
                        mine.append(job.id)
                    }
                    return mine
                }
            }
            var all: [[String]] = []
            for try await mine in group { all.append(mine) }
            return all
        }
        let claimed = claims.flatMap { $0 }
        #expect(claimed.count == Self.concurrentJobCount)
        #expect(Set(claimed).count == Self.concurrentJobCount)
        #expect(try await setup.list(states: [.processing]).count == Self.concurrentJobCount)
        // Each claimer saw its jobs in creation order.
        for mine in claims { #expect(mine == mine.sorted()) }
        for (index, mine) in claims.enumerated() {
            for id in mine.prefix(3) {
                let lease = try #require(try await setup.lease(of: id))
                #expect(lease.attempts == 1)
                #expect(lease.owner.map { $0.hasPrefix("node-") } == true)
                _ = index
            }
        }
    }

    @Test("restart: the node's running jobs go back to the queue with their history", arguments: QueueBackend.available)
    func restartRequeue(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let clock = harness.clock
        do {
            let before = try harness.node()
            for index in 0..<3 {
                try await before.create(
                    JobRecord(id: "j\(index)", songs: Self.songs(1), createdAt: clock.now() + Double(index)))
            }
            _ = try await before.claimNext(nodeID: "restarting", leaseSeconds: Self.leaseSeconds)
            _ = try await before.claimNext(nodeID: "survivor", leaseSeconds: Self.leaseSeconds)
            _ = try await before.claimNext(nodeID: "restarting", leaseSeconds: Self.leaseSeconds)
            try await before.updateProgress("j0", PipelineProgress.analysis(songIndex: 0, of: 1, songName: "Song 0"))
            clock.advance(by: 5)
            try await before.updateProgress("j0", PipelineProgress.planning(plannerName: "the embedded planner"))
            clock.advance(by: 1)
        }
        let after = try harness.node()
        let requeued = try await after.requeueRunningJobs(ofNode: "restarting")
        #expect(requeued.map(\.id) == ["j0", "j2"])
        let j0 = try #require(try await after.get("j0"))
        #expect(j0.state == .queued)
        #expect(j0.phaseDurations == [.analysis: 5, .planning: 1])
        #expect(j0.metadata.completedPhases == [.analysis])
        #expect(try await after.get("j1")?.state == .processing)
        #expect(try await after.lease(of: "j1")?.owner == "survivor")
        #expect(try await after.requeueRunningJobs(ofNode: "restarting").isEmpty)
        #expect(try await after.claimNext(nodeID: "restarting", leaseSeconds: Self.leaseSeconds)?.id == "j0")
    }

    @Test("timing history persists and gives the same ETA after a restart", arguments: QueueBackend.available)
    func timingHistoryPersists(_ backend: QueueBackend) async throws {
        let harness = try QueueHarness(backend)
        let samples = (1...4).map { index in
            ProcessingSample(
                workload: JobWorkload(
                    songCount: 2, audioSeconds: 60 * Double(index), layerCount: 4,
                    outputSeconds: 90),
                phaseDurations: [
                    .analysis: 3.5 * Double(index), .scoring: 0.25, .planning: 2,
                    .stems: 1.125 * Double(index), .rendering: 7.75,
                ])
        }
        do {
            let writer = try harness.node()
            for sample in samples { try await writer.recordTiming(sample) }
        }
        let reader = try harness.node()
        #expect(try await reader.loadTimings(limit: 3) == Array(samples.suffix(3)))
        #expect(try await reader.loadTimings(limit: 100) == samples)
        #expect(try await reader.loadTimings(limit: 0).isEmpty)
        let restored = ETAEstimator(history: try await reader.loadTimings(limit: 50))
        let original = ETAEstimator(history: samples)
        let workload = JobWorkload(songCount: 2, audioSeconds: 150, layerCount: 3, outputSeconds: 80)
        for phase in ETAEstimator.predictedPhases {
            let restoredSeconds = await restored.predictedSeconds(of: phase, for: workload)
            #expect(restoredSeconds != nil)
            #expect(restoredSeconds == (await original.predictedSeconds(of: phase, for: workload)))
        }
    }
}

/// Schema creation and upgrades of the SQL stores.
@Suite("Job store schema")
struct JobStoreSchemaTests {
    @Test("a new SQLite database gets the current schema; reopening changes nothing")
    func sqliteCreates() async throws {
        let harness = try QueueHarness(.sqlite)
        let first = try #require(try harness.node() as? SQLJobStore)
        #expect(try await first.schemaVersion() == SQLJobStore.currentSchemaVersion)
        try await first.create(JobRecord(id: "kept", songs: [], createdAt: harness.clock.now()))
        let second = try #require(try harness.node() as? SQLJobStore)
        #expect(try await second.schemaVersion() == SQLJobStore.currentSchemaVersion)
        #expect(try await second.get("kept")?.id == "kept")
    }

    @Test("a version-1 SQLite database is upgraded in order and keeps its jobs")
    func sqliteUpgrades() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-upgrade-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: url) }
        let record = JobRecord(
            id: "old", songs: [JobSong(songID: "s", name: "S")], createdAt: Date(timeIntervalSince1970: 1_000))
        do {
            let old = try SQLiteJobStore(fileURL: url, schemaVersion: 1)
            #expect(try await old.schemaVersion() == 1)
            try await old.create(record)
            // Version 1 has no timing table yet.
            await #expect(throws: SQLError.self) {
                try await old.recordTiming(ProcessingSample(workload: JobWorkload(songCount: 1), phaseDurations: [:]))
            }
        }
        let store = try SQLiteJobStore(fileURL: url)
        #expect(try await store.schemaVersion() == SQLJobStore.currentSchemaVersion)
        #expect(try await store.get("old") == record)
        try await store.recordTiming(
            ProcessingSample(workload: JobWorkload(songCount: 1), phaseDurations: [.planning: 1]))
        #expect(try await store.loadTimings(limit: 5).count == 1)
    }

    @Test("the timing history keeps only the newest samples")
    func timingRetention() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-timing-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: url) }
        let retention = 3
        let store = try SQLiteJobStore(fileURL: url, timingRetention: retention)
        let samples = (1...5).map {
            ProcessingSample(workload: JobWorkload(songCount: $0), phaseDurations: [.planning: Double($0)])
        }
        for sample in samples { try await store.recordTiming(sample) }
        #expect(try await store.loadTimings(limit: 10) == Array(samples.suffix(retention)))
    }

    @Test("a database newer than the program is refused")
    func newerRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-newer-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = try SQLiteJobStore(fileURL: url)
        try SQLiteTestDatabase.execute(
            "INSERT INTO schema_version (version) VALUES (\(SQLJobStore.currentSchemaVersion + 1))",
            path: url.path)
        #expect(throws: SQLError.self) { _ = try SQLiteJobStore(fileURL: url) }
    }

    @Test("schema names spliced into DDL must be plain identifiers")
    func placeholders() {
        #expect(PostgresJobStore.isPlainIdentifier("t_abc123"))
        #expect(!PostgresJobStore.isPlainIdentifier("x; drop schema public"))
        #expect(!PostgresJobStore.isPlainIdentifier("1abc"))
    }
}
