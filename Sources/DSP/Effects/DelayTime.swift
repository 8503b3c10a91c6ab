/// A musical note length used to sync delays to the tempo.
public enum NoteDivision: String, Sendable, CaseIterable, Codable {
    case half, quarter, dottedQuarter, quarterTriplet, eighth, dottedEighth, eighthTriplet, sixteenth, sixteenthTriplet

    /// Length in beats (quarter notes).
    public var beats: Double {
        switch self {
        case .half: 2
        case .quarter: 1
        case .dottedQuarter: 1.5
        case .quarterTriplet: 2.0 / 3
        case .eighth: 0.5
        case .dottedEighth: 0.75
        case .eighthTriplet: 1.0 / 3
        case .sixteenth: 0.25
        case .sixteenthTriplet: 1.0 / 6
        }
    }
}

/// A delay time: a note length at a tempo, or an absolute time.
public enum DelayTime: Sendable, Equatable {
    /// `division` at `bpm` beats (quarter notes) per minute; 1/8 at 124 BPM is 241.935 ms.
    case note(NoteDivision, bpm: Double)
    /// An absolute time in milliseconds.
    case milliseconds(Double)

    /// The time in seconds.
    public var seconds: Double {
        switch self {
        case .note(let division, let bpm): division.beats * 60 / bpm
        case .milliseconds(let ms): ms / 1000
        }
    }

    /// The time in whole frames at `sampleRate` (rounded to the nearest frame, at least 1).
    public func frameCount(sampleRate: Double) -> Int { max(1, Int((seconds * sampleRate).rounded())) }
}
