import Foundation

// Design note: a stereo feedback-delay-network reverb (J.-M. Jot's FDN with a Hadamard mixing matrix).
// - Input: each channel goes through the shared pre-delay, then four Schroeder allpasses of its own
//   (g = 0.62, 3.2 ... 9.6 ms, different per side) that smear a click into dense early reflections.
// - Late field: 8 delay lines of 29 ... 89 ms × `size` (prime lengths), each read through a slowly modulated
//   (0.4 ... 1.2 Hz, ±0.14 ms) tap, which breaks up the fixed modes that make an FDN ring metallically. The
//   fractional read uses first-order allpass interpolation (fraction kept in 0.1 ... 1.1 so the allpass pole
//   stays away from -1): unlike linear interpolation it has unit gain at every frequency, so the modulation
//   adds no hidden high-frequency damping and the decay time stays what the absorption filters set. Each line has a one-pole absorption filter whose DC gain 10^(-3 L / (T60 fs)) gives the
//   set decay time and whose Nyquist gain gives the damped high-frequency decay (`damping` = 1 shortens the
//   T60 at Nyquist to 10% of the setting). The lines are mixed by an orthonormal 8 × 8 Hadamard matrix
//   (a fast Walsh-Hadamard transform: 24 adds), so the loop is lossless apart from the absorption.
// - Output: left and right take orthogonal sign patterns of the line outputs, so the tails are decorrelated, plus
//   each side's diffused input at a lower level as the early reflections (they start right after the pre-delay).
// - Silence: once the input is silent and everything written into the network stays below 1e-8 (-160 dBFS)
//   for longer than the longest path, every state is set to exactly zero and processing is skipped until
//   the input is non-zero again, so silent tails cost nothing and never run on denormals.
// - Layout: the 8 lines are the lanes of one SIMD8 vector per frame (stored interleaved, frame by frame), so the
//   taps, absorption filters and Hadamard butterflies run on whole vectors; each lane computes what a scalar
//   loop over the lines would, in the same order.
// Latency: 0 (pre-delay is an effect, not latency). Memory: 8 lines × 2^k floats (k from the longest line)
// plus the pre-delay (0.5 s per channel). Stereo in/out; a mono block is processed as its own left and right.

/// An algorithmic stereo reverb (8-line modulated FDN) with decay time, pre-delay, damping, size and wet/dry.
public final class Reverb: AudioProcessor {
    /// Decay time RT60 in seconds (time for the tail to fall by 60 dB at low frequencies), 0.1...20, default 2.
    public var decaySeconds: Double { didSet { needsGains = true } }
    /// Pre-delay before the reverb starts, seconds, 0...0.5, default 0.02. Takes effect at once.
    public var preDelaySeconds: Double { didSet { updatePreDelay() } }
    /// High-frequency damping 0...1 (0: flat decay, 1: T60 at Nyquist is 10% of the setting), default 0.4.
    public var damping: Double { didSet { needsGains = true } }
    /// Room size scale of the line lengths, 0.3...2, default 1. Applied at `prepare` and `reset`.
    public var size: Double
    /// Linear gain of the reverb, 0...1 (default 0.3); ramped.
    public var wetLevel: Float { didSet { wetValue.setTarget(wetLevel) } }
    /// Linear gain of the dry signal, 0...1 (default 1); ramped.
    public var dryLevel: Float { didSet { dryValue.setTarget(dryLevel) } }

    static let lineCount = 8
    private static let baseLineMilliseconds: [Double] = [29.3, 34.7, 41.1, 46.9, 55.3, 63.7, 74.9, 88.6]
    private static let diffuserMilliseconds: [[Double]] = [[3.23, 4.71, 7.39, 9.61], [3.61, 5.09, 6.89, 9.17]]
    private static let diffuserGain: Float = 0.62
    private static let modulationHz: [Double] = [0.43, 0.61, 0.77, 0.53, 0.97, 0.71, 1.13, 0.89]
    private static let modulationDepthSeconds = 0.000_14
    private static let quietThreshold: Float = 1e-8
    private static let maximumPreDelaySeconds = 0.5

