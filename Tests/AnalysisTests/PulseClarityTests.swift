import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

/// Audio without a pulse says so: noise and clicks at random times get a pulse clarity below
/// `PulseClarity.minimum` and tempo and beat confidences near 0 (the tracker still places beats, and before this
/// `pulseless.py`'s white noise read 70.9 BPM at confidence 1.00), while a song keeps its pulse and its confidence.
@Suite struct PulseClarityTests {
    static let sampleRate = 44100.0
    static let durationSeconds = 16.0
    /// Tempo and beat confidence at most this for audio without a pulse (the pulse probability at the threshold is
    /// 0.5; the signals here sit well below it).
    static let pulselessConfidence = 0.1
    /// A song's pulse clarity at least this much above the threshold (the evaluation set's lowest generated song is
    /// 0.029 above it).
    static let songMargin = 0.03

    static func analysis(_ mono: [Float]) throws -> SongAnalysis {
        try SongAnalyzer().analyze(Signals.stereo(mono, sampleRate: sampleRate))
    }

    /// Short decaying noise bursts at Poisson times (on average `ratePerSecond`), random levels.
    static func randomHits(ratePerSecond: Double, seed: UInt64) -> [Float] {
        let count = Int(durationSeconds * sampleRate)
        var out = [Float](repeating: 0, count: count)
        var rng = SeededGenerator(seed: seed)
        let burst = Signals.noise(frameCount: Int(0.04 * sampleRate), amplitude: 0.8, seed: seed + 1)
        var t = 0.2
        while true {
            // Exponential waiting times: a Poisson process.
            t += -log(1 - Double.random(in: 0..<1, using: &rng)) / ratePerSecond
            let start = Int(t * sampleRate)
            guard start + burst.count < count else { break }
            let gain = Float.random(in: 0.3...1, using: &rng)
            for i in burst.indices { out[start + i] += gain * burst[i] * expf(-Float(i) / Float(0.008 * sampleRate)) }
        }
        return out
    }

    @Test("white noise has no pulse")
    func whiteNoise() throws {
        let a = try Self.analysis(Signals.noise(frameCount: Int(Self.durationSeconds * Self.sampleRate), seed: 3))
        let clarity = try #require(a.rhythmic.pulseClarity)
        #expect(clarity < PulseClarity.minimum, "pulse clarity \(clarity)")
        #expect(!a.rhythmic.hasPulse)
        #expect((a.rhythmic.bpmConfidence ?? 1) <= Self.pulselessConfidence, "\(a.rhythmic.bpmConfidence ?? -1)")
        #expect(a.rhythmic.beatConfidence <= Self.pulselessConfidence, "\(a.rhythmic.beatConfidence)")
    }

    @Test("hits at random times have onsets but no pulse")
    func randomHitsHaveNoPulse() throws {
        for seed: UInt64 in [7, 11] {
            let a = try Self.analysis(Self.randomHits(ratePerSecond: 3, seed: seed))
            let clarity = try #require(a.rhythmic.pulseClarity)
            #expect(clarity < PulseClarity.minimum, "seed \(seed): pulse clarity \(clarity)")
            #expect((a.rhythmic.bpmConfidence ?? 1) <= Self.pulselessConfidence, "seed \(seed)")
        }
    }

    @Test("a song keeps its pulse and its tempo confidence")
    func songHasPulse() throws {
        let song = MusicGenerator.generate(
            .init(seed: 4, bpm: 100, tonic: 9, minor: true, durationSeconds: Self.durationSeconds))
        let a = try SongAnalyzer().analyze(song.mix)
        let clarity = try #require(a.rhythmic.pulseClarity)
        #expect(clarity >= PulseClarity.minimum + Self.songMargin, "pulse clarity \(clarity)")
        #expect(a.rhythmic.hasPulse)
        #expect((a.rhythmic.bpmConfidence ?? 0) >= 0.5, "\(a.rhythmic.bpmConfidence ?? -1)")
    }

    @Test("the pulse clarity travels in the analysis JSON; an analysis without it has a pulse")
    func wireShape() throws {
        var rhythmic = RhythmicFeatures(bpm: 120, beatConfidence: 0.01, grooveStability: 0, swingFactor: 0)
        #expect(rhythmic.hasPulse)
        rhythmic.pulseClarity = 0.02
        let json = try JSONEncoder().encode(rhythmic)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["pulse_clarity"] as? Double == 0.02)
        let decoded = try JSONDecoder().decode(RhythmicFeatures.self, from: json)
        #expect(!decoded.hasPulse)
        let withoutIt = try JSONDecoder().decode(RhythmicFeatures.self, from: Data(#"{"bpm": 90}"#.utf8))
        #expect(withoutIt.hasPulse)
    }
}
