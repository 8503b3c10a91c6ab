/// Errors a caller can cause when asking for a time stretch or pitch shift.
public enum StretchError: Error, Equatable, CustomStringConvertible {
    /// The time ratio lies outside `TimeStretcher.timeRatioRange` (or is not finite).
    case timeRatioOutOfRange(Double)
    /// The pitch shift lies outside `TimeStretcher.semitoneRange` (or is not finite).
    case semitonesOutOfRange(Double)
    /// A warp map is malformed: `reason` says which anchor and why.
    case invalidWarpMap(reason: String)
    /// A streaming block's channel count differs from the stretcher's.
    case channelCountMismatch(expected: Int, got: Int)
    /// The resampler used for pitch shifting failed.
    case resampling(String)
    /// A known-length stream received more, or in the end fewer, frames than it was announced.
    case streamLengthMismatch(announced: Int, received: Int)

    public var description: String {
        switch self {
        case .timeRatioOutOfRange(let ratio):
            "time ratio \(ratio) is outside \(TimeStretcher.timeRatioRange)"
        case .semitonesOutOfRange(let semitones):
            "pitch shift of \(semitones) semitones is outside \(TimeStretcher.semitoneRange)"
        case .invalidWarpMap(let reason):
            "invalid warp map: \(reason)"
        case .channelCountMismatch(let expected, let got):
            "block has \(got) channels, the stretcher was made for \(expected)"
        case .resampling(let message):
            "pitch shift resampling failed: \(message)"
        case .streamLengthMismatch(let announced, let received):
            "the stream was announced as \(announced) frames and \(received) came"
        }
    }
}
