import Foundation

/// One effect of a layer, typed, with every parameter resolved to a value with a unit.
///
/// Produced by `EffectParser` from the planner's free strings (`"high-pass-filter-800hz"`) or effect objects
/// (`{"type": "high-pass", "cutoff_hz": 800}`), with musical defaults for what the planner left out. Tempo-relative
/// lengths (`MusicalDuration`) are resolved by the render against the plan's `TempoMap` (target tempo).
/// `jsonValue` gives the canonical effect object, which `EffectParser` parses back to the same value.
public enum EffectSpec: Sendable, Hashable, CustomStringConvertible {
    /// High-pass filter (RBJ biquads). `cutoffHz` 20...20000, `slopeDecibelsPerOctave` 12 or 24.
    case highPass(cutoffHz: Double, slopeDecibelsPerOctave: Int)
    /// Low-pass filter. `cutoffHz` 20...20000, `slopeDecibelsPerOctave` 12 or 24.
    case lowPass(cutoffHz: Double, slopeDecibelsPerOctave: Int)
    /// Band-pass filter (constant peak gain). `centerHz` 20...20000, `q` 0.1...20.
    case bandPass(centerHz: Double, q: Double)
    /// Low shelf. `frequencyHz` 20...20000, `gainDecibels` -24...+24.
    case lowShelf(frequencyHz: Double, gainDecibels: Double)
    /// High shelf. `frequencyHz` 20...20000, `gainDecibels` -24...+24.
    case highShelf(frequencyHz: Double, gainDecibels: Double)
    /// Peaking (bell) EQ. `frequencyHz` 20...20000, `gainDecibels` -24...+24, `q` 0.1...20.
    case peaking(frequencyHz: Double, gainDecibels: Double, q: Double)
    /// A filter whose cutoff moves logarithmically from one frequency to another.
    case filterSweep(FilterSweep)
    /// A feedback delay (tempo-synced by default), optionally ping-pong.
    case delay(Delay)
    /// Echo-out: the end of the layer repeats and decays after the layer stops (a DJ exit).
    case echoOut(EchoOut)
    /// Algorithmic stereo reverb.
    case reverb(Reverb)
    /// Compressor on the layer itself.
    case compressor(Compressor)
    /// Ducking keyed by another stem of the same section (e.g. the drums), the classic pumping sidechain.
    case sidechain(Sidechain)
    /// Saturation / distortion (anti-aliased waveshaper). `driveDecibels` 0...36, `wetMix` 0...1.
    case saturation(driveDecibels: Double, wetMix: Double)
    /// A gain change in dB, -60...+12, added to the layer's `volume_db`.
    case gain(decibels: Double)
    /// Constant-power pan position, -1 (left) ... +1 (right); overrides the layer's pan.
    case pan(position: Double)
    /// A fade in at the start of the layer. The validator moves it onto the layer's `fadeInSeconds`.
    case fadeIn(MusicalDuration)
    /// A fade out at the end of the layer. The validator moves it onto the layer's `fadeOutSeconds`.
    case fadeOut(MusicalDuration)

    /// Filter sweep parameters.
    public struct FilterSweep: Sendable, Hashable {
        /// Which filter sweeps.
        public enum Kind: String, Sendable, Hashable { case lowPass = "low-pass", highPass = "high-pass" }
        /// Where a sweep shorter than the layer sits.
        public enum Anchor: String, Sendable, Hashable { case start, end }
        public var kind: Kind
        /// Cutoff at the start of the sweep, Hz (20...20000).
        public var startHz: Double
        /// Cutoff at the end of the sweep, Hz (20...20000).
        public var endHz: Double
        /// Length of the sweep; nil = the whole layer in the section.
        public var length: MusicalDuration?
        /// Where a shorter sweep is placed: `.end` (a build-up into the next section) or `.start` (an opening).
        public var anchor: Anchor

