import Foundation

// Design note: a lookahead brick-wall limiter on true peak. For every input frame the 4x interpolator of the
// TruePeakMeter (same filter) gives the largest inter-sample magnitude around that frame, across all channels
// (stereo-linked), and so the gain r that would bring it to the ceiling. A sliding minimum over the next
// L + 1 frames (L = lookahead, monotonic deque, O(1) amortised), an exponential release towards 1, and a
// moving average over L frames make the applied gain: the average of L values that are each at most the
// gain a peak needs is itself at most that gain, so every peak is met exactly with a gain curve that has no
// corners (attack is a straight line over L frames, which cannot click). The gain is applied to the audio
// delayed by T/2 + L - 1 frames (T/2 = the interpolator's own delay), which is the reported latency.
// The internal ceiling sits `safetyMarginDecibels` below the set one because the output's own interpolated
// peaks see the gain vary over the filter's support (measured worst case on dense material: < 0.05 dB).
// Memory: channels × (latency + block) floats plus the deque; no allocation in `process`.

/// A stereo-linked lookahead limiter that keeps the 4x-oversampled true peak at or below a ceiling.
public final class TruePeakLimiter: AudioProcessor {
    /// Ceiling in dBTP, -20...0 (default -1).
    public var ceilingDecibels: Double { didSet { updateCeiling() } }
    /// Release time constant in seconds, 0.001...2 (default 0.08).
    public var releaseSeconds: Double { didSet { updateRelease() } }
    /// Lookahead (and attack) time in seconds, 0.0005...0.02 (default 0.003). Fixed at `prepare`.
    public let lookaheadSeconds: Double
    /// Margin kept under the ceiling for the interpolation of the gain-varied output, dB.
    public static let safetyMarginDecibels = 0.1

    private var sampleRate = 44100.0
    private var channelCount = 0
    private var maximumFrames = 0
    private var lookahead = 1
    private var oversampler: PolyphaseOversampler?
    /// Per frame of the block: the largest interpolated magnitude over the channels, then the gain to apply.
    private var peaks = SampleBuffer(count: 0)
    private var audioDelay = SampleBuffer(count: 0)
    private var delayLength = 1
    private var delayIndex = 0
    private var dequeValues = SampleBuffer(count: 0)
    private var dequeIndices: [Int] = [0]
    private var dequeCapacity = 1
    private var boxLine = SampleBuffer(count: 0)
    /// The deque's head and count, the frame counter, the moving average's index and sum, the released gain.
    private var gainState = GainState(head: 0, count: 0, counter: 0, box: 0, sum: 0, held: 1)
    private var ceilingLinear: Float = 1
    private var releaseCoefficient: Float = 0
    /// Smallest gain applied in the last block (linear), for metering.
    public private(set) var minimumGain: Float = 1

    public init(ceilingDecibels: Double = -1, releaseSeconds: Double = 0.08, lookaheadSeconds: Double = 0.003) {
        self.ceilingDecibels = ceilingDecibels
        self.releaseSeconds = releaseSeconds
        self.lookaheadSeconds = lookaheadSeconds
    }

    private func updateCeiling() {
        ceilingLinear = Float(Decibels.gain(min(max(ceilingDecibels, -20), 0) - Self.safetyMarginDecibels))
    }

    private func updateRelease() {
        releaseCoefficient = Float(exp(-1 / (min(max(releaseSeconds, 0.001), 2) * sampleRate)))
    }

    /// T/2 + L - 1 frames.
    public var latencyFrameCount: Int { TruePeakMeter.halfOrder / 2 + lookahead - 1 }

    public func prepare(_ spec: ProcessSpec) throws {
        sampleRate = spec.sampleRate
        channelCount = spec.channelCount
        maximumFrames = spec.maximumBlockFrameCount
        lookahead = max(2, Int((min(max(lookaheadSeconds, 0.0005), 0.02) * sampleRate).rounded()))
        oversampler = PolyphaseOversampler(
            halfOrderFrames: TruePeakMeter.halfOrder, cutoff: 0.125,
            channelCount: channelCount, maximumFrameCount: maximumFrames)
        peaks = SampleBuffer(count: maximumFrames)
        delayLength = latencyFrameCount
        audioDelay = SampleBuffer(count: channelCount * delayLength)
        dequeCapacity = lookahead + 2
        dequeValues = SampleBuffer(count: dequeCapacity)
        dequeIndices = [Int](repeating: 0, count: dequeCapacity)
        boxLine = SampleBuffer(count: lookahead)
        updateCeiling()
        updateRelease()
        reset()
    }

    public func reset() {
        oversampler?.reset()
        audioDelay.clear()
        delayIndex = 0
        for i in 0..<lookahead { boxLine[i] = 1 }
        gainState = GainState(head: 0, count: 0, counter: 0, box: 0, sum: Double(lookahead), held: 1)
        minimumGain = 1
    }

    /// The gain loop's state carried from block to block.
    private struct GainState {
        var head: Int, count: Int, counter: Int, box: Int
        var sum: Double
        var held: Float
    }

