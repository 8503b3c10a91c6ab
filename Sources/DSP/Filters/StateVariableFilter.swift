import Foundation

// Design note: the topology-preserving-transform (trapezoidal, zero-delay-feedback) state-variable filter
// after V. Zavalishin, "The Art of VA Filter Design", in the two-integrator-state form popularised by
// A. Simper. Its states are integrator outputs, not past samples, so the cutoff can change on every sample
// without the energy jumps a direct-form biquad shows: it stays stable and click-free under audio-rate
// modulation. g = tan(π fc / fs) is recomputed per sample while the cutoff moves (per block otherwise).
// 24 dB/octave cascades two sections with 4th-order Butterworth damping (Q 0.5412 and 1.3066).
// Latency: 0. Cost: about 10 flops per sample per section, plus one tan per sample while modulating.

/// Output of a state-variable filter.
public enum StateVariableFilterMode: String, Sendable, CaseIterable, Codable {
    case lowPass, highPass, bandPass
}

/// A TPT state-variable filter with per-sample cutoff smoothing, any channel count.
public final class StateVariableFilter: AudioProcessor {
    /// Which output is taken.
    public var mode: StateVariableFilterMode
    /// 12 or 24 dB/octave.
    public var slope: FilterSlope { didSet { updateDamping() } }
    /// Cutoff in Hz, 20 ... 0.45 × sample rate (clamped); ramped in log frequency over `rampSeconds`.
    public var cutoffHz: Double {
        didSet { logCutoff.setTarget(Float(log2(min(max(cutoffHz, 20), 0.45 * sampleRate)))) }
    }
    /// Resonance as Q, 0.5...20 (default 0.7071: Butterworth); takes effect at the next block.
    public var q: Double { didSet { updateDamping() } }
    /// Ramp length of cutoff changes in seconds (default 0.02).
    public let rampSeconds: Double

    private(set) var sampleRate = 44100.0
    private var channelCount = 0
    private var maximumFrames = 0
    private var state = SampleBuffer(count: 0)
    private var coefficients = SampleBuffer(count: 0)
    private var logCutoff: SmoothedValue
    private var damping: (Float, Float) = (1.414_213_6, 0)
    private var sectionCount = 1

    /// - Parameters:
    ///   - mode: low-, high- or band-pass.
    ///   - cutoffHz: 20 ... 0.45 × sample rate.
    ///   - q: 0.5...20.
    ///   - slope: 12 or 24 dB/octave.
    ///   - rampSeconds: smoothing of cutoff changes.
    public init(
        mode: StateVariableFilterMode = .lowPass, cutoffHz: Double = 1000,
        q: Double = BiquadCoefficients.butterworthQ, slope: FilterSlope = .twelveDecibelsPerOctave,
        rampSeconds: Double = 0.02
    ) {
        self.mode = mode
        self.cutoffHz = cutoffHz
        self.q = q
        self.slope = slope
        self.rampSeconds = rampSeconds
        logCutoff = SmoothedValue(Float(log2(max(cutoffHz, 20))))
        updateDamping()
    }

    private func updateDamping() {
        let qc = min(max(q, 0.5), 20)
        if slope == .twentyFourDecibelsPerOctave {
            let scale = qc / BiquadCoefficients.butterworthQ
            damping = (Float(1 / 0.541_196_1), Float(1 / (1.306_563 * scale)))
            sectionCount = 2
        } else {
            damping = (Float(1 / qc), 0)
            sectionCount = 1
        }
    }

    public func prepare(_ spec: ProcessSpec) throws {
        sampleRate = spec.sampleRate
        channelCount = spec.channelCount
        maximumFrames = spec.maximumBlockFrameCount
        state = SampleBuffer(count: channelCount * 4)
        coefficients = SampleBuffer(count: maximumFrames * 6)
        logCutoff.prepare(sampleRate: sampleRate, rampSeconds: rampSeconds)
        logCutoff.reset(to: Float(log2(min(max(cutoffHz, 20), 0.45 * sampleRate))))
    }

    public func reset() {
        state.clear()
        logCutoff.reset(to: logCutoff.target)
    }

    public func process(_ block: AudioBlock) {
        if logCutoff.isSmoothing {
            let from = logCutoff.current
            logCutoff.advance(by: block.frameCount)
            let step = (logCutoff.current - from) / Float(max(block.frameCount, 1))
            process(block, logCutoffFrom: from + step, logCutoffStep: step)
        } else {
            process(block, logCutoffFrom: logCutoff.current, logCutoffStep: 0)
        }
    }

