import DSP
import Foundation
import Orchestrator
import Render
import Testing

/// The ETA learns from production jobs: the pipeline records the input size the analysis scales by, and the command
/// line keeps the history in a state file, so the next process predicts.
@Suite("ETA history kept between runs")
struct ETAHistoryFileTests {
    /// The recorded input size may differ from the songs' lengths by this much, seconds (one frame of rounding).
    static let audioSecondsTolerance = 0.001

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eta-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A quiet sine WAV of `seconds`.
    static func song(_ url: URL, seconds: Double) throws {
        let frames = Int(seconds * 44_100)
        let wave = (0..<frames).map { frame in 0.1 * Float(sin(Double(frame) * 0.05)) }
        let buffer = AudioBuffer(channels: [wave, wave], sampleRate: 44_100)
        try AudioFile.write(buffer, to: url)
    }

    @Test(
        "a pipeline job records its songs' seconds; saved and loaded in a new process, it predicts analysis and render")
    func productionJobTeachesTheNextRun() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let lengths = [3.0, 5.0]
        var songs: [PipelineSong] = []
        for (index, seconds) in lengths.enumerated() {
            let url = root.appendingPathComponent("song\(index + 1).wav")
            try Self.song(url, seconds: seconds)
            let id = "song\(index + 1)"
            songs.append(
                PipelineSong(song: JobSong(songID: id, name: id), audio: SongAudioInput(songID: id, source: .file(url)))
            )
        }
        let pipeline = MashupPipeline(
            remote: RemoteServices(configuration: ServiceConfiguration()), embedded: PipelineIntegrationTests.embedded,
            renderer: FileWritingRenderer(outputFolder: root))
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("jobs"))
        // As the command line submits: the workload knows only the song count.
        let record = try await manager.submit(
            songs: songs.map(\.song), workload: JobWorkload(songCount: 2), pipeline: pipeline.job(songs))
        let finished = try #require(try await manager.waitUntilFinished(record.id))
        #expect(finished.state == .complete, "\(String(describing: finished.failure))")

        let history = await manager.estimator.history
        let sample = try #require(history.last)
        #expect(abs(sample.workload.audioSeconds - lengths.reduce(0, +)) <= Self.audioSecondsTolerance)
        #expect(sample.workload.layerCount > 0 && sample.workload.outputSeconds > 0)
        #expect(sample.phaseDurations[.analysis] != nil && sample.phaseDurations[.rendering] != nil)

        // The next process: the history read back from the state file predicts the phases of a job of any size.
        let file = ETAHistoryFile.standard(environment: ["MASHUP_STATE_DIR": root.appendingPathComponent("state").path])
        #expect(file.save(history))
        let next = ETAEstimator(history: file.load())
        #expect(await next.history == history)
        let workload = JobWorkload(songCount: 2, audioSeconds: 16)
        #expect(await next.predictedSeconds(of: .analysis, for: workload) != nil)
        #expect(await next.predictedSeconds(of: .rendering, for: workload) != nil)
    }

    @Test(
        "the state file's place follows MASHUP_STATE_DIR, XDG_STATE_HOME, then HOME; an unreadable file is no history")
    func location() throws {
        #expect(ETAHistoryFile.standard(environment: ["MASHUP_STATE_DIR": "/s"]).url.path == "/s/eta-history.json")
        #expect(
            ETAHistoryFile.standard(environment: ["XDG_STATE_HOME": "/x", "HOME": "/h"]).url.path
                == "/x/mashup/eta-history.json")
        #expect(
            ETAHistoryFile.standard(environment: ["HOME": "/h"]).url.path == "/h/.local/state/mashup/eta-history.json")
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = ETAHistoryFile(url: root.appendingPathComponent("eta-history.json"))
        try Data("{not json".utf8).write(to: file.url)
        #expect(file.load().isEmpty)
    }
}
