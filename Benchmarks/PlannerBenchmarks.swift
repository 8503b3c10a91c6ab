import Analysis
import Foundation
import Orchestrator
import Render

/// The embedded planner on two and three analysed songs of 96 bars with beats, downbeats, energy and sections.
func runPlannerBenchmarks(_ runner: BenchmarkRunner) {
    func analysis(bpm: Double, key: String, vocals: Double) -> JSONValue {
        let beatSeconds = 60 / bpm
        let beats = (0..<384).map { 0.3 + Double($0) * beatSeconds }
        let downbeats = stride(from: 0, to: beats.count, by: 4).map { beats[$0] }
        let levels: [Double] = [-22, -15, -9, -15, -8, -18, -8.5, -20]
        let energy = downbeats.enumerated().map { k, t in
            BarEnergy(startSeconds: t, endSeconds: t + 4 * beatSeconds, rmsDecibels: levels[k / 12])
        }
        let sections = (0..<8).map { k in
            SongSection(
                startSeconds: downbeats[k * 12],
                endSeconds: k == 7 ? beats.last! + beatSeconds : downbeats[k * 12 + 12],
                barCount: 12, rmsDecibels: levels[k], label: levels[k] > -10 ? .high : levels[k] > -17 ? .mid : .low)
        }
        let a = SongAnalysis(
            harmonic: HarmonicFeatures(key: key, keyConfidence: 0.8, chordProgression: [], chordComplexity: 0.2),
            rhythmic: RhythmicFeatures(
                bpm: bpm, beatConfidence: 0.9, grooveStability: 0.01, swingFactor: 0,
                beats: beats, downbeats: downbeats, beatsPerBar: 4),
            spectral: SpectralFeatures(), vocal: VocalFeatures(vocalPresence: vocals), energy: energy,
            sections: sections, durationSeconds: beats.last! + beatSeconds)
        return try! JSONValue.parse(JSONEncoder().encode(a))
    }
    let songs = [
        analysis(bpm: 124, key: "A minor", vocals: 0.8), analysis(bpm: 118, key: "C# minor", vocals: 0.1),
        analysis(bpm: 120, key: "B minor", vocals: 0.7),
    ]
    let planner = EmbeddedPlanner()
    for count in [2, 3] {
        let request = PlanRequest(analyses: Array(songs.prefix(count)), mashabilityScore: [:])
        runner.measure("planner.embedded.\(count)songs", runs: 50) {
            _ = try! planner.plan(for: request)
        }
    }
}
