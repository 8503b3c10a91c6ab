import Foundation

// Design note: RBJ cookbook sections (see BiquadCoefficients) in transposed direct form II with Float state,
// one or two cascaded sections per channel. 12 dB/octave is one section; 24 dB/octave low/high-pass is a
// 4th-order Butterworth made of two sections with Q = 0.5412 and 1.3066 (still -3.01 dB at the cutoff);
// a resonant Q scales the second section's Q. Parameter changes ramp over `rampSeconds` (cutoff in log
// frequency, Q and gain linearly) and coefficients are recomputed every 16 frames while ramping.
// Latency: 0. For cutoff modulation faster than a few Hz use StateVariableFilter, which is built for it.

/// Slope of a low/high-pass filter.
public enum FilterSlope: Int, Sendable, CaseIterable, Codable {
    /// 12 dB per octave: one second-order section.
    case twelveDecibelsPerOctave = 12
    /// 24 dB per octave: two cascaded sections (4th-order Butterworth at the default Q).
    case twentyFourDecibelsPerOctave = 24
}

/// An RBJ biquad filter (low/high/band-pass, shelves, peaking) with smoothed parameters, any channel count.
public final class BiquadFilter: AudioProcessor {
    /// Response shape; changing it takes effect at once (not ramped).
    public var type: BiquadFilterType { didSet { needsDesign = true } }
    /// Slope of low/high/band-pass shapes; shelves and peaking always use one section.
    public var slope: FilterSlope { didSet { needsDesign = true } }
    /// Cutoff/centre/corner frequency in Hz, 20 ... 0.45 × sample rate (clamped); ramped in log frequency.
    public var cutoffHz: Double { didSet { logCutoff.setTarget(Float(log2(clampedCutoff))) } }
    /// Quality factor 0.1...40 (default 1/√2, Butterworth); ramped.
    public var q: Double { didSet { qValue.setTarget(Float(min(max(q, 0.1), 40))) } }
    /// Boost/cut in dB for shelves and peaking, -48...48 (default 0); ramped.
    public var gainDecibels: Double { didSet { gainValue.setTarget(Float(min(max(gainDecibels, -48), 48))) } }
    /// Ramp length of parameter changes in seconds (default 0.02).
    public let rampSeconds: Double

    private var sampleRate = 44100.0
    private var channelCount = 0
    private var state = SampleBuffer(count: 0)
    private var sections: [BiquadCoefficients] = [.identity, .identity]
    private var sectionCount = 1
    private var logCutoff: SmoothedValue
    private var qValue: SmoothedValue
    private var gainValue: SmoothedValue
    private var needsDesign = true
    private static let updateInterval = 16

    /// - Parameters:
    ///   - type: response shape (default low-pass).
    ///   - cutoffHz: 20 ... 0.45 × sample rate.
    ///   - q: 0.1...40, default Butterworth (0.7071).
    ///   - gainDecibels: for shelves and peaking, -48...48.
    ///   - slope: 12 or 24 dB/octave.
    ///   - rampSeconds: smoothing of parameter changes, 0 or more.
    public init(
        type: BiquadFilterType = .lowPass, cutoffHz: Double = 1000, q: Double = BiquadCoefficients.butterworthQ,
        gainDecibels: Double = 0, slope: FilterSlope = .twelveDecibelsPerOctave, rampSeconds: Double = 0.02
    ) {
        self.type = type
        self.slope = slope
        self.cutoffHz = cutoffHz
        self.q = q
        self.gainDecibels = gainDecibels
        self.rampSeconds = rampSeconds
        logCutoff = SmoothedValue(Float(log2(max(cutoffHz, 20))))
        qValue = SmoothedValue(Float(min(max(q, 0.1), 40)))
        gainValue = SmoothedValue(Float(min(max(gainDecibels, -48), 48)))
    }

    private var clampedCutoff: Double { min(max(cutoffHz, 20), 0.45 * sampleRate) }

    public func prepare(_ spec: ProcessSpec) throws {
        sampleRate = spec.sampleRate
        channelCount = spec.channelCount
        state = SampleBuffer(count: channelCount * 2 * 2)
        // A buffer of this instance's own: the initial literal may be a shared static array, which the first
        // `design()` in `process` would copy (an allocation there; measured by the `alloc.` benchmarks).
        sections = [BiquadCoefficients](repeating: .identity, count: 2)
        logCutoff.prepare(sampleRate: sampleRate, rampSeconds: rampSeconds)
        qValue.prepare(sampleRate: sampleRate, rampSeconds: rampSeconds)
        gainValue.prepare(sampleRate: sampleRate, rampSeconds: rampSeconds)
        logCutoff.reset(to: Float(log2(clampedCutoff)))
        qValue.reset(to: Float(min(max(q, 0.1), 40)))
        gainValue.reset(to: Float(min(max(gainDecibels, -48), 48)))
        needsDesign = true
    }

    public func reset() {
        state.clear()
        logCutoff.reset(to: logCutoff.target)
        qValue.reset(to: qValue.target)
        gainValue.reset(to: gainValue.target)
        needsDesign = true
    }

    /// The coefficients in use now (one or two sections).
    public var currentSections: [BiquadCoefficients] { Array(sections.prefix(sectionCount)) }

