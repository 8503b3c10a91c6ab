import Analysis
import DSP
import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

/// Every line of Claude's prompt checked against a real analysis (our analyser on generated songs), not a fixture.
@Suite("Claude prompt from real analyses")
struct ProducerPromptRealAnalysisTests {
    static func analysis(seed: UInt64, bpm: Double, tonic: Int, minor: Bool) throws -> JSONValue {
        let song = MusicGenerator.generate(.init(seed: seed, bpm: bpm, tonic: tonic, minor: minor, durationSeconds: 40))
        return try JSONValue.parse(JSONEncoder().encode(try SongAnalyzer().analyze(song.mix)))
    }

    /// The runs of an energy line that start and end at the same m:ss ("0:40-0:40 low").
    static func emptyRuns(_ line: String) -> [String] {
        let runs = (line.components(separatedBy: "bars: ").last ?? "").components(separatedBy: ", ")
        return runs.filter { run in
            let times = run.split(separator: " ").first?.split(separator: "-") ?? []
            return times.count == 2 && times[0] == times[1]
        }
    }

    @Test("no empty, doubled-bullet or non-number line; the energy line and sections carry the analysis")
    func everyLine() async throws {
        let analyses = [
            try Self.analysis(seed: 3, bpm: 118, tonic: 9, minor: true),
            try Self.analysis(seed: 4, bpm: 126, tonic: 2, minor: false),
        ]
        let score = try await EmbeddedScoringService().mashability(
            AnalysisDocument(json: analyses[0]),
            AnalysisDocument(json: analyses[1]), weights: nil)
        let request = PlanRequest(
            analyses: analyses, mashabilityScore: score, userPreferences: ["energy": "arc"],
            songs: [PlanSongLabel(songID: "a", name: "Night"), PlanSongLabel(songID: "b", name: "Day")])
        let prompt = PipelineFactory.producerPrompt.user(for: request)
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for line in lines {
            #expect(!line.hasPrefix("- -"), "doubled bullet: \(line)")
            #expect(!line.lowercased().contains("nan") || line.lowercased().contains("nance"), "NaN in: \(line)")
            #expect(!line.hasSuffix(": "), "empty value: \(line)")
            #expect(!line.contains("inf BPM") && !line.contains("-inf"), "infinity in: \(line)")
        }
        let energy = lines.filter { $0.contains("energy by stretch of bars:") }
        #expect(energy.count == 2)
        for line in energy {
            #expect(Self.emptyRuns(line).isEmpty, "\(line)")
            let runs = line.components(separatedBy: ": ").last ?? ""
            #expect(
                runs.range(of: #"^\d+:\d\d-\d+:\d\d (low|mid|high)"#, options: .regularExpression) != nil,
                "energy line: \(line)")
        }
        #expect(lines.contains { $0.hasPrefix("- tempo ") && $0.contains(" BPM") })
        #expect(lines.contains { $0.contains("downbeat grid:") })
        #expect(lines.contains { $0.contains("- Energy curve: arc") })
        let effectLines = lines.drop { !$0.hasPrefix("Effects the renderer understands") }.dropFirst().prefix {
            $0.hasPrefix("- ")
        }
        #expect(effectLines.count >= 8)
        #expect(effectLines.allSatisfy { $0.range(of: #"^- [a-z]"#, options: .regularExpression) != nil })
    }

    /// The original analysis service's answer for any song (no duration, beats or sections; "C major" at
    /// confidence 0; its own tempo; MFCCs).
    static let originalServiceAnswer: JSONValue = [
        "version": "1.0-studio",
        "harmonic": [
            "key": "C major", "key_confidence": 0.0, "chord_progression": ["C", "G"], "chord_complexity": 0.2,
        ],
        "rhythmic": ["bpm": 99.4, "beat_confidence": 0.7, "groove_stability": 2.0, "swing_factor": 0.0],
        "spectral": ["mfccs": [[1.5, -2.25, 3], [4, 5, 6]], "dynamic_range": 11.0, "brightness": 2100.0],
        "vocal": ["vocal_presence": 0.98],
    ]

    @Test(
        "on the original service's answers completed by ours, with every steering option: each option once, no empty line"
    )
    func reconciledWithEveryPreference() async throws {
        let ours = [
            try Self.analysis(seed: 3, bpm: 118, tonic: 9, minor: true),
            try Self.analysis(seed: 4, bpm: 126, tonic: 2, minor: false),
        ]
        let analyses = zip(ours, ["Night", "Day"]).map { embedded, name in
            AnalysisReconciler.reconcile(remote: Self.originalServiceAnswer, embedded: embedded, songName: name)
                .analysis
        }
        let score = try await EmbeddedScoringService().mashability(
            AnalysisDocument(json: analyses[0]), AnalysisDocument(json: analyses[1]), weights: nil)
        let preferences: JSONValue = [
            "lead_song": "b", "duration_sec": 150, "target_bpm": 122, "target_key": "D major", "energy": "rise",
            "style": "warm disco", "use_sections": ["chorus"], "avoid_sections": ["intro"],
        ]
        let request = PlanRequest(
            analyses: analyses, mashabilityScore: score, userPreferences: preferences,
            songs: [PlanSongLabel(songID: "a", name: "Night"), PlanSongLabel(songID: "b", name: "Day")])
        let prompt = PipelineFactory.producerPrompt.user(for: request)
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for line in lines {
            #expect(!line.hasPrefix("- -"), "doubled bullet: \(line)")
            #expect(!line.hasSuffix(": ") && line != "-" && line != "- ", "empty value: \(line)")
            #expect(!line.lowercased().contains("nan") || line.lowercased().contains("nance"), "NaN in: \(line)")
            #expect(!line.contains("99.4"), "the service's contradicted tempo in: \(line)")
        }
        let expected = [
            "- Lead: \"Day\" (songId \"b\") carries the lead part.", "- Length: about 150 s",
            "- Target tempo: 122.0 BPM",
            "- Target key: D major", "- Energy curve: rise", "- Style: warm disco.",
            "- Use these sections of the songs: chorus.", "- Avoid these sections: intro.",
        ]
        for text in expected {
            #expect(lines.filter { $0.hasPrefix(text) }.count == 1, "\(text) once in:\n\(prompt)")
        }
        // Each song's lines carry our grid and key, not the service's "C major" at 99.4 BPM.
        let energy = lines.filter { $0.contains("energy by stretch of bars:") }
        #expect(energy.count == 2)
        for line in energy { #expect(Self.emptyRuns(line).isEmpty, "\(line)") }
        #expect(lines.filter { $0.contains("downbeat grid:") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("- tempo ") && $0.contains(" BPM") && $0.contains(", key ") }.count == 2)
        #expect(!lines.contains { $0.contains("key C major") }, "\(prompt)")
    }
}
