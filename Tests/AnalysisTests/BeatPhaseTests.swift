import Analysis
import DSP
import Foundation
import TestSupport
import Testing

/// The beat phase: the tracker may lock onto the sixteenth after the beat when a bass line plays the three
/// sixteenths between the kicks (a techno pattern); the grid is moved by quarters of a period onto the beats.
@Suite struct BeatPhaseTests {
    static let rate = 22050.0
    /// A beat counts as found within this of a true one (the beat F-measure's window is 70 ms; a quarter of a
    /// period at 130 BPM is 115 ms, so a grid a sixteenth off is outside it).
    static let beatToleranceSeconds = 0.05
    /// Share of the true beats (after the first bar) that must be found.
    static let minimumBeatRecall = 0.9

    /// Bars of 4/4 at `bpm`: a short, soft kick on every beat, a bass note almost three times as loud on each of
    /// the three sixteenths between the kicks, a closed hat on every sixteenth (accented on the beats), a clap on
    /// 2 and 4 and a chord stab on the first beat of each bar that changes with every bar (I-IV-V-vi of C).
    /// Returns the stereo audio and the beat times.
    static func sixteenthBass(bpm: Double, barCount: Int) -> (audio: AudioBuffer, beats: [Double]) {
        let beatSeconds = 60 / bpm
        let leadIn = 0.3
        let frames = Int((leadIn + Double(barCount * 4) * beatSeconds + 1) * rate)
        var x = [Float](repeating: 0, count: frames)
        var noise = SeededGenerator(seed: 7)
        let chords: [[Double]] = [
            [261.6, 329.6, 392.0], [349.2, 440.0, 523.3], [392.0, 493.9, 587.3], [440.0, 523.3, 659.3],
        ]
        func add(at time: Double, seconds: Double, _ voice: (Double) -> Double) {
            Signals.mix(voice, at: time, seconds: seconds, into: &x, sampleRate: rate)
        }
        var beats = [Double]()
        for bar in 0..<barCount {
            for beat in 0..<4 {
                let t = leadIn + Double(bar * 4 + beat) * beatSeconds
                beats.append(t)
                add(at: t, seconds: 0.12) { s in
                    0.25 * sin(2 * Double.pi * (50 + 60 * exp(-s / 0.01)) * s) * exp(-s / 0.03)
                }
                for sixteenth in 1...3 {
                    let onset = t + Double(sixteenth) * beatSeconds / 4
                    add(at: onset, seconds: beatSeconds / 4 * 0.9) { s in
                        let f = 55.0 * pow(2, Double([0, 5, 7, 9][bar % 4]) / 12)
                        let partials =
                            sin(2 * Double.pi * f * s) + 0.5 * sin(4 * Double.pi * f * s) + 0.3
                            * sin(6 * Double.pi * f * s)
                        return 0.7 * partials * exp(-s / 0.08)
                    }
                }
                for sixteenth in 0...3 {
                    let gain = sixteenth == 0 ? 0.25 : 0.1
                    add(at: t + Double(sixteenth) * beatSeconds / 4, seconds: 0.03) { s in
                        gain * Double(Float.random(in: -1...1, using: &noise)) * exp(-s / 0.008)
                    }
                }
                if beat % 2 == 1 {
                    add(at: t, seconds: 0.15) { s in
                        0.3 * Double(Float.random(in: -1...1, using: &noise)) * exp(-s / 0.04)
                    }
                }
                if beat == 0 {
                    add(at: t, seconds: beatSeconds * 1.5) { s in
                        chords[bar % 4].reduce(0) { $0 + 0.07 * sin(2 * Double.pi * $1 * s) } * exp(-s / 0.4)
                    }
                }
            }
        }
        return (Signals.stereo(x, sampleRate: rate), beats)
    }

    @Test(arguments: [124.0, 130.0, 136.0])
    func beatsSitOnTheKicksNotTheBassSixteenths(bpm: Double) throws {
        let (audio, truth) = Self.sixteenthBass(bpm: bpm, barCount: 16)
        try expectBeatsFound(
            in: audio, truth: truth, toleranceSeconds: Self.beatToleranceSeconds, minimumRecall: Self.minimumBeatRecall)
    }
}

