import Foundation

/// Reads a masterplan from bytes or a JSON value, leniently where language models are sloppy and safely against
/// hostile input.
///
/// Accepted shapes: `{"creative_vision", "masterplan": {...}}` (the planner's reply), `{"masterplan": {"timeline",
/// "global_settings"}, "songs", "job_id"}` (the /execute-masterplan request) and a bare masterplan object.
/// Lenient: numbers sent as strings with units (`"-6dB"`, `"124 BPM"`, `"15.5s"`, `"70%"`), times as `"1:30"`, a time signature as
/// `[4, 4]`, `"4/4"` or missing (4/4), `global_settings` for `global`, common alternative key names (`song_id`,
/// `volume`, `start`, `duration`...), an `effects` string instead of an array (split at commas), an end time instead
/// of a duration. Strict: a field of the wrong type is an error at its path; `"NaN"`/`"Infinity"` strings become
/// non-finite numbers that the validator rejects. Bytes go through `JSONReader`: strict syntax (no comments, trailing
/// commas or duplicate keys), size, depth and string limits, each error located by line, column and path.
public enum PlanDecoder {
    /// Decodes bytes. Never throws: an unreadable document gives nil and an error at `$`.
    public static func decode(_ data: Data, limits: PlanLimits = .standard) -> (plan: Masterplan?, issues: [PlanIssue])
    {
        let value: JSONValue
        do throws(JSONReader.ReadError) {
            value = try JSONReader.read(
                data, maximumDepth: limits.maximumNestingDepth, maximumByteCount: limits.maximumByteCount)
        } catch {
            return (
                nil,
                [
                    PlanIssue(
                        .error, error.path,
                        "not readable JSON: line \(error.line), column \(error.column): \(error.message)")
                ]
            )
        }
        return decode(value, limits: limits)
    }

    /// Decodes a JSON value already read. Nil (with an error) when the value is not an object.
    public static func decode(_ value: JSONValue, limits: PlanLimits = .standard) -> (
        plan: Masterplan?, issues: [PlanIssue]
    ) {
        guard let root = value.objectValue else {
            return (nil, [PlanIssue(.error, "$", "a masterplan must be a JSON object, not \(PlanIssue.show(value))")])
        }
        var reader = FieldReader(limits: limits)
        var plan = Masterplan()
        var planObject = root
        var prefix = ""
        if let (key, inner) = reader.member(root, ["masterplan", "master_plan", "masterPlan", "plan"]) {
            if let object = inner.objectValue {
                planObject = object
                prefix = key
            } else {
                reader.issues.error(key, "must be an object, not \(PlanIssue.show(inner))")
                return (nil, reader.issues.all)
            }
        }
        plan.pathPrefix = prefix
        plan.creativeVision =
            reader.text(root, ["creative_vision", "creativeVision", "concept", "vision"], at: "")
            ?? reader.text(planObject, ["creative_vision", "creativeVision", "concept"], at: prefix)
        plan.title = reader.text(planObject, ["title", "name"], at: prefix) ?? reader.text(root, ["title"], at: "")
        plan.artistCredits = reader.text(
            planObject, ["artistCredits", "artist_credits", "credits", "artists"], at: prefix)

        // Global settings: in `global`, `global_settings`, or (sloppy) directly in the masterplan object.
        var globalObject = planObject
        var globalPath = FieldReader.join(prefix, "global")
        if let (key, g) = reader.member(planObject, ["global", "global_settings", "globalSettings", "settings"]) {
            if let object = g.objectValue {
                globalObject = object
                globalPath = FieldReader.join(prefix, key)
            } else {
                reader.issues.error(FieldReader.join(prefix, key), "must be an object, not \(PlanIssue.show(g))")
            }
        }
        // Settings written directly in the masterplan object are read at their real path.
        plan.global = reader.global(globalObject, at: globalObject == planObject ? prefix : globalPath)
        plan.globalPath = globalPath

        if let (key, t) = reader.member(planObject, ["timeline", "sections"]) {
            let path = FieldReader.join(prefix, key)
            if let items = t.arrayValue {
                // Sections beyond the limit are not decoded: one error says how many there were.
                if items.count > limits.maximumSections {
                    reader.issues.error(
                        path,
                        "\(items.count) sections: at most \(limits.maximumSections) (only the first \(limits.maximumSections) were checked)"
                    )
                }
                plan.timeline.reserveCapacity(min(items.count, limits.maximumSections))
                for (i, item) in items.prefix(limits.maximumSections).enumerated() {
                    plan.timeline.append(reader.section(item, at: "\(path)[\(i)]"))
                }
            } else {
                reader.issues.error(path, "the timeline must be an array of sections, not \(PlanIssue.show(t))")
            }
        } else {
            reader.issues.error(
                FieldReader.join(prefix, "timeline"), "no timeline: a masterplan needs a timeline of sections")
        }

        if let (key, p) = reader.member(planObject, ["problems_and_solutions", "problemsAndSolutions", "problems"]) {
            let path = FieldReader.join(prefix, key)
            for (i, item) in (p.arrayValue ?? []).prefix(limits.maximumSections).enumerated() {
                if let object = item.objectValue {
                    let problem = reader.text(object, ["problem"], at: "\(path)[\(i)]") ?? ""
                    let solution = reader.text(object, ["solution"], at: "\(path)[\(i)]") ?? ""
                    plan.problemsAndSolutions.append(.init(problem: problem, solution: solution))
                } else if let s = item.stringValue {
                    plan.problemsAndSolutions.append(.init(problem: reader.cut(s, at: "\(path)[\(i)]"), solution: ""))
                }
            }
        }
        plan.decodingIssues = reader.issues.all
        return (plan, reader.issues.all)
    }
}

