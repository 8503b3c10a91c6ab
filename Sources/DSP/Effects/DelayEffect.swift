import Foundation

// Design note: one circular delay line per channel (length = maximum delay + one block), read at a whole
// number of frames behind the write head so that echoes land exactly on the frame (1/8 at 124 BPM at 44.1 kHz
// = 10 669 frames). The feedback path runs through a one-pole low-pass (`dampingHz`), so each repeat is darker,
// like tape. Ping-pong mode feeds the mono sum of the input into the left line and cross-couples the lines,
// so repeats alternate left, right, left... A change of delay time crossfades from the old read head to the
// new one over 20 ms (no pitch warble, no click). Feedback, wet and dry levels ramp over 20 ms.
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
    private var lines = SampleStorage(count: 0)
    private var dampState = SampleStorage(count: 0)
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
    public init(time: DelayTime, style: DelayStyle = .stereo, feedback: Float = 0.45, dampingHz: Double? = 6000,
                wetLevel: Float = 0.35, dryLevel: Float = 1, maximumDelaySeconds: Double = 4) {
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
            throw EffectError.parameterOutOfRange(effect: "delay", parameter: "time",
                                                  value: time.seconds, range: 1e-3...maximumDelaySeconds)
        }
        lineLength = maximumFrames + spec.maximumBlockFrameCount + 1
        lines = SampleStorage(count: lineLength * channelCount)
        dampState = SampleStorage(count: channelCount)
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
        lines.clear()
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
        let n = block.frameCount
        let length = lineLength
        let base = lines.pointer
        let damp = dampCoefficient
        let pingPong = style == .pingPong && block.channelCount >= 2
        for i in 0..<n {
            let fb = feedbackValue.next(), wet = wetValue.next(), dry = dryValue.next()
            var fade: Float = 1
            if crossfadeLeft > 0 {
                fade = 1 - Float(crossfadeLeft) / Float(crossfadeFrames)
                crossfadeLeft -= 1
            }
            var read = writeIndex - delayFrames
            if read < 0 { read += length }
            var readOld = writeIndex - previousDelayFrames
            if readOld < 0 { readOld += length }
            if pingPong {
                let left = block.pointer(0), right = block.pointer(1)
                let lineL = base, lineR = base + length
                let yL = fade * lineL[read] + (1 - fade) * lineL[readOld]
                let yR = fade * lineR[read] + (1 - fade) * lineR[readOld]
                dampState[0] += damp * (yR - dampState[0])
                dampState[1] += damp * (yL - dampState[1])
                let xL = left[i], xR = right[i]
                lineL[writeIndex] = 0.5 * (xL + xR) + fb * dampState[0]
                lineR[writeIndex] = fb * dampState[1]
                left[i] = dry * xL + wet * yL
                right[i] = dry * xR + wet * yR
                for c in 2..<max(2, block.channelCount) {
                    processSelf(block.pointer(c), i, base + c * length, read, readOld, fade, fb, wet, dry, damp, c)
                }
            } else {
                for c in 0..<block.channelCount {
                    processSelf(block.pointer(c), i, base + c * length, read, readOld, fade, fb, wet, dry, damp, c)
                }
            }
            writeIndex += 1
            if writeIndex == length { writeIndex = 0 }
        }
        for c in 0..<channelCount where abs(dampState[c]) < 1e-25 { dampState[c] = 0 }
    }

    @inline(__always)
    private func processSelf(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ line: UnsafeMutablePointer<Float>,
                             _ read: Int, _ readOld: Int, _ fade: Float, _ fb: Float, _ wet: Float, _ dry: Float,
                             _ damp: Float, _ c: Int) {
        let y = fade * line[read] + (1 - fade) * line[readOld]
        let d = dampState[c] + damp * (y - dampState[c])
        dampState[c] = d
        let x = p[i]
        line[writeIndex] = x + fb * d
        p[i] = dry * x + wet * y
    }
}
