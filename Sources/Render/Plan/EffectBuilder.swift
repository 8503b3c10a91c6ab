import Foundation

/// Turns an identified effect family and its arguments into an `EffectSpec` with musical defaults and clamped
/// ranges (every clamp leaves a note).
enum EffectBuilder {
    /// Audible frequency range accepted for filters, Hz.
    static let frequencyRangeHz: ClosedRange<Double> = 20...20_000

    static func build(_ kind: EffectKind, _ a: inout EffectArguments) -> EffectSpec? {
        switch kind {
        case .highPass:
            let cutoff = a.frequency(.frequency) ?? (a.has("thin", "thinned") ? 400 : 200)
            return .highPass(
                cutoffHz: a.clamp(cutoff, frequencyRangeHz, "cutoff", unit: " Hz"), slopeDecibelsPerOctave: slope(&a))
        case .lowPass:
            var cutoff = 1_500.0
            if a.has("underwater") { cutoff = 400 } else if a.has("muffled") { cutoff = 800 }
            cutoff = a.frequency(.frequency) ?? cutoff
            return .lowPass(
                cutoffHz: a.clamp(cutoff, frequencyRangeHz, "cutoff", unit: " Hz"), slopeDecibelsPerOctave: slope(&a))
        case .bandPass:
            var center = 1_000.0, q = 1.0
            if a.has("telephone") { center = 1_000; q = 1.0 } else if a.has("radio") { center = 1_500; q = 0.8 }
            if let f1 = a.frequency(.frequency, plain: false) ?? a.frequency(.start, plain: false) {
                if let f2 = a.frequency(.end, plain: false) ?? a.frequency(.frequency, plain: false), f2 != f1 {
                    // A band given by its edges: geometric centre, Q = centre / bandwidth.
                    let lo = min(f1, f2), hi = max(f1, f2)
                    center = (lo * hi).squareRoot()
                    q = center / (hi - lo)
                } else {
                    center = f1
                }
            } else if let f = a.frequency(.frequency) {
                center = f
            }
            q = a.number(.q, positional: false) ?? q
            return .bandPass(
                centerHz: a.clamp(center, frequencyRangeHz, "centre", unit: " Hz"), q: a.clamp(q, 0.1...20, "Q"))
        case .lowShelf, .highShelf:
            let isLow = kind == .lowShelf
            var frequency = isLow ? 120.0 : 8_000.0
            var gain: Double? = nil
            if a.has("air") { frequency = 10_000; gain = 3 }
            if a.has("boost") { gain = isLow ? 4 : 3 }
            frequency = a.frequency(.frequency, plain: false) ?? frequency
            gain = a.decibels(.gain, plain: true) ?? gain
            if a.has("cut"), let g = gain { gain = -abs(g) }
            guard let g = gain else {
                a.notes.append("a shelf needs a gain in dB (e.g. \"low-shelf 120hz +3db\"): ignored")
                return nil
            }
            let f = a.clamp(frequency, frequencyRangeHz, "frequency", unit: " Hz")
            let db = a.clamp(g, -24...24, "gain", unit: " dB")
            return isLow ? .lowShelf(frequencyHz: f, gainDecibels: db) : .highShelf(frequencyHz: f, gainDecibels: db)
        case .eq:
            let frequency = a.frequency(.frequency, plain: false)
            var gain = a.decibels(.gain, plain: false)
            if a.has("cut"), let g = gain { gain = -abs(g) }
            _ = a.has("q")
            let q = a.number(.q, positional: true) ?? 1.0
            guard let frequency, let gain else {
                a.notes.append("an eq needs a frequency and a gain (e.g. \"eq 3khz -4db\"): ignored")
                return nil
            }
            return .peaking(
                frequencyHz: a.clamp(frequency, frequencyRangeHz, "frequency", unit: " Hz"),
                gainDecibels: a.clamp(gain, -24...24, "gain", unit: " dB"), q: a.clamp(q, 0.1...20, "Q"))
        case .filterSweep:
            return .filterSweep(filterSweep(&a))
        case .delay:
            return .delay(delay(&a))
        case .echoOut:
            var echo = EffectSpec.EchoOut.standard
            if let tail = a.duration(.tail, plainUnit: .bars, positional: false)
                ?? a.duration(.length, plainUnit: .bars, positional: false)
                ?? a.takePositional({ if case .bars(let b) = $0 { return b } else { return nil } }).map({ .bars($0) })
            {
                echo.tail = clampDuration(tail, &a)
            } else if a.has("long") {
                echo.tail = .bars(4)
            } else if a.has("short") {
                echo.tail = .bars(1)
            }
            if let t = delayTime(&a) { echo.time = t }
            if let fb = a.fraction(.feedback) { echo.feedback = a.clamp(fb, 0...0.95, "feedback") }
            return .echoOut(echo)
        case .reverb:
            return .reverb(reverb(&a))
        case .compressor:
            return .compressor(compressor(&a))
        case .sidechain:
            var s = EffectSpec.Sidechain.standard
            if let key = a.stem() { s.keyStem = key }
            if let named = a.named[.key], case .plain = named { a.named[.key] = nil }
            let scale = a.intensity()
            s.depthDecibels *= scale
            if let depth = a.decibels(.depth, plain: true) { s.depthDecibels = abs(depth) }
            s.depthDecibels = a.clamp(s.depthDecibels, 0...30, "depth", unit: " dB")
            if let attack = a.seconds(.attack, plain: false, millisecondsFrom: 1) {
                s.attackSeconds = a.clamp(attack, 0.0001...0.5, "attack", unit: " s")
            }
            if let release = a.seconds(.release, plain: false, millisecondsFrom: 1) {
                s.releaseSeconds = a.clamp(release, 0.005...3, "release", unit: " s")
            }
            return .sidechain(s)
        case .saturation:
            var drive = 6.0
            if a.has("distortion") { drive = 18 } else if a.has("fuzz") { drive = 30 }
            if a.has("tape", "tube", "warm", "warmth") { drive = min(drive, 6) }
            drive *= a.intensity()
            if let d = a.decibels(.drive, plain: true) { drive = d }
            let mix = a.fraction(.mix) ?? 1
            return .saturation(
                driveDecibels: a.clamp(drive, 0...36, "drive", unit: " dB"), wetMix: a.clamp(mix, 0...1, "mix"))
        case .gain:
            guard var db = a.decibels(.gain, plain: true) else {
                if a.has("boost") { return .gain(decibels: 3) }
                if a.has("cut") { return .gain(decibels: -3) }
                a.notes.append("a gain needs an amount in dB (e.g. \"gain +3db\"): ignored")
                return nil
            }
            if a.has("cut", "down", "minus", "reduce", "lower") { db = -abs(db) }
            _ = a.has("boost", "up", "plus", "raise")
            return .gain(decibels: a.clamp(db, -60...12, "gain", unit: " dB"))
        case .pan:
            return pan(&a)
        case .fadeIn, .fadeOut:
            let length =
                a.duration(.length, plainUnit: .seconds) ?? a.seconds(.length, plain: true).map { .seconds($0) }
                ?? (a.has("long", "slow") ? .bars(4) : a.has("short", "quick", "fast") ? .bars(1) : .bars(2))
            let clamped = clampDuration(length, &a)
            return kind == .fadeIn ? .fadeIn(clamped) : .fadeOut(clamped)
        }
    }