/// An object with the keys that are not canonical field names set aside, so that the case- and
/// separator-insensitive fallback of `FieldReader.member` only looks at those (usually none).
struct Fields {
    let values: [String: JSONValue]
    let unusualKeys: [String]

    init(_ values: [String: JSONValue]) {
        self.values = values
        self.unusualKeys = values.keys.filter { !Fields.canonicalKeys.contains($0) }
    }

    /// The wire names of the contract and our optional fields.
    static let canonicalKeys: Set<String> = [
        "creative_vision", "masterplan", "title", "artistCredits", "global", "global_settings", "timeline",
        "problems_and_solutions", "problem", "solution", "songs", "job_id", "targetBPM", "targetKey", "timeSignature",
        "target_lufs", "true_peak_db", "sample_rate", "crossfade_bars", "time_start_sec", "duration_sec", "description",
        "energy_level", "layers", "transition", "songId", "stem", "volume_db", "effects", "source_start_sec",
        "pitch_shift_semitones", "pan", "fade_in_sec", "fade_out_sec", "type", "bars",
    ]
}

/// Reads fields leniently and records problems with their paths.
struct FieldReader {
    let limits: PlanLimits
    var issues = PlanIssueList()

    init(limits: PlanLimits) { self.limits = limits }

    static func join(_ base: String, _ key: String) -> String { base.isEmpty ? key : base + "." + key }

    /// Folded forms of keys and names already seen (folding allocates; keys repeat in every layer).
    var foldCache: [String: String] = [:]

    mutating func folded(_ text: String) -> String {
        if let f = foldCache[text] { return f }
        let f = Self.fold(text)
        foldCache[text] = f
        return f
    }

    /// The first member present among `names` (exact, then case- and separator-insensitive).
    mutating func member(_ object: Fields, _ names: [String]) -> (key: String, value: JSONValue)? {
        for name in names { if let v = object.values[name] { return (name, v) } }
        for key in object.unusualKeys where key.utf8.count <= 64 {
            let foldedKey = folded(key)
            for name in names where folded(name) == foldedKey { return (key, object.values[key]!) }
        }
        return nil
    }

    mutating func member(_ object: [String: JSONValue], _ names: [String]) -> (key: String, value: JSONValue)? {
        member(Fields(object), names)
    }

