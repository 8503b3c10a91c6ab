import Foundation

/// The result of parsing one effect of a layer.
public struct ParsedEffect: Sendable, Hashable {
    /// The effect as the planner wrote it (a string, or an object as compact JSON), cut to 200 characters.
    public var source: String
    /// The typed effect; nil when it was not understood (the render then ignores it and reports that).
    public var spec: EffectSpec?
    /// Everything the parser could not honour exactly: an unknown name, ignored words or parameters, clamped values.
    /// Each becomes a warning of the validator.
    public var notes: [String]

    public init(source: String, spec: EffectSpec?, notes: [String]) {
        self.source = source
        self.spec = spec
        self.notes = notes
    }
}

/// Parses the planner's effect strings and effect objects into `EffectSpec`s with musical defaults.
///
/// Strings are case- and separator-insensitive and may carry parameters: `high-pass-filter-800hz`, `hpf 800`,
/// `lpf 2.5khz`, `reverb-large`, `reverb 3s`, `delay-1/8`, `delay 375ms`, `dotted-eighth-delay`,
/// `filter-sweep-200hz-8khz`, `sidechain-drums`, `compressor-4:1`, `gain +3db`, `pan left`. The effect name is the
/// longest run of words that names an effect (see `EffectVocabulary`); the other words are modifiers (`large`,
/// `dotted`, `drums`, `left`, `subtle`...). Bare numbers take the unit natural for the effect (Hz for filters,
/// seconds for reverb decay, milliseconds for delay times of 10 and above, dB for gain, a ratio for compressors).
/// Values outside their range are clamped with a note. Anything not understood yields a note, never silence.
public enum EffectParser {
    /// Parses one effect given as a JSON value: a string, or an object with `type` (or `name`/`effect`) and
    /// parameters. Other values are not understood.
    public static func parse(_ value: JSONValue) -> ParsedEffect {
        switch value {
        case .string(let text): return parse(text)
        case .object(let members): return parseObject(members, source: value)
        default:
            return ParsedEffect(
                source: PlanIssue.show(value), spec: nil,
                notes: ["an effect must be a string or an object, not \(PlanIssue.show(value))"])
        }
    }

    /// Parses one effect string.
    public static func parse(_ text: String) -> ParsedEffect {
        let source = String(text.prefix(200))
        guard let tokens = EffectTokenizer.tokenize(text) else {
            return ParsedEffect(source: source, spec: nil, notes: ["effect text over 200 characters: not understood"])
        }
        var arguments = EffectArguments()
        var words: [String] = []
        for token in tokens {
            switch token {
            case .word(let w): words.append(w)
            case .quantity(let q): arguments.quantities.append(q)
            }
        }
        return build(words: words, arguments: arguments, source: source)
    }

    // MARK: Name lookup

    /// What `identify` found.
    enum Identification {
        case effect(kind: EffectKind, presets: [String], rest: [String])
        /// A known effect the render does not have, with the reason.
        case unsupported(name: String, reason: String)
        case unknown
    }

    /// Finds the effect name in `words`: the longest contiguous run (leftmost first) whose concatenation is an alias
    /// or a known unsupported effect.
    static func identify(_ words: [String]) -> Identification {
        guard !words.isEmpty else { return .unknown }
        for length in stride(from: min(words.count, 5), through: 1, by: -1) {
            for start in 0...(words.count - length) {
                let name = words[start..<start + length].joined()
                if let reason = EffectAliases.unsupported[name] { return .unsupported(name: name, reason: reason) }
                if let entry = EffectAliases.table[name] {
                    let rest = Array(words[..<start]) + Array(words[(start + length)...])
                    return .effect(kind: entry.kind, presets: entry.presets, rest: rest)
                }
            }
        }
        return .unknown
    }

    static func build(words: [String], arguments: EffectArguments, source: String) -> ParsedEffect {
        let kind: EffectKind, presets: [String], rest: [String]
        switch identify(words.filter { !EffectAliases.fillerWords.contains($0) }) {
        case .effect(let k, let p, let r): (kind, presets, rest) = (k, p, r)
        case .unsupported(_, let reason):
            return ParsedEffect(
                source: source, spec: nil, notes: ["\(PlanIssue.quote(source, limit: 40)): \(reason); ignored"])
        case .unknown:
            let hint = words.isEmpty ? "no effect name" : "unknown effect"
            return ParsedEffect(
                source: source, spec: nil,
                notes: ["\(hint) \(PlanIssue.quote(source, limit: 40)): ignored (see the effect vocabulary)"])
        }
        var args = arguments
        args.modifiers = presets + rest
        let spec = EffectBuilder.build(kind, &args)
        var notes = args.notes
        let unusedWords = args.modifiers.filter { !args.usedModifiers.contains($0) }
        if !unusedWords.isEmpty {
            notes.append(
                "ignored word\(unusedWords.count == 1 ? "" : "s") \(unusedWords.map { "'\($0)'" }.joined(separator: ", ")) in \(PlanIssue.quote(source, limit: 40))"
            )
        }
        if !args.quantities.isEmpty {
            notes.append(
                "ignored parameter\(args.quantities.count == 1 ? "" : "s") \(args.quantities.map(\.text).joined(separator: ", ")) in \(PlanIssue.quote(source, limit: 40))"
            )
        }
        if !args.named.isEmpty {
            notes.append(
                "ignored value\(args.named.count == 1 ? "" : "s") \(args.named.values.map(\.text).sorted().joined(separator: ", ")) for \(spec?.typeName ?? "this effect")"
            )
        }
        if spec == nil && notes.isEmpty {
            notes.append("\(PlanIssue.quote(source, limit: 40)) needs a parameter: ignored")
        }
        return ParsedEffect(source: source, spec: spec, notes: notes)
    }

