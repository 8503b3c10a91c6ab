import Foundation

// Design note: constant-power panning. Position p in -1 (left) ... 1 (right) maps to θ = (p + 1) π / 4 and
// gains (√2 cos θ, √2 sin θ): the summed power gL² + gR² is 2 at every position (no level dip in the middle
// of a move), and the centre is unity on both channels, so a centred layer is untouched. Hard left is
// +3 dB on the left and silence on the right. Position ramps over 20 ms. Latency: 0. Stereo only.

/// Constant-power stereo pan with a smoothed position.
public final class Pan: AudioProcessor {
    /// Position, -1 (hard left) ... 0 (centre) ... 1 (hard right); ramped.
    public var position: Float { didSet { value.setTarget(min(max(position, -1), 1)) } }
    private var value: SmoothedValue

    public init(position: Float = 0) {
        self.position = position
        value = SmoothedValue(min(max(position, -1), 1))
    }

    /// Left and right gains for a position (linear).
    public static func gains(position: Float) -> (left: Float, right: Float) {
        let theta = (min(max(position, -1), 1) + 1) * Float.pi / 4
        return (Float(2).squareRoot() * cos(theta), Float(2).squareRoot() * sin(theta))
    }

    /// - Throws: `EffectError.unsupportedChannelCount` unless the spec has 2 channels.
    public func prepare(_ spec: ProcessSpec) throws {
        guard spec.channelCount == 2 else {
            throw EffectError.unsupportedChannelCount(effect: "pan", channelCount: spec.channelCount)
        }
        value.prepare(sampleRate: spec.sampleRate, rampSeconds: 0.02)
    }

    public func reset() { value.reset(to: value.target) }

    public func process(_ block: AudioBlock) {
        guard block.channelCount >= 2 else { return }
        if !value.isSmoothing {
            let (gl, gr) = Self.gains(position: value.current)
            if gl == 1 && gr == 1 { return }
            block.withMutableSamples(ofChannels: 0, 1) { left, right in
                for i in left.indices {
                    left[i] *= gl
                    right[i] *= gr
                }
            }
            return
        }
        block.withMutableSamples(ofChannels: 0, 1) { left, right in
            for i in left.indices {
                let (gl, gr) = Self.gains(position: value.next())
                left[i] *= gl
                right[i] *= gr
            }
        }
    }
}