    static func fold(_ key: String) -> String { key.lowercased().filter { $0.isLetter || $0.isNumber } }

    /// Outcome of a lenient number read.
    enum Number {
        case value(Double)
        case invalid
    }

    /// A number from a number or a string with an optional unit (`"-6dB"`, `"124 BPM"`, `"15.5 s"`, `"70%"`,
    /// `"NaN"` -> nan). Units are not checked against the field, only recognised.
    static func number(_ value: JSONValue) -> Number {
        switch value {
        case .number(let d): return .value(d)
        case .string(let raw):
            guard raw.utf8.count <= 64 else { return .invalid }
            // Typographic minus and plus-minus-free text: "−6 dB" is -6 dB.
            let s = raw.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(
                of: "\u{2212}", with: "-")
            switch s {
            case "nan", "+nan", "-nan": return .value(.nan)
            case "inf", "+inf", "infinity", "+infinity": return .value(.infinity)
            case "-inf", "-infinity": return .value(-.infinity)
            default: break
            }
            // "1:30" or "1:30.5" (minutes:seconds), as models sometimes write times.
            let clock = s.split(separator: ":", omittingEmptySubsequences: false)
            if clock.count == 2, let minutes = Int(clock[0]), minutes >= 0, clock[1].count >= 2,
                let seconds = Double(clock[1]), seconds >= 0, seconds < 60
            {
                return .value(Double(minutes) * 60 + seconds)
            }
            var numberEnd = s.startIndex
            var seenDigit = false
            var index = s.startIndex
            while index < s.endIndex {
                let c = s[index]
                if c.isASCII && c.isNumber {
                    seenDigit = true
                } else if c == "+" || c == "-" {
                    if index != s.startIndex, !(s[s.index(before: index)] == "e") { break }
                } else if c == "." {
                } else if c == "e", seenDigit, s.index(after: index) < s.endIndex,
                    let n = s[s.index(after: index)...].first, n.isNumber || n == "-" || n == "+"
                {
                } else {
                    break
                }
                index = s.index(after: index)
                numberEnd = index
            }
            guard seenDigit, var d = Double(s[..<numberEnd]) else { return .invalid }
            let unit = s[numberEnd...].trimmingCharacters(in: .whitespaces)
            switch unit {
            case "", "db", "dbfs", "dbtp", "lufs", "lu", "bpm", "s", "sec", "secs", "second", "seconds", "hz",
                "bar", "bars", "st", "semitone", "semitones", "semis", "beats", "x":
                break
            case "ms": d /= 1000
            case "khz": d *= 1000
            case "%", "percent": d /= 100
            default: return .invalid
            }
            return .value(d)
        default:
            return .invalid
        }
    }

    /// A number field, or nil when absent or null; a value of the wrong kind is an error.
    mutating func number(_ object: Fields, _ names: [String], at base: String) -> Double? {
        guard let (key, value) = member(object, names), !value.isNull else { return nil }
        switch Self.number(value) {
        case .value(let d): return d
        case .invalid:
            issues.error(Self.join(base, key), "must be a number, not \(PlanIssue.show(value))")
            return nil
        }
    }

    /// A text field (numbers are accepted as text), cut to the text limit with a warning.
    mutating func text(_ object: Fields, _ names: [String], at base: String) -> String? {
        guard let (key, value) = member(object, names) else { return nil }
        switch value {
        case .string(let s): return cut(s, at: Self.join(base, key))
        case .number(let d) where d.isFinite:
            return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .null: return nil
        default:
            issues.error(Self.join(base, key), "must be text, not \(PlanIssue.show(value))")
            return nil
        }
    }

    mutating func text(_ object: [String: JSONValue], _ names: [String], at base: String) -> String? {
        text(Fields(object), names, at: base)
    }

    /// `text` cut to `limits.maximumTextLength` characters (with a warning when cut).
    mutating func cut(_ text: String, at path: String) -> String {
        guard text.utf8.count > limits.maximumTextLength else { return text }
        issues.warning(path, "text of \(text.utf8.count) bytes cut to \(limits.maximumTextLength) characters")
        return String(text.prefix(limits.maximumTextLength))
    }