        /// The opening low-pass sweep: 300 Hz up to 18 kHz over the whole layer.
        public static let defaultLowPass = FilterSweep(
            kind: .lowPass, startHz: 300, endHz: 18_000, length: nil, anchor: .start)
        /// The build-up high-pass sweep: 40 Hz up to 2 kHz over the whole layer.
        public static let defaultHighPass = FilterSweep(
            kind: .highPass, startHz: 40, endHz: 2_000, length: nil, anchor: .end)

        public init(kind: Kind, startHz: Double, endHz: Double, length: MusicalDuration?, anchor: Anchor) {
            self.kind = kind
            self.startHz = startHz
            self.endHz = endHz
            self.length = length
            self.anchor = anchor
        }
    }

    /// Delay parameters.
    public struct Delay: Sendable, Hashable {
        /// Delay time: a note value at the target tempo, or seconds (0.001...4).
        public var time: MusicalDuration
        /// Feedback gain per repeat, 0...0.95.
        public var feedback: Double
        /// Wet level (0...1) added to the dry signal, which stays at unity.
        public var wetMix: Double
        /// Alternate repeats between left and right.
        public var pingPong: Bool
        /// Low-pass in the feedback loop, Hz: each repeat gets darker.
        public var dampingHz: Double

        /// 1/8 note, 35% feedback, 25% wet, damped at 6 kHz.
        public static let standard = Delay(
            time: .note(.eighth), feedback: 0.35, wetMix: 0.25, pingPong: false, dampingHz: 6_000)

        public init(time: MusicalDuration, feedback: Double, wetMix: Double, pingPong: Bool, dampingHz: Double) {
            self.time = time
            self.feedback = feedback
            self.wetMix = wetMix
            self.pingPong = pingPong
            self.dampingHz = dampingHz
        }
    }

    /// Echo-out parameters.
    public struct EchoOut: Sendable, Hashable {
        /// Repeat time, a note value at the target tempo or seconds.
        public var time: MusicalDuration
        /// Feedback gain per repeat, 0...0.95.
        public var feedback: Double
        /// How long the echoes ring on after the layer ends (they are faded out by then).
        public var tail: MusicalDuration

        /// 1/4 note repeats, 55% feedback, 2 bars of tail.
        public static let standard = EchoOut(time: .note(.quarter), feedback: 0.55, tail: .bars(2))

        public init(time: MusicalDuration, feedback: Double, tail: MusicalDuration) {
            self.time = time
            self.feedback = feedback
            self.tail = tail
        }
    }

    /// Reverb parameters.
    public struct Reverb: Sendable, Hashable {
        /// RT60 decay time in seconds, 0.1...20.
        public var decaySeconds: Double
        /// Pre-delay in seconds, 0...0.25.
        public var preDelaySeconds: Double
        /// Wet level 0...1 (dry stays at unity).
        public var wetMix: Double
        /// Room size 0...1 (echo density and early reflection spread).
        public var size: Double
        /// High-frequency damping of the tail, Hz.
        public var dampingHz: Double

        /// A medium hall: 2.2 s, 20 ms pre-delay, 25% wet, size 0.7, damped at 7 kHz.
        public static let standard = Reverb(
            decaySeconds: 2.2, preDelaySeconds: 0.02, wetMix: 0.25, size: 0.7, dampingHz: 7_000)

        public init(decaySeconds: Double, preDelaySeconds: Double, wetMix: Double, size: Double, dampingHz: Double) {
            self.decaySeconds = decaySeconds
            self.preDelaySeconds = preDelaySeconds
            self.wetMix = wetMix
            self.size = size
            self.dampingHz = dampingHz
        }
    }

    /// Compressor parameters.
    public struct Compressor: Sendable, Hashable {
        /// Threshold, dBFS, -60...0.
        public var thresholdDecibels: Double
        /// Ratio, 1...100 (20 and above acts as a limiter).
        public var ratio: Double
        /// Attack, seconds, 0.0001...0.5.
        public var attackSeconds: Double
        /// Release, seconds, 0.005...3.
        public var releaseSeconds: Double
        /// Soft knee width, dB, 0...24.
        public var kneeDecibels: Double
        /// Make-up gain in dB; nil means automatic (the render restores the layer's level).
        public var makeupDecibels: Double?

