// ETA accuracy over consecutive real jobs: the whole pipeline (embedded analysis, scoring, planning, stem
// approximation, render) on generated songs of varying lengths, one estimator learning from each finished job.
// For each job after the first, the remaining time predicted when the progress first reaches 10 % and 50 % is
// compared with the time the job really took from there. Reported: the median and worst absolute error in
// percent at 10 % and at 50 % (goal: within 25 % at 10 %), over jobs 2...10.
import Foundation
import Orchestrator
import Render

func runETABenchmarks(_ runner: BenchmarkRunner) {
    guard runner.wants("eta.") else { return }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-bench-eta-\(getpid())")
    defer { try? FileManager.default.removeItem(at: folder) }
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let jobCount = 10
    let semaphore = DispatchSemaphore(value: 0)
    let errors = ErrorsAtMilestones()
    Task {
        defer { semaphore.signal() }
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: folder.appendingPathComponent("jobs"))
        let pipeline = PipelineFactory.make(
            configuration: ServiceConfiguration(), outputDirectory: folder.appendingPathComponent("out"),
            scratch: folder.appendingPathComponent("scratch"), planner: EmbeddedPlanner())
        for job in 0..<jobCount {
            // Songs of 40-75 s at varied tempi and keys: the workload differs from job to job.
            let bars = 20 + (job * 7) % 16
            var songs: [PipelineSong] = []
            for index in 0..<2 {
                let song = MusicGenerator.generate(
                    .init(
                        seed: UInt64(job * 10 + index), bpm: 96 + Double((job * 5 + index * 17) % 40),
                        tonic: (job + index * 5) % 12, minor: (job + index) % 2 == 0, barCount: bars + index * 4,
                        sampleRate: 44100, withVoice: true))
                let url = folder.appendingPathComponent("job\(job)-song\(index).wav")
                guard (try? AudioFile.write(song.mix, to: url)) != nil else { return }
                songs.append(
                    PipelineSong(
                        song: JobSong(songID: "song\(index + 1)", name: "Song \(index + 1)", storagePath: url.path),
                        audio: SongAudioInput(songID: "song\(index + 1)", source: .file(url))))
            }
            guard
                let record = try? await manager.submit(
                    songs: songs.map(\.song), workload: JobWorkload(songCount: 2),
                    pipeline: pipeline.job(songs)),
                let updates = try? await manager.updates(record.id)
            else { return }

            var predictions: [Int: (at: Date, remaining: Double)] = [:]
            for await update in updates {
                for milestone in [10, 50] where predictions[milestone] == nil && update.progress >= Double(milestone) {
                    if let remaining = await manager.estimator.remainingSeconds(for: update, now: Date()) {
                        predictions[milestone] = (Date(), remaining)
                    }
                }
                if update.state.isTerminal { break }
            }
            let finished = Date()
            guard job > 0 else { continue } // the first job has no history to predict from
            for (milestone, prediction) in predictions {
                let actual = finished.timeIntervalSince(prediction.at)
                guard actual > 0 else { continue }
                errors.add(milestone, 100 * abs(prediction.remaining - actual) / actual)
            }
        }
    }
    semaphore.wait()
    var fields: [String: Any] = ["name": "eta.consecutive-jobs", "jobs": jobCount]
    for milestone in [10, 50] {
        let values = errors.values(milestone).sorted()
        guard !values.isEmpty else { continue }
        fields["error_pct_at_\(milestone)_median"] = values[values.count / 2]
        fields["error_pct_at_\(milestone)_max"] = values.last!
        fields["samples_at_\(milestone)"] = values.count
    }
    runner.report(fields)
}

/// Absolute ETA errors in percent by progress milestone (filled by one task, read after it ends).
final class ErrorsAtMilestones: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Int: [Double]] = [:]
    func add(_ milestone: Int, _ value: Double) { lock.withLock { errors[milestone, default: []].append(value) } }
    func values(_ milestone: Int) -> [Double] { lock.withLock { errors[milestone] ?? [] } }
}