    mutating func global(_ object: [String: JSONValue], at path: String) -> Masterplan.GlobalSettings {
        let g = Fields(object)
        var settings = Masterplan.GlobalSettings()
        settings.targetBPM = number(
            g, ["targetBPM", "target_bpm", "bpm", "tempo", "targetTempo", "target_tempo"], at: path)
        settings.targetKey = text(g, ["targetKey", "target_key", "key"], at: path)
        if let (key, ts) = member(g, ["timeSignature", "time_signature", "meter", "metre"]), !ts.isNull {
            let tsPath = Self.join(path, key)
            var signature: TimeSignature?
            if let parts = ts.arrayValue, parts.count == 2,
                case .value(let top) = Self.number(parts[0]), case .value(let bottom) = Self.number(parts[1]),
                top.isFinite, bottom.isFinite, top == top.rounded(), bottom == bottom.rounded(), abs(top) < 1e6,
                abs(bottom) < 1e6
            {
                signature = TimeSignature(beatsPerBar: Int(top), beatUnit: Int(bottom))
            } else if let s = ts.stringValue {
                signature = TimeSignature(parsing: s)
            } else if case .number(let top) = ts, top == top.rounded(), top > 0, top < 1e6 {
                signature = TimeSignature(beatsPerBar: Int(top), beatUnit: 4)
            }
            if let signature {
                settings.timeSignature = signature
            } else {
                issues.error(
                    tsPath,
                    "not a time signature: \(PlanIssue.show(ts)) (expected [4, 4] or \"4/4\"; at most 32 beats of 1/1...1/32)"
                )
            }
        }
        settings.targetLUFS = number(
            g, ["target_lufs", "targetLUFS", "targetLufs", "lufs", "loudness", "loudness_lufs"], at: path)
        settings.truePeakDecibels = number(
            g, ["true_peak_db", "truePeakDb", "truePeakDB", "true_peak", "ceiling_db", "true_peak_dbtp"], at: path)
        settings.sampleRate = number(g, ["sample_rate", "sampleRate", "sample_rate_hz"], at: path)
        settings.crossfadeBars = number(g, ["crossfade_bars", "crossfadeBars", "crossfade"], at: path)
        return settings
    }

    mutating func section(_ value: JSONValue, at path: String) -> Masterplan.Section {
        var section = Masterplan.Section()
        guard let object = value.objectValue else {
            issues.error(path, "a section must be an object, not \(PlanIssue.show(value))")
            return section
        }
        let s = Fields(object)
        section.timeStartSeconds = number(
            s,
            [
                "time_start_sec", "timeStartSec", "start_sec", "start", "time_start", "start_time", "startTime",
                "start_seconds",
            ], at: path)
        section.durationSeconds = number(
            s, ["duration_sec", "durationSec", "duration", "length_sec", "duration_seconds", "length"], at: path)
        if section.durationSeconds == nil, let start = section.timeStartSeconds,
            let end = number(s, ["time_end_sec", "end_sec", "end", "end_time", "endTime"], at: path)
        {
            section.durationSeconds = end - start
        }
        section.description = text(s, ["description", "name", "label", "section"], at: path)
        section.energyLevel = number(s, ["energy_level", "energyLevel", "energy"], at: path)
        if let (key, layers) = member(s, ["layers", "tracks", "elements"]) {
            let layersPath = Self.join(path, key)
            if let items = layers.arrayValue {
                section.layers.reserveCapacity(min(items.count, 4096))
                for (i, item) in items.enumerated() {
                    section.layers.append(layer(item, at: "\(layersPath)[\(i)]"))
                }
            } else if !layers.isNull {
                issues.error(layersPath, "layers must be an array, not \(PlanIssue.show(layers))")
            }
        }
        if let (key, t) = member(s, ["transition", "transition_in", "transitionIn"]), !t.isNull {
            section.transition = transition(t, at: Self.join(path, key))
        }
        return section
    }

