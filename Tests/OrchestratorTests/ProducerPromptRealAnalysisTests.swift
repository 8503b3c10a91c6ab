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
}
