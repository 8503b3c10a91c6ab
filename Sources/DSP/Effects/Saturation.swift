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
    private var scratch = SampleBuffer(count: 0)
    private var dryDelay = SampleBuffer(count: 0)
    private var dryIndex = 0
    private var channelCount = 0
    private var driveValue: SmoothedValue
    private var outputValue: SmoothedValue
    private var mixValue: SmoothedValue
    private var gains = SampleBuffer(count: 0)

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
        scratch = SampleBuffer(count: 4 * spec.maximumBlockFrameCount)
        gains = SampleBuffer(count: 3 * spec.maximumBlockFrameCount)
        dryDelay = SampleBuffer(count: spec.channelCount * Self.oversamplerHalfOrder)
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

    /// `curve` on four values: the same operations lane for lane, including `min(max(u, -3), 3)`'s handling of
    /// NaN (a NaN lane stays NaN), so the result equals four scalar calls bit for bit.
    @inline(__always)
    static func curve(_ u: SIMD4<Float>) -> SIMD4<Float> {
        var m = u
        m.replace(with: -3, where: SIMD4(repeating: -3) .>= u) // max(u, -3)
        var c = m
        c.replace(with: 3, where: SIMD4(repeating: 3) .< m) // min(m, 3)
        let c2 = c * c
        return c * (27 + c2) / (27 + 9 * c2)
    }

    public func process(_ block: AudioBlock) {
        guard let oversampler else { preconditionFailure("Saturation: process before prepare") }
        let n = block.frameCount
        guard n > 0 else { return }
        // gains: drive at [0, n), output gain at [n, 2n), wet mix at [2n, 3n). scratch: 4n oversampled samples, the
        // decimated wet signal written over its tail [3n, 4n).
        gains.withMutableSpan { gains in
            for i in 0..<n {
                gains[i] = driveValue.next()
                gains[n + i] = outputValue.next()
                gains[2 * n + i] = mixValue.next()
            }
            scratch.withMutableSpan { up in
                dryDelay.withMutableSpan { dry in
                    for c in 0..<block.channelCount {
                        block.withMutableSamples(ofChannel: c) { p in
                            let index = Self.shape(
                                &p, channel: c, oversampler: oversampler, gains: &gains, up: &up, dry: &dry,
                                dryIndex: dryIndex)
                            if c == block.channelCount - 1 { dryIndex = index }
                        }
                    }
                }
            }
        }
    }

    /// One channel in place: oversample, shape, decimate and mix with the delayed dry signal. Returns the dry
    /// ring's next index. Not inlined on purpose: as a function of its own its `inout` spans are known not to
    /// alias (exclusivity), which keeps the loops as fast as the pointer version (measured).
    @inline(never)
    private static func shape(
        _ p: inout MutableSpan<Float>, channel c: Int, oversampler: PolyphaseOversampler,
        gains: inout MutableSpan<Float>, up: inout MutableSpan<Float>, dry: inout MutableSpan<Float>, dryIndex: Int
    ) -> Int {
        let n = p.count
        let delay = oversamplerHalfOrder
        oversampler.upsample(p.span, channel: c, into: &up)
        // Four phases per input frame through the curve at once (lane for lane the scalar `curve`).
        for i in 0..<n {
            let j = 4 &* i
            let y = curve(SIMD4(up[j], up[j &+ 1], up[j &+ 2], up[j &+ 3]) * gains[i])
            up[j] = y[0]
            up[j &+ 1] = y[1]
            up[j &+ 2] = y[2]
            up[j &+ 3] = y[3]
        }
        // Delay the dry signal by the oversampler latency while it is still in the block.
        let base = c * delay
        var index = dryIndex
        for i in 0..<n {
            let x = p[i]
            let delayed = dry[base &+ index]
            dry[base &+ index] = x
            index = index &+ 1 == delay ? 0 : index &+ 1
            p[i] = delayed
        }
        oversampler.downsample(&up, frameCount: n, channel: c, outputStart: 3 * n)
        for i in 0..<n {
            let m = gains[2 &* n &+ i]
            p[i] = (1 - m) * p[i] + m * gains[n &+ i] * up[3 &* n &+ i]
        }
        return index
    }
}
