import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

/// A pitch that glides all the time (a sine sweep, a siren) holds no key, though its partials are as sustained and
/// as prominent as a song's: `harmonic.glide_share` above `maximumGlideShare` gives "N/A". Notes held with vibrato
/// glide back and forth within a semitone and keep their key.
@Suite struct GlideKeyTests {
    static let sampleRate = 44100.0
    /// `KeyEstimator.maximumGlideShare`: above it there is no key.
    static let maximumGlideShare = 0.5
    /// `KeyEstimator.minimumTonalness`: the sweeps must pass it, so that the glide share is what denies the key.
    static let minimumTonalness = 0.12
    /// Glide share of notes held with vibrato stays this far under the bound.
    static let heldGlideShareCeiling = 0.2

    /// A sine whose frequency follows `hz` (Hz at a time in seconds), at 0.5 peak.
    static func glidingSine(seconds: Double, hz: (Double) -> Double) -> [Float] {
        let count = Int(seconds * sampleRate)
        var out = [Float](repeating: 0, count: count)
        var phase = 0.0
        for i in 0..<count {
            out[i] = Float(0.5 * sin(phase))
            phase += 2 * .pi * hz(Double(i) / sampleRate) / sampleRate
            if phase > 2 * .pi { phase -= 2 * .pi }
        }
        return out
    }

    /// An exponential sweep from `fromHz` to `toHz` over `seconds`.
    static func sweep(fromHz: Double, toHz: Double, seconds: Double) -> [Float] {
        glidingSine(seconds: seconds) { t in fromHz * pow(toHz / fromHz, t / seconds) }
    }

    /// A siren: up and down an octave (500-1000 Hz) every 4 s, smoothly.
    static func siren(seconds: Double) -> [Float] {
        glidingSine(seconds: seconds) { t in 500 * pow(2, 0.5 - 0.5 * cos(2 * .pi * t / 4)) }
    }

    /// I-IV-V-I in C major, 2 s a chord, four times; every note a harmonic tone with a 5.5 Hz vibrato of ±30 cents.
    static func heldChordsWithVibrato() -> [Float] {
        let chords: [[Double]] = [[60, 64, 67], [60, 65, 69], [59, 62, 67], [60, 64, 67]]
        let chordSeconds = 2.0
        let count = Int(Double(4 * chords.count) * chordSeconds * sampleRate)
        var out = [Float](repeating: 0, count: count)
        for index in 0..<(4 * chords.count) {
            let chord = chords[index % chords.count]
            let start = Int(Double(index) * chordSeconds * sampleRate)
            for (voice, note) in chord.enumerated() {
                let hz = 440 * pow(2, (note - 69) / 12)
                var phase = Double(voice)
                for i in 0..<Int(chordSeconds * sampleRate) where start + i < count {
                    let t = Double(i) / sampleRate
                    let cents = 30 * sin(2 * .pi * 5.5 * t + Double(voice))
                    phase += 2 * .pi * hz * pow(2, cents / 1200) / sampleRate
                    let envelope = min(1, t / 0.02) * min(1, (chordSeconds - t) / 0.05)
                    var sample = 0.0
                    for k in 1...4 { sample += sin(Double(k) * phase) / Double(k) }
                    out[start + i] += Float(0.12 * envelope * sample)
                }
            }
        }
        return out
    }

    @Test(arguments: [(100.0, 4000.0), (4000.0, 100.0)])
    func sineSweepGetsNoKey(fromHz: Double, toHz: Double) throws {
        let signal = Self.sweep(fromHz: fromHz, toHz: toHz, seconds: 30)
        let harmonic = try SongAnalyzer().analyze(Signals.stereo(signal, sampleRate: Self.sampleRate)).harmonic
        let report =
            "sweep \(fromHz)-\(toHz) Hz: key \(harmonic.key) at \(harmonic.keyConfidence), "
            + "tonalness \(harmonic.tonalness ?? -1), glide share \(harmonic.glideShare ?? -1)"
        // Its partials pass the tonalness bound: the glide share is what denies the key.
        #expect((harmonic.tonalness ?? 0) >= Self.minimumTonalness, Comment(rawValue: report))
        #expect((harmonic.glideShare ?? 0) > Self.maximumGlideShare, Comment(rawValue: report))
        #expect(harmonic.key == "N/A", Comment(rawValue: report))
        #expect(harmonic.keyConfidence == 0, Comment(rawValue: report))
        #expect(harmonic.keySegments == nil, Comment(rawValue: report))
    }

    /// A siren glides faster than the sustained-partial check follows (more than a bin in 93 ms) except near its
    /// turns, so its glide share stays under the bound; it has no key all the same (its pitch classes are spread).
    @Test func sirenGetsNoKey() throws {
        let harmonic = try SongAnalyzer().analyze(Signals.stereo(Self.siren(seconds: 20), sampleRate: Self.sampleRate))
            .harmonic
        #expect(harmonic.key == "N/A", "key \(harmonic.key) at \(harmonic.keyConfidence)")
        #expect(harmonic.keyConfidence == 0)
    }

    @Test func heldChordsWithVibratoKeepTheirKey() throws {
        let harmonic = try SongAnalyzer().analyze(
            Signals.stereo(Self.heldChordsWithVibrato(), sampleRate: Self.sampleRate)
        ).harmonic
        let report = "key \(harmonic.key) at \(harmonic.keyConfidence), glide share \(harmonic.glideShare ?? -1)"
        #expect((harmonic.glideShare ?? 1) <= Self.heldGlideShareCeiling, Comment(rawValue: report))
        #expect(harmonic.key == "C major", Comment(rawValue: report))
        #expect(harmonic.keyConfidence >= KeyShift.minimumKeyConfidence, Comment(rawValue: report))
    }

    @Test func glideShareRoundTripsOnTheWire() throws {
        let features = HarmonicFeatures(
            key: "N/A", keyConfidence: 0, chordProgression: [], chordComplexity: 0, tonalness: 0.7,
            tonalTimeShare: 0.7, glideShare: 0.98)
        let data = try JSONEncoder().encode(features)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["glide_share"] as? Double == 0.98)
        #expect(try JSONDecoder().decode(HarmonicFeatures.self, from: data).glideShare == 0.98)
        // An analysis from a service without the field decodes without it.
        let remote = try JSONDecoder().decode(HarmonicFeatures.self, from: Data(#"{"key": "C major"}"#.utf8))
        #expect(remote.glideShare == nil)
    }
}
