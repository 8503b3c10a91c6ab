// Design: the analyser's input, gathered block by block so that a song is never held whole at its full rate.
// Each block (any channel count, the song's rate) is downmixed to mono (the mean of the channels, the same
// arithmetic as a whole-song downmix) and goes straight into the analysis rate reduction: the halving low-pass of
// `AnalysisDownsampler`, run as a stream (it keeps the 46 samples its 47 taps straddle; every output sample is
// summed exactly as the whole-signal filter sums it, so the result is bit-identical). Rates that are not halved
// (below about 43.7 kHz) keep their mono samples and are prepared at the end, as before. The stereo centre share
// of the vocal estimator is measured on the way. What stays: the mono signal at about 22.05 kHz (a quarter of the
// stereo song's size at 44.1 kHz) and a few counters.
import DSP
import Foundation

/// The analyser's input, gathered from a song's blocks (see the design note).
public struct SongAnalysisInput: Sendable {
    /// Rate of the blocks, Hz.
    public let sampleRate: Double
    /// Frames appended so far.
    public private(set) var frameCount = 0
    private var halvers: [StreamingHalver] = []
    /// Mono at the rate after the halvings (full rate when none).
    private var reduced: [Float] = []
    private var centre = CentreShareMeter()

    /// - Parameters:
    ///   - sampleRate: the rate of the blocks to come, Hz (positive).
    ///   - expectedFrameCount: the song's length in frames when known (a file's): the reduced signal is allocated
    ///     once at its final size instead of growing by doubling (which briefly holds the old and the new copy).
    public init(sampleRate: Double, expectedFrameCount: Int? = nil) {
        precondition(sampleRate > 0, "sample rate must be positive")
        self.sampleRate = sampleRate
        var rate = sampleRate
        while rate / 2 >= AnalysisDownsampler.halvingFloorHz {
            halvers.append(StreamingHalver())
            rate /= 2
        }
        if let expectedFrameCount, expectedFrameCount > 0 {
            reduced.reserveCapacity((expectedFrameCount >> halvers.count) + 2 * AnalysisDownsampler.taps.count)
        }
    }

    /// Adds the next block of the song (frames in order, `sampleRate`).
    public mutating func append(_ block: AudioBuffer) {
        precondition(block.sampleRate == sampleRate, "blocks must come at the input's rate")
        frameCount += block.frameCount
        centre.append(block)
        var mono = SongAnalyzer.monoDownmix(block)
        for index in halvers.indices { mono = halvers[index].process(mono) }
        reduced.append(contentsOf: mono)
    }

    /// Duration of what was appended, seconds.
    public var durationSeconds: Double { Double(frameCount) / sampleRate }

    /// The stereo centre share (`VocalPresenceEstimator.centreShare`) of what was appended.
    var centreShare: Double { centre.share }

    /// The mono analysis signal and its rate (`AnalysisDownsampler.prepare` of the whole downmix). Consuming: the
    /// gathered signal becomes the result without a copy.
    /// - Throws: `ResampleError` when a low rate cannot be converted.
    consuming func analysisSignal() throws -> (samples: [Float], sampleRate: Double) {
        var tail: [Float] = []
        var last: [Float] = []
        swap(&last, &reduced)
        var rate = sampleRate
        guard !halvers.isEmpty else { return try AnalysisDownsampler.prepare(last, sampleRate: sampleRate) }
        // Flush the cascade: each stage's remaining output goes through the stages after it.
        for index in halvers.indices {
            var stage = halvers[index]
            if !tail.isEmpty { tail = stage.process(tail) }
            tail += stage.finish()
            rate /= 2
        }
        last.append(contentsOf: tail)
        return (last, rate)
    }
}

/// `AnalysisDownsampler.halve` over a signal that comes in pieces: output j is centred on input 2j.
struct StreamingHalver: Sendable {
    /// Input samples not yet fully used, from global index `base`.
    private var pending: [Float] = []
    private var base = 0
    /// Next output index.
    private var next = 0

