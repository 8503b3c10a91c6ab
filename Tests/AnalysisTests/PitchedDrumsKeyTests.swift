import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

/// Drums alone get no key even when their toms ring with a pitch: the rings after each hit can carry as much
/// sustained-partial power as quiet music (tonalness above `KeyEstimator.minimumTonalness`), but they sound for a
/// fraction of each beat, where music in a key sounds its notes most of the time (`ChromaFrames.tonalTimeShare`).
/// The same hits under plucked chords, which decay as fast as the toms, keep the chords' key.
@Suite struct PitchedDrumsKeyTests {
    static let sampleRate = 44100.0
    static let bpm = 100.0
    static let barCount = 10
    /// Ring time constant of a tom (amplitude), seconds: long enough for its partials to count as sustained.
    static let tomDecaySeconds = 0.18
    /// Peak of a tom's fundamental.
    static let tomAmplitude = 0.4
    /// Peak of the snare's low-passed noise, before the filter (which takes off about half of it).
    static let snareAmplitude = 2.0
    /// Peak of a hat (noise) on every sixteenth note.
    static let hatAmplitude = 0.35
    /// Tom fundamentals, Hz, with a membrane's inharmonic modes (1, 1.59, 2.14 times the fundamental).
    static let tomHz = [196.0, 147.0, 110.0]
    static let membraneModes = [1.0, 1.59, 2.14]
    /// Decay time constant of a plucked chord note (amplitude), seconds.
    static let pluckDecaySeconds = 0.35
    /// `KeyEstimator.minimumTonalness`: below it audio has no key whatever its time share.
    static let minimumTonalness = 0.12

    static var beatSeconds: Double { 60 / bpm }
    static var frameCount: Int { Int((Double(barCount * 4) * beatSeconds + 1) * sampleRate) }

    /// A rock groove (a kick on 1 and 3, a noise snare on 2 and 4, noise hats on every sixteenth) with a fill down
    /// the three toms on the last beat of every other bar, all starting 0.5 s in.
    static func drums() -> [Float] {
        var signal = [Float](repeating: 0, count: frameCount)
        let white = Signals.noise(frameCount: Int(0.12 * sampleRate), amplitude: 1, seed: 3)
        // A snare's noise has most of its power below 2 kHz: white noise through a one-pole low-pass at 1.5 kHz.
        var dark = white
        let coefficient = Float(1 - exp(-2 * Double.pi * 1500 / sampleRate))
        for i in 1..<dark.count { dark[i] = dark[i - 1] + coefficient * (white[i] - dark[i - 1]) }
        func noiseHit(_ noise: [Float], _ amplitude: Double, decaySeconds: Double) -> (Double) -> Double {
            { s in amplitude * Double(noise[min(noise.count - 1, Int(s * sampleRate))]) * exp(-s / decaySeconds) }
        }
        for sixteenth in 0..<(barCount * 16) {
            let t = 0.5 + Double(sixteenth) * beatSeconds / 4
            Signals.mix(
                noiseHit(white, hatAmplitude, decaySeconds: 0.03), at: t, seconds: 0.1, into: &signal,
                sampleRate: sampleRate)
            // A fill down the toms on the last beat of every other bar, one tom a sixteenth (the last one twice).
            let inBar = sixteenth % 16
            if (sixteenth / 16) % 2 == 1, inBar >= 12 {
                let f0 = tomHz[min(tomHz.count - 1, inBar - 12)]
                Signals.mix(
                    { s in
                        membraneModes.enumerated().reduce(0.0) { sum, mode in
                            sum + tomAmplitude / Double(mode.offset + 1) * sin(2 * .pi * f0 * mode.element * s)
                        } * exp(-s / tomDecaySeconds)
                    }, at: t, seconds: 6 * tomDecaySeconds, into: &signal, sampleRate: sampleRate)
                continue
            }
            guard sixteenth % 4 == 0 else { continue }
            let beat = sixteenth / 4
            if beat % 2 == 0 {
                Signals.mix(
                    { s in 0.8 * sin(2 * .pi * (50 + 60 * exp(-s / 0.03)) * s) * exp(-s / 0.12) }, at: t, seconds: 0.4,
                    into: &signal, sampleRate: sampleRate)
            } else {
                Signals.mix(
                    noiseHit(dark, snareAmplitude, decaySeconds: 0.08), at: t, seconds: 0.12, into: &signal,
                    sampleRate: sampleRate)
            }
        }
        return signal
    }

    /// Plucked chords, one a bar (D, G, A, D major), each note struck on every eighth note and decaying.
    static func pluckedChords() -> [Float] {
        var signal = [Float](repeating: 0, count: frameCount)
        let chords: [[Double]] = [[62, 66, 69], [62, 67, 71], [61, 64, 69], [62, 66, 69]]
        for eighth in 0..<(barCount * 8) {
            let t = 0.5 + Double(eighth) * beatSeconds / 2
            let chord = chords[(eighth / 8) % chords.count]
            let note = chord[eighth % chord.count]
            let hz = 440 * pow(2, (note - 69) / 12)
            Signals.mix(
                { s in Signals.bassTone(hz, at: s, partialCount: 4) * 0.15 * exp(-s / pluckDecaySeconds) }, at: t,
                seconds: 5 * pluckDecaySeconds, into: &signal, sampleRate: sampleRate)
        }
        return signal
    }

    @Test func ringingTomsGetNoKey() throws {
        let analysis = try SongAnalyzer().analyze(Signals.stereo(Self.drums(), sampleRate: Self.sampleRate))
        // The rings alone pass the tonalness bound: only the time share denies the key.
        #expect((analysis.harmonic.tonalness ?? 0) >= Self.minimumTonalness)
        #expect(analysis.harmonic.key == "N/A", "key \(analysis.harmonic.key) at \(analysis.harmonic.keyConfidence)")
        #expect(analysis.harmonic.keyConfidence == 0)
    }

    @Test func pluckedChordsOverTheSameDrumsKeepTheirKey() throws {
        let drums = Self.drums(), chords = Self.pluckedChords()
        let mix = zip(drums, chords).map { $0 + $1 }
        let analysis = try SongAnalyzer().analyze(Signals.stereo(mix, sampleRate: Self.sampleRate))
        #expect(analysis.harmonic.key == "D major", "key \(analysis.harmonic.key)")
        #expect(analysis.harmonic.keyConfidence >= KeyShift.minimumKeyConfidence)
    }
}
