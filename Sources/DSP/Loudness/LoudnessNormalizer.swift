import Foundation

// Design note: normalises a finished mix to a loudness target under a true-peak ceiling. It measures the
// integrated loudness (LoudnessMeter), applies the gain that would reach the target, runs the TruePeakLimiter
// (latency compensated, so the output lines up with the input frame for frame), and measures again. Limiting
// removes loudness when it works hard, so the gain is corrected (secant steps on the measured loudness-vs-gain
// curve) and the pass repeated,
// up to `maximumPasses` times, until the result is within `aimToleranceLU` (0.1 LU, inside the ±0.3 LU promise).
// Cost: (1 + 2 × passes) reads of the mix by meters and limiter; a 3-minute stereo mix takes well under a second.
// A pass runs as a two-stage pipeline over batches of 8 blocks: the limiter on one batch while the jobs of the
// second stage take the batch before, each on its own: the loudness meter with the caller's `emit`, each consumer
// the caller adds (`alongside`, e.g. the output file's encoder) and one true-peak meter per channel (unless the
// caller measures the result itself: `measuresPeaks`). Each job takes its batches in order, so the figures and the
// output are those of one loop; the second stage's jobs share the cores the limiter leaves.
// Streaming: the mix is a `RereadableProgramme` read once per pass (a buffer, or a spool file for a long render);
// a pass holds one block of 4096 frames, so memory does not depend on the length.

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
    /// Sample peak after, dBFS.
    public var outputSamplePeakDecibels: Double = Decibels.silenceFloorDecibels
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

    public init(
        targetLUFS: Double = -14, ceilingDecibels: Double = -1, maximumGainDecibels: Double = 30,
        maximumPasses: Int = 5
    ) {
        self.targetLUFS = targetLUFS
        self.ceilingDecibels = ceilingDecibels
        self.maximumGainDecibels = maximumGainDecibels
        self.maximumPasses = maximumPasses
    }

    /// Returns the normalised mix (same length, channels and rate) and a report. Silence is returned unchanged.
    /// - Throws: errors from preparing the limiter (none for valid buffers).
    public func normalize(_ mix: AudioBuffer) throws -> (AudioBuffer, LoudnessNormalizationReport) {
        var output = mix
        var written = 0
        let report = try normalize(
            BufferProgramme(buffer: mix), beginPass: { _ in written = 0 },
            emit: { block in
                output.replaceFrames(at: written, with: block)
                written += block.frameCount
            })
        return (report.passes > 0 ? output : mix, report)
    }

    /// Normalises a programme read from the start once per pass, in bounded memory: the streaming form of
    /// `normalize(_:)`, with the same passes and the same output sample for sample.
    ///
    /// Each pass calls `beginPass(pass)` (1, 2, ...), then hands the pass's output to `emit` block by block in order
    /// (blocks of at most `blockFrameCount` frames, `programme.frameCount` frames in all); the last pass's output is
    /// the result. Silence runs no pass (`passes == 0`): the programme itself is the result.
    /// - Parameters:
    ///   - inputIntegratedLUFS: the programme's loudness when already measured (saves one read), else nil.
    ///   - measuresPeaks: measure the true and sample peak of each pass's output (true by default), a channel per
    ///     job of the pass's pipeline (the figures of one `TruePeakMeter` over all the channels). When false the
    ///     passes skip that work and the report's peaks after a pass are the silence floor: the caller measures the
    ///     result itself.
    ///   - alongside: more consumers of each pass's output, each handed the same blocks as `emit`, in order, as a
    ///     job of its own beside the loudness meter and `emit` (e.g. an encoder writing the output format).
    /// - Throws: what `programme`, `emit` or a consumer `alongside` throw; errors from preparing the limiter.
    public func normalize(
        _ programme: some RereadableProgramme, inputIntegratedLUFS: Double? = nil, measuresPeaks: Bool = true,
        beginPass: (Int) throws -> Void, emit: (AudioBuffer) throws -> Void,
        alongside: [(AudioBuffer) throws -> Void] = []
    ) throws -> LoudnessNormalizationReport {
        let meter = LoudnessMeter(sampleRate: programme.sampleRate, channelCount: programme.channelCount)
        let input: Double
        if let inputIntegratedLUFS {
            input = inputIntegratedLUFS
        } else {
            try programme.forEachBlock { meter.append($0) }
            input = meter.integratedLUFS
        }
        guard input.isFinite else {
            let peaks = TruePeakMeter(
                channelCount: programme.channelCount, maximumBlockFrameCount: Self.blockFrameCount)
            try programme.forEachBlock { peaks.append($0) }
            peaks.finish()
            return LoudnessNormalizationReport(
                inputIntegratedLUFS: Decibels.silenceFloorDecibels,
                outputIntegratedLUFS: Decibels.silenceFloorDecibels,
                outputTruePeakDecibels: peaks.truePeakDecibels, appliedGainDecibels: 0, passes: 0,
                outputSamplePeakDecibels: peaks.samplePeakDecibels)
        }
        var gain = min(targetLUFS - input, maximumGainDecibels)
        var output = input
        var passes = 0
        // One single-channel meter per channel, each fed by a job of its own.
        var peaks: [TruePeakMeter] = []
        var previous: (gain: Double, output: Double)?
        while passes < maximumPasses {
            passes += 1
            try beginPass(passes)
            meter.reset()
            peaks =
                measuresPeaks
                ? (0..<programme.channelCount).map { _ in
                    TruePeakMeter(channelCount: 1, maximumBlockFrameCount: Self.blockFrameCount)
                } : []
            try measuredPass(
                programme, gainDecibels: gain, meter: meter, peaks: peaks, emit: emit, alongside: alongside)
            for meter in peaks { meter.finish() }
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
        let truePeak = peaks.map { $0.truePeaks[0] }.max()
        let samplePeak = peaks.map { $0.samplePeaks[0] }.max()
        return LoudnessNormalizationReport(
            inputIntegratedLUFS: input, outputIntegratedLUFS: output,
            outputTruePeakDecibels: truePeak.map { Decibels.decibels(Double($0)) } ?? Decibels.silenceFloorDecibels,
            appliedGainDecibels: gain,
            passes: passes, outputLoudnessRangeLU: meter.loudnessRangeLU,
            outputShortTermLUFS: meter.shortTermSeries(hopSteps: 10),
            outputSamplePeakDecibels: samplePeak.map { Decibels.decibels(Double($0)) }
                ?? Decibels.silenceFloorDecibels)
    }

    /// Frames the limiter processes at a time (and the most `emit` receives at once).
    public static let blockFrameCount = 4096

    /// `mix` × gain through a TruePeakLimiter, with the limiter's latency removed.
    public func limited(_ mix: AudioBuffer, gainDecibels: Double) throws -> AudioBuffer {
        var output = AudioBuffer(channelCount: mix.channelCount, frameCount: mix.frameCount, sampleRate: mix.sampleRate)
        var written = 0
        try limitPass(BufferProgramme(buffer: mix), gainDecibels: gainDecibels) { block in
            output.replaceFrames(at: written, with: block)
            written += block.frameCount
        }
        return output
    }

    /// One pass: the programme × gain through a fresh TruePeakLimiter in blocks of `blockFrameCount` frames from the
    /// start, followed by the limiter's latency in silence; `emit` receives the output with the latency removed
    /// (exactly `programme.frameCount` frames, lined up with the input).
    private func limitPass(
        _ programme: some RereadableProgramme, gainDecibels: Double,
        emit: (AudioBuffer) throws -> Void
    ) throws {
        let run = try LimiterRun(
            ceilingDecibels: ceilingDecibels, gainDecibels: gainDecibels, channelCount: programme.channelCount,
            sampleRate: programme.sampleRate, blockFrameCount: Self.blockFrameCount)
        try programme.forEachBlock { try run.feed($0, emit: emit) }
        try run.finish(emit: emit)
    }

    /// Frames of the programme a pass hands from its first job to its second at a time (8 limiter blocks).
    static let batchFrameCount = 8 * blockFrameCount

    /// One measured pass: `limitPass`'s output, measured by `meter` (loudness) and `peaks` (true and sample peak,
    /// one single-channel meter per channel, when given), handed to `emit` and to each consumer `alongside`, on
    /// the cores there are. The programme is read in batches of about `batchFrameCount` frames; while one job runs
    /// the limiter over batch k, the others take batch k − 1's output: one measures the loudness and hands it to
    /// `emit`, one per consumer alongside hands it on, one per channel measures its peaks. Each job takes its
    /// batches, and each meter its blocks, in order, so the output and every figure are those of a plain loop, bit
    /// for bit; `emit` and each consumer are called in order, one call at a time, with blocks of at most
    /// `blockFrameCount` frames.
    private func measuredPass(
        _ programme: some RereadableProgramme, gainDecibels: Double, meter: LoudnessMeter, peaks: [TruePeakMeter],
        emit: (AudioBuffer) throws -> Void, alongside: [(AudioBuffer) throws -> Void]
    ) throws {
        let run = try LimiterRun(
            ceilingDecibels: ceilingDecibels, gainDecibels: gainDecibels, channelCount: programme.channelCount,
            sampleRate: programme.sampleRate, blockFrameCount: Self.blockFrameCount)
        try withoutActuallyEscaping(emit) { emit in
            let pipeline = PassPipeline(run: run, meter: meter, peaks: peaks, emit: emit, alongside: alongside)
            var batched = 0
            try programme.forEachBlock { block in
                pipeline.input.append(block)
                batched += block.frameCount
                if batched >= Self.batchFrameCount {
                    try pipeline.step(finishing: false)
                    batched = 0
                }
            }
            try pipeline.step(finishing: true)
            try pipeline.step(finishing: false) // the last batch's output through the second job
        }
    }
}

