import DSP
import Foundation

/// Deterministic synthetic pop/dance music with known tempo, key, beats, bars, chords and separate stems: the one
/// song generator of the project, for `mashup demo`, the demo render (`DemoRender`), the benchmarks and the tests.
///
/// Drums (kick on 1 and 3, snare on 2 and 4, eighth-note hats with optional swing), a bass line on chord roots
/// and fifths, sustained triads panned left and right, and optionally a centre "voice" (a harmonic tone with
/// vibrato, glides and syllable envelopes singing scale notes). Songs can start with silence, a pickup (bass
/// notes walking up to the first downbeat) and drum-less intro bars. Chords change every bar. The four stems are
/// named as the contract's stems (drums, bass, other, vocals) and the mix is their sum, sample for sample; the levels
/// leave headroom (the demo's songs peak near -1 dBFS). Time and memory are linear in the length.
public enum MusicGenerator {
    /// What to generate. Songs are fixed by their parameters (same values, same samples on every run).
    public struct Parameters: Sendable {
        /// Seed of the chord progression, the drum noise and the melody.
        public var seed: UInt64
        /// Tempo in BPM, 20...400 (exact: beats are `60 / bpm` seconds apart).
        public var bpm: Double
        /// Tonic pitch class 0...11 (0 = C).
        public var tonic: Int
        /// Natural minor (true) or major (false).
        public var minor: Bool
        /// Length of the song in seconds, > 0. Bars play to the end (the last one cut short) unless `barCount`
        /// limits them.
        public var durationSeconds: Double
        /// Sample rate in Hz: 22.05 kHz by default (the tests' rate, half the cost); the demo uses 44.1 kHz.
        public var sampleRate: Double
        /// Beats before the first downbeat (0...3).
        public var pickupBeats: Int
        /// Bars without drums at the start (after the pickup).
        public var introBars: Int
        /// 0 straight ... 1 triplet swing of the off-beat eighths.
        public var swing: Double
        /// Whether the centre voice sings (the vocals stem is silent otherwise).
        public var withVoice: Bool
        /// Silence before the first (pickup) beat, in seconds, >= 0.
        public var leadInSeconds: Double
        /// Detuning of the whole song from A = 440 Hz, in cents.
        public var tuningCents: Double
        /// Bars of music after the pickup, at least 1; nil plays bars to the end of `durationSeconds`. With a bar
        /// count, nothing starts after the last bar (the tail lets the notes ring out) and the beat and downbeat
        /// times end with it.
        public var barCount: Int?

        /// A song of `durationSeconds` whose bars play to the end.
        public init(
            seed: UInt64, bpm: Double, tonic: Int, minor: Bool, durationSeconds: Double, sampleRate: Double = 22050,
            pickupBeats: Int = 0, introBars: Int = 0, swing: Double = 0, withVoice: Bool = false,
            leadInSeconds: Double = 0, tuningCents: Double = 0
        ) {
            self.seed = seed
            self.bpm = bpm
            self.tonic = tonic
            self.minor = minor
            self.durationSeconds = durationSeconds
            self.sampleRate = sampleRate
            self.pickupBeats = pickupBeats
            self.introBars = introBars
            self.swing = swing
            self.withVoice = withVoice
            self.leadInSeconds = leadInSeconds
            self.tuningCents = tuningCents
            self.barCount = nil
        }

        /// A song of exactly `barCount` bars after the lead-in and the pickup, then one bar of tail:
        /// `durationSeconds` = `leadInSeconds` + (`pickupBeats` + 4 × (`barCount` + 1)) × 60 / `bpm`.
        public init(
            seed: UInt64, bpm: Double, tonic: Int, minor: Bool, barCount: Int, sampleRate: Double = 22050,
            pickupBeats: Int = 0, introBars: Int = 0, swing: Double = 0, withVoice: Bool = false,
            leadInSeconds: Double = 0, tuningCents: Double = 0
        ) {
            self.init(
                seed: seed, bpm: bpm, tonic: tonic, minor: minor,
                durationSeconds: leadInSeconds + Double(pickupBeats + 4 * (barCount + 1)) * 60 / bpm,
                sampleRate: sampleRate, pickupBeats: pickupBeats, introBars: introBars, swing: swing,
                withVoice: withVoice, leadInSeconds: leadInSeconds, tuningCents: tuningCents)
            self.barCount = barCount
        }
    }

