import Foundation

/// The parameters found for one effect while parsing: positional quantities from a string, named values from an
/// object, and modifier words. Builders take what they use; whatever is left becomes a note.
struct EffectArguments {
    /// What a named parameter of an effect object means.
    enum Role: Hashable {
        case frequency, start, end, decay, time, feedback, mix, ratio, threshold, attack, release, knee, makeup
        case depth, drive, gain, pan, slope, q, preDelay, size, damping, length, tail, key, pingPong, filter
        case direction, anchor

        /// Roles whose string values are words (a stem, a filter kind, a direction).
        var takesWords: Bool { [.key, .filter, .direction, .anchor].contains(self) }
        /// Roles holding a duration.
        var isTime: Bool { [.time, .length, .tail].contains(self) }

        /// The role of an object key (lowercased, letters and digits only), or nil for an unknown key.
        static func forKey(_ key: String) -> Role? {
            // Strip a unit suffix to find the base name ("cutoffhz" -> "cutoff", "timems" -> "time").
            var base = key
            for suffix in ["khz", "hz", "ms", "seconds", "secs", "sec", "db", "percent", "pct", "bars", "beats"]
            where base.hasSuffix(suffix) && base.count > suffix.count {
                base.removeLast(suffix.count)
                break
            }
            return table[base] ?? table[key]
        }

        static let table: [String: Role] = {
            var t: [String: Role] = [:]
            let groups: [(Role, [String])] = [
                (
                    .frequency,
                    ["cutoff", "frequency", "freq", "center", "centre", "centerfrequency", "cutofffrequency", "corner"]
                ),
                (.start, ["start", "from", "startfrequency", "startfreq", "fromfrequency", "low"]),
                (.end, ["end", "to", "endfrequency", "endfreq", "tofrequency", "high", "target"]),
                (.decay, ["decay", "decaytime", "rt", "reverbtime", "roomdecay"]),
                (.time, ["time", "delay", "delaytime", "note", "division", "sync", "rate", "interval"]),
                (.feedback, ["feedback", "fb", "repeats", "regen"]),
                (.mix, ["mix", "wet", "wetmix", "drywet", "wetdry", "amount", "blend", "send", "level"]),
                (.ratio, ["ratio"]),
                (.threshold, ["threshold", "thresh"]),
                (.attack, ["attack", "attacktime"]),
                (.release, ["release", "releasetime"]),
                (.knee, ["knee"]),
                (.makeup, ["makeup", "makeupgain", "output"]),
                (.depth, ["depth", "duck", "ducking", "reduction", "gainreduction"]),
                (.drive, ["drive", "saturation", "distortion"]),
                (.gain, ["gain", "volume", "boost", "cut"]),
                (.pan, ["pan", "position", "panning"]),
                (.slope, ["slope", "order", "steepness", "slopedbperoctave", "slopedbperoct", "dbperoctave"]),
                (.q, ["q", "resonance", "res", "bandwidth", "width"]),
                (.preDelay, ["predelay"]),
                (.size, ["size", "roomsize", "room"]),
                (.damping, ["damping", "damp", "tone", "dampingfrequency"]),
                (.length, ["length", "duration", "over", "sweeptime", "sweeplength", "fadelength", "fadetime"]),
                (.tail, ["tail", "tailtime", "taillength", "ringout"]),
                (.key, ["key", "source", "trigger", "keystem", "sidechainsource", "by", "input", "sidechain"]),
                (.pingPong, ["pingpong", "stereo"]),
                (.filter, ["filter", "filtertype", "mode", "shape"]),
                (.direction, ["direction", "dir"]),
                (.anchor, ["anchor", "at", "placement", "align"]),
            ]
            for (role, names) in groups { for name in names { t[name] = role } }
            return t
        }()
    }

    /// The unit an object key states by its suffix (`cutoff_hz` -> hertz, `time_ms` -> milliseconds).
    enum KeyUnit { case hertz, kilohertz, milliseconds, seconds, decibels, percent, bars, beats }

    static func unit(ofKey key: String) -> KeyUnit? {
        if key.hasSuffix("khz") { return .kilohertz }
        if key.hasSuffix("hz") { return .hertz }
        if key.hasSuffix("ms") { return .milliseconds }
        if key.hasSuffix("sec") || key.hasSuffix("secs") || key.hasSuffix("seconds") { return .seconds }
        if key.hasSuffix("db") { return .decibels }
        if key.hasSuffix("percent") || key.hasSuffix("pct") { return .percent }
        if key.hasSuffix("bars") { return .bars }
        if key.hasSuffix("beats") { return .beats }
        return nil
    }