    mutating func layer(_ value: JSONValue, at path: String) -> Masterplan.Layer {
        var layer = Masterplan.Layer()
        guard let object = value.objectValue else {
            issues.error(path, "a layer must be an object, not \(PlanIssue.show(value))")
            return layer
        }
        let l = Fields(object)
        layer.songId = text(l, ["songId", "song_id", "song", "songID", "source", "track"], at: path)
        layer.stem = text(l, ["stem", "part", "element", "stem_type"], at: path)
        layer.volumeDecibels = number(
            l, ["volume_db", "volumeDb", "volumeDB", "volume", "gain_db", "level_db", "gain", "level"], at: path)
        if let (key, effects) = member(l, ["effects", "fx", "effect"]) {
            switch effects {
            case .array(let items): layer.effects = items
            case .string(let s):
                // One string with several effects: "reverb, delay".
                layer.effects = s.split(whereSeparator: { $0 == "," || $0 == ";" })
                    .map { .string($0.trimmingCharacters(in: .whitespaces)) }
                    .filter { $0 != .string("") }
            case .object: layer.effects = [effects]
            case .null: break
            default: issues.error(Self.join(path, key), "effects must be an array, not \(PlanIssue.show(effects))")
            }
        }
        layer.sourceStartSeconds = number(
            l,
            [
                "source_start_sec", "sourceStartSec", "source_start", "source_offset_sec", "offset_sec",
                "song_start_sec",
            ], at: path)
        layer.pitchShiftSemitones = number(
            l, ["pitch_shift_semitones", "pitchShiftSemitones", "pitch_shift", "semitones", "transpose"], at: path)
        layer.pan = number(l, ["pan", "panning"], at: path)
        layer.fadeInSeconds = number(l, ["fade_in_sec", "fadeInSec", "fade_in", "fadeIn"], at: path)
        layer.fadeOutSeconds = number(l, ["fade_out_sec", "fadeOutSec", "fade_out", "fadeOut"], at: path)
        return layer
    }

    /// `"crossfade"`, `"cut"`, `"echo-out"`, `"filter-sweep"`, `"crossfade 2 bars"`, or `{"type", "bars"}`.
    mutating func transition(_ value: JSONValue, at path: String) -> Masterplan.Transition? {
        var typeText: String
        var bars: Double?
        switch value {
        case .string(let s): typeText = s
        case .object(let members):
            let o = Fields(members)
            guard let t = text(o, ["type", "kind", "name", "style"], at: path) else {
                issues.error(path, "a transition object needs a \"type\"")
                return nil
            }
            typeText = t
            bars = number(o, ["bars", "length_bars", "crossfade_bars", "duration_bars"], at: path)
        default:
            issues.error(path, "a transition must be text or an object, not \(PlanIssue.show(value))")
            return nil
        }
        typeText = String(typeText.prefix(64))
        let tokens = EffectTokenizer.tokenize(typeText, maximumLength: 64) ?? []
        let words = tokens.compactMap { if case .word(let w) = $0 { return w } else { return nil } }.joined()
        if bars == nil {
            for token in tokens {
                if case .quantity(let q) = token {
                    switch q {
                    case .bars(let b), .plain(let b): bars = b
                    default: break
                    }
                }
            }
        }
        let kind: Masterplan.Transition.Kind?
        switch words {
        case "crossfade", "crossfadebars", "xfade", "fade", "blend", "mix", "smooth", "equalpower", "crossfadebar":
            kind = .crossfade
        case "cut", "hardcut", "none", "instant", "drop", "straightcut", "jump", "cutbars": kind = .cut
        case "echoout", "echo", "delayout", "echooutbars": kind = .echoOut
        case "filtersweep", "sweep", "filter", "filtersweepbars", "highpasssweep", "filterout": kind = .filterSweep
        default: kind = nil
        }
        return Masterplan.Transition(kind: kind, bars: bars, rawType: typeText)
    }
}