    /// A varied, deterministic set: all 24 keys (each `count / 24` times), tempos spread over 70...180 BPM,
    /// pickups of 0-3 beats, 0-2 drum-less intro bars, swing in every fifth song, a voice in every other song.
    public static func testSet(count: Int, sampleRate: Double = 22050) -> [Parameters] {
        (0..<count).map { i in
            let bpm = 70 + 110 * Double((i * 29) % count) / Double(max(1, count - 1))
            let pickup = i % 4
            let intro = (i / 4) % 3
            let barSeconds = 4 * 60 / bpm
            let duration = min(20, max(12, Double(intro + 6) * barSeconds + Double(pickup) * 60 / bpm))
            var rng = SeededGenerator(seed: UInt64(1000 + i))
            return Parameters(
                seed: UInt64(1000 + i), bpm: bpm, tonic: (i * 7) % 12, minor: (i / 12) % 2 == 1,
                durationSeconds: duration, sampleRate: sampleRate, pickupBeats: pickup, introBars: intro,
                swing: i % 5 == 2 ? 0.6 + 0.4 * Double(rng.nextBipolar() * 0.5 + 0.5) : 0,
                withVoice: i % 2 == 1, leadInSeconds: Double(i % 5) * 0.07,
                tuningCents: Double(rng.nextBipolar()) * 15)
        }
    }

    static let majorProgressions: [[(Int, Bool)]] = [
        [(0, false), (7, false), (9, true), (5, false)],
        [(0, false), (9, true), (5, false), (7, false)],
        [(0, false), (5, false), (7, false), (5, false)],
        [(0, false), (5, false), (9, true), (7, false)],
    ]
    static let minorProgressions: [[(Int, Bool)]] = [
        [(0, true), (8, false), (3, false), (10, false)],
        [(0, true), (5, true), (10, false), (3, false)],
        [(0, true), (10, false), (8, false), (10, false)],
        [(0, true), (5, true), (8, false), (7, false)],
    ]
    static let chordRootNames = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

