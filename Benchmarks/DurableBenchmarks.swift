import Foundation
import Orchestrator

/// Durable jobs: SHA-256 throughput (cache keys), and full job cycles (create, claim, 4 progress reports,
/// complete) on SQLite and, when `MASHUP_TEST_DATABASE_URL` is set (`scripts/with-postgres.sh`), PostgreSQL.
func runDurableBenchmarks(_ runner: BenchmarkRunner) {
    let hashBytes = 64 << 20
    let payload = Data(repeating: 0x5a, count: hashBytes) // SHA-256 speed does not depend on the content
    let cpuBefore = clock()
    let seconds = runner.measure("durable.sha256.64MB", runs: 3) { _ = SHA256.hash(payload) }
    // CPU time as well as wall time: on a shared machine the wall figure includes waiting for a core.
    let cpuSecondsPerHash = Double(clock() - cpuBefore) / Double(CLOCKS_PER_SEC) / 4
    if let seconds {
        runner.report([
            "name": "durable.sha256.throughput", "megabytes_per_second": 64 / seconds,
            "megabytes_per_cpu_second": 64 / cpuSecondsPerHash,
        ])
    }

    let jobCount = 200
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    var stores: [(String, () throws -> any JobQueue)] = [
        ("sqlite", { try SQLiteJobStore(fileURL: folder.appendingPathComponent("\(UUID().uuidString).sqlite")) })
    ]
    if let url = ProcessInfo.processInfo.environment["MASHUP_TEST_DATABASE_URL"], !url.isEmpty {
        stores.append(
            ("postgres", { try PostgresJobStore(url: url, schema: "bench_\(UInt32.random(in: 0...UInt32.max))") }))
    }
    for (name, open) in stores {
        guard runner.wants("durable.\(name)") else { continue }
        runner.measure("durable.\(name).job-cycle.x\(jobCount)", runs: 3, extra: ["jobs": jobCount]) {
            guard let queue = try? open() else { return }
            blockingWait { try await cycle(queue, jobCount: jobCount) }
            if let store = queue as? PostgresJobStore, let schema = store.schema,
                let url = ProcessInfo.processInfo.environment["MASHUP_TEST_DATABASE_URL"]
            {
                try? PostgresJobStore.dropSchema(schema, url: url)
            }
        }
    }
}

/// Create, claim, progress ×4, complete for `jobCount` jobs.
private func cycle(_ queue: any JobQueue, jobCount: Int) async throws {
    let start = Date()
    for index in 0..<jobCount {
        try await queue.create(
            JobRecord(
                id: "job-\(index)", songs: [JobSong(songID: "s", name: "Song")],
                createdAt: start + Double(index) * 1e-3))
    }
    while let job = try await queue.claimNext(nodeID: "bench", leaseSeconds: 30) {
        for (songIndex, name) in ["A", "B"].enumerated() {
            try await queue.updateProgress(
                job.id, PipelineProgress.analysis(songIndex: songIndex, of: 2, songName: name))
        }
        try await queue.updateProgress(job.id, PipelineProgress.planning(plannerName: "the embedded planner"))
        try await queue.updateProgress(job.id, PipelineProgress.renderingSection(index: 0, of: 1, name: "Drop"))
        try await queue.transition(
            job.id, to: .complete, failure: nil, result: JobResult(storagePath: "generated/x.wav"))
    }
}

/// Runs async work from the synchronous benchmark harness.
private func blockingWait(_ body: @escaping @Sendable () async throws -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        try? await body()
        done.signal()
    }
    done.wait()
}