        /// -18 dB, 4:1, 10 ms attack, 120 ms release, 6 dB knee, automatic make-up.
        public static let standard = Compressor(
            thresholdDecibels: -18, ratio: 4, attackSeconds: 0.010,
            releaseSeconds: 0.120, kneeDecibels: 6, makeupDecibels: nil)

        public init(
            thresholdDecibels: Double, ratio: Double, attackSeconds: Double, releaseSeconds: Double,
            kneeDecibels: Double, makeupDecibels: Double?
        ) {
            self.thresholdDecibels = thresholdDecibels
            self.ratio = ratio
            self.attackSeconds = attackSeconds
            self.releaseSeconds = releaseSeconds
            self.kneeDecibels = kneeDecibels
            self.makeupDecibels = makeupDecibels
        }
    }

    /// Sidechain ducking parameters.
    public struct Sidechain: Sendable, Hashable {
        /// The stem whose signal, summed over the layers of the same section playing it, keys the ducking.
        public var keyStem: Stem
        /// Gain reduction at full key level, dB, 0...30.
        public var depthDecibels: Double
        /// Attack, seconds.
        public var attackSeconds: Double
        /// Release, seconds.
        public var releaseSeconds: Double

        /// Keyed by the section's drums, 6 dB deep, 5 ms attack, 150 ms release.
        public static let standard = Sidechain(
            keyStem: .drums, depthDecibels: 6, attackSeconds: 0.005, releaseSeconds: 0.150)

        public init(keyStem: Stem, depthDecibels: Double, attackSeconds: Double, releaseSeconds: Double) {
            self.keyStem = keyStem
            self.depthDecibels = depthDecibels
            self.attackSeconds = attackSeconds
            self.releaseSeconds = releaseSeconds
        }
    }

    /// The canonical type name, as in `EffectVocabulary` and the effect objects (`"high-pass"`).
    public var typeName: String {
        switch self {
        case .highPass: return "high-pass"
        case .lowPass: return "low-pass"
        case .bandPass: return "band-pass"
        case .lowShelf: return "low-shelf"
        case .highShelf: return "high-shelf"
        case .peaking: return "eq"
        case .filterSweep: return "filter-sweep"
        case .delay(let d): return d.pingPong ? "ping-pong-delay" : "delay"
        case .echoOut: return "echo-out"
        case .reverb: return "reverb"
        case .compressor: return "compressor"
        case .sidechain: return "sidechain"
        case .saturation: return "saturation"
        case .gain: return "gain"
        case .pan: return "pan"
        case .fadeIn: return "fade-in"
        case .fadeOut: return "fade-out"
        }
    }