    /// Filter slope: 12 or 24 dB/octave (named `slope`, a positional 24db, or the word `steep`).
    static func slope(_ a: inout EffectArguments) -> Int {
        var slope = a.has("steep", "sharp") ? 24.0 : 12.0
        if let s = a.decibels(.slope, plain: false) { slope = s }
        if slope != 12 && slope != 24 {
            let chosen = slope > 18 ? 24.0 : 12.0
            a.notes.append("slope \(MusicalDuration.trim(slope)) dB/oct is not 12 or 24: set to \(Int(chosen))")
            slope = chosen
        }
        return Int(slope)
    }

    /// A duration clamped to 0...64 bars / 0...60 s.
    static func clampDuration(_ d: MusicalDuration, _ a: inout EffectArguments) -> MusicalDuration {
        switch d {
        case .seconds(let s): return .seconds(a.clamp(s, 0...60, "length", unit: " s"))
        case .bars(let b): return .bars(a.clamp(b, 0...64, "length", unit: " bars"))
        case .beats(let b): return .beats(a.clamp(b, 0...256, "length", unit: " beats"))
        case .note: return d
        }
    }

    static func filterSweep(_ a: inout EffectArguments) -> EffectSpec.FilterSweep {
        let highPass = a.has("highpass", "hpf", "hp", "lowcut", "high")
        if !highPass { _ = a.has("lowpass", "lpf", "lp", "highcut", "low") }
        let down = a.has("down", "closing", "close", "falling", "out", "downward", "descending")
        _ = a.has("up", "rising", "opening", "open", "upward", "ascending", "in")
        var sweep = highPass ? EffectSpec.FilterSweep.defaultHighPass : EffectSpec.FilterSweep.defaultLowPass
        if down { swap(&sweep.startHz, &sweep.endHz); sweep.anchor = sweep.anchor == .start ? .end : .start }
        let named1 = a.frequency(.start, plain: false)
        let named2 = a.frequency(.end, plain: false)
        let first = named1 ?? a.frequency(.frequency, plain: false)
        let second = named2 ?? a.frequency(.frequency, plain: false)
        if let f = first { sweep.startHz = f }
        if let f = second { sweep.endHz = f }
        sweep.startHz = a.clamp(sweep.startHz, frequencyRangeHz, "start", unit: " Hz")
        sweep.endHz = a.clamp(sweep.endHz, frequencyRangeHz, "end", unit: " Hz")
        if let length = a.duration(.length, plainUnit: .bars) { sweep.length = clampDuration(length, &a) }
        if a.has("start", "intro", "beginning", "opening") { sweep.anchor = .start }
        if a.has("end", "buildup", "build", "riser", "outro", "drop") { sweep.anchor = .end }
        if let anchorWord = a.named[.anchor] {
            a.named[.anchor] = nil; a.notes.append("anchor \(anchorWord.text) not understood")
        }
        return sweep
    }