    /// Overall magnitude (linear) of the current sections at `frequencyHz`.
    public func magnitude(atHz frequencyHz: Double) -> Double {
        currentSections.reduce(1) { $0 * $1.magnitude(atHz: frequencyHz, sampleRate: sampleRate) }
    }

    private func design() {
        let f = Double(exp2(logCutoff.current))
        let qNow = Double(qValue.current)
        let g = Double(gainValue.current)
        let cascaded = slope == .twentyFourDecibelsPerOctave
        if cascaded && (type == .lowPass || type == .highPass) {
            // 4th-order Butterworth pole Qs; a resonant Q raises the sharper section.
            let scale = qNow / BiquadCoefficients.butterworthQ
            sections[0] = .design(type, frequencyHz: f, q: 0.541_196_1, sampleRate: sampleRate)
            sections[1] = .design(type, frequencyHz: f, q: 1.306_563 * scale, sampleRate: sampleRate)
            sectionCount = 2
        } else if cascaded && type == .bandPass {
            sections[0] = .design(type, frequencyHz: f, q: qNow, sampleRate: sampleRate)
            sections[1] = sections[0]
            sectionCount = 2
        } else {
            sections[0] = .design(type, frequencyHz: f, q: qNow, gainDecibels: g, sampleRate: sampleRate)
            sectionCount = 1
        }
        needsDesign = false
    }

    public func process(_ block: AudioBlock) {
        precondition(block.channelCount <= channelCount, "BiquadFilter: more channels than prepared")
        var start = 0
        let frames = block.frameCount
        while start < frames {
            let smoothing = logCutoff.isSmoothing || qValue.isSmoothing || gainValue.isSmoothing
            let count = smoothing ? min(Self.updateInterval, frames - start) : frames - start
            if smoothing {
                logCutoff.advance(by: count)
                qValue.advance(by: count)
                gainValue.advance(by: count)
                needsDesign = true
            }
            if needsDesign { design() }
            let sectionsNow = sectionCount
            state.withMutableSpan { z in
                if block.channelCount == 2 {
                    // Stereo: both channels in one loop, so the two recursions overlap (each channel's values
                    // are the one-channel loop's).
                    block.withMutableSamples(ofChannels: 0, 1) { left, right in
                        for s in 0..<sectionsNow {
                            Self.runPair(sections[s], &left, &right, start..<start + count, &z, s * 2, (2 + s) * 2)
                        }
                    }
                    return
                }
                for c in 0..<block.channelCount {
                    block.withMutableSamples(ofChannel: c) { p in
                        for s in 0..<sectionsNow {
                            Self.run(sections[s], &p, start..<start + count, &z, (c * 2 + s) * 2)
                        }
                    }
                }
            }
            start += count
        }
    }

    /// One TDF-II section over `frames` of `p` in place; `z[state]` and `z[state + 1]` hold the two state values.
    // Not inlined on purpose: as a function of its own, its `inout` spans are known not to alias (exclusivity),
    // so the optimizer keeps their bases in registers; inlined into the span closures it reloads them after
    // every store (measured on the `effects.` benchmarks).
    @inline(never)
    static func run(
        _ k: BiquadCoefficients, _ p: inout MutableSpan<Float>, _ frames: Range<Int>, _ z: inout MutableSpan<Float>,
        _ state: Int
    ) {
        let b0 = Float(k.b0), b1 = Float(k.b1), b2 = Float(k.b2), a1 = Float(k.a1), a2 = Float(k.a2)
        var z1 = z[state], z2 = z[state + 1]
        for i in frames {
            let x = p[i]
            let y = b0 * x + z1
            z1 = b1 * x - a1 * y + z2
            z2 = b2 * x - a2 * y
            p[i] = y
        }
        // Snap decayed state to zero so silent input never runs on denormals.
        z[state] = abs(z1) < 1e-25 ? 0 : z1
        z[state + 1] = abs(z2) < 1e-25 ? 0 : z2
    }

    /// `run` over the same frames of two channels in one loop (their states at `leftState` and `rightState`):
    /// each channel's arithmetic is `run`'s, so its values are the same bit for bit; the two recursions overlap.
    @inline(never)
    static func runPair(
        _ k: BiquadCoefficients, _ p: inout MutableSpan<Float>, _ q: inout MutableSpan<Float>, _ frames: Range<Int>,
        _ z: inout MutableSpan<Float>, _ leftState: Int, _ rightState: Int
    ) {
        let b0 = Float(k.b0), b1 = Float(k.b1), b2 = Float(k.b2), a1 = Float(k.a1), a2 = Float(k.a2)
        var z1 = z[leftState], z2 = z[leftState + 1]
        var w1 = z[rightState], w2 = z[rightState + 1]
        var left = p.extracting(frames), right = q.extracting(frames)
        let n = min(left.count, right.count)
        for i in 0..<n {
            let x = left[i], u = right[i]
            let y = b0 * x + z1, v = b0 * u + w1
            z1 = b1 * x - a1 * y + z2
            w1 = b1 * u - a1 * v + w2
            z2 = b2 * x - a2 * y
            w2 = b2 * u - a2 * v
            left[i] = y
            right[i] = v
        }
        z[leftState] = abs(z1) < 1e-25 ? 0 : z1
        z[leftState + 1] = abs(z2) < 1e-25 ? 0 : z2
        z[rightState] = abs(w1) < 1e-25 ? 0 : w1
        z[rightState + 1] = abs(w2) < 1e-25 ? 0 : w2
    }
}
