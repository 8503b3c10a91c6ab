import DSP
import Foundation
import Orchestrator
import Render
import Testing

@Suite("Remote analyses completed and checked by the embedded analysis")
struct AnalysisReconcilerTests {
    /// What the original analysis service answers: no duration, beats or sections; the same key for every song
    /// with confidence 0; a tempo of its own.
    static let originalService: JSONValue = [
        "version": "1.0-studio",
        "harmonic": [
            "key": "C major", "key_confidence": 0.0, "chord_progression": ["C", "G"], "chord_complexity": 0.1,
        ],
        "rhythmic": ["bpm": 99.4, "beat_confidence": 0.8, "groove_stability": 3.0, "swing_factor": 0.0],
        "spectral": ["mfccs": [[1.0, 2.0]], "dynamic_range": 12.0, "brightness": 2000.0],
        "vocal": ["vocal_presence": 0.97],
    ]

    /// Our analysis of the same audio.
    static let embedded: JSONValue = [
        "version": "embedded",
        "duration_sec": 180.0, "sample_rate": 44100.0,
        "harmonic": [
            "key": "D major", "key_confidence": 0.82, "chord_progression": ["D", "A", "Bm", "G"],
            "chord_complexity": 0.2,
        ],
        "rhythmic": [
            "bpm": 131.0, "beat_confidence": 0.9, "groove_stability": 0.01, "swing_factor": 0.0,
            "beats": [0.5, 0.958, 1.416, 1.874], "downbeats": [0.5], "beats_per_bar": 4,
        ],
        "spectral": ["mfccs": [[3.0]], "dynamic_range": 9.0, "brightness": 2500.0],
        "vocal": ["vocal_presence": 0.4],
        "energy": [["start_sec": 0.5, "end_sec": 2.33, "bar_count": 1, "rms_db": -20.0, "label": "low"]],
        "sections": [["start_sec": 0.0, "end_sec": 180.0, "rms_db": -14.0]],
    ]