    /// A delay time from the arguments: named `time`, a positional note/seconds/beats, note words, or a bare number
    /// (milliseconds from 10, else seconds).
    static func delayTime(_ a: inout EffectArguments) -> MusicalDuration? {
        if let q = a.named[.time] {
            switch q {
            case .plain, .seconds:
                if let s = a.seconds(.time, plain: false, millisecondsFrom: 10) { return .seconds(s) }
            default:
                if let d = a.duration(.time, plainUnit: .seconds, positional: false) { return d }
            }
        }
        if let d = a.duration(.time, plainUnit: .seconds, positional: true) {
            if case .note(let n) = d, !n.dotted, !n.triplet, a.has("dotted", "dot") {
                return .note(NoteValue(n.numerator, n.denominator, dotted: true))
            }
            return d
        }
        if let n = a.noteFromWords() { return .note(n) }
        if let s = a.seconds(.time, plain: true, millisecondsFrom: 10) { return .seconds(s) }
        return nil
    }

    static func delay(_ a: inout EffectArguments) -> EffectSpec.Delay {
        var d = EffectSpec.Delay.standard
        if a.has("pingpong", "stereo") { d.pingPong = true }
        if a.has("tape") { d.dampingHz = 3_000; d.feedback = 0.45 }
        if a.has("slapback") { d.time = .seconds(0.09); d.feedback = 0.1; d.wetMix = 0.3 }
        if a.has("long") { d.time = .note(.quarter) } else if a.has("short") { d.time = .note(.sixteenth) }
        d.wetMix *= a.intensity()
        if let t = delayTime(&a) {
            if case .seconds(let s) = t {
                d.time = .seconds(a.clamp(s, 0.001...4, "delay time", unit: " s"))
            } else {
                d.time = t
            }
        }
        if let fb = a.fraction(.feedback) { d.feedback = fb }
        if let mix = a.fraction(.mix) { d.wetMix = mix }
        if let damping = a.frequency(.damping, plain: false) { d.dampingHz = damping }
        d.feedback = a.clamp(d.feedback, 0...0.95, "feedback")
        d.wetMix = a.clamp(d.wetMix, 0...1, "mix")
        d.dampingHz = a.clamp(d.dampingHz, frequencyRangeHz, "damping", unit: " Hz")
        return d
    }

