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
    /// A song's tempo in the report may differ from the generated tempo by this fraction.
    static let tempoTolerance = 0.02

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
        // The page's player plays: its <audio src>, resolved against the page's URL, answers the mashup with ranges.
        let source = try #require(Self.audioSource(in: html.text), "no <audio src> in the served report")
        let resolved = try #require(
            URL(string: source, relativeTo: URL(string: "http://h/v1/jobs/engine-1/report.html")))
        let audio = try await TestHTTP.get(port: fixture.port, resolved.path, headers: ["Range": "bytes=0-11"])
        #expect(audio.status == 206, "\(resolved.path) answered \(audio.status)")
        #expect(audio.headers["content-type"]?.hasPrefix("audio/") == true, "\(audio.headers)")
        #expect(String(decoding: audio.body.prefix(4), as: UTF8.self) == "RIFF")
    }

    /// The `src` of the first `<audio>` element of `html`.
    static func audioSource(in html: String) -> String? {
        guard let tag = html.range(of: "<audio"),
            let src = html.range(of: "src=\"", range: tag.upperBound..<html.endIndex),
            let end = html.range(of: "\"", range: src.upperBound..<html.endIndex)
        else { return nil }
        return String(html[src.upperBound..<end.lowerBound])
    }

    /// What the original analysis service answers (no duration, beats or sections; "C major" with confidence 0 for
    /// every song; its own tempo), with MFCC rows the size of a 20 s song's, as the edge function forwards it.
    static func originalAnalysis(mfccFrames: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let rows = (0..<13).map { _ in
            "["
                + (0..<mfccFrames).map { _ in String(format: "%.6f", Double.random(in: -300...300, using: &generator)) }
                .joined(separator: ", ") + "]"
        }
        return #"{"version": "1.0-studio", "harmonic": {"key": "C major", "key_confidence": 0.0, "#
            + #""chord_progression": ["C", "G", "Am", "F"], "chord_complexity": 0.2}, "#
            + #""rhythmic": {"bpm": 99.4, "beat_confidence": 0.7, "groove_stability": 2.0, "swing_factor": 0.0}, "#
            + #""spectral": {"mfccs": ["# + rows.joined(separator: ", ")
            + #"], "dynamic_range": 11.0, "brightness": 2100.0}, "vocal": {"vocal_presence": 0.98}}"#
    }

    @Test(
        "the edge function's execute-masterplan body (several MB, the original service's analyses) is taken; its analyses are completed and checked by ours, each replaced field a warning event"
    )
    func originalAnalysesCompleted() async throws {
        let songs = DecodedSongCache()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("serve-engine-\(UUID().uuidString)")
        let uploads = root.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        // D major at 131 BPM (the service says C major, 99.4 BPM), and an instrumental at 122 BPM.
        let first = MusicGenerator.generate(
            .init(
                seed: 5, bpm: 131, tonic: 2, minor: false, barCount: 12, sampleRate: 44100, withVoice: true,
                leadInSeconds: 0.2))
        let second = MusicGenerator.generate(
            .init(seed: 6, bpm: 122, tonic: 4, minor: true, barCount: 11, sampleRate: 44100))
        try AudioFile.write(first.mix, to: uploads.appendingPathComponent("a.wav"))
        try AudioFile.write(second.mix, to: uploads.appendingPathComponent("b.wav"))
        let fixture = try await EndpointFixture(
            renderer: EngineServeRenderer(songs: songs), root: root,
            analyzer: EmbeddedAnalysisService(songs: songs, scratch: root.appendingPathComponent("scratch")))
        defer { Task { await fixture.remove() } }

        let analysis = Self.originalAnalysis(mfccFrames: 10_000)
        let songsJSON =
            #"[{"song_id": "song1", "name": "Song A", "storage_path": "uploads/a.wav", "analysis": "# + analysis
            + #"}, {"song_id": "song2", "name": "Song B", "storage_path": "uploads/b.wav", "analysis": "# + analysis
            + "}]"
        let timeline =
            #"[{"time_start_sec": 0, "duration_sec": 8, "description": "Intro", "layers": [{"songId": "song1", "stem": "full", "volume_db": -3, "effects": []}]}, {"time_start_sec": 8, "duration_sec": 8, "description": "Blend", "layers": [{"songId": "song1", "stem": "vocals", "volume_db": -4, "effects": []}, {"songId": "song2", "stem": "drums", "volume_db": -6, "effects": []}]}]"#
        let body =
            #"{"masterplan": {"timeline": "# + timeline
            + #", "global_settings": {"targetBPM": 126, "targetKey": "D major", "timeSignature": [4, 4]}}, "songs": "#
            + songsJSON + #", "job_id": "engine-original"}"#
        // Larger than the JSON limit of the other routes (2 MiB), as the issue measured (3.7 MB).
        #expect(body.utf8.count > 3 * 1_048_576, "body \(body.utf8.count) bytes")
        let (status, events) = try await EventReader.read(port: fixture.port, path: "/execute-masterplan", body: body)
        #expect(status == 200)
        #expect(
            events.last?.json["storage_path"] as? String == "generated/engine-original.wav",
            "\(events.last?.json ?? [:])")
        let warnings = events.compactMap { $0.json["warning"] as? String }
        #expect(
            warnings.contains { $0.contains("\"Song A\"") && $0.contains("harmonic.key \"C major\" is not used") },
            "\(warnings)")
        for name in ["Song A", "Song B"] {
            #expect(warnings.contains { $0.contains("\"\(name)\"") && $0.contains("rhythmic.bpm 99.4") }, "\(warnings)")
        }
        let report = try await TestHTTP.get(port: fixture.port, "/v1/jobs/engine-original/report").json()
        let reportSongs = try #require(report["songs"] as? [[String: Any]])
        // The render used our key and grid, not the service's C major at 99.4 BPM.
        #expect(reportSongs.first?["key"] as? String == "D major", "\(reportSongs.first ?? [:])")
        let tempo = reportSongs.first?["tempo_bpm"] as? Double ?? 0
        #expect(abs(tempo / 131 - 1) <= Self.tempoTolerance, "tempo \(tempo) BPM")
        #expect(
            reportSongs.allSatisfy {
                ($0["analysis_source"] as? String)?.contains("completed by the embedded analysis") == true
            },
            "\(reportSongs.map { $0["analysis_source"] ?? "-" })")
        // The same warnings are in the job's status.
        let status2 = try await TestHTTP.get(port: fixture.port, "/v1/jobs/engine-original").json()
        #expect(Set((status2["warnings"] as? [String]) ?? []).isSuperset(of: warnings), "\(status2["warnings"] ?? "-")")
    }
}