    private var sampleRate = 44100.0
    private var lineLengths = [Int](repeating: 1, count: 8)
    private var lineMask = 0
    private var lines = SampleBuffer(count: 0)
    private var writeIndex = 0
    private var absorption = SampleBuffer(count: 0) // per line: b (gain × (1 - p)), p, state
    private var lfo = SampleBuffer(count: 0) // per line: cos, sin, cos(step), sin(step)
    private var interpolatorState = SampleBuffer(count: 0) // per line: previous allpass output
    private var modulationDepthFrames: Float = 0
    private var preDelayLine = SampleBuffer(count: 0)
    private var preDelayMask = 0
    private var preDelayIndex = 0
    private var preDelayFrames = 0
    private var diffusers = SampleBuffer(count: 0) // 8 buffers of diffuserMask + 1 samples
    private var monoRight = SampleBuffer(count: 0) // a mono block's input, read as the right channel
    private var diffuserLengths = [Int](repeating: 1, count: 8)
    private var diffuserMask = 0
    private var diffuserIndex = 0
    private var framesUntilModulation = 0
    private var modulationWhole = [Int](repeating: 1, count: 8)
    private var modulationCoefficient = [Float](repeating: 0, count: 8)
    private var needsGains = true
    private var quietFrames = 0
    private var quietLimit = 0
    private var asleep = true
    private var wetValue: SmoothedValue
    private var dryValue: SmoothedValue

    /// - Parameters: see the properties for units, ranges and defaults.
    public init(
        decaySeconds: Double = 2, preDelaySeconds: Double = 0.02, damping: Double = 0.4, size: Double = 1,
        wetLevel: Float = 0.3, dryLevel: Float = 1
    ) {
        self.decaySeconds = decaySeconds
        self.preDelaySeconds = preDelaySeconds
        self.damping = damping
        self.size = size
        self.wetLevel = wetLevel
        self.dryLevel = dryLevel
        wetValue = SmoothedValue(wetLevel)
        dryValue = SmoothedValue(dryLevel)
    }

    /// The delay-line lengths in frames in use (for tests and documentation).
    public var lineFrameCounts: [Int] { lineLengths }

    public func prepare(_ spec: ProcessSpec) throws {
        guard spec.channelCount <= 2 else {
            throw EffectError.unsupportedChannelCount(effect: "reverb", channelCount: spec.channelCount)
        }
        sampleRate = spec.sampleRate
        let maximumLine =
            Int((Self.baseLineMilliseconds.last! * 2 / 1000 * sampleRate).rounded(.up))
            + Int(Self.modulationDepthSeconds * sampleRate) + 4
        var size = 1
        while size < maximumLine { size <<= 1 }
        lineMask = size - 1
        lines = SampleBuffer(count: size * Self.lineCount)
        absorption = SampleBuffer(count: Self.lineCount * 3)
        lfo = SampleBuffer(count: Self.lineCount * 4)
        interpolatorState = SampleBuffer(count: Self.lineCount)
        var preSize = 1
        while preSize < Int(Self.maximumPreDelaySeconds * sampleRate) + 2 { preSize <<= 1 }
        preDelayMask = preSize - 1
        preDelayLine = SampleBuffer(count: preSize * 2)
        for side in 0..<2 {
            for k in 0..<4 {
                diffuserLengths[side * 4 + k] = max(
                    1, Int((Self.diffuserMilliseconds[side][k] / 1000 * sampleRate).rounded()))
            }
        }
        var diffuserSize = 1
        while diffuserSize <= diffuserLengths.max()! { diffuserSize <<= 1 }
        diffuserMask = diffuserSize - 1
        diffusers = SampleBuffer(count: diffuserSize * 8)
        monoRight = SampleBuffer(count: spec.maximumBlockFrameCount)
        wetValue.prepare(sampleRate: sampleRate, rampSeconds: 0.02)
        dryValue.prepare(sampleRate: sampleRate, rampSeconds: 0.02)
        reset()
    }

