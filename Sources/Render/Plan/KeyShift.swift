import Foundation
import MashupModel

/// The automatic key-matching rule shared by the validator and the render.
public enum KeyShift {
    /// Below this `key_confidence` (0...1) an analysed key does not drive an automatic shift: the song's layers
    /// stay in their key and the render warns (a drum loop or an ambiguous song is never shifted on a guess).
    public static let minimumKeyConfidence = 0.3

    /// The analysed key when it may drive an automatic shift: nil for "N/A", an unreadable key, or a confidence
    /// below `minimumKeyConfidence` (an absent confidence trusts the key).
    public static func trustedKey(_ key: String?, confidence: Double?) -> MusicalKey? {
        guard let key, let parsed = MusicalKey(parsing: key) else { return nil }
        if let confidence, !(confidence >= minimumKeyConfidence) { return nil }
        return parsed
    }

    /// What the key match decides for one layer that has no explicit `pitch_shift_semitones`.
    public enum Decision: Sendable, Equatable {
        /// Nothing to match: no target key, or an unpitched stem (drums are never shifted automatically).
        case unshifted
        /// The target key is known but the song's is not (or not trusted): the layer stays in its key.
        case songKeyUnknown(target: MusicalKey)
        /// Shift by this many semitones (within the stem's limit).
        case shift(semitones: Int)
        /// The move from `songKey` to `target` would be `semitones`, over the stem's limit of ±`limit`: the layer
        /// stays in its key.
        case overLimit(semitones: Int, limit: Int, songKey: MusicalKey, target: MusicalKey)

        /// The shift to apply, semitones (0 unless `.shift`).
        public var appliedSemitones: Double {
            if case .shift(let semitones) = self { return Double(semitones) }
            return 0
        }
    }

    /// The one place the automatic key shift of a layer is decided, used by the validator (when it is given the
    /// song's key) and by the render's timeline planner (with the key it finds): drums and a missing target key
    /// mean no shift, an unknown song key means no shift, else `automatic(from:to:stem:)`.
    public static func decide(songKey: MusicalKey?, targetKey: MusicalKey?, stem: Stem) -> Decision {
        guard stem != .drums, let targetKey else { return .unshifted }
        guard let songKey else { return .songKeyUnknown(target: targetKey) }
        let (shift, withinLimit) = automatic(from: songKey, to: targetKey, stem: stem)
        if withinLimit { return .shift(semitones: shift) }
        return .overLimit(semitones: shift, limit: stem.maximumKeyShiftSemitones, songKey: songKey, target: targetKey)
    }

    /// The smallest octave-equivalent shift in semitones from `songKey` to `targetKey` for a stem, and whether it is
    /// within that stem's limit (`Stem.maximumKeyShiftSemitones`: vocals ±3, others ±7). Beyond the limit the render
    /// does not shift (and reports it).
    public static func automatic(from songKey: MusicalKey, to targetKey: MusicalKey, stem: Stem) -> (
        semitones: Int, withinLimit: Bool
    ) {
        let shift = songKey.semitoneShift(to: targetKey)
        return (shift, abs(shift) <= stem.maximumKeyShiftSemitones)
    }
}
