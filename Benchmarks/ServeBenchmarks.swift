// `mashup serve` under load: status polls per second from 50 concurrent clients while a real render runs, and
// renders per minute of a short two-song plan with the render concurrency limit at 1 and 2.
// MASHUP_BENCH_FILTER=serve .build/release/Benchmarks
import Foundation
import Orchestrator
import Render
import Server

func runServeBenchmarks(_ runner: BenchmarkRunner) {
    guard runner.wants("serve") else { return }
    let done = DispatchSemaphore(value: 0)
    // The runner is used by this task only while the calling thread waits on the semaphore.
    nonisolated(unsafe) let shared = runner
    Task {
        defer { done.signal() }
        do { try await serveBenchmarks(shared) } catch { shared.report(["name": "serve", "error": "\(error)"]) }
    }
    done.wait()
}

/// The standard short plan: two 8 s sections over two songs (16 s of output).
private let serveBenchmarkPlan: JSONValue = [
    "creative_vision": "benchmark",
    "masterplan": [
        "title": "Bench", "global": ["targetBPM": 122, "targetKey": "A minor", "timeSignature": [4, 4]],
        "timeline": [
            [
                "time_start_sec": 0, "duration_sec": 8, "description": "Intro", "energy_level": 0.4,
                "layers": [["songId": "song1", "stem": "full", "volume_db": -3, "effects": ["reverb"]]],
            ],
            [
                "time_start_sec": 8, "duration_sec": 8, "description": "Blend", "energy_level": 0.8,
                "layers": [
                    ["songId": "song1", "stem": "drums", "volume_db": -4, "effects": []],
                    ["songId": "song2", "stem": "other", "volume_db": -6, "effects": ["delay"]],
                ],
            ],
        ],
    ],
]

private func serveBenchmarks(_ runner: sending BenchmarkRunner) async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("serve-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let uploads = root.appendingPathComponent("uploads")
    try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
    try AudioFile.write(
        MusicGenerator.generate(
            .init(seed: 3, bpm: 120, tonic: 9, minor: true, barCount: 9, sampleRate: 44100, withVoice: true)
        ).mix,
        to: uploads.appendingPathComponent("a.wav"))
    try AudioFile.write(
        MusicGenerator.generate(
            .init(seed: 7, bpm: 126, tonic: 0, minor: false, barCount: 10, sampleRate: 44100, withVoice: true)
        ).mix,
        to: uploads.appendingPathComponent("b.wav"))
    let songs = [
        ServeJobSpec.Song(songID: "song1", name: "A", storagePath: "uploads/a.wav"),
        ServeJobSpec.Song(songID: "song2", name: "B", storagePath: "uploads/b.wav"),
    ]
    let spec = ServeJobSpec(kind: .render, songs: songs, plan: serveBenchmarkPlan)

    for limit in [1, 2] {
        let app = try await makeBenchmarkNode(root: root, renderLimit: limit, database: "bench-\(limit).sqlite")
        let renders = 4
        let start = Date()
        var ids: [String] = []
        for _ in 0..<renders { ids.append(try await app.runner.submit(spec).id) }
        // 50 pollers on the first job's status while renders run (only for the limit-1 pass).
        var pollsPerSecond: Double?
        if limit == 1 {
            let port = app.port
            let path = "/v1/jobs/\(ids[0])"
            let pollStart = Date()
            let ok = await Task.detached {
                benchmarkHTTPLoad(port: port, path: path, clients: 50, requestsPerClient: 100)
            }.value
            pollsPerSecond = Double(ok) / Date().timeIntervalSince(pollStart)
            let renderingDuringPolls = await app.runner.limiter.running
            runner.report([
                "name": "serve.status_polls_during_render", "clients": 50, "ok_requests": ok,
                "requests_per_second": pollsPerSecond!, "renders_running_at_end": renderingDuringPolls,
            ])
        }
        for id in ids {
            while true {
                guard let record = try await app.runner.queue.get(id) else { break }
                if record.state.isTerminal { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let completed = try await app.runner.queue.list(states: [.complete]).filter { ids.contains($0.id) }.count
        runner.report([
            "name": "serve.renders_per_minute", "render_limit": limit, "renders": renders, "completed": completed,
            "seconds": seconds, "renders_per_minute": Double(completed) * 60 / seconds,
            "output_seconds_each": 16,
        ])
        _ = await app.stop(gracePeriod: .seconds(5))
    }
}

private func makeBenchmarkNode(root: URL, renderLimit: Int, database: String) async throws -> ServeApplication {
    let storage = try LocalDirectoryStorage(root: root)
    let queue = try SQLiteJobStore(fileURL: root.appendingPathComponent(database))
    var settings = DurableRunnerSettings(nodeID: "bench")
    settings.workerCount = max(2, renderLimit)
    settings.renderLimit = renderLimit
    settings.pollSeconds = 0.05
    var server = ServerConfiguration()
    server.port = 0
    server.maxConnections = 256
    let cache = DecodedSongCache()
    let scratch = root.appendingPathComponent("scratch")
    let renderer = EngineServeRenderer(songs: cache)
    return try await ServeApplication(
        server: server, queue: queue, storage: storage, settings: settings, renderer: renderer,
        pipeline: { _, _ in { _ in { _ in throw JobFailure(.system, "pipeline jobs are not part of this benchmark") } }
        },
        analyzer: EmbeddedAnalysisService(songs: cache, scratch: scratch),
        workspaceRoot: root.appendingPathComponent("work"))
}
