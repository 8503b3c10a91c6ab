import Foundation

// Design note: one circular delay line per channel (length = maximum delay + one block), read at a whole
// number of frames behind the write head so that echoes land exactly on the frame (1/8 at 124 BPM at 44.1 kHz
// = 10 669 frames). The feedback path runs through a one-pole low-pass (`dampingHz`), so each repeat is darker,
// like tape. Ping-pong mode feeds the mono sum of the input into the left line and cross-couples the lines,
// so repeats alternate left, right, left... A change of delay time crossfades from the old read head to the
// new one over 20 ms (no pitch warble, no click). Feedback, wet and dry levels ramp over 20 ms. Values written
// into the lines below 1e-30 are stored as 0, so a decaying tail ends in exact zeros, never in denormals.
// Latency: 0 (the dry path is immediate). Memory: channels × (maximum delay + block) floats.

/// Stereo routing of a delay.
public enum DelayStyle: String, Sendable, CaseIterable, Codable {
    /// Each channel echoes itself.
    case stereo
    /// Echoes alternate between left and right (needs two channels; other channels echo themselves).
    case pingPong
}

/// A tempo-syncable feedback delay with damping; plain stereo or ping-pong.
public final class DelayEffect: AudioProcessor {
    /// Delay time (note at a BPM, or milliseconds); up to `maximumDelaySeconds`. Changes crossfade over 20 ms.
    public var time: DelayTime { didSet { pendingDelayFrames = time.frameCount(sampleRate: sampleRate) } }
    /// Routing.
    public let style: DelayStyle
    /// Level of each repeat relative to the previous one, linear 0...0.98 (default 0.45 ≈ -6.9 dB); ramped.
    public var feedback: Float { didSet { feedbackValue.setTarget(min(max(feedback, 0), 0.98)) } }
    /// Cutoff of the one-pole low-pass in the feedback path, Hz; nil turns damping off (default 6 kHz).
    public var dampingHz: Double? { didSet { updateDamping() } }
    /// Linear gain of the echoes, 0...1 (default 0.35); ramped.
    public var wetLevel: Float { didSet { wetValue.setTarget(wetLevel) } }
    /// Linear gain of the dry signal, 0...1 (default 1); ramped.
    public var dryLevel: Float { didSet { dryValue.setTarget(dryLevel) } }
    /// Longest delay time the lines are sized for, in seconds.
    public let maximumDelaySeconds: Double

    private var sampleRate = 44100.0
    private var channelCount = 0
    private var lineLength = 1
    private var lines: [SampleBuffer] = [] // one line per channel
    private var dampState = SampleBuffer(count: 0)
    private var writeIndex = 0
    private var delayFrames = 1
    private var pendingDelayFrames = 1
    private var previousDelayFrames = 1
    private var crossfadeLeft = 0
    private var crossfadeFrames = 1
    private var dampCoefficient: Float = 1
    private var feedbackValue: SmoothedValue
    private var wetValue: SmoothedValue
    private var dryValue: SmoothedValue

    /// - Parameters:
    ///   - time: e.g. `.note(.dottedEighth, bpm: 124)` or `.milliseconds(300)`.
    ///   - style: `.stereo` or `.pingPong`.
    ///   - feedback: 0...0.98 linear.
    ///   - dampingHz: feedback low-pass cutoff, nil for none.
    ///   - wetLevel, dryLevel: linear gains.
    ///   - maximumDelaySeconds: line capacity (default 4 s).
    public init(
        time: DelayTime, style: DelayStyle = .stereo, feedback: Float = 0.45, dampingHz: Double? = 6000,
        wetLevel: Float = 0.35, dryLevel: Float = 1, maximumDelaySeconds: Double = 4
    ) {
        self.time = time
        self.style = style
        self.feedback = feedback
        self.dampingHz = dampingHz
        self.wetLevel = wetLevel
        self.dryLevel = dryLevel
        self.maximumDelaySeconds = maximumDelaySeconds
        feedbackValue = SmoothedValue(min(max(feedback, 0), 0.98))
        wetValue = SmoothedValue(wetLevel)
        dryValue = SmoothedValue(dryLevel)
    }

