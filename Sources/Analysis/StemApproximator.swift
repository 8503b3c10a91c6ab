// Design: four stems by signal processing, the embedded stand-in for a separation service. These are
// approximations: expect bleed between stems (a sustained synth in the centre reads as voice, a bass drum's
// tail as bass); the render reports when they were used.
// - STFT: Hann, 4096 frames at 44.1/48 kHz (2048 at 22.05 kHz), hop a quarter frame (93 ms / 23 ms).
// - Harmonic/percussive split (Fitzgerald 2010) on the mid channel's magnitudes: a median over 25 frames
//   (0.58 s) along time keeps sustained partials, a median over 17 bins (180 Hz) along frequency keeps
//   broadband hits; Wiener-style soft masks H = h² / (h² + p²), P = 1 − H.
// - drums  = P · X
// - bass   = H² · low(f) · X, low = 1 below 120 Hz, raised-cosine to 0 at 250 Hz (H² because a kick drum's
//   decaying 50-60 Hz tail is half harmonic: only clearly sustained low partials count as bass)
// - vocals = H · (1 − low(f)) · voice(f) · centre⁴ · X, voice = 1 over 250 Hz-4 kHz with raised-cosine edges
//   from 150 Hz and to 8 kHz; centre = 1 − |L − R| / (|L| + |R|) per bin (1 for mono): the centre-panned part
//   (a source panned 35/65 reads centre 0.85, weight 0.52; one panned 15/85, weight 0.13)
// - other  = mix − drums − bass − vocals, in the time domain, so the four stems sum to the mix exactly (up to
//   float rounding, far below -60 dB).
// Masks are shared by all channels, so the stereo image of each stem follows the mix. Latency: none (offline,
// the output is aligned to the input frame for frame). Cost: 9 FFTs and two running medians per frame (sorted
// windows kept for many bins or frames at once, updated by branch-free min/max passes that run as vector code).
import DSP
import Foundation

/// The four stems of a song, named as the contract's stems.
public struct StemSet: Sendable {
    public var vocals: AudioBuffer
    public var drums: AudioBuffer
    public var bass: AudioBuffer
    public var other: AudioBuffer
    /// True: made by `StemApproximator`, not by a separation model.
    public var isApproximation: Bool

    /// The stems by contract name ("vocals", "drums", "bass", "other").
    public var byName: [String: AudioBuffer] {
        ["vocals": vocals, "drums": drums, "bass": bass, "other": other]
    }
}

/// Splits a mix into approximate vocals, drums, bass and other (see the design note).
public struct StemApproximator: Sendable {
    /// Median length along time, in frames.
    public var harmonicMedianFrames = 25
    /// Median length along frequency, in bins.
    public var percussiveMedianBins = 17

    public init() {}

    /// STFT frame length at `sampleRate`, frames (4096 above 32 kHz, else 2048); the hop is a quarter of it.
    public static func frameSize(sampleRate: Double) -> Int { sampleRate > 32000 ? 4096 : 2048 }

    /// Frames of context each side of a range for the stems inside it to equal the whole song's: a sample is
    /// touched by the STFT frames covering it (one frame length), whose masks take the time median over
    /// `harmonicMedianFrames` frames (half of them each side, a hop apart); the frequency median and the centre
    /// weight stay inside one frame. Read from a start that is a multiple of the hop (the frame grid is anchored at
    /// the buffer's first sample), or from the song's start; past the song's end, read to its end.
    public func contextFrameCount(sampleRate: Double) -> Int {
        let frameSize = Self.frameSize(sampleRate: sampleRate)
        return frameSize + (harmonicMedianFrames / 2 + 1) * (frameSize / 4)
    }

