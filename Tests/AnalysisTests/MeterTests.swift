import Analysis
import DSP
import Foundation
import TestSupport
import Testing

/// The meter (beats per bar) is chosen per song between 4/4, the strong default, and 3/4 (issue 13).
@Suite struct MeterTests {
    static let rate = 22050.0
    /// A downbeat counts as found within this of a true one (the beat F-measure's window).
    static let downbeatToleranceSeconds = 0.07
    /// Share of the true downbeats (after the first bar) that must be found.
    static let minimumDownbeatRecall = 0.9

    /// Bars of `beatsPerBar` beats at `bpm`: a tick on every beat, a 60 Hz thump on each downbeat, and a triad
    /// re-struck on every beat that changes with every bar (I-IV-V-vi of C). Returns the stereo audio and the
    /// downbeat times.
    static func bars(beatsPerBar: Int, bpm: Double, barCount: Int) -> (audio: AudioBuffer, downbeats: [Double]) {
        let beatSeconds = 60 / bpm
        let frames = Int((Double(barCount * beatsPerBar) * beatSeconds + 1) * rate)
        var x = [Float](repeating: 0, count: frames)
        let chords: [[Double]] = [
            [261.6, 329.6, 392.0], [349.2, 440.0, 523.3], [392.0, 493.9, 587.3], [440.0, 523.3, 659.3],
        ]
        var downbeats = [Double]()
        for bar in 0..<barCount {
            for beat in 0..<beatsPerBar {
                let t = 0.25 + Double(bar * beatsPerBar + beat) * beatSeconds
                if beat == 0 { downbeats.append(t) }
                let start = Int((t * rate).rounded())
                let length = Int(beatSeconds * rate)
                for i in 0..<length where start + i < frames {
                    let s = Double(i) / rate
                    var v = 0.0
                    if i < Int(0.004 * rate) { v += 0.4 * sin(2 * Double.pi * 3000 * s) * exp(-s / 0.001) }
                    if beat == 0 { v += 0.6 * sin(2 * Double.pi * 60 * s) * exp(-s / 0.04) }
                    for f in chords[bar % chords.count] { v += 0.08 * sin(2 * Double.pi * f * s) * exp(-s / 0.3) }
                    x[start + i] += Float(v)
                }
            }
        }
        return (Signals.stereo(x, sampleRate: rate), downbeats)
    }

    @Test(arguments: [(3, 150.0), (4, 120.0), (3, 100.0)])
    func meterAndDownbeatsAreFound(beatsPerBar: Int, bpm: Double) throws {
        let (audio, truth) = Self.bars(beatsPerBar: beatsPerBar, bpm: bpm, barCount: 12)
        let analysis = try SongAnalyzer().analyze(audio)
        #expect(analysis.rhythmic.beatsPerBar == beatsPerBar)
        let found = try #require(analysis.rhythmic.downbeats)
        let hits = truth.dropFirst().filter { t in found.contains { abs($0 - t) <= Self.downbeatToleranceSeconds } }
        #expect(
            Double(hits.count) >= Self.minimumDownbeatRecall * Double(truth.count - 1),
            "downbeats \(found), truth \(truth)")
        // A fixed meter is kept when asked for.
        #expect(try SongAnalyzer(beatsPerBar: 4).analyze(audio).rhythmic.beatsPerBar == 4)
    }
}