    /// The delay time in use, in frames.
    public var delayFrameCount: Int { delayFrames }

    private func updateDamping() {
        if let hz = dampingHz, hz < 0.45 * sampleRate {
            dampCoefficient = Float(1 - exp(-2 * Double.pi * max(hz, 20) / sampleRate))
        } else {
            dampCoefficient = 1
        }
    }

    /// - Throws: `EffectError.parameterOutOfRange` when the delay time exceeds `maximumDelaySeconds`.
    public func prepare(_ spec: ProcessSpec) throws {
        sampleRate = spec.sampleRate
        channelCount = spec.channelCount
        let maximumFrames = Int((maximumDelaySeconds * sampleRate).rounded(.up))
        guard time.seconds <= maximumDelaySeconds, time.seconds > 0 else {
            throw EffectError.parameterOutOfRange(
                effect: "delay", parameter: "time",
                value: time.seconds, range: 1e-3...maximumDelaySeconds)
        }
        lineLength = maximumFrames + spec.maximumBlockFrameCount + 1
        lines = (0..<channelCount).map { _ in SampleBuffer(count: lineLength) }
        dampState = SampleBuffer(count: channelCount)
        delayFrames = time.frameCount(sampleRate: sampleRate)
        pendingDelayFrames = delayFrames
        previousDelayFrames = delayFrames
        crossfadeFrames = max(1, Int(0.02 * sampleRate))
        crossfadeLeft = 0
        writeIndex = 0
        updateDamping()
        for v in [\DelayEffect.feedbackValue, \.wetValue, \.dryValue] {
            self[keyPath: v].prepare(sampleRate: sampleRate, rampSeconds: 0.02)
        }
    }

    public func reset() {
        for line in lines { line.clear() }
        dampState.clear()
        writeIndex = 0
        crossfadeLeft = 0
        delayFrames = min(pendingDelayFrames, lineLength - 1)
        previousDelayFrames = delayFrames
        feedbackValue.reset(to: feedbackValue.target)
        wetValue.reset(to: wetValue.target)
        dryValue.reset(to: dryValue.target)
    }

    public func process(_ block: AudioBlock) {
        precondition(block.channelCount <= channelCount, "DelayEffect: more channels than prepared")
        let clampedPending = min(max(pendingDelayFrames, 1), lineLength - 1)
        if clampedPending != delayFrames {
            previousDelayFrames = delayFrames
            delayFrames = clampedPending
            crossfadeLeft = crossfadeFrames
        }
        let pingPong = style == .pingPong && block.channelCount >= 2
        // Every channel starts from the same ramp states; the last one's end states are kept.
        let start = (feedbackValue, wetValue, dryValue, crossfadeLeft)
        var end = start
        if pingPong {
            end = block.withMutableSamples(ofChannels: 0, 1) { left, right in
                lines[0].withMutableSpan { lineL in
                    lines[1].withMutableSpan { lineR in processPingPong(&left, &right, &lineL, &lineR, start) }
                }
            }
        }
        for c in (pingPong ? 2 : 0)..<block.channelCount {
            end = block.withMutableSamples(ofChannel: c) { p in
                lines[c].withMutableSpan { processChannel(&p, c, &$0, start) }
            }
        }
        (feedbackValue, wetValue, dryValue, crossfadeLeft) = end
        writeIndex = (writeIndex + block.frameCount) % lineLength
        for c in 0..<channelCount where abs(dampState[c]) < 1e-25 { dampState[c] = 0 }
    }

    private typealias RampState = (SmoothedValue, SmoothedValue, SmoothedValue, Int)

