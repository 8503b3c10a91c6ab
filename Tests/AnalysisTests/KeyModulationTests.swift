import Analysis
import DSP
import Foundation
import TestSupport
import Testing

/// A song that changes key half way can mix two keys into a whole-song pitch-class distribution that fits no key
/// profile well enough (`KeyEstimator`'s checks); it still has a key: the one read on its longest stretch alone,
/// and its key segments name both keys. Before this, such a song (a generated techno song a semitone up from 27 s
/// of 43) came back "N/A": no key to match in a mashup.
@Suite struct KeyModulationTests {
    static let sampleRate = 44100.0
    static let bpm = 100.0
    /// Bars in B-flat minor, then bars in E minor (an octave up): the whole song's distribution reads no key.
    static let firstBarCount = 11
    static let secondBarCount = 10
    /// Amplitude time constant of each struck chord, seconds.
    static let decaySeconds = 0.5
    /// The key change falls on a bar line; the segments' windows move every 4 s, so their boundary may be off by
    /// up to one step.
    static let boundaryToleranceSeconds = 4.0

    static var barSeconds: Double { 4 * 60 / bpm }

    /// i - iv - V - i in a minor key on MIDI notes from `tonic` + 60 (V major), four struck chords a bar, each note
    /// with its first four harmonics, over the chord's root three octaves down; each rings to the bar's end.
    static func chords(tonic: Int, bars: Int, startSeconds: Double, into signal: inout [Float]) {
        let progression: [(degree: Int, minor: Bool)] = [(0, true), (5, true), (7, false), (0, true)]
        for bar in 0..<bars {
            let chord = progression[bar % progression.count]
            let root = tonic + chord.degree
            let notes = [root, root + (chord.minor ? 3 : 4), root + 7]
            for beat in 0..<4 {
                let t = startSeconds + Double(bar) * barSeconds + Double(beat) * barSeconds / 4
                Signals.mix(
                    { s in
                        var v = 0.0
                        for note in notes {
                            let hz = 440 * pow(2, Double(note + 60 - 69) / 12)
                            for k in 1...4 { v += 0.15 / Double(k) * sin(2 * .pi * hz * Double(k) * s) }
                        }
                        v += 0.3 * sin(2 * .pi * 440 * pow(2, Double(root + 36 - 69) / 12) * s)
                        return v * exp(-s / decaySeconds)
                    }, at: t, seconds: Double(4 - beat) * barSeconds / 4, into: &signal, sampleRate: sampleRate)
            }
        }
    }

    @Test func aSongThatChangesKeyKeepsTheKeyOfItsLongestStretch() throws {
        let seconds = Double(Self.firstBarCount + Self.secondBarCount) * Self.barSeconds
        var signal = [Float](repeating: 0, count: Int(seconds * Self.sampleRate))
        Self.chords(tonic: 10, bars: Self.firstBarCount, startSeconds: 0, into: &signal)
        Self.chords(
            tonic: 16, bars: Self.secondBarCount, startSeconds: Double(Self.firstBarCount) * Self.barSeconds,
            into: &signal)
        let peak = signal.reduce(Float(0)) { max($0, abs($1)) }
        let analysis = try SongAnalyzer().analyze(
            Signals.stereo(signal.map { $0 / peak * 0.8 }, sampleRate: Self.sampleRate))
        #expect(analysis.harmonic.key == "Bb minor")
        #expect(analysis.harmonic.keyConfidence >= 0.5, "confidence \(analysis.harmonic.keyConfidence)")
        let segments = try #require(analysis.harmonic.keySegments)
        #expect(segments.map(\.key) == ["Bb minor", "E minor"], "segments \(segments)")
        if segments.count == 2 {
            let change = Double(Self.firstBarCount) * Self.barSeconds
            #expect(abs(segments[0].endSeconds - change) <= Self.boundaryToleranceSeconds, "segments \(segments)")
            #expect(segments[0].key == analysis.harmonic.key)
        }
    }
}
