import DSP
import Foundation

/// A deterministic synthetic song with known tempo, key, bar positions and separate stems, for the demo, the
/// benchmarks and end-to-end tests. Four stems (Demucs names): drums (kick, snare, hats), bass (filtered saw
/// on the chord roots), other (sustained triads), vocals (a sung-like lead: saw with vibrato through two
/// vowel formants). The mix is the sum of the stems.
public struct DemoSong: Sendable {
    /// Tempo in BPM (exact; the grid starts at `firstDownbeatSeconds`).
    public let bpm: Double
    /// Tonic pitch class, 0 = C ... 11 = B.
    public let tonicPitchClass: Int
    /// Minor (natural) or major mode.
    public let isMinor: Bool
    /// Number of 4/4 bars after the intro offset.
    public let barCount: Int
    /// Silence/pickup before the first downbeat, in seconds.
    public let firstDownbeatSeconds: Double
    /// Sample rate in Hz.
    public let sampleRate: Double
    /// Seed for the melody and the noise.
    public let seed: UInt64
    /// Whether the lead vocal sings (off in instrumental songs).
    public let hasVocals: Bool

    public init(
        bpm: Double, tonicPitchClass: Int, isMinor: Bool, barCount: Int, firstDownbeatSeconds: Double = 0,
        sampleRate: Double = 44100, seed: UInt64 = 1, hasVocals: Bool = true
    ) {
        precondition(bpm > 20 && bpm < 400 && barCount > 0 && firstDownbeatSeconds >= 0, "invalid demo song")
        self.bpm = bpm
        self.tonicPitchClass = ((tonicPitchClass % 12) + 12) % 12
        self.isMinor = isMinor
        self.barCount = barCount
        self.firstDownbeatSeconds = firstDownbeatSeconds
        self.sampleRate = sampleRate
        self.seed = seed
        self.hasVocals = hasVocals
    }

    /// Seconds per beat.
    public var beatSeconds: Double { 60 / bpm }
    /// Total length in seconds (intro, bars, one bar of tail).
    public var durationSeconds: Double { firstDownbeatSeconds + Double(barCount + 1) * 4 * beatSeconds }
    /// Key name as the analysis writes it, e.g. "A minor".
    public var keyName: String {
        ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"][tonicPitchClass]
            + (isMinor ? " minor" : " major")
    }
    /// Linear gain applied to every stem so that the mix peaks below full scale.
    static let stemGain: Float = 0.5

    /// Beat times in seconds.
    public var beatTimes: [Double] { (0..<(barCount * 4)).map { firstDownbeatSeconds + Double($0) * beatSeconds } }
    /// Downbeat (bar start) times in seconds.
    public var downbeatTimes: [Double] { (0..<barCount).map { firstDownbeatSeconds + Double($0 * 4) * beatSeconds } }