/// A pass's limiter from block to block: the programme × gain through a fresh TruePeakLimiter in blocks of
/// `blockFrameCount` frames, then the limiter's latency in silence (`finish`), its output handed on with the
/// latency removed.
private final class LimiterRun {
    private let limiter: TruePeakLimiter
    private let gain: Float
    private let channelCount: Int
    private let blockFrameCount: Int
    private var work: AudioBuffer
    private var fill = 0
    /// Output frames still to drop (the limiter's latency).
    private var skip: Int

    init(
        ceilingDecibels: Double, gainDecibels: Double, channelCount: Int, sampleRate: Double, blockFrameCount: Int
    ) throws {
        limiter = TruePeakLimiter(ceilingDecibels: ceilingDecibels)
        try limiter.prepare(
            ProcessSpec(sampleRate: sampleRate, maximumBlockFrameCount: blockFrameCount, channelCount: channelCount))
        gain = Float(Decibels.gain(gainDecibels))
        self.channelCount = channelCount
        self.blockFrameCount = blockFrameCount
        work = AudioBuffer(channelCount: channelCount, frameCount: blockFrameCount, sampleRate: sampleRate)
        skip = limiter.latencyFrameCount
    }

    /// Feeds a block of the programme (any length); `emit` receives every output block completed.
    func feed(_ block: AudioBuffer, emit: (AudioBuffer) throws -> Void) rethrows {
        precondition(
            block.channelCount == channelCount, "LoudnessNormalizer: block channel count differs from the programme's")
        var start = 0
        while start < block.frameCount {
            let n = min(blockFrameCount - fill, block.frameCount - start)
            work.replaceFrames(at: fill, with: block, sourceFrames: start..<(start + n))
            fill += n
            start += n
            if fill == blockFrameCount { try run(emit: emit) }
        }
    }