    /// The four stems; each has the input's channel count, rate and length, and they sum to the input.
    public func separate(_ mix: AudioBuffer) -> StemSet {
        let n = mix.frameCount
        let channels = mix.channelCount
        let frameSize = Self.frameSize(sampleRate: mix.sampleRate)
        let hop = frameSize / 4
        guard n > 0 else {
            let empty = AudioBuffer(channelCount: channels, frameCount: 0, sampleRate: mix.sampleRate)
            return StemSet(vocals: empty, drums: empty, bass: empty, other: empty, isApproximation: true)
        }
        let stft = STFT(frameSize: frameSize, hopSize: hop)
        let frames = stft.frameCount(sampleCount: n)
        let bins = frameSize / 2 + 1
        let window = stft.window
        let fft = RealFFT(size: frameSize)

        // Pass 1: magnitudes of the mid (mean of channels).
        var mid = [Float](repeating: 0, count: n)
        do {
            var out = mid.mutableSpan
            for c in 0..<channels {
                mix.withSamples(ofChannel: c) { VectorOps.multiplyAdd($0, gain: 1 / Float(channels), into: &out) }
            }
        }
        var magnitude = [Float](repeating: 0, count: frames * bins)
        do {
            var mags = magnitude.mutableSpan
            stft.forEachSpectrum(mid) { f, re, im in
                var row = mags._mutatingExtracting((f * bins)..<((f + 1) * bins))
                let count = min(row.count, re.count, im.count)
                for k in 0..<count { row[k] = (re[k] * re[k] + im[k] * im[k]).squareRoot() }
            }
        }
        // Harmonic mask from the two medians (stored in place of the time median). The frequency median runs
        // over tiles of `medianTileFrames` frames at once, transposed so that each bin is one row of the tile.
        var harmonicMask = [Float](repeating: 0, count: frames * bins)
        let timeWindow = 2 * (harmonicMedianFrames / 2) + 1, binWindow = 2 * (percussiveMedianBins / 2) + 1
        let tileFrames = Self.medianTileFrames
        var ranks = [Float](repeating: 0, count: (max(timeWindow, binWindow) + 1) * max(bins, tileFrames))
        var tile = [Float](repeating: 0, count: bins * tileFrames)
        var percussive = [Float](repeating: 0, count: bins * tileFrames)
        do {
            let mags = magnitude.span
            var mask = harmonicMask.mutableSpan
            var ranks = ranks.mutableSpan
            var tile = tile.mutableSpan
            var p = percussive.mutableSpan
            StemApproximator.runningMedians(
                mags, steps: frames, width: bins, length: harmonicMedianFrames, ranks: &ranks, into: &mask)
            var first = 0
            while first < frames {
                let count = min(tileFrames, frames - first)
                for t in 0..<tileFrames {
                    let row = (first + min(t, count - 1)) * bins
                    for k in 0..<bins { tile[k * tileFrames + t] = mags[row + k] }
                }
                StemApproximator.runningMedians(
                    tile.span, steps: bins, width: tileFrames, length: percussiveMedianBins, ranks: &ranks, into: &p)
                for t in 0..<count {
                    let row = (first + t) * bins
                    for k in 0..<bins {
                        let q = p[k * tileFrames + t]
                        let h = mask[row + k] * mask[row + k], q2 = q * q
                        mask[row + k] = h + q2 > 1e-20 ? h / (h + q2) : 0.5
                    }
                }
                first += count
            }
        }
        // Frequency weights.
        let binHz = mix.sampleRate / Double(frameSize)
        let low = (0..<bins).map { k -> Float in
            StemApproximator.fallingEdge(Double(k) * binHz, from: 120, to: 250)
        }
        let voice = (0..<bins).map { k -> Float in
            let f = Double(k) * binHz
            return (1 - StemApproximator.fallingEdge(f, from: 150, to: 250))
                * StemApproximator.fallingEdge(f, from: 4000, to: 8000)
        }

        // Pass 2: per frame, spectra of every channel, three masked stems, overlap-add.
        let padding = frameSize - hop
        let outLength = stft.frameStart(frames - 1) + frameSize + padding
        // Accumulators: stem-major, then channel (drums, bass, vocals), each `outLength` samples.
        var accumulator = [Float](repeating: 0, count: 3 * channels * outLength)
        var weight = [Float](repeating: 0, count: outLength)
        var spectra = [Float](repeating: 0, count: 2 * channels * bins) // re, im per channel
        var gains = [Float](repeating: 0, count: 3 * bins) // drums, bass, vocals
        var centre = [Float](repeating: 1, count: bins)
        let input = mix.samples
        // The inverse FFT's 1/N folded into the synthesis window (N a power of two: the products are the same).
        let synthesisWindow = window.map { $0 * (1 / Float(frameSize)) }
        do {
            let x = input.span, w = window.span, ws = synthesisWindow.span, mask = harmonicMask.span
            let low = low.span, voice = voice.span
            var acc = accumulator.mutableSpan
            var wsum = weight.mutableSpan
            var spec = spectra.mutableSpan
            var g = gains.mutableSpan
            var ctr = centre.mutableSpan
            for f in 0..<frames {
                let start = stft.frameStart(f)
                // Taps `inside` read the song; the others are zero padding.
                let firstInside = min(frameSize, max(0, -start))
                let inside = firstInside..<max(firstInside, min(frameSize, n - start))
                for c in 0..<channels {
                    let source = c * n + start
                    fft.withInput { frame in
                        for i in 0..<inside.lowerBound { frame[i] = 0 }
                        for i in inside { frame[i] = x[source + i] * w[i] }
                        for i in inside.upperBound..<frameSize { frame[i] = 0 }
                    }
                    fft.forward()
                    fft.withSpectrumValues { re, im in
                        var realPart = spec._mutatingExtracting((2 * c * bins)..<((2 * c + 1) * bins))
                        VectorOps.copy(re, into: &realPart)
                        var imagPart = spec._mutatingExtracting(((2 * c + 1) * bins)..<((2 * c + 2) * bins))
                        VectorOps.copy(im, into: &imagPart)
                    }
                }
                if channels >= 2 {
                    Self.centreWeights(spec.span.extracting(0..<(4 * bins)), bins: bins, into: &ctr)
                }
                Self.stemGains(
                    mask: mask.extracting((f * bins)..<((f + 1) * bins)), low: low, voice: voice, centre: ctr.span,
                    into: &g)
                let base = start + padding
                for stem in 0..<3 {
                    let gain = g.span.extracting((stem * bins)..<((stem + 1) * bins))
                    for c in 0..<channels {
                        let re = spec.span.extracting((2 * c * bins)..<((2 * c + 1) * bins))
                        let im = spec.span.extracting(((2 * c + 1) * bins)..<((2 * c + 2) * bins))
                        fft.withSpectrum { real, imag in
                            VectorOps.multiply(re, gain, into: &real)
                            VectorOps.multiply(im, gain, into: &imag)
                        }
                        fft.inverse()
                        let offset = (stem * channels + c) * outLength + base
                        fft.withOutput { y in
                            var out = acc._mutatingExtracting(offset..<(offset + frameSize))
                            Self.overlapAdd(y, window: ws, into: &out)
                        }
                    }
                }
                var sum = wsum._mutatingExtracting(base..<(base + frameSize))
                for i in 0..<min(frameSize, sum.count, w.count) { sum[i] += w[i] * w[i] }
            }
        }
        // Normalise and build the stems; other = mix − the rest.
        var drumSamples = [Float](repeating: 0, count: channels * n)
        var bassSamples = [Float](repeating: 0, count: channels * n)
        var vocalSamples = [Float](repeating: 0, count: channels * n)
        var otherSamples = [Float](repeating: 0, count: channels * n)
        do {
            let acc = accumulator.span, wsum = weight.span, x = input.span
            var drums = drumSamples.mutableSpan, bass = bassSamples.mutableSpan
            var vocals = vocalSamples.mutableSpan, other = otherSamples.mutableSpan
            for c in 0..<channels {
                for i in 0..<n {
                    let wv = wsum[i + padding]
                    let inverse: Float = wv > 1e-8 ? 1 / wv : 0
                    let d = acc[c * outLength + i + padding] * inverse
                    let b = acc[(channels + c) * outLength + i + padding] * inverse
                    let v = acc[(2 * channels + c) * outLength + i + padding] * inverse
                    drums[c * n + i] = d
                    bass[c * n + i] = b
                    vocals[c * n + i] = v
                    // Summed from 0 in stem order (0 + d, not d: a -0 stem reads +0, as it always has).
                    let rest: Float = 0 + d + b + v
                    other[c * n + i] = x[c * n + i] - rest
                }
            }
        }
        let rate = mix.sampleRate
        func buffer(_ samples: [Float]) -> AudioBuffer {
            AudioBuffer(planarSamples: samples, channelCount: channels, sampleRate: rate)
        }
        return StemSet(
            vocals: buffer(vocalSamples), drums: buffer(drumSamples), bass: buffer(bassSamples),
            other: buffer(otherSamples), isApproximation: true)
    }

