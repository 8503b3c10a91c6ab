import DSP
import Foundation
import Orchestrator
import Render
import Testing

/// The original system's services, faked on loopback with their real answer shapes, in front of the real
/// embedded analyser, planner and engine.
@Suite("The original system's services, end to end")
struct OriginalServicesEndToEndTests {
    /// A one-second window quieter than this (RMS) counts as silent, dBFS.
    static let silentWindowDecibels = -60.0
    /// Silent one-second windows allowed in the output (the ends of fades), as a fraction.
    static let silentFractionLimit = 0.05
    /// Time ratios a plan between the songs' own tempi (131 and 122 BPM) can need: 122/131 ... 131/122, with 2 %
    /// for the measured grids.
    static let stretchRange = (0.93 * 0.98)...(1.074 * 1.02)

    /// What the original analysis service answers for any song: no duration, beats or sections; "C major" with
    /// confidence 0; its own tempo.
    static let originalAnalysis = #"""
        {"success": true, "songId": "x", "analysis": {"version": "1.0-studio",
         "harmonic": {"key": "C major", "key_confidence": 0.0, "chord_progression": ["C", "G", "Am", "F"], "chord_complexity": 0.2},
         "rhythmic": {"bpm": 99.4, "beat_confidence": 0.7, "groove_stability": 2.0, "swing_factor": 0.0},
         "spectral": {"mfccs": [[1, 2, 3], [4, 5, 6]], "dynamic_range": 11.0, "brightness": 2100.0},
         "vocal": {"vocal_presence": 0.98}}}
        """#

    static func songs(_ root: URL) throws -> [PipelineSong] {
        let made = [
            (
                "a",
                MusicGenerator.generate(
                    .init(
                        seed: 5, bpm: 131, tonic: 2, minor: false, barCount: 30, sampleRate: 44100, withVoice: true,
                        leadInSeconds: 0.2))
            ),
            (
                "b",
                MusicGenerator.generate(
                    .init(seed: 6, bpm: 122, tonic: 4, minor: true, barCount: 28, sampleRate: 44100))
            ),
        ]
        return try made.enumerated().map { index, item in
            let url = root.appendingPathComponent("\(item.0).wav")
            var mix = item.1.mix
            if index == 1 {
                // Song b is a float file with two NaN samples: the decoder repairs them and says so.
                var left = mix.channel(0)
                left[1000] = .nan
                left[2000] = .nan
                mix.setChannel(0, left)
                try AudioFile.write(mix, to: url, options: AudioFileWriteOptions(sampleFormat: .float32))
            } else {
                try AudioFile.write(mix, to: url)
            }
            return .localFile(songID: "song\(index + 1)", url: url)
        }
    }

    static func run(configure: (inout ServiceConfiguration, URL) -> Void, server: LoopbackHTTPServer) async throws
        -> (JobRecord, AudioBuffer, URL)
    {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-original-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var configuration = ServiceConfiguration()
        configuration.retryPolicy = LoopbackIntegrationTests.testPolicy
        configure(&configuration, server.baseURL)
        let output = root.appendingPathComponent("out")
        let pipeline = PipelineFactory.make(
            configuration: configuration, outputDirectory: output,
            scratch: root.appendingPathComponent("scratch"), planner: EmbeddedPlanner())
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("jobs"))
        let songs = try Self.songs(root)
        let record = try await manager.submit(
            songs: songs.map(\.song), workload: JobWorkload(songCount: 2),
            pipeline: pipeline.job(songs))
        let finished = try #require(try await manager.waitUntilFinished(record.id))
        let audio =
            finished.state == .complete
            ? try AudioFile.read(output.appendingPathComponent("\(record.id).wav")).buffer
            : AudioBuffer(channelCount: 2, frameCount: 0, sampleRate: 44100)
        return (finished, audio, root)
    }

    /// `run` with the planner service at `server`, which answers `/create-masterplan` with `plan`.
    static func runWithPlannerService(plan: String, server: LoopbackHTTPServer) async throws
        -> (JobRecord, AudioBuffer, URL)
    {
        server.script("/create-masterplan", [.json(200, plan)])
        return try await run(
            configure: { configuration, base in
                configuration.planner = ServiceEndpoint(baseURL: base, timeoutSeconds: 5)
            }, server: server)
    }

    /// The fraction of whole one-second windows of `audio` quieter than `silentWindowDecibels`.
    static func silentFraction(_ audio: AudioBuffer) -> Double {
        let window = Int(audio.sampleRate)
        let count = audio.frameCount / window
        guard count > 0 else { return 1 }
        var silent = 0
        for index in 0..<count {
            var energy = 0.0
            for channel in 0..<audio.channelCount {
                audio.withSamples(ofChannel: channel) { samples in
                    for frame in (index * window)..<((index + 1) * window) {
                        energy += Double(samples[frame] * samples[frame])
                    }
                }
            }
            let rms = (energy / Double(window * audio.channelCount)).squareRoot()
            if 20 * log10(max(rms, 1e-12)) < silentWindowDecibels { silent += 1 }
        }
        return Double(silent) / Double(count)
    }

    @Test("analysis service answers are completed and checked: no unplanned silence, replaced fields named in warnings")
    func originalAnalysisService() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/analyze", [.json(200, Self.originalAnalysis)])
        let (record, audio, root) = try await Self.run(
            configure: { configuration, base in
                configuration.analysis = ServiceEndpoint(baseURL: base, timeoutSeconds: 5)
            }, server: server)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(record.state == .complete, "\(record.failure?.message ?? "")")
        #expect(server.requests(to: "/analyze").count == 2)
        let warnings = record.warnings
        for name in ["a", "b"] {
            #expect(
                warnings.contains { $0.contains("\"\(name)\"") && $0.contains("harmonic.key \"C major\"") },
                "\(warnings)")
        }
        #expect(warnings.contains { $0.contains("\"a\"") && $0.contains("rhythmic.bpm 99.4") })
        #expect(!warnings.contains { $0.contains("past the end") || $0.contains("would be silent") }, "\(warnings)")
        // The service hears vocals in every song (0.98); ours does not in b, so a's vocals lead, never b's.
        #expect(
            warnings.contains { $0.hasPrefix("\"b\": ") && $0.contains("vocal.vocal_presence 0.98") }, "\(warnings)")
        let layers = (record.result?.masterplan?["masterplan"]?["timeline"]?.arrayValue ?? []).flatMap {
            $0["layers"]?.arrayValue ?? []
        }
        let vocalSongs = Set(
            layers.filter { $0["stem"]?.stringValue == "vocals" }.compactMap { $0["songId"]?.stringValue })
        #expect(vocalSongs == ["song1"], "vocals from \(vocalSongs)")
        // Every warning of the render reaches the job, the decoder's too.
        #expect(
            warnings.contains { $0.hasPrefix("\"b\": ") && $0.contains("2 NaN/Inf samples replaced by 0") },
            "\(warnings)")
        #expect(audio.durationSeconds > 20)
        #expect(Self.silentFraction(audio) <= Self.silentFractionLimit, "silent fraction \(Self.silentFraction(audio))")
        let report = try #require(record.result?.report)
        let sources = report["songs"]?.arrayValue?.compactMap { $0["analysis_source"]?.stringValue } ?? []
        #expect(
            sources.count == 2 && sources.allSatisfy { $0.contains("completed by the embedded analysis") }, "\(sources)"
        )
        // The key the render used is ours (D major for song a), not the service's C major.
        #expect(report["songs"]?[0]?["key"]?.stringValue == "D major")
        // The plan targets a tempo from the songs' grids (131 and 122 BPM), not the service's 99.4: no song is
        // stretched by 1.31 as before.
        for song in report["songs"]?.arrayValue ?? [] {
            let ratio = song["stretch_ratio"]?.doubleValue ?? 0
            #expect(Self.stretchRange.contains(ratio), "\(song["name"]?.stringValue ?? "?") stretched \(ratio)")
        }
    }

    @Test("a planner service's plan naming an unknown song falls back to the embedded planner, with a warning")
    func plannerServiceUnknownSong() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let plan = #"""
            {"creative_vision": "x", "masterplan": {"title": "Seven", "global": {"targetBPM": 124, "targetKey": "D major"},
             "timeline": [{"time_start_sec": 0, "duration_sec": 30.97, "description": "all", "layers": [
               {"songId": "song7", "stem": "vocals", "volume_db": -6, "effects": []},
               {"songId": "song2", "stem": "drums", "volume_db": -6, "effects": []}]}],
             "problems_and_solutions": []}}
            """#
        let (record, audio, root) = try await Self.runWithPlannerService(plan: plan, server: server)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(record.state == .complete, "\(record.failure?.message ?? "")")
        #expect(server.requests(to: "/create-masterplan").count == 1)
        #expect(
            record.warnings.contains {
                $0.contains("planner service") && $0.contains("song7")
                    && $0.contains("embedded planner planned instead")
            },
            "\(record.warnings)")
        #expect(record.result?.title != "Seven")
        #expect(audio.durationSeconds > 20)
    }

    @Test("a render's own warnings (an effect it cannot apply) reach the job's warnings, prefixed render:")
    func renderWarningsReachTheJob() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        // A valid plan whose second section sidechains a layer to drums that the section does not have.
        let plan = #"""
            {"creative_vision": "x", "masterplan": {"title": "Keyless", "global": {"targetBPM": 126, "targetKey": "D major"},
             "timeline": [
               {"time_start_sec": 0, "duration_sec": 15.238, "description": "A", "layers": [
                 {"songId": "song1", "stem": "full", "volume_db": -6, "effects": []}]},
               {"time_start_sec": 15.238, "duration_sec": 15.238, "description": "B", "layers": [
                 {"songId": "song1", "stem": "other", "volume_db": -6, "effects": ["sidechain"]},
                 {"songId": "song2", "stem": "bass", "volume_db": -8, "effects": []}]}],
             "problems_and_solutions": []}}
            """#
        let (record, _, root) = try await Self.runWithPlannerService(plan: plan, server: server)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(record.state == .complete, "\(record.failure?.message ?? "")")
        #expect(record.result?.title == "Keyless")
        let reportWarnings = record.result?.report?["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(reportWarnings.contains { $0.contains("sidechain") }, "\(reportWarnings)")
        // Every warning of the report is one of the job's.
        for warning in reportWarnings {
            #expect(
                record.warnings.contains { $0 == warning || $0 == "render: \(warning)" }, "\(warning) not in the job")
        }
    }
}