    /// Feeds the limiter's latency in silence and hands on the rest of the output.
    func finish(emit: (AudioBuffer) throws -> Void) rethrows {
        var silence = limiter.latencyFrameCount
        while silence > 0 {
            let n = min(blockFrameCount - fill, silence)
            work.clearFrames(fill..<(fill + n))
            fill += n
            silence -= n
            if fill == blockFrameCount { try run(emit: emit) }
        }
        if fill > 0 { try run(emit: emit) }
    }

    private func run(emit: (AudioBuffer) throws -> Void) rethrows {
        let g = gain, channels = channelCount
        work.withMutableBlock(frames: 0..<fill) { block in
            for c in 0..<channels { block.withMutableSamples(ofChannel: c) { VectorOps.scale(&$0, by: g) } }
            limiter.process(block)
        }
        let dropped = min(skip, fill)
        skip -= dropped
        if fill > dropped {
            try emit(dropped == 0 && fill == blockFrameCount ? work : work.slice(frames: dropped..<fill))
        }
        fill = 0
    }
}

/// A programme that can be read from the start any number of times, block by block (a buffer, a spool file).
public protocol RereadableProgramme {
    var channelCount: Int { get }
    var sampleRate: Double { get }
    /// Frames in the programme.
    var frameCount: Int { get }
    /// Calls `body` with the programme's blocks in order, from the start (blocks of any size).
    func forEachBlock(_ body: (AudioBuffer) throws -> Void) throws
}

