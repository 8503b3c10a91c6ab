import Analysis
import DSP
import Foundation
import TestSupport
import Testing

/// Key evidence from chords (`KeyEstimator`'s design note): a minor loop on i, VI and VII has the pitch set of
/// its relative major, and the profiles alone weigh the keys of its chords almost alike; a major loop whose IV
/// holds half the bars must not be read in the key of its IV.
@Suite struct KeyChordEvidenceTests {
    static let rate = 22050.0
    /// A clear, diatonic loop that opens and closes on its tonic gets at least this confidence.
    static let minimumClearConfidence = 0.8

    /// `barCount` bars of 4/4 at `bpm` cycling the triads `roots` (semitones above C; `minorTriads` flags each),
    /// one chord a bar: a sustained triad in the middle register, its root in the bass on every beat (a tone with
    /// partials, `Signals.bassTone`: a sine bass 2.5 times as loud as each chord note lost half the chord's third to
    /// chroma's suppression of a bass note's 5th partial, which a sine does not have) and a soft kick on 1 and 3.
    /// Starts on the first chord.
    static func loop(roots: [Int], minorTriads: [Bool], bpm: Double = 96, barCount: Int = 12) -> AudioBuffer {
        let beatSeconds = 60 / bpm
        let frames = Int((Double(barCount * 4) * beatSeconds + 1) * rate)
        var x = [Float](repeating: 0, count: frames)
        func add(at time: Double, seconds: Double, _ voice: (Double) -> Double) {
            Signals.mix(voice, at: time, seconds: seconds, into: &x, sampleRate: rate)
        }
        func hz(_ midi: Int) -> Double { 440 * pow(2, Double(midi - 69) / 12) }
        for bar in 0..<barCount {
            let chord = bar % roots.count
            let root = roots[chord]
            let third = minorTriads[chord] ? 3 : 4
            let notes = [60 + root, 60 + root + third, 60 + root + 7].map { $0 > 71 ? $0 - 12 : $0 }
            let barStart = Double(bar * 4) * beatSeconds
            add(at: barStart, seconds: 4 * beatSeconds) { s in
                let envelope = min(1, s / 0.02) * exp(-s / 3)
                return notes.reduce(0) { sum, n in
                    sum + 0.08 * (sin(2 * Double.pi * hz(n) * s) + 0.3 * sin(4 * Double.pi * hz(n) * s))
                } * envelope
            }
            for beat in 0..<4 {
                let t = barStart + Double(beat) * beatSeconds
                add(at: t, seconds: beatSeconds * 0.9) { s in
                    0.12 * Signals.bassTone(hz(36 + root), at: s) * min(1, s / 0.005) * exp(-s / 0.3)
                }
                if beat % 2 == 0 {
                    add(at: t, seconds: 0.12) { s in
                        0.3 * sin(2 * Double.pi * (50 + 60 * exp(-s / 0.01)) * s) * exp(-s / 0.03)
                    }
                }
            }
        }
        return Signals.stereo(x, sampleRate: rate)
    }

    /// E minor as i-VI-VII-i (Em C D Em) and as i-iv-VI-VII (Em Am C D): every chord diatonic to E minor, two of
    /// them the major keys' tonics. With the tonic share alone these read as E minor at about 0.55.
    @Test(arguments: [
        (roots: [4, 0, 2, 4], minorTriads: [true, false, false, true]),
        (roots: [4, 9, 0, 2], minorTriads: [true, true, false, false]),
    ])
    func aMinorLoopOnItsSixthAndSeventhIsMinor(roots: [Int], minorTriads: [Bool]) throws {
        let analysis = try SongAnalyzer().analyze(Self.loop(roots: roots, minorTriads: minorTriads))
        #expect(analysis.harmonic.key == "E minor")
        #expect(
            analysis.harmonic.keyConfidence >= Self.minimumClearConfidence,
            "confidence \(analysis.harmonic.keyConfidence)")
    }

    /// D major as I-IV-V-IV (D G A G): G holds half the bars, yet A major is no chord of G major.
    @Test func aMajorLoopDwellingOnItsFourthStaysInItsKey() throws {
        let analysis = try SongAnalyzer().analyze(
            Self.loop(roots: [2, 7, 9, 7], minorTriads: [false, false, false, false]))
        #expect(analysis.harmonic.key == "D major", "confidence \(analysis.harmonic.keyConfidence)")
    }
}
