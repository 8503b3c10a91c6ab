import Foundation

/// A musical key: a tonic pitch class and a mode (major or minor).
///
/// Parses what analysers and planners write: `"A minor"`, `"A min"`, `"Am"`, `"F# major"`, `"F♯"`, `"F sharp minor"`,
/// `"Bb minor"`, `"B♭m"`, `"Ebm"`, `"C maj"`, `"CM"`, `"c#-minor"`, `"A Minor key"`. A bare tonic (`"A"`, `"a"`) means
/// major. `"N/A"`, empty and unknown text give `nil`.
///
/// Formatting is `"<tonic> <major|minor>"` with sharps for black keys except B♭ and E♭ (`"Bb minor"`, `"F# major"`),
/// the spelling the analysis service uses.
public struct MusicalKey: Sendable, Hashable, CustomStringConvertible, Codable {
    /// Major (Ionian) or natural minor (Aeolian).
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        case major
        case minor
    }

    /// Pitch class of the tonic, 0 = C, 1 = C#/Db, ... 11 = B.
    public let tonicPitchClass: Int
    /// Major or minor.
    public let mode: Mode

    /// Creates a key; `tonicPitchClass` is reduced modulo 12 (any integer is accepted).
    public init(tonicPitchClass: Int, mode: Mode) {
        self.tonicPitchClass = ((tonicPitchClass % 12) + 12) % 12
        self.mode = mode
    }

    /// Tonic names used when formatting, indexed by pitch class.
    static let tonicNames = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

    /// The tonic's name, e.g. `"F#"`.
    public var tonicName: String { Self.tonicNames[tonicPitchClass] }

    /// `"A minor"`, `"F# major"`.
    public var description: String { "\(tonicName) \(mode.rawValue)" }

    /// Short chord-style name: `"Am"`, `"F#"`.
    public var shortName: String { mode == .minor ? tonicName + "m" : tonicName }

    /// The relative key of the other mode (A minor <-> C major): same notes, other tonic.
    public var relative: MusicalKey {
        switch mode {
        case .minor: return MusicalKey(tonicPitchClass: tonicPitchClass + 3, mode: .major)
        case .major: return MusicalKey(tonicPitchClass: tonicPitchClass - 3, mode: .minor)
        }
    }

    /// The smallest transposition, in semitones, that moves music in this key onto `target`.
    ///
    /// Octave-equivalent: the result is in `-5...6` (a tritone is reported as +6). When the modes differ, the
    /// relative key is used (A minor -> C major is 0: the same notes), which is the transposition that makes
    /// the two pitch-class sets coincide.
    public func semitoneShift(to target: MusicalKey) -> Int {
        let source = mode == target.mode ? self : relative
        return Self.smallestShift(from: source.tonicPitchClass, to: target.tonicPitchClass)
    }

    /// Smallest octave-equivalent shift from one pitch class to another, in `-5...6`.
    public static func smallestShift(from: Int, to: Int) -> Int {
        var d = ((to - from) % 12 + 12) % 12
        if d > 6 { d -= 12 }
        return d
    }

    /// Tonic pitch class (same as `tonicPitchClass`), 0...11 (0 = C).
    public var tonic: Int { tonicPitchClass }

    /// - Parameter tonic: any integer; reduced modulo 12.
    public init(tonic: Int, mode: Mode) {
        self.init(tonicPitchClass: tonic, mode: mode)
    }

    /// Sharp-spelled pitch-class names.
    public static let sharpNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    /// Flat-spelled pitch-class names.
    public static let flatNames = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]

    /// The conventional spelling of a tonic in a mode (e.g. "Bb" major, "C#" minor), for chord names.
    public static func tonicName(_ pitchClass: Int, mode: Mode) -> String {
        let pc = ((pitchClass % 12) + 12) % 12
        switch mode {
        case .major: return [1, 3, 8, 10].contains(pc) ? flatNames[pc] : sharpNames[pc]
        case .minor: return pc == 3 || pc == 10 ? flatNames[pc] : sharpNames[pc]
        }
    }

    /// Position on the circle of fifths of this key's relative major, 0...11 (C = 0, G = 1, F = 11).
    public var circleOfFifthsPosition: Int {
        let majorTonic = mode == .major ? tonicPitchClass : (tonicPitchClass + 3) % 12
        return (majorTonic * 7) % 12
    }

    /// Steps between two keys on the circle of fifths (0...6), relative major/minor sharing a position.
    public func fifthsDistance(to other: MusicalKey) -> Int {
        let d = abs(circleOfFifthsPosition - other.circleOfFifthsPosition) % 12
        return min(d, 12 - d)
    }

    /// This key moved by `semitones` (positive = up).
    public func transposed(by semitones: Int) -> MusicalKey {
        MusicalKey(tonicPitchClass: tonicPitchClass + semitones, mode: mode)
    }

    /// Parses a key name leniently (see the type's documentation); nil when it is not a key.
    public init?(parsing text: String) {
        guard text.utf8.count <= 64 else { return nil }
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        s = s.replacingOccurrences(of: "♯", with: "#").replacingOccurrences(of: "♭", with: "b")
        guard let first = s.first, let letterIndex = "CDEFGAB".firstIndex(of: Character(first.uppercased())) else {
            return nil
        }
        let naturalPitchClasses = [0, 2, 4, 5, 7, 9, 11]
        var pitchClass = naturalPitchClasses["CDEFGAB".distance(from: "CDEFGAB".startIndex, to: letterIndex)]
        var rest = Substring(s.dropFirst())
        // Accidentals right after the letter: '#' sharp, 'b' flat (no mode word starts with 'b').
        while let c = rest.first, c == "#" || c == "b" {
            pitchClass += c == "#" ? 1 : -1
            rest = rest.dropFirst()
        }
        // "M" alone (case-sensitive) is the jazz mark for major; lowercase "m" is minor.
        if rest.trimmingCharacters(in: .whitespaces) == "M" {
            self.init(tonicPitchClass: pitchClass, mode: .major)
            return
        }
        // Mode words, separators ignored.
        let words = rest.lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "_" || $0 == "." || $0 == ":" })
            .joined()
        var modeText = words.hasSuffix("key") ? String(words.dropLast(3)) : words
        if modeText.hasPrefix("sharp") {
            pitchClass += 1; modeText.removeFirst(5)
        } else if modeText.hasPrefix("flat") {
            pitchClass -= 1; modeText.removeFirst(4)
        }
        let mode: Mode
        switch modeText {
        case "", "maj", "major", "ma", "dur", "ionian": mode = .major
        case "m", "min", "minor", "mi", "moll", "aeolian": mode = .minor
        default: return nil
        }
        self.init(tonicPitchClass: pitchClass, mode: mode)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let key = MusicalKey(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a musical key: \(text.prefix(40))")
        }
        self = key
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