    @Test("missing fields are filled, the untrusted key and the contradicting tempo replaced, each named")
    func originalServiceAnswer() {
        let result = AnalysisReconciler.reconcile(
            remote: Self.originalService, embedded: Self.embedded, songName: "Song B")
        let analysis = result.analysis
        #expect(analysis["duration_sec"]?.doubleValue == 180)
        #expect(analysis["rhythmic"]?["beats"]?.arrayValue?.count == 4)
        #expect(analysis["rhythmic"]?["downbeats"]?.arrayValue?.count == 1)
        #expect(analysis["energy"]?.arrayValue?.count == 1)
        #expect(analysis["sections"]?.arrayValue?.count == 1)
        // One tempo and grid source: the grid's.
        #expect(analysis["rhythmic"]?["bpm"]?.doubleValue == 131)
        #expect(analysis["harmonic"]?["key"]?.stringValue == "D major")
        #expect(analysis["harmonic"]?["key_confidence"]?.doubleValue == 0.82)
        // The chords go with the key, the beat confidence with the beats.
        #expect(analysis["harmonic"]?["chord_progression"] == ["D", "A", "Bm", "G"])
        #expect(analysis["rhythmic"]?["beat_confidence"]?.doubleValue == 0.9)
        // A vocal presence far from ours (0.97 against 0.4) is ours; the service's other features stay.
        #expect(analysis["vocal"]?["vocal_presence"]?.doubleValue == 0.4)
        #expect(result.fieldSources["vocal.vocal_presence"] == "embedded")
        #expect(analysis["spectral"]?["brightness"]?.doubleValue == 2000)
        #expect(analysis["rhythmic"]?["groove_stability"]?.doubleValue == 3)
        #expect(result.fieldSources["rhythmic.bpm"] == "embedded")
        #expect(result.fieldSources["harmonic.key"] == "embedded")
        #expect(result.fieldSources["duration_sec"] == "embedded")
        #expect(analysis["field_sources"]?["rhythmic.beats"]?.stringValue == "embedded")
        #expect(result.warnings.count == 3)
        #expect(
            result.warnings.contains {
                $0.contains("\"Song B\"") && $0.contains("vocal.vocal_presence 0.97") && $0.contains("using 0.40")
            })
        #expect(
            result.warnings.contains {
                $0.contains("\"Song B\"") && $0.contains("rhythmic.bpm 99.4") && $0.contains("131.0")
            })
        #expect(
            result.warnings.contains {
                $0.contains("\"Song B\"") && $0.contains("harmonic.key \"C major\"") && $0.contains("D major")
            })
    }

    @Test("a confident service key and a tempo that agrees with the grid are kept; a service grid is used whole")
    func trustedServiceAnswer() {
        var remote = Self.originalService
        remote.setForTest(
            ["key": "A minor", "key_confidence": 0.9, "chord_progression": ["Am"], "chord_complexity": 0.1], "harmonic")
        remote.setForTest(
            [
                "bpm": 130.0, "beat_confidence": 0.9, "groove_stability": 0.0, "swing_factor": 0.0,
                "beats": [0.1, 0.56, 1.02], "downbeats": [0.1],
            ], "rhythmic")
        remote.setForTest(["vocal_presence": 0.55], "vocal")
        let result = AnalysisReconciler.reconcile(remote: remote, embedded: Self.embedded, songName: "Song A")
        #expect(result.warnings.isEmpty)
        #expect(result.analysis["vocal"]?["vocal_presence"]?.doubleValue == 0.55)
        #expect(result.analysis["harmonic"]?["chord_progression"] == ["Am"])
        #expect(result.analysis["harmonic"]?["key"]?.stringValue == "A minor")
        #expect(result.analysis["rhythmic"]?["bpm"]?.doubleValue == 130)
        #expect(result.analysis["rhythmic"]?["beats"]?.arrayValue?.count == 3)
        #expect(result.fieldSources["rhythmic.beats"] == "service")
        #expect(result.fieldSources["duration_sec"] == "embedded")
    }

    @Test("a tempo within the tolerance of the grid is aligned to the grid without a warning")
    func nearTempo() {
        var remote = Self.originalService
        remote.setForTest(
            ["bpm": 130.0, "beat_confidence": 0.8, "groove_stability": 0.0, "swing_factor": 0.0], "rhythmic")
        let result = AnalysisReconciler.reconcile(remote: remote, embedded: Self.embedded, songName: "Song A")
        #expect(result.analysis["rhythmic"]?["bpm"]?.doubleValue == 131)
        #expect(!result.warnings.contains { $0.contains("rhythmic.bpm") })
    }

    @Test("a key on material we hear as atonal is dropped")
    func drumsOnly() {
        var ours = Self.embedded
        ours.setForTest(
            ["key": "N/A", "key_confidence": 0.0, "chord_progression": [], "chord_complexity": 0.0], "harmonic")
        var remote = Self.originalService
        remote.setForTest(
            ["key": "C# minor", "key_confidence": 0.6, "chord_progression": [], "chord_complexity": 0.0], "harmonic")
        let result = AnalysisReconciler.reconcile(remote: remote, embedded: ours, songName: "Loop")
        #expect(result.analysis["harmonic"]?["key"]?.stringValue == "N/A")
        #expect(result.warnings.contains { $0.contains("no clear key") })
    }
}

@Suite("A render given an analysis it cannot trust")
struct GivenAnalysisRenderTests {
    @Test("an analysis without beats whose key is untrusted: the render uses the grid and the key it finds")
    func untrustedKeyWithoutBeats() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("given-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("d-major.wav")
        let song = MusicGenerator.generate(
            .init(seed: 5, bpm: 131, tonic: 2, minor: false, barCount: 12, sampleRate: 44100, withVoice: true))
        try AudioFile.write(song.mix, to: url)
        // The original service's answer, as `mashup render --analysis` or a plan request may carry it.
        let given = try #require(try AnalysisDocument(json: AnalysisReconcilerTests.originalService).strict.get())
        let rendered = try await EmbeddedSongAnalysis().song(
            id: "song1", source: try FileAudioSource(url: url), analysis: given)
        #expect(rendered.key?.description == "D major", "\(String(describing: rendered.key))")
        #expect(rendered.analysisSource == "embedded")
    }
}

extension JSONValue {
    mutating func setForTest(_ value: JSONValue, _ key: String) {
        guard case .object(var members) = self else { return }
        members[key] = value
        self = .object(members)
    }
}