    // MARK: Objects

    static func parseObject(_ members: [String: JSONValue], source value: JSONValue) -> ParsedEffect {
        let sourceText: String = {
            let data = (try? value.encoded()) ?? Data()
            return String(decoding: data.prefix(200), as: UTF8.self)
        }()
        guard members.count <= 32 else {
            return ParsedEffect(
                source: sourceText, spec: nil, notes: ["an effect object with over 32 keys: not understood"])
        }
        var typeText: String?
        var args = EffectArguments()
        var extraWords: [String] = []
        var notes: [String] = []
        for (rawKey, member) in members.sorted(by: { $0.key < $1.key }) {
            let key = rawKey.lowercased().filter { $0.isLetter || $0.isNumber }
            if ["type", "name", "effect", "kind", "fx"].contains(key), let s = member.stringValue {
                typeText = s
                continue
            }
            guard let role = EffectArguments.Role.forKey(key) else {
                notes.append("ignored key '\(String(rawKey.prefix(40)))'")
                continue
            }
            switch member {
            case .bool(let flag):
                if role == .pingPong {
                    if flag { extraWords.append("pingpong") }
                } else {
                    notes.append("ignored key '\(String(rawKey.prefix(40)))': a boolean is not a value")
                }
            case .string(let s):
                if let number = Double(s.trimmingCharacters(in: .whitespaces)), number.isFinite {
                    args.named[role] = .plain(number)
                } else if let tokens = EffectTokenizer.tokenize(s, maximumLength: 64) {
                    let quantities = tokens.compactMap {
                        if case .quantity(let q) = $0 { return q } else { return nil }
                    }
                    let words = tokens.compactMap { if case .word(let w) = $0 { return w } else { return nil } }
                    if let q = quantities.first { args.named[role] = q }
                    // Words of one value form one modifier ("low-pass" -> "lowpass").
                    if !words.isEmpty && (role.takesWords || quantities.isEmpty || role.isTime) {
                        extraWords.append(words.joined())
                    }
                } else {
                    notes.append("ignored key '\(String(rawKey.prefix(40)))': value too long")
                }
            case .number(let number):
                if number.isFinite {
                    args.named[role] = .plain(number)
                } else {
                    notes.append("ignored key '\(String(rawKey.prefix(40)))': not a finite number")
                }
            case .object(let inner):
                // A duration object as in our canonical form: {"seconds": 0.3} / {"bars": 2} / {"note": "1/8"}.
                if let s = inner["seconds"]?.doubleValue {
                    args.named[role] = .seconds(s)
                } else if let b = inner["bars"]?.doubleValue {
                    args.named[role] = .bars(b)
                } else if let b = inner["beats"]?.doubleValue {
                    args.named[role] = .beats(b)
                } else if let n = inner["note"]?.stringValue,
                    let q = EffectTokenizer.quantity(n.replacingOccurrences(of: " ", with: ""))
                {
                    args.named[role] = q
                } else {
                    notes.append("ignored key '\(String(rawKey.prefix(40)))': not a duration")
                }
            default:
                notes.append("ignored key '\(String(rawKey.prefix(40)))'")
            }
            args.namedKeyUnits[role] = EffectArguments.unit(ofKey: key)
        }
        guard let typeText else {
            return ParsedEffect(
                source: sourceText, spec: nil, notes: ["an effect object needs a \"type\": ignored"] + notes)
        }
        var typeWords: [String] = []
        for token in EffectTokenizer.tokenize(typeText, maximumLength: 64) ?? [] {
            switch token {
            case .word(let w): typeWords.append(w)
            case .quantity(let q): args.quantities.append(q)
            }
        }
        var parsed = build(words: typeWords + extraWords, arguments: args, source: sourceText)
        parsed.notes = notes + parsed.notes
        return parsed
    }
}
