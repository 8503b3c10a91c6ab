import Foundation

/// A key: tonic pitch class and mode, with the names the contract uses ("A minor", "F# major").
///
/// Pitch classes count semitones from C (0 = C ... 11 = B). Spelling uses sharps except for the flats that
/// are conventional in key names (Bb, Eb, Ab, Db as major tonics are written with flats; minor with sharps
/// where common). Parsing accepts either spelling, "maj"/"min", and chord-style names ("Am", "C").
public struct MusicalKey: Sendable, Hashable, CustomStringConvertible {
    /// Major or minor (natural minor for the profiles).
    public enum Mode: String, Sendable, Hashable { case major, minor }

    /// Tonic pitch class, 0...11 (0 = C).
    public let tonic: Int
    public let mode: Mode

    /// - Parameter tonic: any integer; reduced modulo 12.
    public init(tonic: Int, mode: Mode) {
        self.tonic = ((tonic % 12) + 12) % 12
        self.mode = mode
    }

    /// Sharp-spelled pitch-class names.
    public static let sharpNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    /// Flat-spelled pitch-class names.
    public static let flatNames = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]

    /// The conventional spelling of a tonic in this mode (e.g. "Bb major", "C# minor").
    public static func tonicName(_ pitchClass: Int, mode: Mode) -> String {
        let pc = ((pitchClass % 12) + 12) % 12
        switch mode {
        case .major: return [1, 3, 8, 10].contains(pc) ? flatNames[pc] : sharpNames[pc]
        case .minor: return pc == 3 || pc == 10 ? flatNames[pc] : sharpNames[pc]
        }
    }

    /// "A minor", "C major".
    public var description: String { "\(MusicalKey.tonicName(tonic, mode: mode)) \(mode.rawValue)" }

    /// Parses "A minor", "a min", "F#m", "Bb", "Eb major"; nil for "N/A" or anything unrecognised.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.first, let letterIndex = "CDEFGAB".firstIndex(of: Character(first.uppercased())) else {
            return nil
        }
        let naturals = [0, 2, 4, 5, 7, 9, 11]
        var pc = naturals["CDEFGAB".distance(from: "CDEFGAB".startIndex, to: letterIndex)]
        var rest = trimmed.dropFirst()
        if let accidental = rest.first, accidental == "#" || accidental == "♯" {
            pc += 1
            rest = rest.dropFirst()
        } else if let accidental = rest.first, accidental == "b" || accidental == "♭" {
            pc -= 1
            rest = rest.dropFirst()
        }
        let suffix = rest.trimmingCharacters(in: .whitespaces).lowercased()
        let mode: Mode
        switch suffix {
        case "", "major", "maj", "M": mode = .major
        case "m", "minor", "min", "-": mode = .minor
        default:
            if suffix.hasPrefix("min") { mode = .minor } else if suffix.hasPrefix("maj") { mode = .major } else { return nil }
        }
        self.init(tonic: pc, mode: mode)
    }

    /// The relative key (A minor <-> C major).
    public var relative: MusicalKey {
        mode == .minor ? MusicalKey(tonic: tonic + 3, mode: .major) : MusicalKey(tonic: tonic - 3, mode: .minor)
    }

    /// Position on the circle of fifths of this key's relative major, 0...11 (C = 0, G = 1, F = 11).
    public var circleOfFifthsPosition: Int {
        let majorTonic = mode == .major ? tonic : (tonic + 3) % 12
        return (majorTonic * 7) % 12
    }

    /// Steps between two keys on the circle of fifths (0...6), relative major/minor sharing a position.
    public func fifthsDistance(to other: MusicalKey) -> Int {
        let d = abs(circleOfFifthsPosition - other.circleOfFifthsPosition) % 12
        return min(d, 12 - d)
    }

    /// This key moved by `semitones` (positive = up).
    public func transposed(by semitones: Int) -> MusicalKey { MusicalKey(tonic: tonic + semitones, mode: mode) }
}