    /// Synthesizes the song `p` describes, with its ground truth. Parameters outside their documented ranges are a
    /// programmer's mistake (precondition).
    public static func generate(_ p: Parameters) -> GeneratedSong {
        precondition(
            p.bpm >= 20 && p.bpm <= 400 && p.durationSeconds > 0 && p.sampleRate >= 8000 && p.leadInSeconds >= 0
                && (0...11).contains(p.tonic) && (0...3).contains(p.pickupBeats) && p.introBars >= 0
                && (p.barCount ?? 1) >= 1,
            "invalid generated song parameters")
        let sr = p.sampleRate
        let n = Int(p.durationSeconds * sr)
        var rng = SeededGenerator(seed: p.seed)
        let beat = 60 / p.bpm
        let firstBeat = p.leadInSeconds
        let firstDownbeat = firstBeat + Double(p.pickupBeats) * beat
        var beatTimes = [Double]()
        var t = firstBeat
        while t < p.durationSeconds { beatTimes.append(t); t += beat }
        var downbeats = [Double]()
        t = firstDownbeat
        while t < p.durationSeconds { downbeats.append(t); t += 4 * beat }
        if let barCount = p.barCount {
            // Only the bars asked for: the tail after them holds no beat and starts no note.
            downbeats = Array(downbeats.prefix(barCount))
            beatTimes = Array(beatTimes.prefix(p.pickupBeats + 4 * barCount))
        }
        let progressions = p.minor ? minorProgressions : majorProgressions
        let progression = progressions[Int(rng.next() % UInt64(progressions.count))]
        let tuning = pow(2, p.tuningCents / 1200)
        func hz(_ midi: Double) -> Double { 440 * tuning * pow(2, (midi - 69) / 12) }
        func sample(_ seconds: Double) -> Int { Int((seconds * sr).rounded()) }

        var drums = [Float](repeating: 0, count: n), hatsRight = [Float](repeating: 0, count: n)
        var bass = [Float](repeating: 0, count: n)
        var padLeft = [Float](repeating: 0, count: n), padRight = [Float](repeating: 0, count: n)
        var voice = [Float](repeating: 0, count: n)
        let padTable = Wavetable(harmonics: (1...6).map { 1 / Double($0) })
        let bassTable = Wavetable(harmonics: [1, 0.5, 0.3, 0.15, 0.1])
        let voiceTable = Wavetable(harmonics: [1, 0.8, 0.6, 0.5, 0.45, 0.3, 0.2, 0.15, 0.1, 0.08])
        let scale = p.minor ? [0, 2, 3, 5, 7, 8, 10] : [0, 2, 4, 5, 7, 9, 11]
        let extraKick = rng.next() % 2 == 0

        // Pickup: bass walking up to the tonic on the pickup beats.
        for k in 0..<p.pickupBeats {
            let degree = scale[(7 - p.pickupBeats + k) % 7]
            let midi = Double(36 + (p.tonic + degree) % 12)
            bassTable.render(
                into: &bass, start: sample(firstBeat + Double(k) * beat), length: sample(0.8 * beat),
                hz: hz(midi), sampleRate: sr, amplitude: 0.22, attack: 0.01, release: 0.05)
        }
        var barChords = [String]()
        for (bar, barStart) in downbeats.enumerated() {
            let (offset, chordMinor) = progression[bar % progression.count]
            let rootPC = (p.tonic + offset) % 12
            barChords.append(chordRootNames[rootPC] + (chordMinor ? "m" : ""))
            let barLength = 4 * beat
            // Pad: a triad around MIDI 55-70, notes panned apart.
            let root = Double(55 + (rootPC + 12 - 7) % 12)
            let notes = [root, root + (chordMinor ? 3 : 4), root + 7]
            for (j, note) in notes.enumerated() {
                let pan = [0.15, 0.85, 0.35][j] // share to the right channel
                let start = sample(barStart), length = sample(barLength * 0.98)
                padTable.renderPanned(
                    left: &padLeft, right: &padRight, start: start, length: length, hz: hz(note),
                    sampleRate: sr, amplitude: 0.07, pan: Float(pan), attack: 0.02, release: 0.08)
            }
            // Bass: root on 1, root or fifth on 3.
            let bassRoot = Double(36 + rootPC)
            bassTable.render(
                into: &bass, start: sample(barStart), length: sample(1.75 * beat), hz: hz(bassRoot),
                sampleRate: sr, amplitude: 0.25, attack: 0.008, release: 0.05)
            let third = bar % 2 == 0 ? bassRoot : bassRoot + 7
            bassTable.render(
                into: &bass, start: sample(barStart + 2 * beat), length: sample(1.75 * beat),
                hz: hz(third), sampleRate: sr, amplitude: 0.2, attack: 0.008, release: 0.05)
            // Drums after the intro.
            if bar >= p.introBars {
                for b in 0..<4 {
                    let bt = barStart + Double(b) * beat
                    if b == 0 || b == 2 {
                        DrumSynth.kick(into: &drums, start: sample(bt), sampleRate: sr, amplitude: 0.55)
                    }
                    if b == 1 || b == 3 {
                        DrumSynth.snare(into: &drums, start: sample(bt), sampleRate: sr, amplitude: 0.3, rng: &rng)
                    }
                    if extraKick && b == 2 {
                        DrumSynth.kick(
                            into: &drums, start: sample(bt + beat * (0.5 + p.swing / 6)), sampleRate: sr, amplitude: 0.3
                        )
                    }
                    DrumSynth.hat(into: &hatsRight, start: sample(bt), sampleRate: sr, amplitude: 0.09, rng: &rng)
                    DrumSynth.hat(
                        into: &hatsRight, start: sample(bt + beat * (0.5 + p.swing / 6)), sampleRate: sr,
                        amplitude: 0.06, rng: &rng)
                }
            }
            // Voice after the intro: one scale note per beat (some rests), gliding with vibrato.
            if p.withVoice && bar >= p.introBars {
                // Strong beats sing a chord tone, weak beats any scale note; each 4-bar phrase ends on the tonic.
                let chordTones = [rootPC, (rootPC + (chordMinor ? 3 : 4)) % 12, (rootPC + 7) % 12]
                for b in 0..<4 where rng.next() % 5 != 0 {
                    let pitchClass: Int
                    if bar % 4 == 3 && b == 3 {
                        pitchClass = p.tonic
                    } else if b % 2 == 0 {
                        pitchClass = chordTones[Int(rng.next() % 3)]
                    } else {
                        pitchClass = (p.tonic + scale[Int(rng.next() % 7)]) % 12
                    }
                    let midi = Double(60 + pitchClass)
                    VoiceSynth.sing(
                        into: &voice, table: voiceTable, start: sample(barStart + Double(b) * beat),
                        length: sample(0.9 * beat), hz: hz(midi), sampleRate: sr, amplitude: 0.16,
                        vibratoPhase: Double(b))
                }
            }
        }
        // Stereo stems.
        let drumsStereo = AudioBuffer(
            channels: [zip(drums, hatsRight).map { $0 + 0.4 * $1 }, zip(drums, hatsRight).map { $0 + 0.6 * $1 }],
            sampleRate: sr)
        let bassStereo = AudioBuffer(channels: [bass, bass], sampleRate: sr)
        let otherStereo = AudioBuffer(channels: [padLeft, padRight], sampleRate: sr)
        let vocalStereo = AudioBuffer(channels: [voice, voice], sampleRate: sr)
        var mix = [[Float]](repeating: [Float](repeating: 0, count: n), count: 2)
        for stem in [drumsStereo, bassStereo, otherStereo, vocalStereo] {
            for c in 0..<2 {
                let ch = stem.channel(c)
                for i in 0..<n { mix[c][i] += ch[i] }
            }
        }
        return GeneratedSong(
            parameters: p, mix: AudioBuffer(channels: mix, sampleRate: sr),
            stems: ["drums": drumsStereo, "bass": bassStereo, "other": otherStereo, "vocals": vocalStereo],
            beatTimes: beatTimes, downbeatTimes: downbeats, barChords: barChords)
    }
}
