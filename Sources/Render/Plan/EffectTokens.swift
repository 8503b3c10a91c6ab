import Foundation

/// A parameter value found in an effect string, with its unit.
enum EffectQuantity: Sendable, Hashable {
    case hertz(Double)
    case seconds(Double)
    case decibels(Double)
    /// A fraction 0...1 (from a percentage).
    case fraction(Double)
    case bars(Double)
    case beats(Double)
    case note(NoteValue)
    /// A compression ratio (`4:1` -> 4).
    case ratio(Double)
    /// A number without a unit.
    case plain(Double)

    var text: String {
        let t = MusicalDuration.trim
        switch self {
        case .hertz(let v): return "\(t(v)) Hz"
        case .seconds(let v): return "\(t(v)) s"
        case .decibels(let v): return "\(t(v)) dB"
        case .fraction(let v): return "\(t(v * 100))%"
        case .bars(let v): return "\(t(v)) bars"
        case .beats(let v): return "\(t(v)) beats"
        case .note(let n): return n.description
        case .ratio(let v): return "\(t(v)):1"
        case .plain(let v): return t(v)
        }
    }
}

/// A token of an effect string: a word (letters only) or a quantity.
enum EffectToken: Sendable, Hashable {
    case word(String)
    case quantity(EffectQuantity)
}

/// Splits effect strings into words and quantities.
///
/// Lowercases; separators are anything but letters, digits and `. / : % + -`; a `-` or `+` is a sign only at the
/// start of a token after a space (so `gain -3db` is negative but `delay-1/8` is a separator); letters that follow
/// digits are the number's unit (`800hz`, `2.5khz`, `375ms`, `1/8d`, `8th`); a unit word after a bare number is
/// merged into it (`hpf 800 hz`).
enum EffectTokenizer {
    /// Splits `text`; returns nil for text over `maximumLength` bytes.
    static func tokenize(_ text: String, maximumLength: Int = 200) -> [EffectToken]? {
        guard text.utf8.count <= maximumLength else { return nil }
        let chars = Array(text.lowercased().replacingOccurrences(of: "\u{2212}", with: "-"))
        var raw: [(isNumber: Bool, text: String)] = []
        var i = 0
        var previousWasSpace = true
        while i < chars.count {
            let c = chars[i]
            if c.isLetter {
                var word = ""
                while i < chars.count, chars[i].isLetter { word.append(chars[i]); i += 1 }
                raw.append((false, word))
                previousWasSpace = false
                continue
            }
            let startsNumber: Bool = {
                if c.isNumber && c.isASCII { return true }
                if c == "." { return i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].isNumber }
                if c == "+" || c == "-" {
                    guard previousWasSpace, i + 1 < chars.count else { return false }
                    let n = chars[i + 1]
                    return (n.isASCII && n.isNumber) || n == "."
                }
                return false
            }()
            if startsNumber {
                var number = String(c)
                i += 1
                while i < chars.count {
                    let d = chars[i]
                    if (d.isASCII && d.isNumber) || d == "." { number.append(d); i += 1; continue }
                    if d == "/" || d == ":", i + 1 < chars.count, chars[i + 1].isASCII, chars[i + 1].isNumber {
                        number.append(d); i += 1; continue
                    }
                    if d.isLetter || d == "%" { number.append(d); i += 1; continue }
                    break
                }
                raw.append((true, number))
                previousWasSpace = false
                continue
            }
            previousWasSpace = c == " " || c == "(" || c == "," || c == "=" || c == ";" || c == "\t"
            i += 1
        }

        var tokens: [EffectToken] = []
        var index = 0
        while index < raw.count {
            let piece = raw[index]
            if piece.isNumber {
                var text = piece.text
                // A bare number followed by a unit word: merge ("800 hz", "3 s", "2 bars").
                if text.last.map({ $0.isNumber || $0 == "." }) == true, index + 1 < raw.count, !raw[index + 1].isNumber,
                    unitWords.contains(raw[index + 1].text)
                {
                    text += raw[index + 1].text
                    index += 1
                }
                if let q = quantity(text) {
                    tokens.append(.quantity(q))
                } else {
                    tokens.append(.word(text.filter { $0.isLetter }))
                }
            } else {
                tokens.append(.word(piece.text))
            }
            index += 1
        }
        return tokens
    }

    /// Unit words that can follow a number.
    static let unitWords: Set<String> = [
        "hz", "khz", "k", "s", "sec", "secs", "second", "seconds", "ms", "msec", "millisecond", "milliseconds",
        "db", "dbs", "decibel", "decibels", "percent", "pct", "bar", "bars", "beat", "beats", "th", "st", "nd", "rd",
        "d", "t", "dotted", "triplet", "note", "notes",
    ]

    /// Parses one numeric token such as `800hz`, `2.5khz`, `-6db`, `375ms`, `3s`, `50%`, `1/8`, `1/8d`, `4:1`, `8th`.
    static func quantity(_ token: String) -> EffectQuantity? {
        var numberText = ""
        var rest = Substring(token)
        while let c = rest.first, c.isNumber || c == "." || c == "+" || c == "-" || c == "/" || c == ":" {
            numberText.append(c)
            rest = rest.dropFirst()
        }
        let unit = String(rest)
        if numberText.contains("/") {
            let parts = numberText.split(separator: "/")
            guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0, d <= 128, n <= 64 else {
                return nil
            }
            switch unit {
            case "", "th", "note", "notes": return .note(NoteValue(n, d))
            case "d", "dot", "dotted", ".": return .note(NoteValue(n, d, dotted: true))
            case "t", "trip", "triplet": return .note(NoteValue(n, d, triplet: true))
            default: return nil
            }
        }
        if numberText.contains(":") {
            let parts = numberText.split(separator: ":")
            guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), b > 0 else { return nil }
            return .ratio(a / b)
        }
        guard let value = Double(numberText), value.isFinite else { return nil }
        switch unit {
        case "": return .plain(value)
        case "hz": return .hertz(value)
        case "khz", "k": return .hertz(value * 1000)
        case "s", "sec", "secs", "second", "seconds": return .seconds(value)
        case "ms", "msec", "millisecond", "milliseconds": return .seconds(value / 1000)
        case "db", "dbs", "decibel", "decibels": return .decibels(value)
        case "%", "percent", "pct": return .fraction(value / 100)
        case "bar", "bars": return .bars(value)
        case "beat", "beats": return .beats(value)
        case "th", "st", "nd", "rd":
            guard value >= 1, value <= 128, value == value.rounded() else { return nil }
            return .note(NoteValue(1, Int(value)))
        case "x": return .ratio(value)
        default: return nil
        }
    }
}
