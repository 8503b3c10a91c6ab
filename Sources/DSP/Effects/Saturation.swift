import Foundation

// Design note: a smooth soft clipper run at 4x the sample rate. The block is upsampled by a polyphase FIR
// (PolyphaseOversampler, Kaiser sinc, 65 taps, cutoff 0.105 of the oversampled rate ≈ 18.5 kHz at 44.1 kHz),
// shaped by f(u) = u (27 + u²) / (27 + 9 u²) for |u| ≤ 3 and ±1 beyond (a tanh-like curve whose slope reaches
// zero exactly at the clip point, so it adds no hard-clip edge), low-passed by the same FIR and decimated.
// Harmonics the curve creates above the original Nyquist are removed before decimation instead of folding
// back as inharmonic aliases. The dry path is delayed by the same latency so wet/dry mixing is phase-aligned.
// Latency: 16 frames. Drive and output gain ramp over 20 ms.

/// Saturation/distortion: drive into an oversampled soft clipper, with output gain and wet/dry mix.
public final class Saturation: AudioProcessor {
    /// Gain into the curve in dB, 0...48 (default 12): 0 is barely coloured, 24+ is distortion; ramped.
    public var driveDecibels: Double {
        didSet { driveValue.setTarget(Float(Decibels.gain(min(max(driveDecibels, 0), 48)))) }
    }
    /// Gain after the curve in dB, -48...12 (default -6); ramped.
    public var outputDecibels: Double {
        didSet { outputValue.setTarget(Float(Decibels.gain(min(max(outputDecibels, -48), 12)))) }
    }
    /// Wet proportion 0...1 (default 1: fully saturated); ramped.
    public var mix: Float { didSet { mixValue.setTarget(min(max(mix, 0), 1)) } }

    /// Round-trip delay of the oversampler in frames.
    static let oversamplerHalfOrder = 16
    private var oversampler: PolyphaseOversampler?
    private var scratch = SampleStorage(count: 0)
    private var dryDelay = SampleStorage(count: 0)
    private var dryIndex = 0
    private var channelCount = 0
    private var driveValue: SmoothedValue
    private var outputValue: SmoothedValue
    private var mixValue: SmoothedValue
    private var gains = SampleStorage(count: 0)

    public init(driveDecibels: Double = 12, outputDecibels: Double = -6, mix: Float = 1) {
        self.driveDecibels = driveDecibels
        self.outputDecibels = outputDecibels
        self.mix = mix
        driveValue = SmoothedValue(Float(Decibels.gain(min(max(driveDecibels, 0), 48))))
        outputValue = SmoothedValue(Float(Decibels.gain(min(max(outputDecibels, -48), 12))))
        mixValue = SmoothedValue(min(max(mix, 0), 1))
    }

    public var latencyFrameCount: Int { Self.oversamplerHalfOrder }

    public func prepare(_ spec: ProcessSpec) throws {
        channelCount = spec.channelCount
        oversampler = PolyphaseOversampler(
            halfOrderFrames: Self.oversamplerHalfOrder, cutoff: 0.105,
            channelCount: spec.channelCount,
            maximumFrameCount: spec.maximumBlockFrameCount)
        scratch = SampleStorage(count: 4 * spec.maximumBlockFrameCount)
        gains = SampleStorage(count: 3 * spec.maximumBlockFrameCount)
        dryDelay = SampleStorage(count: spec.channelCount * Self.oversamplerHalfOrder)
        for v in [\Saturation.driveValue, \.outputValue, \.mixValue] {
            self[keyPath: v].prepare(sampleRate: spec.sampleRate, rampSeconds: 0.02)
        }
        reset()
    }

    public func reset() {
        oversampler?.reset()
        dryDelay.clear()
        dryIndex = 0
        driveValue.reset(to: driveValue.target)
        outputValue.reset(to: outputValue.target)
        mixValue.reset(to: mixValue.target)
    }

    /// The shaping curve: odd, monotonic, slope 1 at 0, reaching ±1 with zero slope at |u| = 3.
    @inline(__always)
    static func curve(_ u: Float) -> Float {
        let c = min(max(u, -3), 3)
        let c2 = c * c
        return c * (27 + c2) / (27 + 9 * c2)
    }

    public func process(_ block: AudioBlock) {
        guard let oversampler else { preconditionFailure("Saturation: process before prepare") }
        let n = block.frameCount
        let drive = gains.pointer, output = gains.pointer + n, wetMix = gains.pointer + 2 * n
        for i in 0..<n {
            drive[i] = driveValue.next()
            output[i] = outputValue.next()
            wetMix[i] = mixValue.next()
        }
        let up = scratch.pointer
        let delay = Self.oversamplerHalfOrder
        for c in 0..<block.channelCount {
            let p = block.pointer(c)
            oversampler.upsample(p, frameCount: n, channel: c, into: up)
            for i in 0..<n {
                let d = drive[i]
                for k in 0..<4 { up[4 * i + k] = Self.curve(up[4 * i + k] * d) }
            }
            // Delay the dry signal by the oversampler latency while it is still in the block.
            let dry = dryDelay.pointer + c * delay
            var index = dryIndex
            for i in 0..<n {
                let x = p[i]
                let delayed = dry[index]
                dry[index] = x
                index = index + 1 == delay ? 0 : index + 1
                p[i] = delayed
            }
            if c == block.channelCount - 1 { dryIndex = index }
            // Decimate into the tail of the scratch (the oversampler copies its input first).
            let wet = up + 3 * n
            oversampler.downsample(up, frameCount: n, channel: c, into: wet)
            for i in 0..<n {
                let m = wetMix[i]
                p[i] = (1 - m) * p[i] + m * output[i] * wet[i]
            }
        }
    }
}