    /// One channel echoing itself.
    // Not inlined on purpose: as a function of its own, its `inout` spans are known not to alias (exclusivity),
    // so the optimizer keeps their bases in registers; inlined into the span closures it reloads them after
    // every store (measured on the `effects.` benchmarks).
    @inline(never)
    private func processChannel(
        _ p: inout MutableSpan<Float>, _ c: Int, _ line: inout MutableSpan<Float>, _ ramps: RampState
    ) -> RampState {
        var (fbValue, wetV, dryV, fadeLeft) = ramps
        let n = p.count
        let length = lineLength
        let damp = dampCoefficient
        let fadeFrames = Float(crossfadeFrames)
        var d = dampState[c]
        var write = writeIndex
        var read = write - delayFrames
        if read < 0 { read += length }
        var readOld = write - previousDelayFrames
        if readOld < 0 { readOld += length }
        for i in 0..<n {
            let fb = fbValue.next(), wet = wetV.next(), dry = dryV.next()
            var y = line[read]
            if fadeLeft > 0 {
                let fade = 1 - Float(fadeLeft) / fadeFrames
                y = fade * y + (1 - fade) * line[readOld]
                fadeLeft -= 1
            }
            d += damp * (y - d)
            let x = p[i]
            let v = x + fb * d
            line[write] = abs(v) < 1e-30 ? 0 : v // a dying tail snaps to zero instead of running on denormals
            p[i] = dry * x + wet * y
            write += 1; if write == length { write = 0 }
            read += 1; if read == length { read = 0 }
            readOld += 1; if readOld == length { readOld = 0 }
        }
        dampState[c] = d
        return (fbValue, wetV, dryV, fadeLeft)
    }

    /// Left and right cross-coupled: the mono input enters the left line, each line feeds the other.
    // Not inlined on purpose: as a function of its own, its `inout` spans are known not to alias (exclusivity),
    // so the optimizer keeps their bases in registers; inlined into the span closures it reloads them after
    // every store (measured on the `effects.` benchmarks).
    @inline(never)
    private func processPingPong(
        _ left: inout MutableSpan<Float>, _ right: inout MutableSpan<Float>, _ lineL: inout MutableSpan<Float>,
        _ lineR: inout MutableSpan<Float>,
        _ ramps: RampState
    ) -> RampState {
        var (fbValue, wetV, dryV, fadeLeft) = ramps
        let n = left.count
        let length = lineLength
        let damp = dampCoefficient
        let fadeFrames = Float(crossfadeFrames)
        // The two damping states as one SIMD pair: the same lane-wise arithmetic, kept in one register.
        var damped = SIMD2<Float>(dampState[0], dampState[1])
        var write = writeIndex
        var read = write - delayFrames
        if read < 0 { read += length }
        var readOld = write - previousDelayFrames
        if readOld < 0 { readOld += length }
        for i in 0..<n {
            let fb = fbValue.next(), wet = wetV.next(), dry = dryV.next()
            var yL = lineL[read], yR = lineR[read]
            if fadeLeft > 0 {
                let fade = 1 - Float(fadeLeft) / fadeFrames
                yL = fade * yL + (1 - fade) * lineL[readOld]
                yR = fade * yR + (1 - fade) * lineR[readOld]
                fadeLeft -= 1
            }
            damped += damp * (SIMD2(yR, yL) - damped)
            let dL = damped.x, dR = damped.y
            let xL = left[i], xR = right[i]
            let vL = 0.5 * (xL + xR) + fb * dL, vR = fb * dR
            lineL[write] = abs(vL) < 1e-30 ? 0 : vL
            lineR[write] = abs(vR) < 1e-30 ? 0 : vR
            left[i] = dry * xL + wet * yL
            right[i] = dry * xR + wet * yR
            write += 1; if write == length { write = 0 }
            read += 1; if read == length { read = 0 }
            readOld += 1; if readOld == length { readOld = 0 }
        }
        dampState[0] = damped.x
        dampState[1] = damped.y
        return (fbValue, wetV, dryV, fadeLeft)
    }
}
