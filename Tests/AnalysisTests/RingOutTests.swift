import Analysis
import DSP
import Foundation
import TestSupport
import Testing

/// The beats end where the music ends: a song that stops on a final hit and rings for seconds gets no beats in the
/// ring (no listener taps on), while a song that fades out keeps its beats as long as its attacks are heard.
@Suite struct RingOutTests {
    static let sampleRate = 44100.0
    static let periodSeconds = 0.5
    /// Beats with attacks: 0.5 s to 12.5 s at 120 BPM.
    static let beatCount = 25
    /// The final hit, a downbeat after the last beat.
    static let finalHitSeconds = 0.5 + Double(beatCount) * periodSeconds
    /// The last beat may lie this far from the last attack (the beat refiner puts beats on attacks within a few ms).
    static let lastBeatToleranceSeconds = 0.02

    /// A kick (a decaying 55 Hz tone with a click) on every beat and a final hit with an A minor chord that rings
    /// `ringSeconds` (time constant a fifth of that); attacks scaled by `gain(t)`.
    static func song(ringSeconds: Double, gain: (Double) -> Double = { _ in 1 }) -> AudioBuffer {
        let total = Int((finalHitSeconds + ringSeconds + 0.5) * sampleRate)
        var signal = [Float](repeating: 0, count: total)
        let noise = Signals.noise(frameCount: Int(0.03 * sampleRate), amplitude: 1, seed: 5)
        for k in 0..<beatCount {
            let t = 0.5 + Double(k) * periodSeconds
            let g = gain(t)
            Signals.mix(
                { s in
                    g
                        * (0.8 * exp(-s / 0.08) * sin(2 * Double.pi * 55 * s)
                            + 0.2 * Double(noise[min(noise.count - 1, Int(s * sampleRate))]) * exp(-s / 0.005))
                }, at: t, seconds: 0.4, into: &signal, sampleRate: sampleRate)
        }
        let chord = [220.0, 261.63, 329.63, 110.0]
        Signals.mix(
            { s in
                let decay = exp(-s / (ringSeconds / 5))
                return decay
                    * (0.8 * exp(-s / 0.08) * sin(2 * Double.pi * 55 * s)
                        + chord.reduce(0) { $0 + 0.12 * sin(2 * Double.pi * $1 * s) })
            }, at: finalHitSeconds, seconds: ringSeconds, into: &signal, sampleRate: sampleRate)
        return Signals.stereo(signal, sampleRate: sampleRate)
    }

    @Test func aFinalHitThatRingsEndsTheBeats() throws {
        let analysis = try SongAnalyzer().analyze(Self.song(ringSeconds: 4))
        let beats = try #require(analysis.rhythmic.beats)
        let last = try #require(beats.last)
        #expect(
            abs(last - Self.finalHitSeconds) <= Self.lastBeatToleranceSeconds,
            "last beat \(last) s, final hit \(Self.finalHitSeconds) s, \(beats.count) beats")
        // The chord that rings still counts for the key.
        #expect(analysis.harmonic.key == "A minor")
    }

    /// Attacks falling to -30 dB over the song are still beats: a fade-out is music.
    @Test func aFadeOutKeepsItsBeats() throws {
        let analysis = try SongAnalyzer().analyze(
            Self.song(ringSeconds: 1) { t in pow(10, -1.5 * t / Self.finalHitSeconds) })
        let beats = try #require(analysis.rhythmic.beats)
        let last = try #require(beats.last)
        #expect(
            last >= Self.finalHitSeconds - Self.lastBeatToleranceSeconds,
            "last beat \(last) s, final hit \(Self.finalHitSeconds) s")
    }
}
