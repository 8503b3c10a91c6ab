import Foundation

/// A time signature: `beatsPerBar` beats of the note value `1/beatUnit` (4/4, 3/4, 6/8).
///
/// Tempi in BPM count beats of `beatUnit` (in 6/8 at 120 BPM an eighth note lasts 0.5 s).
public struct TimeSignature: Sendable, Hashable, CustomStringConvertible, Codable {
    /// Beats in a bar, 1...32.
    public let beatsPerBar: Int
    /// The note value of one beat as a divisor of a whole note: 1, 2, 4, 8, 16 or 32.
    public let beatUnit: Int

    /// Common time, 4/4: the default when a plan gives none.
    public static let common = TimeSignature(uncheckedBeatsPerBar: 4, beatUnit: 4)

    /// Creates a time signature; nil unless `beatsPerBar` is in 1...32 and `beatUnit` a power of two in 1...32.
    public init?(beatsPerBar: Int, beatUnit: Int) {
        guard (1...32).contains(beatsPerBar), [1, 2, 4, 8, 16, 32].contains(beatUnit) else { return nil }
        self.beatsPerBar = beatsPerBar
        self.beatUnit = beatUnit
    }

    private init(uncheckedBeatsPerBar: Int, beatUnit: Int) {
        self.beatsPerBar = uncheckedBeatsPerBar
        self.beatUnit = beatUnit
    }

    /// Parses `"4/4"`, `"6/8"`, `"3-4"`, `"4 4"`; nil otherwise.
    public init?(parsing text: String) {
        guard text.utf8.count <= 16 else { return nil }
        let parts = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        self.init(beatsPerBar: parts[0], beatUnit: parts[1])
    }

    /// `"4/4"`.
    public var description: String { "\(beatsPerBar)/\(beatUnit)" }

    /// Encoded as on the wire: `[4, 4]`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(beatsPerBar)
        try container.encode(beatUnit)
    }

    public init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let top = try container.decode(Int.self)
        let bottom = try container.decode(Int.self)
        guard let value = TimeSignature(beatsPerBar: top, beatUnit: bottom) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid time signature \(top)/\(bottom)")
        }
        self = value
    }
}