    /// Centre weight per bin from the first two channels' spectra (`spectra` holds left re, left im, right re,
    /// right im, `bins` each): centre⁴ with centre = 1 − |L − R| / (|L| + |R|).
    @inline(never)
    static func centreWeights(_ spectra: Span<Float>, bins: Int, into centre: inout MutableSpan<Float>) {
        let lr = spectra.extracting(0..<bins), li = spectra.extracting(bins..<(2 * bins))
        let rr = spectra.extracting((2 * bins)..<(3 * bins)), ri = spectra.extracting((3 * bins)..<(4 * bins))
        let count = min(bins, centre.count)
        for k in 0..<count {
            let dr = lr[k] - rr[k], di = li[k] - ri[k]
            let diff = (dr * dr + di * di).squareRoot()
            let sum = (lr[k] * lr[k] + li[k] * li[k]).squareRoot() + (rr[k] * rr[k] + ri[k] * ri[k]).squareRoot()
            let centreness = sum > 1e-12 ? max(0, 1 - diff / sum) : 1
            let c2 = centreness * centreness
            centre[k] = c2 * c2
        }
    }

    /// The three stem gains of one frame from its harmonic mask row: drums, bass, vocals (`bins` each).
    @inline(never)
    static func stemGains(
        mask row: Span<Float>, low: Span<Float>, voice: Span<Float>, centre: Span<Float>,
        into g: inout MutableSpan<Float>
    ) {
        let bins = min(row.count, low.count, voice.count, centre.count, g.count / 3)
        for k in 0..<bins {
            let h = row[k]
            g[k] = 1 - h
            g[bins + k] = h * h * low[k]
            g[2 * bins + k] = h * (1 - low[k]) * voice[k] * centre[k]
        }
    }