    var quantities: [EffectQuantity] = []
    var named: [Role: EffectQuantity] = [:]
    var namedKeyUnits: [Role: KeyUnit?] = [:]
    var modifiers: [String] = []
    var usedModifiers: Set<String> = []
    var notes: [String] = []

    // MARK: Modifiers

    /// True when any of `words` is among the modifiers (and marks it used).
    mutating func has(_ words: String...) -> Bool { has(words) }

    mutating func has(_ words: [String]) -> Bool {
        var found = false
        for w in words where modifiers.contains(w) {
            usedModifiers.insert(w)
            found = true
        }
        return found
    }

    /// A stem named among the modifiers (`drums`, `kick`, `vocals`...), marked used.
    mutating func stem() -> Stem? {
        for w in modifiers {
            if let stem = Stem(parsing: w), stem != .full {
                usedModifiers.insert(w)
                return stem
            }
        }
        return nil
    }

    /// Intensity words: 0.6 for subtle/light/gentle, 1.6 for heavy/big/strong/wet, else 1.
    mutating func intensity() -> Double {
        if has("subtle", "light", "gentle", "slight", "soft", "little", "touch", "mild") { return 0.6 }
        if has("heavy", "strong", "lots", "massive", "intense", "extreme", "hard", "drenched", "wet", "deep") {
            return 1.6
        }
        return 1
    }

    // MARK: Taking values

    /// Removes and returns the first positional quantity for which `convert` gives a value.
    mutating func takePositional(_ convert: (EffectQuantity) -> Double?) -> Double? {
        for (i, q) in quantities.enumerated() {
            if let v = convert(q) {
                quantities.remove(at: i)
                return v
            }
        }
        return nil
    }

    /// Removes and returns the named value for `role`, converted.
    mutating func takeNamed(_ role: Role, _ convert: (EffectQuantity, KeyUnit?) -> Double?) -> Double? {
        guard let q = named[role] else { return nil }
        named[role] = nil
        let unit = namedKeyUnits[role] ?? nil
        if let v = convert(q, unit) { return v }
        notes.append("parameter \(q.text) does not fit here: ignored")
        return nil
    }

    /// A frequency in Hz: named `role`, else a positional `800hz`, else (when `plain`) a bare positional number.
    mutating func frequency(_ role: Role, plain: Bool = true) -> Double? {
        if let v = takeNamed(
            role,
            { q, unit in
                switch q {
                case .hertz(let v): return v
                case .plain(let v): return unit == .kilohertz ? v * 1000 : v
                default: return nil
                }
            })
        {
            return v
        }
        if let v = takePositional({ if case .hertz(let v) = $0 { return v } else { return nil } }) { return v }
        if plain, let v = takePositional({ if case .plain(let v) = $0 { return v } else { return nil } }) { return v }
        return nil
    }

    /// A time in seconds. A bare number counts as milliseconds when at least `millisecondsFrom`, else seconds.
    mutating func seconds(_ role: Role, plain: Bool, millisecondsFrom: Double = 10) -> Double? {
        if let v = takeNamed(
            role,
            { q, unit in
                switch q {
                case .seconds(let v): return v
                case .plain(let v):
                    switch unit {
                    case .milliseconds: return v / 1000
                    case .seconds: return v
                    default: return v >= millisecondsFrom ? v / 1000 : v
                    }
                default: return nil
                }
            })
        {
            return v
        }
        if let v = takePositional({ if case .seconds(let v) = $0 { return v } else { return nil } }) { return v }
        if plain, let v = takePositional({ if case .plain(let v) = $0 { return v } else { return nil } }) {
            return v >= millisecondsFrom ? v / 1000 : v
        }
        return nil
    }

    /// A level in dB: named, positional `-6db`, or (when `plain`) a bare number.
    mutating func decibels(_ role: Role, plain: Bool) -> Double? {
        if let v = takeNamed(
            role,
            { q, _ in
                switch q {
                case .decibels(let v), .plain(let v): return v
                default: return nil
                }
            })
        {
            return v
        }
        if let v = takePositional({ if case .decibels(let v) = $0 { return v } else { return nil } }) { return v }
        if plain, let v = takePositional({ if case .plain(let v) = $0 { return v } else { return nil } }) { return v }
        return nil
    }

