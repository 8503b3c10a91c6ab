import Foundation

// Design note: 4x oversampling with one linear-phase FIR prototype (Kaiser-windowed sinc, β = 8, length
// L = 4T + 1) used both ways. Upsampling runs it as 4 polyphase branches of T + 1 taps on the input (no
// zero-stuffed multiplies); downsampling runs it as a decimating FIR that computes only every 4th output.
// With the cutoff at the original Nyquist (0.125 of the oversampled rate) and T even, branch 0 is a pure
// delay: the original samples reappear exactly among the oversampled ones, so an oversampled peak is never
// below the sample peak. Delay: T/2 original frames each way, T frames for a round trip (up + down).
// `upsamplePeaks` gives only each input frame's largest oversampled magnitude (what true-peak metering and limiting
// need), eight frames at a time through each phase in turn, without `upsample`'s lane shuffles. With the cutoff at
// the original Nyquist, branch 0 is the delay tap alone: its other taps are sin(πk)/(πk) for whole k, zero but for
// rounding (below 1e-16 of the delay tap), so it costs one multiply instead of T + 1 multiply-adds. Its value can
// then differ from `upsample`'s only where those rounding residues reach half a unit in the last place of the
// delayed sample (a sample 1e9 times below its neighbours); branches 1 to 3 are `upsample`'s sums bit for bit.
// Per channel state: T input frames and L - 1 oversampled frames of history; scratch sized at prepare.

/// A 4x polyphase upsampler/downsampler pair for true-peak metering and oversampled nonlinearities.
final class PolyphaseOversampler {
    /// Oversampling factor.
    static let factor = 4
    /// Taps per polyphase branch minus one (T); the prototype has 4T + 1 taps.
    let halfOrderFrames: Int
    /// Prototype taps, padded with zeros to 4 (T + 1).
    private let prototype: [Float]
    /// Branch taps interleaved by tap: `branches[k] = 4 (h[4k], h[4k + 1], h[4k + 2], h[4k + 3])`, so one
    /// SIMD multiply-add per input sample advances all four phases (gain 4 restores the level after stuffing).
    private let branches: [SIMD4<Float>]
    /// The same taps by phase, each repeated over eight lanes: `phaseTaps[p * (T + 1) + k] = branches[k][p]`, for
    /// `upsamplePeaks`, which runs eight input frames at once through each phase.
    private let phaseTaps: [SIMD8<Float>]
    /// For `upsamplePeaks`, when the cutoff is the original Nyquist (T even): branch 0's delay tap (its taps
    /// k != T/2 are below 1e-12 of it); nil for any other prototype, which `upsamplePeaks` then runs tap by tap.
    private let halfBandDelayTap: Float?
    /// The prototype padded with zeros to a multiple of 8 taps, for the SIMD decimator.
    private let paddedPrototype: SampleBuffer
    private let paddedLength: Int
    private let branchLength: Int
    private let channelCount: Int
    private let maximumFrames: Int
    private let inputHistory: SampleBuffer // per channel: T + maximumFrames (history, then the block)
    private let outputHistory: SampleBuffer // per channel: L - 1 + 4 maximumFrames + 8
    private let prototypeLength: Int

