import Foundation

/// The shape of a fade or crossfade, as a pair of gains over a position 0 (start) ... 1 (end).
///
/// - `equalPower`: cos/sin quarter waves; the powers sum to 1, so two *uncorrelated* signals (two different
///   songs) keep a constant level through the fade.
/// - `linear`: 1 - x and x; the amplitudes sum to 1, right for *correlated* material (the same song or
///   phase-aligned stems), which equal-power would swell by 3 dB in the middle.
/// - `sCurve`: smoothstep 3x² - 2x³ and its complement; amplitudes sum to 1 like linear, with zero slope at
///   both ends, so fades start and finish softly.
public enum CrossfadeCurve: String, Sendable, CaseIterable, Codable {
    case equalPower, linear, sCurve

    /// Gain of the incoming signal at `position` (clamped to 0...1): 0 at the start, 1 at the end.
    @inlinable
    public func fadeInGain(_ position: Double) -> Float {
        let x = min(max(position, 0), 1)
        switch self {
        case .equalPower: return Float(sin(x * Double.pi / 2))
        case .linear: return Float(x)
        case .sCurve: return Float(x * x * (3 - 2 * x))
        }
    }

    /// Gain of the outgoing signal at `position`: 1 at the start, 0 at the end.
    @inlinable
    public func fadeOutGain(_ position: Double) -> Float {
        let x = min(max(position, 0), 1)
        switch self {
        case .equalPower: return Float(cos(x * Double.pi / 2))
        case .linear: return Float(1 - x)
        case .sCurve: return 1 - Float(x * x * (3 - 2 * x))
        }
    }
}
