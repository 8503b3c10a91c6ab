/// Errors a user's settings can cause when an effect is prepared or run.
public enum EffectError: Error, Equatable, CustomStringConvertible {
    /// A parameter is outside the range the effect supports.
    case parameterOutOfRange(effect: String, parameter: String, value: Double, range: ClosedRange<Double>)
    /// The audio does not have the channel count the effect needs.
    case unsupportedChannelCount(effect: String, channelCount: Int)

    public var description: String {
        switch self {
        case .parameterOutOfRange(let effect, let parameter, let value, let range):
            "\(effect): \(parameter) = \(value) is outside \(range.lowerBound)...\(range.upperBound)"
        case .unsupportedChannelCount(let effect, let channelCount):
            "\(effect): \(channelCount) channels are not supported"
        }
    }
}
