import DSP
import Foundation
import Orchestrator
import Render
import Testing

/// The main job with every service embedded, on two generated songs, as `mashup create` runs it.
@Suite("Create: the whole pipeline, embedded")
struct CreateEndToEndTests {
    /// The master's loudness must land within this of the plan's target (issue 6).
    static let loudnessToleranceLU = 0.3

    @Test("two generated songs become a mastered mashup whose report shows tempo, key, stems and effects")
    func createWithEmbeddedServices() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-create-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let songs = [
            (
                "a",
                MusicGenerator.generate(
                    .init(
                        seed: 3, bpm: 118, tonic: 9, minor: true, barCount: 24, sampleRate: 44100, withVoice: true,
                        leadInSeconds: 0.3))
            ),
            (
                "b",
                MusicGenerator.generate(
                    .init(seed: 4, bpm: 125, tonic: 7, minor: false, barCount: 26, sampleRate: 44100))
            ),
        ]
        var pipelineSongs: [PipelineSong] = []
        for (index, (name, song)) in songs.enumerated() {
            let url = root.appendingPathComponent("\(name).wav")
            try AudioFile.write(song.mix, to: url)
            pipelineSongs.append(.localFile(songID: "song\(index + 1)", url: url))
        }
        let output = root.appendingPathComponent("out")
        let pipeline = PipelineFactory.make(
            configuration: ServiceConfiguration(), outputDirectory: output,
            scratch: root.appendingPathComponent("scratch"), planner: EmbeddedPlanner())
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("jobs"))
        let record = try await manager.submit(
            songs: pipelineSongs.map(\.song), workload: JobWorkload(songCount: 2),
            pipeline: pipeline.job(pipelineSongs))
        let finished = try #require(try await manager.waitUntilFinished(record.id))
        #expect(finished.state == .complete, "\(finished.failure?.message ?? "")")
        let result = try #require(finished.result)
        let audioURL = output.appendingPathComponent("\(record.id).wav")
        let audio = try AudioFile.read(audioURL).buffer
        let reportData = try result.report!.encoded()
        let report = try RenderReport.decoder().decode(RenderReport.self, from: reportData)
        #expect(report.targetBPM > 100 && report.targetBPM < 140)
        #expect(report.targetKey != nil)
        #expect(!report.sections.isEmpty && report.sections.allSatisfy { !$0.layers.isEmpty })
        #expect(report.sections.flatMap(\.layers).contains { !$0.effectsApplied.isEmpty })
        let measured = LoudnessMeter.measure(audio)
        #expect(abs(measured.integratedLUFS - report.loudness.targetLUFS) <= Self.loudnessToleranceLU)
        #expect(measured.truePeakDecibels <= -1 + 0.1)
        #expect(finished.metadata.analysesCompleted == 2 && finished.metadata.hasMasterplan)
        // The HTML and SVG reports sit beside the audio; the job's workspace is gone.
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("\(record.id).html").path))
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("\(record.id).svg").path))
    }
}
