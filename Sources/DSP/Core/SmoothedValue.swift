/// A parameter that ramps linearly to each new target, so that changes make no zipper noise.
///
/// Set `target`; each `next()` advances one sample. The ramp length is fixed at `prepare`.
public struct SmoothedValue: Sendable {
    /// The value now.
    public private(set) var current: Float
    /// The value being approached.
    public private(set) var target: Float
    private var step: Float = 0
    private var remainingSteps = 0
    private var rampSteps = 1

    /// - Parameter initial: starting value (also the target).
    public init(_ initial: Float) {
        current = initial
        target = initial
    }

    /// Sets the ramp length: `rampSeconds` (0 or more) at `sampleRate` Hz.
    public mutating func prepare(sampleRate: Double, rampSeconds: Double) {
        rampSteps = max(1, Int((rampSeconds * sampleRate).rounded()))
        reset(to: target)
    }

    /// Jumps to `value` at once, without a ramp.
    public mutating func reset(to value: Float) {
        current = value
        target = value
        remainingSteps = 0
        step = 0
    }

    /// Starts a ramp towards `value`.
    public mutating func setTarget(_ value: Float) {
        guard value != target else { return }
        target = value
        remainingSteps = rampSteps
        step = (target - current) / Float(rampSteps)
    }

    /// True while ramping.
    public var isSmoothing: Bool { remainingSteps > 0 }

    /// Advances one sample and returns the new value.
    @inlinable
    public mutating func next() -> Float {
        advance(by: 1)
        return current
    }

    /// Advances `count` samples at once (a bypassed stage keeps its ramp moving this way).
    public mutating func advance(by count: Int) {
        guard remainingSteps > 0 else { return }
        if count >= remainingSteps {
            current = target
            remainingSteps = 0
        } else {
            current += step * Float(count)
            remainingSteps -= count
        }
    }
}