    /// The canonical effect object with every parameter, e.g. `{"type": "high-pass", "cutoff_hz": 800, "slope_db_per_octave": 12}`.
    /// `EffectParser.parse(_:)` reads it back to the same value.
    public var jsonValue: JSONValue {
        var o: [String: JSONValue] = ["type": .string(typeName)]
        switch self {
        case .highPass(let hz, let slope), .lowPass(let hz, let slope):
            o["cutoff_hz"] = .number(hz); o["slope_db_per_octave"] = .number(Double(slope))
        case .bandPass(let hz, let q):
            o["center_hz"] = .number(hz); o["q"] = .number(q)
        case .lowShelf(let hz, let db), .highShelf(let hz, let db):
            o["frequency_hz"] = .number(hz); o["gain_db"] = .number(db)
        case .peaking(let hz, let db, let q):
            o["frequency_hz"] = .number(hz); o["gain_db"] = .number(db); o["q"] = .number(q)
        case .filterSweep(let s):
            o["filter"] = .string(s.kind.rawValue); o["start_hz"] = .number(s.startHz); o["end_hz"] = .number(s.endHz)
            if let length = s.length { o["length"] = length.jsonValue }
            o["anchor"] = .string(s.anchor.rawValue)
        case .delay(let d):
            o["time"] = d.time.jsonValue; o["feedback"] = .number(d.feedback); o["mix"] = .number(d.wetMix)
            o["damping_hz"] = .number(d.dampingHz)
        case .echoOut(let e):
            o["time"] = e.time.jsonValue; o["feedback"] = .number(e.feedback); o["tail"] = e.tail.jsonValue
        case .reverb(let r):
            o["decay_sec"] = .number(r.decaySeconds); o["pre_delay_sec"] = .number(r.preDelaySeconds)
            o["mix"] = .number(r.wetMix); o["size"] = .number(r.size); o["damping_hz"] = .number(r.dampingHz)
        case .compressor(let c):
            o["threshold_db"] = .number(c.thresholdDecibels); o["ratio"] = .number(c.ratio)
            o["attack_sec"] = .number(c.attackSeconds); o["release_sec"] = .number(c.releaseSeconds)
            o["knee_db"] = .number(c.kneeDecibels)
            if let makeup = c.makeupDecibels { o["makeup_db"] = .number(makeup) }
        case .sidechain(let s):
            o["key"] = .string(s.keyStem.rawValue); o["depth_db"] = .number(s.depthDecibels)
            o["attack_sec"] = .number(s.attackSeconds); o["release_sec"] = .number(s.releaseSeconds)
        case .saturation(let drive, let mix):
            o["drive_db"] = .number(drive); o["mix"] = .number(mix)
        case .gain(let db):
            o["gain_db"] = .number(db)
        case .pan(let position):
            o["position"] = .number(position)
        case .fadeIn(let length), .fadeOut(let length):
            o["length"] = length.jsonValue
        }
        return .object(o)
    }

    /// A short human summary for reports: `"high-pass 800 Hz, 12 dB/oct"`.
    public var description: String {
        let t = MusicalDuration.trim
        switch self {
        case .highPass(let hz, let slope), .lowPass(let hz, let slope):
            return "\(typeName) \(t(hz)) Hz, \(slope) dB/oct"
        case .bandPass(let hz, let q): return "band-pass \(t(hz)) Hz, Q \(t(q))"
        case .lowShelf(let hz, let db), .highShelf(let hz, let db): return "\(typeName) \(t(hz)) Hz \(t(db)) dB"
        case .peaking(let hz, let db, let q): return "eq \(t(hz)) Hz \(t(db)) dB, Q \(t(q))"
        case .filterSweep(let s):
            return "filter-sweep \(s.kind.rawValue) \(t(s.startHz)) Hz -> \(t(s.endHz)) Hz over "
                + (s.length.map { "\($0) at the \(s.anchor.rawValue)" } ?? "the layer")
        case .delay(let d):
            return "\(typeName) \(d.time), feedback \(t(d.feedback * 100))%, mix \(t(d.wetMix * 100))%"
        case .echoOut(let e): return "echo-out \(e.time), feedback \(t(e.feedback * 100))%, tail \(e.tail)"
        case .reverb(let r):
            return
                "reverb \(t(r.decaySeconds)) s, pre-delay \(t(r.preDelaySeconds * 1000)) ms, mix \(t(r.wetMix * 100))%"
        case .compressor(let c):
            return "compressor \(t(c.thresholdDecibels)) dB, \(t(c.ratio)):1, attack \(t(c.attackSeconds * 1000)) ms, "
                + "release \(t(c.releaseSeconds * 1000)) ms"
        case .sidechain(let s):
            return
                "sidechain from \(s.keyStem.rawValue), \(t(s.depthDecibels)) dB, release \(t(s.releaseSeconds * 1000)) ms"
        case .saturation(let drive, let mix): return "saturation drive \(t(drive)) dB, mix \(t(mix * 100))%"
        case .gain(let db): return "gain \(db >= 0 ? "+" : "")\(t(db)) dB"
        case .pan(let p): return "pan \(t(p))"
        case .fadeIn(let d): return "fade-in \(d)"
        case .fadeOut(let d): return "fade-out \(d)"
        }
    }
}