    public func reset() {
        let scale = min(max(size, 0.3), 2)
        for i in 0..<Self.lineCount {
            lineLengths[i] = Self.nearestPrime(
                Int((Self.baseLineMilliseconds[i] / 1000 * sampleRate * scale).rounded()))
        }
        modulationDepthFrames = Float(Self.modulationDepthSeconds * sampleRate)
        for i in 0..<Self.lineCount {
            let w = 2 * Double.pi * Self.modulationHz[i] / sampleRate * 16 // advanced once per 16 frames
            let phase = 2 * Double.pi * Double(i) / Double(Self.lineCount)
            lfo[i * 4] = Float(cos(phase)); lfo[i * 4 + 1] = Float(sin(phase))
            lfo[i * 4 + 2] = Float(cos(w)); lfo[i * 4 + 3] = Float(sin(w))
        }
        quietLimit =
            lineLengths.max()! + Int(Self.maximumPreDelaySeconds * sampleRate) + diffuserLengths.reduce(0, +) * 8
        clearState()
        updatePreDelay()
        needsGains = true
        wetValue.reset(to: wetValue.target)
        dryValue.reset(to: dryValue.target)
    }

    private func clearState() {
        lines.clear()
        preDelayLine.clear()
        diffusers.clear()
        for i in 0..<Self.lineCount { absorption[i * 3 + 2] = 0 }
        interpolatorState.clear()
        diffuserIndex = 0
        framesUntilModulation = 0
        writeIndex = 0
        preDelayIndex = 0
        quietFrames = 0
        asleep = true
    }

    private func updatePreDelay() {
        preDelayFrames = min(max(Int((preDelaySeconds * sampleRate).rounded()), 0), preDelayMask - 1)
    }

    private func updateGains() {
        let t60 = min(max(decaySeconds, 0.1), 20)
        let t60High = t60 * (1 - 0.9 * min(max(damping, 0), 1))
        for i in 0..<Self.lineCount {
            // The mean loop delay: the modulated tap sits depth × (1 + sin) frames short of the nominal length.
            let length = Double(lineLengths[i]) - Double(modulationDepthFrames)
            let g = pow(10, -3 * length / (t60 * sampleRate))
            let gHigh = pow(10, -3 * length / (t60High * sampleRate))
            let r = gHigh / g
            let p = (1 - r) / (1 + r)
            absorption[i * 3] = Float(g * (1 - p))
            absorption[i * 3 + 1] = Float(p)
        }
        needsGains = false
    }

    private static func nearestPrime(_ n: Int) -> Int {
        func isPrime(_ k: Int) -> Bool {
            if k < 2 { return false }
            var d = 2
            while d * d <= k { if k % d == 0 { return false }; d += 1 }
            return true
        }
        var k = max(n, 2)
        while !isPrime(k) { k += 1 }
        return k
    }

    public func process(_ block: AudioBlock) {
        let n = block.frameCount
        guard n > 0 else { return }
        if block.channelCount > 1 {
            block.withMutableSamples(ofChannels: 0, 1) { left, right in process(&left, &right, stereo: true) }
            return
        }
        // Mono: the network's right input is the same signal; only the left channel is written back.
        precondition(n <= monoRight.count, "Reverb: block larger than prepared")
        block.withMutableSamples(ofChannel: 0) { left in
            monoRight.withMutableSpan { right in
                var part = right.extracting(0..<n)
                VectorOps.copy(left.span, into: &part)
                process(&left, &right, stereo: false)
            }
        }
    }

