import Foundation

// Design note: normalises a finished mix to a loudness target under a true-peak ceiling. It measures the
// integrated loudness (LoudnessMeter), applies the gain that would reach the target, runs the TruePeakLimiter
// (latency compensated, so the output lines up with the input frame for frame), and measures again. Limiting
// removes loudness when it works hard, so the gain is corrected (secant steps on the measured loudness-vs-gain
// curve) and the pass repeated,
// up to `maximumPasses` times, until the result is within `aimToleranceLU` (0.1 LU, inside the ±0.3 LU promise).
// Cost: (1 + 2 × passes) reads of the mix by meters and limiter; a 3-minute stereo mix takes well under a second.

/// What a normalisation did.
public struct LoudnessNormalizationReport: Sendable, Equatable, Codable {
    /// Loudness before, LUFS.
    public var inputIntegratedLUFS: Double
    /// Loudness after, LUFS.
    public var outputIntegratedLUFS: Double
    /// True peak after, dBTP.
    public var outputTruePeakDecibels: Double
    /// Gain applied before the limiter in the last pass, dB.
    public var appliedGainDecibels: Double
    /// Limiter passes run.
    public var passes: Int
    /// Loudness range after, LU.
    public var outputLoudnessRangeLU: Double = 0
    /// Short-term loudness after, every second (`LoudnessMeter.shortTermSeries(hopSteps: 10)`), LUFS.
    public var outputShortTermLUFS: [Double] = []
}

/// Brings a finished mix to a target integrated loudness with a true-peak ceiling.
public struct LoudnessNormalizer: Sendable {
    /// Target integrated loudness in LUFS (default -14, the streaming norm).
    public var targetLUFS: Double
    /// True-peak ceiling in dBTP (default -1).
    public var ceilingDecibels: Double
    /// Largest gain the normaliser will add, dB (default 30), so near-silence is not blown up into noise.
    public var maximumGainDecibels: Double
    /// Passes before giving up on the tolerance.
    public var maximumPasses: Int
    /// The error the passes aim under, LU.
    public static let aimToleranceLU = 0.1

    public init(targetLUFS: Double = -14, ceilingDecibels: Double = -1, maximumGainDecibels: Double = 30,
                maximumPasses: Int = 5) {
        self.targetLUFS = targetLUFS
        self.ceilingDecibels = ceilingDecibels
        self.maximumGainDecibels = maximumGainDecibels
        self.maximumPasses = maximumPasses
    }

    /// Returns the normalised mix (same length, channels and rate) and a report. Silence is returned unchanged.
    /// - Throws: errors from preparing the limiter (none for valid buffers).
    public func normalize(_ mix: AudioBuffer) throws -> (AudioBuffer, LoudnessNormalizationReport) {
        let meter = LoudnessMeter(sampleRate: mix.sampleRate, channelCount: mix.channelCount)
        meter.append(mix)
        let input = meter.integratedLUFS
        guard input.isFinite else {
            let peak = TruePeakMeter.measure(mix).truePeakDecibels
            return (mix, LoudnessNormalizationReport(inputIntegratedLUFS: Decibels.silenceFloorDecibels,
                                                     outputIntegratedLUFS: Decibels.silenceFloorDecibels,
                                                     outputTruePeakDecibels: peak, appliedGainDecibels: 0, passes: 0))
        }
        var gain = min(targetLUFS - input, maximumGainDecibels)
        var best = mix
        var output = input
        var passes = 0
        var peak = -Double.infinity
        var previous: (gain: Double, output: Double)?
        while passes < maximumPasses {
            passes += 1
            best = try limited(mix, gainDecibels: gain)
            meter.reset()
            // The loudness and the true peak of the pass are independent reads of the same audio: both cores.
            let limitedMix = best
            let box = PassBox(meter: meter)
            DispatchQueue.concurrentPerform(iterations: 2) { job in
                if job == 0 { box.meter.append(limitedMix) } else { box.peak = TruePeakMeter.measure(limitedMix).truePeakDecibels }
            }
            peak = box.peak
            output = meter.integratedLUFS
            let error = targetLUFS - output
            if abs(error) <= Self.aimToleranceLU || gain >= maximumGainDecibels { break }
            // Secant step on output(gain): under heavy limiting 1 dB more gain buys less than 1 LU, and the slope
            // measured between the last two passes says how much less. Plain +error steps when no slope is known.
            var step = error
            if let previous, abs(output - previous.output) > 1e-6 {
                let slope = (output - previous.output) / (gain - previous.gain)
                if slope > 0.05 { step = error / slope }
            }
            previous = (gain, output)
            gain = min(gain + step, maximumGainDecibels)
        }
        return (best, LoudnessNormalizationReport(inputIntegratedLUFS: input, outputIntegratedLUFS: output,
                                                  outputTruePeakDecibels: peak, appliedGainDecibels: gain, passes: passes,
                                                  outputLoudnessRangeLU: meter.loudnessRangeLU,
                                                  outputShortTermLUFS: meter.shortTermSeries(hopSteps: 10)))
    }

    /// `mix` × gain through a TruePeakLimiter, with the limiter's latency removed.
    public func limited(_ mix: AudioBuffer, gainDecibels: Double) throws -> AudioBuffer {
        let blockFrames = 4096
        let limiter = TruePeakLimiter(ceilingDecibels: ceilingDecibels)
        try limiter.prepare(ProcessSpec(sampleRate: mix.sampleRate, maximumBlockFrameCount: blockFrames,
                                        channelCount: mix.channelCount))
        let latency = limiter.latencyFrameCount
        var work = mix
        work.resize(frameCount: mix.frameCount + latency)
        let g = Float(Decibels.gain(gainDecibels))
        for c in 0..<work.channelCount { work.withMutableChannel(c) { VectorOps.scale($0, by: g) } }
        limiter.process(buffer: &work, blockFrameCount: blockFrames)
        return work.slice(frames: latency..<(latency + mix.frameCount))
    }
}

/// Hands the meter to one concurrent job and carries the true peak out of the other; each job touches only its
/// own field, and `concurrentPerform` returns after both.
private final class PassBox: @unchecked Sendable {
    let meter: LoudnessMeter
    var peak = -Double.infinity
    init(meter: LoudnessMeter) { self.meter = meter }
}