    /// - Parameters:
    ///   - halfOrderFrames: T, even, 8...64 (round-trip delay in original frames).
    ///   - cutoff: -6 dB point as a fraction of the oversampled rate (0.125 = original Nyquist).
    ///   - channelCount, maximumFrameCount: what `upsample`/`downsample` will see.
    init(halfOrderFrames: Int, cutoff: Double, channelCount: Int, maximumFrameCount: Int) {
        precondition(halfOrderFrames % 2 == 0 && halfOrderFrames >= 2, "T must be even")
        self.halfOrderFrames = halfOrderFrames
        self.channelCount = channelCount
        self.maximumFrames = maximumFrameCount
        let length = 4 * halfOrderFrames + 1
        prototypeLength = length
        let center = Double(length - 1) / 2
        var h = [Double](repeating: 0, count: 4 * (halfOrderFrames + 1))
        let beta = 8.0
        func besselI0(_ x: Double) -> Double {
            var sum = 1.0, term = 1.0, k = 1.0
            while term > 1e-12 * sum {
                term *= (x / (2 * k)) * (x / (2 * k))
                sum += term
                k += 1
            }
            return sum
        }
        for n in 0..<length {
            let t = Double(n) - center
            let sinc = t == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * t) / (Double.pi * t)
            let r = t / center
            h[n] = sinc * besselI0(beta * (1 - r * r).squareRoot()) / besselI0(beta)
        }
        let sum = h.reduce(0, +)
        let taps = h.map { Float($0 / sum) }
        prototype = taps
        branchLength = halfOrderFrames + 1
        branches = (0..<(halfOrderFrames + 1)).map { k in
            4 * SIMD4(taps[4 * k], taps[4 * k + 1], taps[4 * k + 2], taps[4 * k + 3])
        }
        let branchTaps = branches
        phaseTaps = (0..<4).flatMap { p in
            (0..<(halfOrderFrames + 1)).map { k in SIMD8(repeating: branchTaps[k][p]) }
        }
        let t = halfOrderFrames
        let delayTap = branchTaps[t / 2][0]
        let branch0IsDelay = (0...t).allSatisfy { k in k == t / 2 || abs(branchTaps[k][0]) <= 1e-12 * abs(delayTap) }
        halfBandDelayTap = branch0IsDelay ? delayTap : nil
        paddedLength = (length + 7) / 8 * 8
        paddedPrototype = SampleBuffer(count: paddedLength)
        for j in 0..<length { paddedPrototype[j] = taps[j] }
        inputHistory = SampleBuffer(count: channelCount * (halfOrderFrames + maximumFrameCount))
        // Each channel's history has 8 spare samples after it: the padded taps (zero) read a little past the end.
        outputHistory = SampleBuffer(count: channelCount * (length - 1 + 4 * maximumFrameCount + 8))
    }

    /// Clears the histories.
    func reset() {
        inputHistory.clear()
        outputHistory.clear()
    }

    /// Writes `4 n` oversampled samples of channel `channel` to the start of `output`, from the `n = input.count`
    /// samples of `input`. Oversampled sample `4i + p` lies at input time `i - T/2 + p/4`.
    func upsample(_ input: Span<Float>, channel: Int, into output: inout MutableSpan<Float>) {
        let n = input.count
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        precondition(output.count >= 4 * n, "PolyphaseOversampler.upsample: output shorter than 4 n")
        let branches = self.branches, m = branchLength
        withHistory(appending: input, channel: channel) { history in
            Self.upsample(history, frameCount: n, branches: branches.span.extracting(0..<m), into: &output)
        }
    }

    /// Calls `body` with channel `channel`'s last T inputs followed by `input` (T + `input.count` samples), then
    /// keeps the last T of them as the history.
    @inline(__always)
    private func withHistory(appending input: Span<Float>, channel: Int, _ body: (Span<Float>) -> Void) {
        let t = halfOrderFrames, n = input.count
        let start = channel * (t + maximumFrames)
        inputHistory.withMutableSpan { all in
            var history = all.extracting(start..<(start + t + maximumFrames))
            var block = history.extracting(t..<(t + n))
            VectorOps.copy(input, into: &block)
            body(history.span)
            for k in 0..<t { history[k] = history[n + k] }
        }
    }

    /// The polyphase sums of `upsample`: `history` holds T older samples, then the block's `n`.
    @inline(never)
    private static func upsample(
        _ history: Span<Float>, frameCount n: Int, branches taps: Span<SIMD4<Float>>,
        into output: inout MutableSpan<Float>
    ) {
        let m = taps.count // T + 1
        // Four input samples at a time: four independent accumulations the processor overlaps, each summed in
        // the same order as the one-sample loop after it (so the output does not depend on the grouping).
        // Input i's newest sample is history[T + i] = history[m - 1 + i]; tap k multiplies x[i - k] for all four
        // phases at once. Each group reads the view `window` of its m + 3 samples, whose bounds cover the taps.
        var i = 0
        while i + 4 <= n {
            let window = history.extracting(i..<(i + m + 3))
            var acc0 = SIMD4<Float>(repeating: 0), acc1 = acc0, acc2 = acc0, acc3 = acc0
            // Wrapping index arithmetic (`&-`): the indices stay in 0 ..< m + 3, and without overflow checks the
            // optimizer can see that the window's bounds hold for the whole loop.
            for k in 0..<m {
                let tap = taps[k]
                let newest = m &- 1 &- k
                acc0 += tap * window[newest]
                acc1 += tap * window[newest &+ 1]
                acc2 += tap * window[newest &+ 2]
                acc3 += tap * window[newest &+ 3]
            }
            output.setSIMD4(acc0, at: 4 * i)
            output.setSIMD4(acc1, at: 4 * (i + 1))
            output.setSIMD4(acc2, at: 4 * (i + 2))
            output.setSIMD4(acc3, at: 4 * (i + 3))
            i += 4
        }
        while i < n {
            let window = history.extracting(i..<(i + m))
            var acc = SIMD4<Float>(repeating: 0)
            for k in 0..<m { acc += taps[k] * window[m &- 1 &- k] }
            output.setSIMD4(acc, at: 4 * i)
            i += 1
        }
    }

    /// The peak of `upsample`'s output frame by frame: `peaks[i] = max(peaks[i], |u[4i]|, ..., |u[4i + 3]|)` for the
    /// `n = input.count` input frames, where `u` is what `upsample` would write (bit for bit, but for branch 0's
    /// rounding residues at the original Nyquist: see the design note). The history advances as in
    /// `upsample`. For the true-peak meter and limiter, which need only these maxima.
    func upsamplePeaks(_ input: Span<Float>, channel: Int, into peaks: inout MutableSpan<Float>) {
        let n = input.count
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        precondition(peaks.count >= n, "PolyphaseOversampler.upsamplePeaks: peaks shorter than the input")
        let phaseTaps = self.phaseTaps
        let delayTap = halfBandDelayTap
        withHistory(appending: input, channel: channel) { history in
            Self.upsamplePeaks(history, frameCount: n, phaseTaps: phaseTaps.span, delayTap: delayTap, into: &peaks)
        }
    }

    /// The sums of `upsamplePeaks`, eight input frames at a time: lane j of phase p's accumulator is oversampled
    /// sample 4 (i + j) + p, summed over the taps in `upsample`'s order (tap k times x[i + j - k]). One vector load
    /// of eight inputs serves the phases, whose taps are vectors of one value, so no lane is shuffled. With
    /// `delayTap` (a cutoff at the original Nyquist: see the design note) branch 0 is that tap times the sample
    /// T/2 frames back; without, its sum over the taps like the other branches. The last frames one at a time, each
    /// the same arithmetic.
    @inline(never)
    private static func upsamplePeaks(
        _ history: Span<Float>, frameCount n: Int, phaseTaps: Span<SIMD8<Float>>, delayTap: Float?,
        into peaks: inout MutableSpan<Float>
    ) {
        let m = phaseTaps.count / 4 // T + 1
        let t = m - 1
        let taps0 = phaseTaps.extracting(0..<m), taps1 = phaseTaps.extracting(m..<(2 * m))
        let taps2 = phaseTaps.extracting((2 * m)..<(3 * m)), taps3 = phaseTaps.extracting((3 * m)..<(4 * m))
        var i = 0
        while i + 8 <= n {
            // Input i + j - k (lane j) is window[T - k + j]: the view covers the taps' reach.
            let window = history.extracting(i..<(i + m + 7))
            var acc0 = SIMD8<Float>(repeating: 0), acc1 = acc0, acc2 = acc0, acc3 = acc0
            for k in 0..<m {
                let x = window.simd8(at: t &- k)
                acc1 += taps1[k] * x
                acc2 += taps2[k] * x
                acc3 += taps3[k] * x
            }
            if let delayTap {
                acc0 = SIMD8<Float>(repeating: delayTap) * window.simd8(at: t / 2)
            } else {
                for k in 0..<m { acc0 += taps0[k] * window.simd8(at: t &- k) }
            }
            var peak = peaks.span.simd8(at: i)
            @inline(__always) func include(_ acc: SIMD8<Float>) {
                let negated = -acc
                peak.replace(with: acc, where: acc .> peak)
                peak.replace(with: negated, where: negated .> peak)
            }
            include(acc0)
            include(acc1)
            include(acc2)
            include(acc3)
            peaks.setSIMD8(peak, at: i)
            i += 8
        }
        while i < n {
            let window = history.extracting(i..<(i + m))
            var peak = peaks[i]
            for p in 0..<4 {
                var acc: Float = 0
                if p == 0, let delayTap {
                    acc = delayTap * window[t / 2]
                } else {
                    let taps = phaseTaps.extracting((p * m)..<((p + 1) * m))
                    for k in 0..<m { acc += taps[k][0] * window[t &- k] }
                }
                peak = max(peak, abs(acc))
            }
            peaks[i] = peak
            i += 1
        }
    }

    /// Reads `4 n` oversampled samples of channel `channel` from the start of `samples` and writes `n` outputs
    /// from `outputStart` on (the input is copied first, so the two ranges may overlap). Output `i` is the
    /// low-passed oversampled signal at index `4i`, so a round trip delays by exactly T frames.
    func downsample(_ samples: inout MutableSpan<Float>, frameCount n: Int, channel: Int, outputStart: Int) {
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        precondition(
            n > 0 && samples.count >= 4 * n && outputStart >= 0 && outputStart + n <= samples.count,
            "PolyphaseOversampler.downsample: ranges outside the buffer")
        let keep = prototypeLength - 1
        let stride = keep + 4 * maximumFrames + 8
        let start = channel * stride
        let padded = paddedLength
        outputHistory.withMutableSpan { all in
            var history = all.extracting(start..<(start + stride))
            var block = history.extracting(keep..<(keep + 4 * n))
            VectorOps.copy(samples.span.extracting(0..<(4 * n)), into: &block)
            var output = samples.extracting(outputStart..<(outputStart + n))
            paddedPrototype.withSpan { h in
                Self.decimate(history.span, frameCount: n, taps: h.extracting(0..<padded), into: &output)
            }
            for k in 0..<keep { history[k] = history[4 * n + k] }
        }
    }

    /// The decimating FIR of `downsample`. The prototype is symmetric, so Σ_j h[j] u[4i - j] =
    /// Σ_j h[j] u[4i - (L - 1) + j]: a forward dot product of the padded taps with the history from `4i` on.
    @inline(never)
    private static func decimate(
        _ history: Span<Float>, frameCount n: Int, taps h: Span<Float>, into output: inout MutableSpan<Float>
    ) {
        let length = h.count // a multiple of 8
        // Two outputs at a time (independent accumulations, each in the one-output loop's order).
        var i = 0
        while i + 2 <= n {
            let start0 = history.extracting((4 * i)..<(4 * i + length))
            let start1 = history.extracting((4 * i + 4)..<(4 * i + 4 + length))
            var acc0 = SIMD8<Float>(repeating: 0), acc1 = acc0
            var q = 0
            while q &+ 8 <= length {
                let tap = h.simd8(at: q)
                acc0 += tap * start0.simd8(at: q)
                acc1 += tap * start1.simd8(at: q)
                q &+= 8
            }
            output[i] = acc0.sum()
            output[i + 1] = acc1.sum()
            i += 2
        }
        while i < n {
            let start = history.extracting((4 * i)..<(4 * i + length))
            var acc = SIMD8<Float>(repeating: 0)
            var q = 0
            while q &+ 8 <= length {
                acc += h.simd8(at: q) * start.simd8(at: q)
                q &+= 8
            }
            output[i] = acc.sum()
            i += 1
        }
    }
}