    /// Processes `left.count` frames; `right` holds at least as many (and is written only when `stereo`).
    private func process(_ left: inout MutableSpan<Float>, _ right: inout MutableSpan<Float>, stereo: Bool) {
        let n = left.count
        let inputPeak = max(VectorOps.peakMagnitude(left.span), VectorOps.peakMagnitude(right.span.extracting(0..<n)))
        if asleep && inputPeak == 0 {
            // Silent input into a silent network: the wet signal is exactly zero.
            for i in 0..<n {
                let dry = dryValue.next()
                _ = wetValue.next()
                left[i] *= dry
                if stereo { right[i] *= dry }
            }
            return
        }
        asleep = false
        if needsGains { updateGains() }
        let writtenPeak = lines.withMutableSpan { lineBase in
            preDelayLine.withMutableSpan { pre in
                absorption.withMutableSpan { abs3 in
                    lfo.withMutableSpan { osc in
                        interpolatorState.withMutableSpan { allpass in
                            diffusers.withMutableSpan { diff in
                                render(
                                    &left, &right, stereo: stereo, lineBase: &lineBase, pre: &pre, abs3: &abs3,
                                    osc: &osc, allpass: &allpass, diff: &diff)
                            }
                        }
                    }
                }
            }
        }
        if inputPeak == 0 && writtenPeak < Self.quietThreshold {
            quietFrames += n
            if quietFrames > quietLimit { clearState() }
        } else {
            quietFrames = 0
        }
    }