    /// The stems by name ("drums", "bass", "other", "vocals"), stereo at `sampleRate`.
    public func stems() -> [String: AudioBuffer] {
        let frames = Int((durationSeconds * sampleRate).rounded())
        var drums = [[Float]](repeating: [Float](repeating: 0, count: frames), count: 2)
        var bass = [Float](repeating: 0, count: frames)
        var pads = [[Float]](repeating: [Float](repeating: 0, count: frames), count: 2)
        var lead = [Float](repeating: 0, count: frames)
        var random = DitherNoise(seed: seed &+ 17)
        let scale = isMinor ? [0, 2, 3, 5, 7, 8, 10] : [0, 2, 4, 5, 7, 9, 11]
        // i-VI-III-VII in minor, I-V-vi-IV in major: scale degrees of the chord roots per bar.
        let progression = isMinor ? [0, 5, 2, 6] : [0, 4, 5, 3]
        for bar in 0..<barCount {
            let barStart = firstDownbeatSeconds + Double(bar * 4) * beatSeconds
            let degree = progression[bar % progression.count]
            let chord = [0, 2, 4].map { step -> Int in
                let index = degree + step
                return tonicPitchClass + scale[index % 7] + 12 * (index / 7)
            }
            for beat in 0..<4 {
                let t = barStart + Double(beat) * beatSeconds
                addKick(&drums, at: t, frames: frames)
                if beat % 2 == 1 { addSnare(&drums, at: t, frames: frames, random: &random) }
                for half in 0..<2 {
                    addHat(&drums, at: t + Double(half) * beatSeconds / 2, frames: frames, random: &random)
                    addBassNote(
                        &bass, midi: 36 + chord[0] % 12, at: t + Double(half) * beatSeconds / 2,
                        seconds: beatSeconds * 0.45, frames: frames)
                }
            }
            for note in chord {
                addPadNote(&pads, midi: 60 + note, at: barStart, seconds: 4 * beatSeconds, frames: frames)
            }
            if hasVocals && bar % 8 < 6 {
                for step in 0..<4 {
                    let degree = [0, 1, 2, 4, 2][random.uniformIndex(5)]
                    let midi = 60 + (tonicPitchClass + scale[degree]) % 12
                    addVocalNote(
                        &lead, midi: midi + chordToneOffset(chord, midi), at: barStart + Double(step) * beatSeconds,
                        seconds: beatSeconds * 0.9, frames: frames)
                }
            }
        }
        // Leave headroom: the stems are scaled so that the mix peaks below full scale.
        for c in 0..<2 {
            for i in 0..<frames {
                drums[c][i] *= Self.stemGain
                pads[c][i] *= Self.stemGain
            }
        }
        for i in 0..<frames {
            bass[i] *= Self.stemGain
            lead[i] *= Self.stemGain
        }
        let buffers: [String: AudioBuffer] = [
            "drums": AudioBuffer(channels: drums, sampleRate: sampleRate),
            "bass": AudioBuffer(channels: [bass, bass], sampleRate: sampleRate),
            "other": AudioBuffer(channels: pads, sampleRate: sampleRate),
            "vocals": AudioBuffer(channels: [lead, lead], sampleRate: sampleRate),
        ]
        return buffers
    }

    /// The full mix: the sum of the stems.
    public func mix() -> AudioBuffer {
        let all = stems()
        var mix = all["drums"]!
        for name in ["bass", "other", "vocals"] {
            let stem = all[name]!
            for c in 0..<2 {
                stem.withChannel(c) { source in mix.withMutableChannel(c) { VectorOps.add(source, into: $0) } }
            }
        }
        return mix
    }

    // MARK: - Instruments

    /// Moves a melody note onto the nearest chord tone so the lead agrees with the harmony.
    private func chordToneOffset(_ chord: [Int], _ midi: Int) -> Int {
        let pc = midi % 12
        var best = 0
        var bestDistance = 12
        for tone in chord {
            var d = (tone % 12) - pc
            if d > 6 { d -= 12 }
            if d < -6 { d += 12 }
            if abs(d) < bestDistance { bestDistance = abs(d); best = d }
        }
        return best
    }

    private func frequency(_ midi: Int) -> Double { 440 * pow(2, Double(midi - 69) / 12) }

    private func addKick(_ out: inout [[Float]], at time: Double, frames: Int) {
        let start = Int((time * sampleRate).rounded())
        let length = Int(0.3 * sampleRate)
        var phase = 0.0
        for i in 0..<length where start + i < frames && start + i >= 0 {
            let t = Double(i) / sampleRate
            let f = 45 + 80 * exp(-t * 30)
            phase += 2 * Double.pi * f / sampleRate
            let v = Float(sin(phase) * exp(-t * 9) * 0.8)
            out[0][start + i] += v
            out[1][start + i] += v
        }
    }

    private func addSnare(_ out: inout [[Float]], at time: Double, frames: Int, random: inout DitherNoise) {
        let start = Int((time * sampleRate).rounded())
        let length = Int(0.18 * sampleRate)
        for i in 0..<length where start + i < frames && start + i >= 0 {
            let t = Double(i) / sampleRate
            let tone = sin(2 * Double.pi * 185 * t) * exp(-t * 25) * 0.25
            let noise = Double(random.triangular()) * exp(-t * 22) * 0.3
            out[0][start + i] += Float(tone + noise)
            out[1][start + i] += Float(tone + noise * 0.9)
        }
    }