/// Swung off-beats: a one-drop groove (kick and rim on beat 3, a hat on every beat) under a chord skank on the
/// off-beats, played late at `swingRatio` of the beat and louder than anything on the beats. A tracker that
/// locks onto the skank and is moved by half a period lands `swingRatio` − 0.5 of a period after the beats.
@Suite struct SwungOffBeatPhaseTests {
    static let rate = 22050.0
    /// A beat counts as found within this of a true one (the F-measure's 70 ms, less the ±20 ms the beat refiner
    /// may move a beat).
    static let beatToleranceSeconds = 0.05
    /// Share of the true beats (after the first bar) that must be found.
    static let minimumBeatRecall = 0.9

    static func oneDrop(bpm: Double, swingRatio: Double, barCount: Int) -> (audio: AudioBuffer, beats: [Double]) {
        let beatSeconds = 60 / bpm
        let leadIn = 0.3
        let frames = Int((leadIn + Double(barCount * 4) * beatSeconds + 1) * rate)
        var x = [Float](repeating: 0, count: frames)
        var noise = SeededGenerator(seed: 11)
        func add(at time: Double, seconds: Double, _ voice: (Double) -> Double) {
            Signals.mix(voice, at: time, seconds: seconds, into: &x, sampleRate: rate)
        }
        let chords: [[Double]] = [[220.0, 261.6, 329.6], [293.7, 349.2, 440.0], [246.9, 293.7, 392.0]]
        var beats = [Double]()
        for bar in 0..<barCount {
            for beat in 0..<4 {
                let t = leadIn + Double(bar * 4 + beat) * beatSeconds
                beats.append(t)
                add(at: t, seconds: 0.03) { s in
                    0.08 * Double(Float.random(in: -1...1, using: &noise)) * exp(-s / 0.008)
                }
                if beat == 2 {
                    add(at: t, seconds: 0.15) { s in
                        0.4 * sin(2 * Double.pi * (45 + 50 * exp(-s / 0.01)) * s) * exp(-s / 0.05)
                    }
                    add(at: t, seconds: 0.08) { s in
                        0.2 * Double(Float.random(in: -1...1, using: &noise)) * exp(-s / 0.015)
                    }
                }
                let chord = chords[bar % chords.count]
                add(at: t + swingRatio * beatSeconds, seconds: 0.14) { s in
                    let body = chord.reduce(0) { $0 + sin(2 * Double.pi * $1 * s) + 0.5 * sin(4 * Double.pi * $1 * s) }
                    let scratch = 0.4 * Double(Float.random(in: -1...1, using: &noise)) * exp(-s / 0.01)
                    return 0.12 * (body + scratch) * min(1, s / 0.002) * exp(-s / 0.05)
                }
            }
        }
        return (Signals.stereo(x, sampleRate: rate), beats)
    }

    @Test(arguments: [(bpm: 76.0, swingRatio: 0.57), (bpm: 82.0, swingRatio: 0.6)])
    func beatsSitOnTheBeatsNotTheSwungSkank(bpm: Double, swingRatio: Double) throws {
        let (audio, truth) = Self.oneDrop(bpm: bpm, swingRatio: swingRatio, barCount: 16)
        try expectBeatsFound(
            in: audio, truth: truth, toleranceSeconds: Self.beatToleranceSeconds, minimumRecall: Self.minimumBeatRecall)
    }
}

/// Expects the analysis of `audio` to find at least `minimumRecall` of the true beats after the first bar, each
/// within `toleranceSeconds`.
private func expectBeatsFound(
    in audio: AudioBuffer, truth: [Double], toleranceSeconds: Double, minimumRecall: Double
) throws {
    let analysis = try SongAnalyzer().analyze(audio)
    let found = try #require(analysis.rhythmic.beats)
    let scored = truth.dropFirst(4)
    let hits = scored.filter { t in found.contains { abs($0 - t) <= toleranceSeconds } }
    #expect(
        Double(hits.count) >= minimumRecall * Double(scored.count),
        "\(hits.count) of \(scored.count) beats found; first found \(found.prefix(8)), truth \(truth.prefix(8))")
}