    /// Appends input and returns the outputs whose taps are now all known.
    mutating func process(_ input: [Float]) -> [Float] {
        pending.append(contentsOf: input)
        let centre = AnalysisDownsampler.taps.count / 2
        // Output j needs inputs up to 2j + centre.
        let known = base + pending.count
        let end = max(next, (known - centre + 1) / 2)
        let out = AnalysisDownsampler.halve(pending, base: base, outputs: next..<end, total: nil)
        next = end
        drop()
        return out
    }

    /// The remaining outputs at the end of the signal (inputs past the end are left out, as in `halve`).
    mutating func finish() -> [Float] {
        let total = base + pending.count
        let out = AnalysisDownsampler.halve(
            pending, base: base, outputs: next..<max(next, (total + 1) / 2), total: total)
        next = max(next, (total + 1) / 2)
        pending = []
        base = total
        return out
    }

    /// Forgets inputs no later output needs.
    private mutating func drop() {
        let centre = AnalysisDownsampler.taps.count / 2
        let keepFrom = max(0, 2 * next - centre)
        let dropCount = keepFrom - base
        if dropCount > 4096 {
            pending.removeFirst(dropCount)
            base = keepFrom
        }
    }
}

/// `VocalPresenceEstimator.centreShare` measured block by block: mid/(mid + side) energy of the 250-4000 Hz band
/// (first-order high- and low-pass); 1 for mono input. Mid and side run as the two lanes of one vector (the same
/// operations in the same order as two scalar filters, so the figures are unchanged), and the per-sample sums are
/// moved into the double-precision totals every 4096 samples, between runs of the inner loop rather than by a test
/// in it.
struct CentreShareMeter: Sendable {
    /// High-pass output, previous input and low-pass output; lane 0 mid, lane 1 side.
    private var highPass = SIMD2<Float>(), previous = SIMD2<Float>(), lowPass = SIMD2<Float>()
    /// Sum of squares since the last move into `energy`.
    private var sum = SIMD2<Float>()
    private var energy = SIMD2<Double>()
    private var index = 0
    private var isStereo = true
    private var any = false
    /// Samples per partial sum.
    private static let partialSumLength = 4096

    mutating func append(_ block: AudioBuffer) {
        guard block.channelCount >= 2 else { isStereo = false; return }
        guard block.frameCount > 0 else { return }
        any = true
        let sr = Float(block.sampleRate)
        let hp = SIMD2<Float>(repeating: expf(-2 * .pi * 250 / sr))
        let lp = SIMD2<Float>(repeating: 1 - expf(-2 * .pi * 4000 / sr))
        let half = SIMD2<Float>(repeating: 0.5)
        block.withSamples(ofChannel: 0) { left in
            block.withSamples(ofChannel: 1) { right in
                let count = min(left.count, right.count)
                var i = 0
                var h = highPass, p = previous, l = lowPass, q = sum
                while i < count {
                    // Up to and including the sample whose running index closes a partial sum.
                    let untilClose = Self.partialSumLength - index % Self.partialSumLength
                    let end = min(count, i + untilClose)
                    let runStart = i
                    while i < end {
                        let a = left[i], b = right[i]
                        let x = half * SIMD2(a + b, a - b)
                        h = hp * (h + x - p)
                        p = x
                        l += lp * (h - l)
                        q += l * l
                        i += 1
                    }
                    index += end - runStart
                    if index % Self.partialSumLength == 0 {
                        energy += SIMD2<Double>(Double(q[0]), Double(q[1]))
                        q = .zero
                    }
                }
                highPass = h; previous = p; lowPass = l; sum = q
            }
        }
    }

    var share: Double {
        guard isStereo, any else { return 1 }
        let mid = energy[0] + Double(sum[0]), side = energy[1] + Double(sum[1])
        let total = mid + side
        return total > 1e-20 ? mid / total : 1
    }
}