    /// `out[i] += y[i] · window[i]`.
    @inline(never)
    static func overlapAdd(_ y: Span<Float>, window w: Span<Float>, into out: inout MutableSpan<Float>) {
        let count = min(y.count, w.count, out.count)
        for i in 0..<count { out[i] += y[i] * w[i] }
    }

    /// 1 below `from` Hz, 0 above `to` Hz, raised cosine between.
    static func fallingEdge(_ hz: Double, from: Double, to: Double) -> Float {
        if hz <= from { return 1 }
        if hz >= to { return 0 }
        return Float(0.5 + 0.5 * cos(Double.pi * (hz - from) / (to - from)))
    }

    /// Frames whose frequency medians are computed together (the lanes of `runningMedians`).
    static let medianTileFrames = 64

    /// Running medians of `width` independent sequences at once: step `s` of lane `j` is `input[s * width + j]`,
    /// and `output[s * width + j]` receives the median of that lane's steps `s - length/2 ... s + length/2`
    /// (the window shrinking at both ends; of an even count, the upper of the two middle values).
    ///
    /// Each lane keeps its window sorted, rank-major in `ranks` (row `i` holds every lane's i-th smallest value;
    /// rows past the window's count hold +∞). Entering and leaving values update every lane with the same
    /// sequence of comparisons (no data-dependent branch), so the loops run as vector code; the medians are those
    /// of a sort of each window, bit for bit.
    /// - Parameter ranks: scratch of at least `(2 * (length / 2) + 2) * width` values.
    static func runningMedians(
        _ input: Span<Float>, steps: Int, width: Int, length: Int,
        ranks: inout MutableSpan<Float>, into output: inout MutableSpan<Float>
    ) {
        guard steps > 0, width > 0 else { return }
        let half = max(0, length / 2)
        precondition(
            input.count >= steps * width && output.count >= steps * width && ranks.count >= (2 * half + 2) * width,
            "runningMedians: buffers shorter than steps × width")
        for i in 0..<((2 * half + 2) * width) { ranks[i] = .infinity }
        var count = 0
        for s in 0..<min(half, steps) {
            insertRow(input.extracting((s * width)..<((s + 1) * width)), into: &ranks, count: count)
            count += 1
        }
        for s in 0..<steps {
            let entering = s + half, leaving = s - half - 1
            if leaving >= 0 {
                removeRow(input.extracting((leaving * width)..<((leaving + 1) * width)), from: &ranks, count: count)
                count -= 1
            }
            if entering < steps {
                insertRow(input.extracting((entering * width)..<((entering + 1) * width)), into: &ranks, count: count)
                count += 1
            }
            var row = output._mutatingExtracting((s * width)..<((s + 1) * width))
            VectorOps.copy(ranks.span.extracting(((count / 2) * width)..<((count / 2 + 1) * width)), into: &row)
        }
    }

