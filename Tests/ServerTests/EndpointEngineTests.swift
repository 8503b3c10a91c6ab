import Foundation
import Orchestrator
import Render
import Server
import Testing

/// The real render engine behind `/execute-masterplan`, on two generated 20 s songs.
@Suite("Serve with the real engine", .serialized)
struct EndpointEngineTests {
    /// Output length of the two-section plan below (sections end at 16 s); the engine may add a short tail.
    static let planSeconds = 16.0
    /// Allowed difference between the plan length and the rendered length: a fade/reverb tail up to 4 s.
    static let lengthToleranceSeconds = 4.0
    /// The render must not be silent: peak above -30 dBFS.
    static let minimumPeakDecibels = -30.0

    @Test(
        "execute-masterplan renders two generated songs through RenderEngine; the stream is progressive and the WAV valid"
    )
    func realRender() async throws {
        let songs = DecodedSongCache()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("serve-engine-\(UUID().uuidString)")
        let uploads = root.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        // ~20 s each: 9 bars at 120 BPM and 10 bars at 126 BPM, different keys.
        let first = MusicGenerator.generate(
            .init(seed: 3, bpm: 120, tonic: 9, minor: true, barCount: 9, sampleRate: 44100, withVoice: true))
        let second = MusicGenerator.generate(
            .init(seed: 7, bpm: 126, tonic: 0, minor: false, barCount: 10, sampleRate: 44100))
        try AudioFile.write(first.mix, to: uploads.appendingPathComponent("a.wav"))
        try AudioFile.write(second.mix, to: uploads.appendingPathComponent("b.wav"))
        let scratch = root.appendingPathComponent("scratch")
        let fixture = try await EndpointFixture(
            renderer: EngineServeRenderer(songs: songs), root: root,
            analyzer: EmbeddedAnalysisService(songs: songs, scratch: scratch))
        defer { Task { await fixture.remove() } }

        let timeline =
            #"[{"time_start_sec": 0, "duration_sec": 8, "description": "Intro", "energy_level": 0.4, "layers": [{"songId": "song1", "stem": "full", "volume_db": -3, "effects": []}]}, {"time_start_sec": 8, "duration_sec": 8, "description": "Blend", "energy_level": 0.8, "layers": [{"songId": "song1", "stem": "drums", "volume_db": -4, "effects": []}, {"songId": "song2", "stem": "other", "volume_db": -6, "effects": ["high-pass-filter-800hz"]}]}]"#
        let body =
            #"{"masterplan": {"timeline": "# + timeline
            + #", "global_settings": {"targetBPM": 122, "targetKey": "A minor", "timeSignature": [4, 4]}}, "songs": "#
            + EndpointFixture.songsJSON + #", "job_id": "engine-1"}"#
        let (status, events) = try await EventReader.read(port: fixture.port, path: "/execute-masterplan", body: body)
        #expect(status == 200)
        let final = try #require(events.last)
        #expect(final.json["storage_path"] as? String == "generated/engine-1.wav", "final event: \(final.json)")
        let progress = events.compactMap { $0.json["progress"] as? Double }
        #expect(progress == progress.sorted(), "progress: \(progress)")
        let rendering = events.filter {
            ($0.json["progress"] as? Double ?? 0) > 0 && ($0.json["progress"] as? Double ?? 0) < 100
        }
        #expect(rendering.count >= 2, "expected intermediate render progress, got \(progress)")
        if let firstRender = rendering.first {
            #expect(final.arrivalSeconds > firstRender.arrivalSeconds, "events must arrive as the render runs")
        }
        let output = try AudioFile.read(root.appendingPathComponent("generated/engine-1.wav"), sampleRate: nil).buffer
        #expect(
            abs(output.durationSeconds - Self.planSeconds) <= Self.lengthToleranceSeconds,
            "length \(output.durationSeconds) s")
        var peak: Float = 0
        for channel in 0..<output.channelCount {
            for sample in output.channel(channel) { peak = max(peak, abs(sample)) }
        }
        #expect(20 * log10(Double(peak)) > Self.minimumPeakDecibels)
        for ext in ["json", "html", "svg"] {
            #expect(
                FileManager.default.fileExists(atPath: root.appendingPathComponent("generated/engine-1.\(ext)").path),
                "\(ext)")
        }
        let report = try await TestHTTP.get(port: fixture.port, "/v1/jobs/engine-1/report")
        #expect(report.status == 200)
        let html = try await TestHTTP.get(port: fixture.port, "/v1/jobs/engine-1/report.html")
        #expect(html.status == 200 && html.text.contains("<html"))
    }
}
