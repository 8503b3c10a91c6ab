import Foundation

/// A musical duration as a fraction of a whole note (1/8 is an eighth note), optionally dotted or a triplet.
///
/// Its length in seconds depends on the tempo: see `TempoMap.seconds(of:)`.
public struct NoteValue: Sendable, Hashable, CustomStringConvertible, Codable {
    /// Numerator of the base fraction of a whole note (1 in 1/8, 3 in 3/16).
    public let numerator: Int
    /// Denominator of the base fraction of a whole note (8 in 1/8).
    public let denominator: Int
    /// Dotted: 1.5 times the base value.
    public let dotted: Bool
    /// Triplet: 2/3 of the base value.
    public let triplet: Bool

    /// Creates a note value; `numerator` and `denominator` must be positive.
    public init(_ numerator: Int, _ denominator: Int, dotted: Bool = false, triplet: Bool = false) {
        precondition(numerator > 0 && denominator > 0, "a note value is a positive fraction")
        self.numerator = numerator
        self.denominator = denominator
        self.dotted = dotted
        self.triplet = triplet
    }

    public static let whole = NoteValue(1, 1)
    public static let half = NoteValue(1, 2)
    public static let quarter = NoteValue(1, 4)
    public static let eighth = NoteValue(1, 8)
    public static let sixteenth = NoteValue(1, 16)
    public static let dottedEighth = NoteValue(1, 8, dotted: true)

    /// Length as a fraction of a whole note, including dot and triplet factors (dotted 1/8 = 0.1875).
    public var wholeNotes: Double {
        var value = Double(numerator) / Double(denominator)
        if dotted { value *= 1.5 }
        if triplet { value *= 2.0 / 3.0 }
        return value
    }

    /// `"1/8"`, `"1/8 dotted"`, `"1/4 triplet"`.
    public var description: String {
        "\(numerator)/\(denominator)" + (dotted ? " dotted" : "") + (triplet ? " triplet" : "")
    }
}