    /// The gain loop's constants for a block.
    private struct GainSettings {
        let window: Int, capacity: Int, length: Int
        let ceiling: Float
        let releaseCoefficient: Float
    }

    /// Turns the per-frame peaks in `gains` into the gains to apply (in place): sliding minimum of the needed
    /// gains, release, moving average. A function of its own, with its state in locals, so that the loop keeps it
    /// in registers (inline, inside the span closures, the limiter took about 10 % longer: effects.limiter case).
    /// - Returns: the smallest gain of the block.
    @inline(never)
    private static func computeGains(
        _ gains: inout MutableSpan<Float>, frameCount n: Int, values: inout MutableSpan<Float>, indices: inout [Int],
        boxValues: inout MutableSpan<Float>, settings: GainSettings, state: inout GainState
    ) -> Float {
        let (window, capacity, length) = (settings.window, settings.capacity, settings.length)
        let ceiling = settings.ceiling, releaseK = settings.releaseCoefficient
        var head = state.head, count = state.count, counter = state.counter
        var box = state.box, sum = state.sum, held = state.held, lowest: Float = 1
        for i in 0..<n {
            // Gain this frame's neighbourhood needs.
            let need = gains[i] > ceiling ? ceiling / gains[i] : 1
            // Sliding minimum over the last `window` needs (monotonic deque of increasing values).
            while count > 0 {
                var last = head + count - 1
                if last >= capacity { last -= capacity }
                if values[last] >= need { count -= 1 } else { break }
            }
            var slot = head + count
            if slot >= capacity { slot -= capacity }
            values[slot] = need
            indices[slot] = counter
            count += 1
            if indices[head] <= counter - window {
                head += 1
                if head == capacity { head = 0 }
                count -= 1
            }
            let minimum = values[head]
            counter += 1
            // Release towards 1, never above the held minimum.
            held = min(minimum, held + (1 - held) * (1 - releaseK))
            // Moving average over the lookahead.
            sum += Double(held) - Double(boxValues[box])
            boxValues[box] = held
            box += 1
            if box == length { box = 0 }
            let gain = min(Float(sum / Double(length)), 1)
            lowest = min(lowest, gain)
            gains[i] = gain
        }
        state = GainState(head: head, count: count, counter: counter, box: box, sum: sum, held: held)
        return lowest
    }

    public func process(_ block: AudioBlock) {
        guard let oversampler else { preconditionFailure("TruePeakLimiter: process before prepare") }
        precondition(
            block.channelCount == channelCount && block.frameCount <= maximumFrames, "TruePeakLimiter: block mismatch")
        let n = block.frameCount
        let channels = channelCount
        peaks.withMutableSpan { peak in
            var framePeaks = peak.extracting(0..<n)
            VectorOps.fill(&framePeaks, with: 0)
            for c in 0..<channels {
                block.withSamples(ofChannel: c) { oversampler.upsamplePeaks($0, channel: c, into: &framePeaks) }
            }
        }
        var state = gainState
        // The deque's index table is moved out of the object for the block (no copy): a stored property would be
        // re-checked for exclusive access on every frame.
        var indices: [Int] = []
        swap(&indices, &dequeIndices)
        let settings = GainSettings(
            window: lookahead + 1, capacity: dequeCapacity, length: lookahead, ceiling: ceilingLinear,
            releaseCoefficient: releaseCoefficient)
        // First the gain of every frame (written over its peak), then the delayed audio times the gain, channel by
        // channel: the same values as applying both frame by frame.
        var lowest: Float = 1
        peaks.withMutableSpan { gains in
            dequeValues.withMutableSpan { values in
                boxLine.withMutableSpan { boxValues in
                    lowest = Self.computeGains(
                        &gains, frameCount: n, values: &values, indices: &indices, boxValues: &boxValues,
                        settings: settings, state: &state)
                }
            }
        }
        swap(&indices, &dequeIndices)
        gainState = state
        // Delay the audio and apply.
        let delayFrames = delayLength, delayStart = delayIndex
        peaks.withSpan { gains in
            audioDelay.withMutableSpan { lines in
                for c in 0..<channels {
                    let lineStart = c * delayFrames
                    var delayAt = delayStart
                    block.withMutableSamples(ofChannel: c) { p in
                        // In runs up to the end of the ring (no wrap test per frame, so each run vectorises); the
                        // runs go in order, so a slot is read before the frame that overwrites it, as frame by frame.
                        var i = 0
                        while i < n {
                            let run = min(n - i, delayFrames - delayAt)
                            let slot = lineStart + delayAt
                            for j in 0..<run {
                                let delayed = lines[slot + j]
                                lines[slot + j] = p[i + j]
                                p[i + j] = delayed * gains[i + j]
                            }
                            i += run
                            delayAt += run
                            if delayAt == delayFrames { delayAt = 0 }
                        }
                    }
                }
            }
        }
        delayIndex = (delayStart + n) % delayFrames
        // Re-sum the box occasionally against drift (cheap: L values).
        if gainState.counter & 0xFFFF < n {
            var s = 0.0
            for k in 0..<lookahead { s += Double(boxLine[k]) }
            gainState.sum = s
        }
        minimumGain = lowest
    }
}
