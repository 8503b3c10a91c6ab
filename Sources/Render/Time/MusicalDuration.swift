import Foundation

/// A length given either in seconds or musically (bars, beats, a note value), resolved against a tempo map.
public enum MusicalDuration: Sendable, Hashable, CustomStringConvertible {
    /// Seconds, >= 0.
    case seconds(Double)
    /// Bars at the target tempo, >= 0.
    case bars(Double)
    /// Beats at the target tempo, >= 0.
    case beats(Double)
    /// A note value at the target tempo (1/8, dotted 1/8...).
    case note(NoteValue)

    /// The length in seconds at the tempo of `tempoMap`.
    public func seconds(in tempoMap: TempoMap) -> Double {
        switch self {
        case .seconds(let s): return s
        case .bars(let b): return tempoMap.seconds(bars: b)
        case .beats(let b): return tempoMap.seconds(beats: b)
        case .note(let n): return tempoMap.seconds(of: n)
        }
    }

    /// `"375 ms"`, `"2 bars"`, `"1/8 dotted"`.
    public var description: String {
        switch self {
        case .seconds(let s): return s < 1 ? "\(Self.trim(s * 1000)) ms" : "\(Self.trim(s)) s"
        case .bars(let b): return "\(Self.trim(b)) bar" + (b == 1 ? "" : "s")
        case .beats(let b): return "\(Self.trim(b)) beat" + (b == 1 ? "" : "s")
        case .note(let n): return n.description
        }
    }

    /// A number without a needless ".0", at most 3 decimals; any Double, including 1e308, NaN and infinities
    /// (shown as `1e+308`, `NaN`, `Infinity`), since messages quote values that failed their checks.
    static func trim(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity" }
        guard abs(value) < 1e15 else { return String(format: "%g", value) }
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// As a JSON value for reports and effect objects: `{"seconds": 0.375}`, `{"bars": 2}`, `{"note": "1/8 dotted"}`.
    public var jsonValue: JSONValue {
        switch self {
        case .seconds(let s): return ["seconds": .number(s)]
        case .bars(let b): return ["bars": .number(b)]
        case .beats(let b): return ["beats": .number(b)]
        case .note(let n): return ["note": .string(n.description)]
        }
    }
}
