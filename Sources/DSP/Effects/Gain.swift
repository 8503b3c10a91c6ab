/// A gain stage whose changes ramp linearly (in linear gain) over `rampSeconds`, so automation never clicks.
public final class Gain: AudioProcessor {
    /// Gain in dB, -120...24 (default 0; -120 or below is silence); ramped.
    public var gainDecibels: Double {
        didSet { value.setTarget(Self.linear(gainDecibels)) }
    }
    /// Ramp length in seconds (default 0.02).
    public let rampSeconds: Double
    private var value: SmoothedValue

    public init(gainDecibels: Double = 0, rampSeconds: Double = 0.02) {
        self.gainDecibels = gainDecibels
        self.rampSeconds = rampSeconds
        value = SmoothedValue(Self.linear(gainDecibels))
    }

    private static func linear(_ decibels: Double) -> Float {
        decibels <= -120 ? 0 : Float(Decibels.gain(min(decibels, 24)))
    }

    public func prepare(_ spec: ProcessSpec) throws {
        value.prepare(sampleRate: spec.sampleRate, rampSeconds: rampSeconds)
    }

    public func reset() { value.reset(to: value.target) }

    public func process(_ block: AudioBlock) {
        let n = block.frameCount
        if !value.isSmoothing {
            let g = value.current
            if g == 1 { return }
            for c in 0..<block.channelCount { block.withMutableSamples(ofChannel: c) { VectorOps.scale(&$0, by: g) } }
            return
        }
        // Ramp across the block: the same straight line on every channel.
        let start = value.current
        value.advance(by: n)
        let end = value.current
        for c in 0..<block.channelCount {
            block.withMutableSamples(ofChannel: c) { VectorOps.scale(&$0, rampFrom: start, to: end) }
        }
    }
}