    static func reverb(_ a: inout EffectArguments) -> EffectSpec.Reverb {
        var r = EffectSpec.Reverb.standard
        if a.has("large", "big", "huge", "long", "hall", "epic", "vast") {
            r.decaySeconds = 3.5; r.size = 0.9; r.preDelaySeconds = 0.03
        }
        if a.has("small", "room", "short", "tight", "dry") {
            r.decaySeconds = 0.9; r.size = 0.4; r.preDelaySeconds = 0.01
        }
        if a.has("plate") { r.decaySeconds = 1.6; r.size = 0.6; r.dampingHz = 9_000 }
        if a.has("cathedral", "church") { r.decaySeconds = 6; r.size = 1; r.preDelaySeconds = 0.04; r.wetMix = 0.35 }
        if a.has("wash", "ambient", "infinite") { r.decaySeconds = 6; r.size = 1; r.wetMix = 0.5 }
        _ = a.has("medium", "standard", "default", "normal")
        if a.has("dark") { r.dampingHz = 3_500 }
        if a.has("bright") { r.dampingHz = 12_000 }
        r.wetMix *= a.intensity()
        if let decay = a.seconds(.decay, plain: true, millisecondsFrom: 100) { r.decaySeconds = decay }
        if let pre = a.seconds(.preDelay, plain: false, millisecondsFrom: 1) { r.preDelaySeconds = pre }
        if let mix = a.fraction(.mix) { r.wetMix = mix }
        if let size = a.number(.size, positional: false) { r.size = size > 1 ? size / 100 : size }
        if let damping = a.frequency(.damping, plain: false) { r.dampingHz = damping }
        r.decaySeconds = a.clamp(r.decaySeconds, 0.1...20, "decay", unit: " s")
        r.preDelaySeconds = a.clamp(r.preDelaySeconds, 0...0.25, "pre-delay", unit: " s")
        r.wetMix = a.clamp(r.wetMix, 0...1, "mix")
        r.size = a.clamp(r.size, 0...1, "size")
        r.dampingHz = a.clamp(r.dampingHz, frequencyRangeHz, "damping", unit: " Hz")
        return r
    }

    static func compressor(_ a: inout EffectArguments) -> EffectSpec.Compressor {
        var c = EffectSpec.Compressor.standard
        if a.has("glue") { c.ratio = 2; c.thresholdDecibels = -12; c.attackSeconds = 0.03; c.releaseSeconds = 0.2 }
        if a.has("limiter") {
            c.ratio = 20; c.thresholdDecibels = -6; c.attackSeconds = 0.001; c.releaseSeconds = 0.1; c.kneeDecibels = 0
        }
        let scale = a.intensity()
        if scale > 1 { c.ratio = max(c.ratio, 8); c.thresholdDecibels -= 6 }
        if scale < 1 { c.ratio = min(c.ratio, 2); c.thresholdDecibels += 6 }
        if let ratio = a.ratio(.ratio, plain: true) { c.ratio = ratio }
        if let threshold = a.decibels(.threshold, plain: false) { c.thresholdDecibels = threshold }
        if let attack = a.seconds(.attack, plain: false, millisecondsFrom: 1) { c.attackSeconds = attack }
        if let release = a.seconds(.release, plain: false, millisecondsFrom: 1) { c.releaseSeconds = release }
        if let knee = a.decibels(.knee, plain: false) { c.kneeDecibels = knee }
        if let makeup = a.decibels(.makeup, plain: false) {
            c.makeupDecibels = a.clamp(makeup, -24...24, "make-up", unit: " dB")
        }
        c.ratio = a.clamp(c.ratio, 1...100, "ratio")
        c.thresholdDecibels = a.clamp(c.thresholdDecibels, -60...0, "threshold", unit: " dB")
        c.attackSeconds = a.clamp(c.attackSeconds, 0.0001...0.5, "attack", unit: " s")
        c.releaseSeconds = a.clamp(c.releaseSeconds, 0.005...3, "release", unit: " s")
        c.kneeDecibels = a.clamp(c.kneeDecibels, 0...24, "knee", unit: " dB")
        return c
    }

    static func pan(_ a: inout EffectArguments) -> EffectSpec? {
        let left = a.has("left", "l")
        let right = a.has("right", "r")
        let hard = a.has("hard", "full", "fully", "extreme")
        let slight = a.has("slight", "slightly", "little", "subtle", "bit")
        if a.has("center", "centre", "middle", "mono") { return .pan(position: 0) }
        var amount: Double?
        if let f = a.fraction(.pan) {
            amount = f
        } else if let v = a.number(.pan, positional: true) {
            amount = abs(v) > 1 ? v / 100 : v
        }
        if left || right {
            let magnitude = abs(amount ?? (hard ? 1 : slight ? 0.25 : 0.5))
            return .pan(position: a.clamp(left ? -magnitude : magnitude, -1...1, "pan"))
        }
        guard let amount else {
            a.notes.append("a pan needs a side or a position -1...1 (e.g. \"pan left\", \"pan -0.3\"): ignored")
            return nil
        }
        return .pan(position: a.clamp(amount, -1...1, "pan"))
    }
}