    /// A fraction 0...1: named (a number above 1 is a percentage), or a positional `35%`.
    mutating func fraction(_ role: Role) -> Double? {
        if let v = takeNamed(
            role,
            { q, unit in
                switch q {
                case .fraction(let v): return v
                case .plain(let v): return unit == .percent || v > 1 ? v / 100 : v
                default: return nil
                }
            })
        {
            return v
        }
        return takePositional({ if case .fraction(let v) = $0 { return v } else { return nil } })
    }

    /// A compression ratio: named, positional `4:1`, or (when `plain`) a bare number.
    mutating func ratio(_ role: Role, plain: Bool) -> Double? {
        if let v = takeNamed(
            role,
            { q, _ in
                switch q {
                case .ratio(let v), .plain(let v): return v
                default: return nil
                }
            })
        {
            return v
        }
        if let v = takePositional({ if case .ratio(let v) = $0 { return v } else { return nil } }) { return v }
        if plain, let v = takePositional({ if case .plain(let v) = $0 { return v } else { return nil } }) { return v }
        return nil
    }

    /// A plain number for `role` (named or positional bare number).
    mutating func number(_ role: Role, positional: Bool) -> Double? {
        if let v = takeNamed(role, { q, _ in if case .plain(let v) = q { return v } else { return nil } }) { return v }
        if positional { return takePositional({ if case .plain(let v) = $0 { return v } else { return nil } }) }
        return nil
    }

    /// A duration: named (a bare number in the key's unit, else `plainUnit`), or a positional note value,
    /// bars, beats or seconds.
    mutating func duration(_ role: Role, plainUnit: KeyUnit, positional: Bool = true) -> MusicalDuration? {
        if let q = named[role] {
            named[role] = nil
            let unit = (namedKeyUnits[role] ?? nil) ?? plainUnit
            switch q {
            case .seconds(let v): return .seconds(v)
            case .bars(let v): return .bars(v)
            case .beats(let v): return .beats(v)
            case .note(let n): return .note(n)
            case .plain(let v):
                switch unit {
                case .milliseconds: return .seconds(v / 1000)
                case .bars: return .bars(v)
                case .beats: return .beats(v)
                default: return .seconds(v)
                }
            default:
                notes.append("parameter \(q.text) is not a duration: ignored")
            }
        }
        guard positional else { return nil }
        for (i, q) in quantities.enumerated() {
            let d: MusicalDuration?
            switch q {
            case .note(let n): d = .note(n)
            case .bars(let v): d = .bars(v)
            case .beats(let v): d = .beats(v)
            case .seconds(let v): d = .seconds(v)
            default: d = nil
            }
            if let d {
                quantities.remove(at: i)
                return d
            }
        }
        return nil
    }

    /// Modifier words for a note value (`eighth`, `quarter`, `dotted`, `triplet`...), or nil.
    mutating func noteFromWords() -> NoteValue? {
        var denominator: Int?
        if has("eighth", "eighths", "quaver") {
            denominator = 8
        } else if has("quarter", "quarters", "crotchet") {
            denominator = 4
        } else if has("sixteenth", "sixteenths", "semiquaver") {
            denominator = 16
        } else if has("half", "minim") {
            denominator = 2
        } else if has("whole", "bar", "semibreve") {
            denominator = 1
        }
        let dotted = has("dotted", "dot")
        let triplet = has("triplet", "triplets", "trip")
        if denominator == nil && (dotted || triplet) { denominator = 8 }
        guard let d = denominator else { return nil }
        return NoteValue(1, d, dotted: dotted, triplet: triplet)
    }

    /// `value` clamped into `range`, with a note when it had to be moved.
    mutating func clamp(_ value: Double, _ range: ClosedRange<Double>, _ what: String, unit: String = "") -> Double {
        let t = MusicalDuration.trim
        if value < range.lowerBound || value > range.upperBound {
            let clamped = min(max(value, range.lowerBound), range.upperBound)
            notes.append(
                "\(what) \(t(value))\(unit) is outside \(t(range.lowerBound))...\(t(range.upperBound))\(unit): set to \(t(clamped))\(unit)"
            )
            return clamped
        }
        return value
    }
}