    private func addHat(_ out: inout [[Float]], at time: Double, frames: Int, random: inout DitherNoise) {
        let start = Int((time * sampleRate).rounded())
        let length = Int(0.04 * sampleRate)
        var previous: Float = 0
        for i in 0..<length where start + i < frames && start + i >= 0 {
            let n = random.triangular()
            let high = (n - previous) * 0.5
            previous = n
            let v = high * Float(exp(-Double(i) / sampleRate * 90)) * 0.12
            out[0][start + i] += v * 0.8
            out[1][start + i] += v
        }
    }

    private func addBassNote(_ out: inout [Float], midi: Int, at time: Double, seconds: Double, frames: Int) {
        let start = Int((time * sampleRate).rounded())
        let length = Int(seconds * sampleRate)
        let f = frequency(midi)
        var phase = 0.0
        var state: Float = 0
        let coefficient = Float(1 - exp(-2 * Double.pi * 600 / sampleRate))
        for i in 0..<length where start + i < frames && start + i >= 0 {
            phase += f / sampleRate
            phase -= floor(phase)
            let saw = Float(2 * phase - 1)
            state += coefficient * (saw - state)
            let t = Double(i) / Double(length)
            let envelope = Float(min(1, t * 40) * (1 - t) * 0.9 + 0.1 * (1 - t))
            out[start + i] += state * envelope * 0.35
        }
    }

    private func addPadNote(_ out: inout [[Float]], midi: Int, at time: Double, seconds: Double, frames: Int) {
        let start = Int((time * sampleRate).rounded())
        let length = Int(seconds * sampleRate)
        let f = frequency(midi)
        for i in 0..<length where start + i < frames && start + i >= 0 {
            let t = Double(i) / sampleRate
            let attack = min(1, t / 0.08), release = min(1, (seconds - t) / 0.1)
            let tone = sin(2 * Double.pi * f * t) + 0.3 * sin(4 * Double.pi * f * t) + 0.1 * sin(6 * Double.pi * f * t)
            let v = Float(tone * attack * release * 0.12)
            out[0][start + i] += v
            out[1][start + i] += v * 0.85
        }
    }

    private func addVocalNote(_ out: inout [Float], midi: Int, at time: Double, seconds: Double, frames: Int) {
        let start = Int((time * sampleRate).rounded())
        let length = Int(seconds * sampleRate)
        let f = frequency(midi)
        var phase = 0.0
        // Two resonators at vowel formants (about /a/: 700 Hz and 1200 Hz).
        var r1 = Resonator(centerHz: 700, bandwidthHz: 110, sampleRate: sampleRate)
        var r2 = Resonator(centerHz: 1200, bandwidthHz: 140, sampleRate: sampleRate)
        for i in 0..<length where start + i < frames && start + i >= 0 {
            let t = Double(i) / sampleRate
            let vibrato = 1 + 0.012 * sin(2 * Double.pi * 5.5 * t) * min(1, t / 0.2)
            phase += f * vibrato / sampleRate
            phase -= floor(phase)
            let source = Float(2 * phase - 1)
            let attack = min(1, t / 0.03), release = min(1, (seconds - t) / 0.05)
            let v = (r1.process(source) + 0.6 * r2.process(source)) * Float(attack * release) * 0.5
            out[start + i] += v
        }
    }
}

/// A two-pole resonator (constant peak gain near 1) used for the demo voice's formants.
private struct Resonator {
    let a1: Float, a2: Float, gain: Float
    var y1: Float = 0, y2: Float = 0
    init(centerHz: Double, bandwidthHz: Double, sampleRate: Double) {
        let r = exp(-Double.pi * bandwidthHz / sampleRate)
        a1 = Float(-2 * r * cos(2 * Double.pi * centerHz / sampleRate))
        a2 = Float(r * r)
        gain = Float(1 - r)
    }
    mutating func process(_ x: Float) -> Float {
        let y = gain * x - a1 * y1 - a2 * y2
        y2 = y1
        y1 = y
        return y
    }
}

extension DitherNoise {
    /// A uniform integer in 0..<count.
    mutating func uniformIndex(_ count: Int) -> Int { min(count - 1, Int(uniform() * Float(count))) }
}
