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
// - Output: left and right take orthogonal sign patterns of the line outputs, so the tails are decorrelated.
// - Silence: once the input is silent and everything written into the network stays below 1e-8 (-160 dBFS)
//   for longer than the longest path, every state is set to exactly zero and processing is skipped until
//   the input is non-zero again, so silent tails cost nothing and never run on denormals.
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
    private var lines = SampleStorage(count: 0)
    private var writeIndex = 0
    private var absorption = SampleStorage(count: 0)   // per line: b (gain × (1 - p)), p, state
    private var lfo = SampleStorage(count: 0)          // per line: cos, sin, cos(step), sin(step)
    private var interpolatorState = SampleStorage(count: 0) // per line: previous allpass output
    private var modulationDepthFrames: Float = 0
    private var preDelayLine = SampleStorage(count: 0)
    private var preDelayMask = 0
    private var preDelayIndex = 0
    private var preDelayFrames = 0
    private var diffusers = SampleStorage(count: 0)
    private var diffuserLengths = [Int](repeating: 1, count: 8)
    private var diffuserOffsets = [Int](repeating: 0, count: 8)
    private var diffuserIndices = [Int](repeating: 0, count: 8)
    private var needsGains = true
    private var quietFrames = 0
    private var quietLimit = 0
    private var asleep = true
    private var wetValue: SmoothedValue
    private var dryValue: SmoothedValue

    /// - Parameters: see the properties for units, ranges and defaults.
    public init(decaySeconds: Double = 2, preDelaySeconds: Double = 0.02, damping: Double = 0.4, size: Double = 1,
                wetLevel: Float = 0.3, dryLevel: Float = 1) {
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
        let maximumLine = Int((Self.baseLineMilliseconds.last! * 2 / 1000 * sampleRate).rounded(.up))
            + Int(Self.modulationDepthSeconds * sampleRate) + 4
        var size = 1
        while size < maximumLine { size <<= 1 }
        lineMask = size - 1
        lines = SampleStorage(count: size * Self.lineCount)
        absorption = SampleStorage(count: Self.lineCount * 3)
        lfo = SampleStorage(count: Self.lineCount * 4)
        interpolatorState = SampleStorage(count: Self.lineCount)
        var preSize = 1
        while preSize < Int(Self.maximumPreDelaySeconds * sampleRate) + 2 { preSize <<= 1 }
        preDelayMask = preSize - 1
        preDelayLine = SampleStorage(count: preSize * 2)
        var offset = 0
        for side in 0..<2 {
            for k in 0..<4 {
                let length = max(1, Int((Self.diffuserMilliseconds[side][k] / 1000 * sampleRate).rounded()))
                diffuserLengths[side * 4 + k] = length
                diffuserOffsets[side * 4 + k] = offset
                offset += length
            }
        }
        diffusers = SampleStorage(count: offset)
        wetValue.prepare(sampleRate: sampleRate, rampSeconds: 0.02)
        dryValue.prepare(sampleRate: sampleRate, rampSeconds: 0.02)
        reset()
    }

    public func reset() {
        let scale = min(max(size, 0.3), 2)
        for i in 0..<Self.lineCount {
            lineLengths[i] = Self.nearestPrime(Int((Self.baseLineMilliseconds[i] / 1000 * sampleRate * scale).rounded()))
        }
        modulationDepthFrames = Float(Self.modulationDepthSeconds * sampleRate)
        for i in 0..<Self.lineCount {
            let w = 2 * Double.pi * Self.modulationHz[i] / sampleRate
            let phase = 2 * Double.pi * Double(i) / Double(Self.lineCount)
            lfo[i * 4] = Float(cos(phase)); lfo[i * 4 + 1] = Float(sin(phase))
            lfo[i * 4 + 2] = Float(cos(w)); lfo[i * 4 + 3] = Float(sin(w))
        }
        quietLimit = lineLengths.max()! + Int(Self.maximumPreDelaySeconds * sampleRate) + diffuserLengths.reduce(0, +) * 8
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
        for i in diffuserIndices.indices { diffuserIndices[i] = 0 }
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
            let length = Double(lineLengths[i])
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
        let left = block.pointer(0)
        let right = block.channelCount > 1 ? block.pointer(1) : block.pointer(0)
        var inputPeak: Float = 0
        for i in 0..<n { inputPeak = max(inputPeak, abs(left[i]), abs(right[i])) }
        if asleep && inputPeak == 0 {
            // Silent input into a silent network: the wet signal is exactly zero.
            for i in 0..<n {
                let dry = dryValue.next()
                _ = wetValue.next()
                left[i] *= dry
                if block.channelCount > 1 { right[i] *= dry }
            }
            return
        }
        asleep = false
        if needsGains { updateGains() }
        let writtenPeak = render(left, right, n, stereo: block.channelCount > 1)
        if inputPeak == 0 && writtenPeak < Self.quietThreshold {
            quietFrames += n
            if quietFrames > quietLimit { clearState() }
        } else {
            quietFrames = 0
        }
    }

    /// The per-frame loop; returns the largest magnitude written into the network.
    private func render(_ left: UnsafeMutablePointer<Float>, _ right: UnsafeMutablePointer<Float>, _ n: Int,
                        stereo: Bool) -> Float {
        let lineBase = lines.pointer
        let mask = lineMask
        let stride = mask + 1
        let pre = preDelayLine.pointer
        let preMask = preDelayMask
        let abs3 = absorption.pointer
        let osc = lfo.pointer
        let allpass = interpolatorState.pointer
        let depth = modulationDepthFrames
        let g = Self.diffuserGain
        let diff = diffusers.pointer
        let norm: Float = 1 / Float(8).squareRoot()
        let outScale: Float = 0.6
        var written: Float = 0
        var w = writeIndex
        var pw = preDelayIndex
        let preDelay = preDelayFrames
        var lengths = (Float(lineLengths[0]), Float(lineLengths[1]), Float(lineLengths[2]), Float(lineLengths[3]),
                       Float(lineLengths[4]), Float(lineLengths[5]), Float(lineLengths[6]), Float(lineLengths[7]))
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 24) { dz in
        // dz[0..<8]: diffuser offsets, dz[8..<16]: lengths, dz[16..<24]: indices.
        for k in 0..<8 { dz[k] = diffuserOffsets[k]; dz[8 + k] = diffuserLengths[k]; dz[16 + k] = diffuserIndices[k] }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { y in
        withUnsafeMutableBytes(of: &lengths) { lengthBytes in
            let len = lengthBytes.baseAddress!.assumingMemoryBound(to: Float.self)
            for i in 0..<n {
                let xL = left[i], xR = right[i]
                // Pre-delay.
                pre[pw] = xL
                pre[(preMask + 1) + pw] = xR
                let readPre = (pw &- preDelay) & preMask
                var dL = pre[readPre]
                var dR = pre[(preMask + 1) + readPre]
                pw = (pw + 1) & preMask
                // Input diffusion: four allpasses per side.
                for k in 0..<4 {
                    let bufL = diff + dz[k]
                    let idxL = dz[16 + k]
                    let delayedL = bufL[idxL]
                    let vL = dL + g * delayedL
                    bufL[idxL] = vL
                    dL = delayedL - g * vL
                    dz[16 + k] = idxL + 1 == dz[8 + k] ? 0 : idxL + 1
                    let bufR = diff + dz[4 + k]
                    let idxR = dz[20 + k]
                    let delayedR = bufR[idxR]
                    let vR = dR + g * delayedR
                    bufR[idxR] = vR
                    dR = delayedR - g * vR
                    dz[20 + k] = idxR + 1 == dz[12 + k] ? 0 : idxR + 1
                }
                // Late field: modulated reads, absorption.
                for l in 0..<8 {
                    let c = osc[l * 4], s = osc[l * 4 + 1]
                    let cw = osc[l * 4 + 2], sw = osc[l * 4 + 3]
                    osc[l * 4] = c * cw - s * sw
                    osc[l * 4 + 1] = s * cw + c * sw
                    // Delay d = whole + fraction with fraction in 0.1 ..< 1.1.
                    let delay = len[l] - depth * (1 + s) - 0.1
                    let whole = Int(delay)
                    let fraction = delay - Float(whole) + 0.1
                    let eta = (1 - fraction) / (1 + fraction)
                    let line = lineBase + l * stride
                    let newer = line[(w &- whole) & mask], older = line[(w &- whole &- 1) & mask]
                    let raw = eta * newer + older - eta * allpass[l]
                    allpass[l] = raw
                    let state = abs3[l * 3] * raw + abs3[l * 3 + 1] * abs3[l * 3 + 2]
                    abs3[l * 3 + 2] = state
                    y[l] = state
                }
                let outL = (y[0] - y[1] + y[2] - y[3] + y[4] - y[5] + y[6] - y[7]) * outScale * norm
                let outR = (y[0] + y[1] - y[2] - y[3] + y[4] + y[5] - y[6] - y[7]) * outScale * norm
                // Hadamard mix (fast Walsh-Hadamard, orthonormal).
                var h0 = y[0] + y[1], h1 = y[0] - y[1], h2 = y[2] + y[3], h3 = y[2] - y[3]
                var h4 = y[4] + y[5], h5 = y[4] - y[5], h6 = y[6] + y[7], h7 = y[6] - y[7]
                var t0 = h0 + h2, t1 = h1 + h3, t2 = h0 - h2, t3 = h1 - h3
                var t4 = h4 + h6, t5 = h5 + h7, t6 = h4 - h6, t7 = h5 - h7
                h0 = (t0 + t4) * norm; h4 = (t0 - t4) * norm
                h1 = (t1 + t5) * norm; h5 = (t1 - t5) * norm
                h2 = (t2 + t6) * norm; h6 = (t2 - t6) * norm
                h3 = (t3 + t7) * norm; h7 = (t3 - t7) * norm
                t0 = h0 + dL; t1 = h1 + dR; t2 = h2 - dL; t3 = h3 - dR
                t4 = h4 + dL; t5 = h5 - dR; t6 = h6 - dL; t7 = h7 + dR
                lineBase[w] = t0
                lineBase[stride + w] = t1
                lineBase[2 * stride + w] = t2
                lineBase[3 * stride + w] = t3
                lineBase[4 * stride + w] = t4
                lineBase[5 * stride + w] = t5
                lineBase[6 * stride + w] = t6
                lineBase[7 * stride + w] = t7
                written = max(written, abs(t0), abs(t1), abs(t2), abs(t3), abs(t4), abs(t5), abs(t6), abs(t7))
                w = (w + 1) & mask
                let dry = dryValue.next(), wet = wetValue.next()
                left[i] = dry * xL + wet * outL
                if stereo { right[i] = dry * xR + wet * outR }
            }
        }
        }
        for k in 0..<8 { diffuserIndices[k] = dz[16 + k] }
        }
        // Renormalise the oscillators (the rotation recurrence drifts slowly in Float).
        for l in 0..<8 {
            let c = osc[l * 4], s = osc[l * 4 + 1]
            let k = 1.5 - 0.5 * (c * c + s * s)
            osc[l * 4] = c * k
            osc[l * 4 + 1] = s * k
        }
        for l in 0..<8 where abs(abs3[l * 3 + 2]) < 1e-25 { abs3[l * 3 + 2] = 0 }
        for l in 0..<8 where abs(allpass[l]) < 1e-25 { allpass[l] = 0 }
        writeIndex = w
        preDelayIndex = pw
        return written
    }
}