    /// The per-frame loop; returns the largest magnitude written into the network.
    /// Index arithmetic wraps (`&+`, `&*`) instead of trapping on overflow: every index is still bounds-checked by
    /// the span it reads, and the overflow checks cost about 15% of the loop's time (measured).
    /// The modulated taps (whole delay and allpass coefficient per line) are updated every 16 frames: the
    /// LFOs move the delay by under 0.02 frames in that time, far below anything audible.
    // Not inlined on purpose: as a function of its own, its `inout` spans are known not to alias (exclusivity),
    // so the optimizer keeps their bases in registers; inlined into the span closures it reloads them after
    // every store (measured on the `effects.` benchmarks).
    @inline(never)
    private func render(
        _ left: inout MutableSpan<Float>, _ right: inout MutableSpan<Float>, stereo: Bool,
        lineBase: inout MutableSpan<Float>, pre: inout MutableSpan<Float>, abs3: inout MutableSpan<Float>,
        osc: inout MutableSpan<Float>, allpass: inout MutableSpan<Float>, diff: inout MutableSpan<Float>
    ) -> Float {
        let n = left.count
        let mask = lineMask
        let preMask = preDelayMask
        let preStride = preMask + 1
        let depth = modulationDepthFrames
        let g = Self.diffuserGain
        let dMask = diffuserMask, dStride = diffuserMask + 1
        var dw = diffuserIndex
        let norm: Float = 1 / Float(8).squareRoot()
        let outScale: Float = 0.6 * norm
        let earlyScale: Float = 0.25
        var written: Float = 0
        var w = writeIndex
        var pw = preDelayIndex
        let preDelay = preDelayFrames
        var dry = dryValue, wet = wetValue
        let update = 16
        var countdown = framesUntilModulation
        var iz = InlineArray<40, Int>(repeating: 0)
        var fz = InlineArray<40, Float>(repeating: 0)
        do {
            do {
                // iz[8..<16] diffuser lengths, [24..<32] whole line delays.
                // fz[0..<8] allpass-interpolator coefficients, [8..<16] line lengths, [16..<24] gains b, [24..<32] poles,
                // [32..<40] absorption states.
                for k in 0..<8 {
                    iz[8 + k] = diffuserLengths[k]
                    iz[24 + k] = modulationWhole[k]; fz[k] = modulationCoefficient[k]
                    fz[8 + k] = Float(lineLengths[k])
                    fz[16 + k] = abs3[k * 3]; fz[24 + k] = abs3[k * 3 + 1]; fz[32 + k] = abs3[k * 3 + 2]
                }
                // The eight lines side by side as vector lanes: allpass-interpolator states, absorption states,
                // gains and poles; the taps' coefficients `e` are reloaded after each modulation update.
                var a = SIMD8<Float>(
                    allpass[0], allpass[1], allpass[2], allpass[3], allpass[4], allpass[5], allpass[6], allpass[7])
                var st = SIMD8<Float>(fz[32], fz[33], fz[34], fz[35], fz[36], fz[37], fz[38], fz[39])
                let b = SIMD8<Float>(fz[16], fz[17], fz[18], fz[19], fz[20], fz[21], fz[22], fz[23])
                let p = SIMD8<Float>(fz[24], fz[25], fz[26], fz[27], fz[28], fz[29], fz[30], fz[31])
                // Signs of the Hadamard butterflies and of the diffused input added to each line.
                let pairSigns = SIMD8<Float>(1, -1, 1, -1, 1, -1, 1, -1)
                let quadSigns = SIMD8<Float>(1, 1, -1, -1, 1, 1, -1, -1)
                let halfSigns = SIMD8<Float>(1, 1, 1, 1, -1, -1, -1, -1)
                var writtenLanes = SIMD8<Float>(repeating: 0)
                var i = 0
                while i < n {
                    // Modulation: every `update` frames (counted across blocks, so the LFO rate does not depend on the
                    // block size) advance each LFO and set the whole delay and allpass coefficient.
                    if countdown == 0 {
                        countdown = update
                        for l in 0..<8 {
                            let c = osc[l * 4], sn = osc[l * 4 + 1]
                            let cw = osc[l * 4 + 2], sw = osc[l * 4 + 3]
                            // Rotate, and renormalise (the Float recurrence would slowly drift in amplitude).
                            let c1 = c * cw - sn * sw, s1 = sn * cw + c * sw
                            let k = 1.5 - 0.5 * (c1 * c1 + s1 * s1)
                            osc[l * 4] = c1 * k
                            osc[l * 4 + 1] = s1 * k
                            // Delay d = whole + fraction with fraction in 0.1 ..< 1.1.
                            let delay = fz[8 + l] - depth * (1 + osc[l * 4 + 1]) - 0.1
                            let whole = Int(delay)
                            let fraction = delay - Float(whole) + 0.1
                            iz[24 + l] = whole
                            fz[l] = (1 - fraction) / (1 + fraction)
                        }
                    }
                    let e = SIMD8<Float>(fz[0], fz[1], fz[2], fz[3], fz[4], fz[5], fz[6], fz[7])
                    let m0 = iz[24], m1 = iz[25], m2 = iz[26], m3 = iz[27], m4 = iz[28], m5 = iz[29], m6 = iz[30],
                        m7 = iz[31]
                    let end = min(n, i + countdown)
                    countdown -= end - i
                    // Within this run the whole delays are fixed and the write position advances by one per frame,
                    // so a frame's older tap (delay m + 1) is the slot the previous frame read as its newer tap
                    // (delay m), unchanged since (its write went elsewhere, as m >= 1): it is carried over, not
                    // read again. The first frame of the run reads it.
                    let carries = min(min(min(m0, m1), min(m2, m3)), min(min(m4, m5), min(m6, m7))) >= 1
                    var older = SIMD8<Float>()
                    var olderIsCurrent = false
                    while i < end {
                        let xL = left[i], xR = right[i]
                        // Pre-delay.
                        pre[pw] = xL
                        pre[preStride &+ pw] = xR
                        let readPre = (pw &- preDelay) & preMask
                        var dL = pre[readPre]
                        var dR = pre[preStride &+ readPre]
                        pw = (pw &+ 1) & preMask
                        // Input diffusion: four allpasses per side.
                        for k in 0..<4 {
                            let bufL = k &* dStride
                            let delayedL = diff[bufL &+ (dw &- iz[8 + k]) & dMask]
                            let vL = dL + g * delayedL
                            diff[bufL &+ dw] = vL
                            dL = delayedL - g * vL
                            let bufR = (4 &+ k) &* dStride
                            let delayedR = diff[bufR &+ (dw &- iz[12 + k]) & dMask]
                            let vR = dR + g * delayedR
                            diff[bufR &+ dw] = vR
                            dR = delayedR - g * vR
                        }
                        dw = (dw &+ 1) & dMask
                        // Late field: allpass-interpolated taps (line l's sample at slot q is lineBase[8q + l]),
                        // then absorption.
                        @inline(__always) func sample(_ l: Int, _ delay: Int) -> Float {
                            lineBase[((w &- delay) & mask) &* 8 &+ l]
                        }
                        let newer = SIMD8<Float>(
                            sample(0, m0), sample(1, m1), sample(2, m2), sample(3, m3), sample(4, m4), sample(5, m5),
                            sample(6, m6), sample(7, m7))
                        if !olderIsCurrent {
                            older = SIMD8<Float>(
                                sample(0, m0 &+ 1), sample(1, m1 &+ 1), sample(2, m2 &+ 1), sample(3, m3 &+ 1),
                                sample(4, m4 &+ 1), sample(5, m5 &+ 1), sample(6, m6 &+ 1), sample(7, m7 &+ 1))
                        }
                        let r = e * newer + older - e * a
                        older = newer
                        olderIsCurrent = carries
                        a = r
                        st = b * r + p * st
                        let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3]
                        let s4 = st[4], s5 = st[5], s6 = st[6], s7 = st[7]
                        // Late field plus the diffused input itself (the early reflections, which fill the gap
                        // before the shortest line returns).
                        let outL = (s0 - s1 + s2 - s3 + s4 - s5 + s6 - s7) * outScale + earlyScale * dL
                        let outR = (s0 + s1 - s2 - s3 + s4 + s5 - s6 - s7) * outScale + earlyScale * dR
                        // Hadamard mix (fast Walsh-Hadamard, orthonormal) as three butterfly stages over the lanes;
                        // x + (-y) is x - y exactly, so each lane is the scalar butterfly's value.
                        let h =
                            SIMD8<Float>(s0, s0, s2, s2, s4, s4, s6, s6)
                            + SIMD8<Float>(s1, s1, s3, s3, s5, s5, s7, s7) * pairSigns
                        let t =
                            SIMD8<Float>(h[0], h[1], h[0], h[1], h[4], h[5], h[4], h[5])
                            + SIMD8<Float>(h[2], h[3], h[2], h[3], h[6], h[7], h[6], h[7]) * quadSigns
                        let u =
                            SIMD8<Float>(t[0], t[1], t[2], t[3], t[0], t[1], t[2], t[3])
                            + SIMD8<Float>(t[4], t[5], t[6], t[7], t[4], t[5], t[6], t[7]) * halfSigns
                        let o = u * norm + SIMD8<Float>(dL, dR, -dL, -dR, dL, -dR, -dL, dR)
                        lineBase.setSIMD8(o, at: w &* 8)
                        let magnitude = FastMath.magnitude(o)
                        writtenLanes.replace(with: magnitude, where: magnitude .> writtenLanes)
                        w = (w &+ 1) & mask
                        let dg = dry.next(), wg = wet.next()
                        left[i] = dg * xL + wg * outL
                        if stereo { right[i] = dg * xR + wg * outR }
                        i += 1
                    }
                }
                for l in 0..<8 { written = max(written, writtenLanes[l]) }
                diffuserIndex = dw
                framesUntilModulation = countdown
                for l in 0..<8 { modulationWhole[l] = iz[24 + l]; modulationCoefficient[l] = fz[l] }
                for l in 0..<8 {
                    allpass[l] = a[l]
                    abs3[l * 3 + 2] = st[l]
                }
            }
        }
        dryValue = dry
        wetValue = wet
        for l in 0..<8 where abs(abs3[l * 3 + 2]) < 1e-25 { abs3[l * 3 + 2] = 0 }
        for l in 0..<8 where abs(allpass[l]) < 1e-25 { allpass[l] = 0 }
        writeIndex = w
        preDelayIndex = pw
        return written
    }
}