    /// Processes with the cutoff moving on a straight line in log2(Hz): frame `i` uses
    /// `exp2(logCutoffFrom + i × logCutoffStep)` Hz (clamped to 20 Hz ... 0.45 × sample rate).
    /// This is how FilterSweep drives it.
    func process(_ block: AudioBlock, logCutoffFrom: Float, logCutoffStep: Float) {
        precondition(
            block.channelCount <= channelCount && block.frameCount <= maximumFrames,
            "StateVariableFilter: block larger than prepared")
        let n = block.frameCount
        guard n > 0 else { return }
        let piOverRate = Float.pi / Float(sampleRate)
        let lo = log2(Float(20)), hi = log2(Float(0.45 * sampleRate))
        let sections = sectionCount, stride = maximumFrames, dampings = damping, filterMode = mode
        coefficients.withMutableSpan { k in
            // Per-frame coefficients (a1, a2, a3) for each section, shared by all channels.
            if logCutoffStep == 0 {
                let g = tanf(piOverRate * exp2f(min(max(logCutoffFrom, lo), hi)))
                for s in 0..<sections {
                    let (a1, a2, a3) = Self.gains(g, s == 0 ? dampings.0 : dampings.1)
                    let base = s * 3 * stride
                    for i in 0..<n {
                        k[base + i] = a1
                        k[base + stride + i] = a2
                        k[base + 2 * stride + i] = a3
                    }
                }
            } else {
                for i in 0..<n {
                    let g = tanf(piOverRate * exp2f(min(max(logCutoffFrom + Float(i) * logCutoffStep, lo), hi)))
                    for s in 0..<sections {
                        let (a1, a2, a3) = Self.gains(g, s == 0 ? dampings.0 : dampings.1)
                        let base = s * 3 * stride
                        k[base + i] = a1
                        k[base + stride + i] = a2
                        k[base + 2 * stride + i] = a3
                    }
                }
            }
            let coefficientsNow = k.span
            state.withMutableSpan { z in
                for c in 0..<block.channelCount {
                    block.withMutableSamples(ofChannel: c) { p in
                        for s in 0..<sections {
                            Self.run(
                                &p, coefficientsNow, s * 3 * stride, stride, s == 0 ? dampings.0 : dampings.1,
                                filterMode, &z, c * 4 + s * 2)
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func gains(_ g: Float, _ damping: Float) -> (Float, Float, Float) {
        let a1 = 1 / (1 + g * (g + damping))
        let a2 = g * a1
        return (a1, a2, g * a2)
    }

    // Not inlined on purpose: as a function of its own, its `inout` spans are known not to alias (exclusivity),
    // so the optimizer keeps their bases in registers; inlined into the span closures it reloads them after
    // every store (measured on the `effects.` benchmarks).
    @inline(never)
    static func run(
        _ p: inout MutableSpan<Float>, _ k: Span<Float>, _ a1Base: Int, _ stride: Int, _ damping: Float,
        _ mode: StateVariableFilterMode, _ z: inout MutableSpan<Float>, _ state: Int
    ) {
        // The per-frame gains: a1 at k[a1Base + i], a2 one stride later, a3 two strides later.
        let a2Base = a1Base + stride, a3Base = a1Base + 2 * stride
        let n = p.count
        var ic1 = z[state], ic2 = z[state + 1]
        switch mode {
        case .lowPass:
            for i in 0..<n {
                let v3 = p[i] - ic2
                let v1 = k[a1Base + i] * ic1 + k[a2Base + i] * v3
                let v2 = ic2 + k[a2Base + i] * ic1 + k[a3Base + i] * v3
                ic1 = 2 * v1 - ic1
                ic2 = 2 * v2 - ic2
                p[i] = v2
            }
        case .highPass:
            for i in 0..<n {
                let v0 = p[i]
                let v3 = v0 - ic2
                let v1 = k[a1Base + i] * ic1 + k[a2Base + i] * v3
                let v2 = ic2 + k[a2Base + i] * ic1 + k[a3Base + i] * v3
                ic1 = 2 * v1 - ic1
                ic2 = 2 * v2 - ic2
                p[i] = v0 - damping * v1 - v2
            }
        case .bandPass:
            // Normalised to 0 dB at the centre (the raw band output peaks at Q).
            for i in 0..<n {
                let v3 = p[i] - ic2
                let v1 = k[a1Base + i] * ic1 + k[a2Base + i] * v3
                let v2 = ic2 + k[a2Base + i] * ic1 + k[a3Base + i] * v3
                ic1 = 2 * v1 - ic1
                ic2 = 2 * v2 - ic2
                p[i] = damping * v1
            }
        }
        z[state] = abs(ic1) < 1e-25 ? 0 : ic1
        z[state + 1] = abs(ic2) < 1e-25 ? 0 : ic2
    }
}