    /// Array form of `runningMedians` (`values` holds `steps` rows of `width` lanes; the result likewise).
    public static func runningMedians(_ values: [Float], width: Int, length: Int) -> [Float] {
        guard width > 0 else { return [] }
        let steps = values.count / width
        var output = [Float](repeating: 0, count: steps * width)
        var ranks = [Float](repeating: 0, count: (2 * max(0, length / 2) + 2) * width)
        guard steps > 0 else { return output }
        var out = output.mutableSpan
        var scratch = ranks.mutableSpan
        runningMedians(values.span, steps: steps, width: width, length: length, ranks: &scratch, into: &out)
        return output
    }

    /// Inserts `values[j]` into lane `j`'s sorted window of `count` values, for every lane (`width` =
    /// `values.count` lanes): row `i` becomes max(row i−1, min(row i, value)) from the top row down (row `count`,
    /// +∞ before, receives the largest).
    static func insertRow(_ values: Span<Float>, into ranks: inout MutableSpan<Float>, count: Int) {
        let width = values.count
        var i = count
        while i >= 1 {
            var rows = ranks._mutatingExtracting(((i - 1) * width)..<((i + 1) * width))
            insertStep(&rows, values: values)
            i -= 1
        }
        for j in 0..<width { ranks[j] = min(ranks[j], values[j]) }
    }

    /// One row of `insertRow`: `rows` holds the row below, then the row (`values.count` lanes each). A function of
    /// its own so that the compiler's overlap check (row against the row below) is made per row and passes;
    /// inlined into the loop over rows, it failed for the whole window and the scalar loop ran.
    @inline(never)
    static func insertStep(_ rows: inout MutableSpan<Float>, values: Span<Float>) {
        let width = values.count
        precondition(rows.count == 2 * width, "insertStep: two rows of the values' width")
        for j in 0..<width {
            // min and max as plain selects: they compile to single min/max instructions (the library's max keeps
            // NaN semantics and takes four). Magnitudes are never NaN, so the result is the same.
            let row = rows[width &+ j], value = values[j], below = rows[j]
            let smaller = row < value ? row : value
            rows[width &+ j] = below > smaller ? below : smaller
        }
    }

    /// Removes one copy of `values[j]` (present in the window) from lane `j`'s sorted window of `count` values, for
    /// every lane: from that copy up, each row takes the value of the row above (row `count` holds +∞).
    static func removeRow(_ values: Span<Float>, from ranks: inout MutableSpan<Float>, count: Int) {
        let width = values.count
        for i in 0..<count {
            var rows = ranks._mutatingExtracting((i * width)..<((i + 2) * width))
            removeStep(&rows, values: values)
        }
    }

    /// One row of `removeRow`: `rows` holds the row, then the row above (a function of its own for the reason
    /// given at `insertStep`).
    @inline(never)
    static func removeStep(_ rows: inout MutableSpan<Float>, values: Span<Float>) {
        let width = values.count
        precondition(rows.count == 2 * width, "removeStep: two rows of the values' width")
        for j in 0..<width {
            // Both loads unconditional, so the select vectorises.
            let value = rows[j], next = rows[width &+ j]
            rows[j] = value < values[j] ? value : next
        }
    }
}