/// A whole buffer as a programme (one block).
public struct BufferProgramme: RereadableProgramme {
    public let buffer: AudioBuffer
    public init(buffer: AudioBuffer) { self.buffer = buffer }
    public var channelCount: Int { buffer.channelCount }
    public var sampleRate: Double { buffer.sampleRate }
    public var frameCount: Int { buffer.frameCount }
    public func forEachBlock(_ body: (AudioBuffer) throws -> Void) throws { try body(buffer) }
}

/// The jobs of a measured pass (`LoudnessNormalizer.measuredPass`) and the batches between them. Job 0 owns the
/// limiter run, `input` and `output`; every other job only reads `pending` (the previous step's output) and owns
/// its own consumer: job 1 the loudness meter and `emit`, then one job per consumer alongside, then one per peak
/// meter. `concurrentPerform` returns after all the jobs of a step, and the batches change hands between steps.
private final class PassPipeline: @unchecked Sendable {
    let run: LimiterRun
    let meter: LoudnessMeter
    let peaks: [TruePeakMeter]
    let emit: (AudioBuffer) throws -> Void
    let alongside: [(AudioBuffer) throws -> Void]
    /// The programme's blocks for job 0's next step.
    var input: [AudioBuffer] = []
    /// Job 0's output of the current step, the other jobs' `pending` in the next.
    private var output: [AudioBuffer] = []
    private var pending: [AudioBuffer] = []
    /// The first error of each consumer (`emit`, then each consumer alongside), each written by its own job only;
    /// a consumer that failed takes no more blocks.
    private let errors: [ErrorSlot]

    private final class ErrorSlot: @unchecked Sendable {
        var error: (any Error)?
    }

    init(
        run: LimiterRun, meter: LoudnessMeter, peaks: [TruePeakMeter], emit: @escaping (AudioBuffer) throws -> Void,
        alongside: [(AudioBuffer) throws -> Void]
    ) {
        self.run = run
        self.meter = meter
        self.peaks = peaks
        self.emit = emit
        self.alongside = alongside
        errors = (0...alongside.count).map { _ in ErrorSlot() }
    }

    /// Job 0 limits `input` (then, when `finishing`, the limiter's latency) while the other jobs measure and hand
    /// on the previous step's output.
    func step(finishing: Bool) throws {
        pending = output
        output = []
        let consumers = 1 + alongside.count
        DispatchQueue.concurrentPerform(iterations: 1 + consumers + peaks.count) { job in
            if job == 0 {
                self.limitInput(finishing: finishing)
            } else if job <= consumers {
                self.hand(to: job - 1)
            } else {
                let c = job - 1 - consumers
                for block in self.pending { self.peaks[c].append(channel: c, of: block) }
            }
        }
        input = []
        pending = []
        if let error = errors.lazy.compactMap(\.error).first { throw error }
    }

    private func limitInput(finishing: Bool) {
        let keep: (AudioBuffer) -> Void = { block in self.output.append(block) }
        for block in input { run.feed(block, emit: keep) }
        if finishing { run.finish(emit: keep) }
    }

    /// Consumer 0: the loudness meter and `emit`; consumer k > 0: `alongside[k - 1]`.
    private func hand(to consumer: Int) {
        let slot = errors[consumer]
        guard slot.error == nil else { return }
        do {
            for block in pending {
                if consumer == 0 {
                    meter.append(block)
                    try emit(block)
                } else {
                    try alongside[consumer - 1](block)
                }
            }
        } catch {
            slot.error = error
        }
    }
}
