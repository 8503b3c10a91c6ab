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
        mid.withUnsafeMutableBufferPointer { out in
            for c in 0..<channels {
                mix.withChannel(c) { VectorOps.multiplyAdd($0, gain: 1 / Float(channels), into: out) }
            }
        }
        var magnitude = [Float](repeating: 0, count: frames * bins)
        magnitude.withUnsafeMutableBufferPointer { mags in
            stft.forEachFrame(mid) { f, re, im, count in
                let row = mags.baseAddress! + f * bins
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
        magnitude.withUnsafeBufferPointer { mags in
            harmonicMask.withUnsafeMutableBufferPointer { mask in
                ranks.withUnsafeMutableBufferPointer { ranks in
                    tile.withUnsafeMutableBufferPointer { tile in
                        percussive.withUnsafeMutableBufferPointer { p in
                            let mags = mags.baseAddress!, mask = mask.baseAddress!, ranks = ranks.baseAddress!
                            let tile = tile.baseAddress!, p = p.baseAddress!
                            StemApproximator.runningMedians(
                                mags, steps: frames, width: bins, length: harmonicMedianFrames, ranks: ranks,
                                into: mask)
                            var first = 0
                            while first < frames {
                                let count = min(tileFrames, frames - first)
                                for t in 0..<tileFrames {
                                    let row = mags + (first + min(t, count - 1)) * bins
                                    for k in 0..<bins { tile[k * tileFrames + t] = row[k] }
                                }
                                StemApproximator.runningMedians(
                                    tile, steps: bins, width: tileFrames, length: percussiveMedianBins,
                                    ranks: ranks, into: p)
                                for t in 0..<count {
                                    let row = mask + (first + t) * bins
                                    for k in 0..<bins {
                                        let q = p[k * tileFrames + t]
                                        let h = row[k] * row[k], q2 = q * q
                                        row[k] = h + q2 > 1e-20 ? h / (h + q2) : 0.5
                                    }
                                }
                                first += count
                            }
                        }
                    }
                }
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
        let scale = 1 / Float(frameSize)
        input.withUnsafeBufferPointer { x in
            window.withUnsafeBufferPointer { w in
                harmonicMask.withUnsafeBufferPointer { mask in
                    accumulator.withUnsafeMutableBufferPointer { acc in
                        weight.withUnsafeMutableBufferPointer { wsum in
                            spectra.withUnsafeMutableBufferPointer { spec in
                                gains.withUnsafeMutableBufferPointer { g in
                                    centre.withUnsafeMutableBufferPointer { ctr in
                                        for f in 0..<frames {
                                            let start = stft.frameStart(f)
                                            // Taps `inside` read the song; the others are zero padding.
                                            let firstInside = min(frameSize, max(0, -start))
                                            let inside = firstInside..<max(firstInside, min(frameSize, n - start))
                                            for c in 0..<channels {
                                                let source = x.baseAddress! + c * n + start
                                                fft.input.update(repeating: 0, count: inside.lowerBound)
                                                for i in inside { fft.input[i] = source[i] * w[i] }
                                                (fft.input + inside.upperBound).update(
                                                    repeating: 0, count: frameSize - inside.upperBound)
                                                fft.forward()
                                                (spec.baseAddress! + 2 * c * bins).update(from: fft.real, count: bins)
                                                (spec.baseAddress! + (2 * c + 1) * bins).update(
                                                    from: fft.imag, count: bins)
                                            }
                                            if channels >= 2 {
                                                let lr = spec.baseAddress!, li = lr + bins, rr = lr + 2 * bins,
                                                    ri = lr + 3 * bins
                                                for k in 0..<bins {
                                                    let dr = lr[k] - rr[k], di = li[k] - ri[k]
                                                    let diff = (dr * dr + di * di).squareRoot()
                                                    let sum =
                                                        (lr[k] * lr[k] + li[k] * li[k]).squareRoot()
                                                        + (rr[k] * rr[k] + ri[k] * ri[k]).squareRoot()
                                                    let centreness = sum > 1e-12 ? max(0, 1 - diff / sum) : 1
                                                    let c2 = centreness * centreness
                                                    ctr[k] = c2 * c2
                                                }
                                            }
                                            let row = mask.baseAddress! + f * bins
                                            for k in 0..<bins {
                                                let h = row[k]
                                                g[k] = 1 - h
                                                g[bins + k] = h * h * low[k]
                                                g[2 * bins + k] = h * (1 - low[k]) * voice[k] * ctr[k]
                                            }
                                            let base = start + padding
                                            for stem in 0..<3 {
                                                let gain = g.baseAddress! + stem * bins
                                                for c in 0..<channels {
                                                    let re = spec.baseAddress! + 2 * c * bins, im = re + bins
                                                    for k in 0..<bins {
                                                        fft.real[k] = re[k] * gain[k]
                                                        fft.imag[k] = im[k] * gain[k]
                                                    }
                                                    fft.inverse()
                                                    let out =
                                                        acc.baseAddress! + (stem * channels + c) * outLength + base
                                                    for i in 0..<frameSize { out[i] += fft.output[i] * scale * w[i] }
                                                }
                                            }
                                            for i in 0..<frameSize { wsum[base + i] += w[i] * w[i] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Normalise and build the stems; other = mix − the rest.
        var drumSamples = [Float](repeating: 0, count: channels * n)
        var bassSamples = [Float](repeating: 0, count: channels * n)
        var vocalSamples = [Float](repeating: 0, count: channels * n)
        var otherSamples = [Float](repeating: 0, count: channels * n)
        accumulator.withUnsafeBufferPointer { acc in
            weight.withUnsafeBufferPointer { wsum in
                input.withUnsafeBufferPointer { x in
                    drumSamples.withUnsafeMutableBufferPointer { drums in
                        bassSamples.withUnsafeMutableBufferPointer { bass in
                            vocalSamples.withUnsafeMutableBufferPointer { vocals in
                                otherSamples.withUnsafeMutableBufferPointer { other in
                                    let outputs = [drums.baseAddress!, bass.baseAddress!, vocals.baseAddress!]
                                    for c in 0..<channels {
                                        for i in 0..<n {
                                            let wv = wsum[i + padding]
                                            let inverse: Float = wv > 1e-8 ? 1 / wv : 0
                                            var rest: Float = 0
                                            for stem in 0..<3 {
                                                let v = acc[(stem * channels + c) * outLength + i + padding] * inverse
                                                outputs[stem][c * n + i] = v
                                                rest += v
                                            }
                                            other[c * n + i] = x[c * n + i] - rest
                                        }
                                    }
                                }
                            }
                        }
                    }
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
        _ input: UnsafePointer<Float>, steps: Int, width: Int, length: Int,
        ranks: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        guard steps > 0, width > 0 else { return }
        let half = max(0, length / 2)
        ranks.update(repeating: .infinity, count: (2 * half + 2) * width)
        var count = 0
        for s in 0..<min(half, steps) {
            insertRow(input + s * width, into: ranks, width: width, count: count)
            count += 1
        }
        for s in 0..<steps {
            let entering = s + half, leaving = s - half - 1
            if leaving >= 0 {
                removeRow(input + leaving * width, from: ranks, width: width, count: count)
                count -= 1
            }
            if entering < steps {
                insertRow(input + entering * width, into: ranks, width: width, count: count)
                count += 1
            }
            (output + s * width).update(from: ranks + (count / 2) * width, count: width)
        }
    }

    /// Array form of `runningMedians` (`values` holds `steps` rows of `width` lanes; the result likewise).
    public static func runningMedians(_ values: [Float], width: Int, length: Int) -> [Float] {
        guard width > 0 else { return [] }
        let steps = values.count / width
        var output = [Float](repeating: 0, count: steps * width)
        var ranks = [Float](repeating: 0, count: (2 * max(0, length / 2) + 2) * width)
        values.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                ranks.withUnsafeMutableBufferPointer { ranks in
                    guard let input = input.baseAddress, let out = out.baseAddress else { return }
                    runningMedians(
                        input, steps: steps, width: width, length: length, ranks: ranks.baseAddress!, into: out)
                }
            }
        }
        return output
    }

    /// Inserts `values[j]` into lane `j`'s sorted window of `count` values, for every lane: row `i` becomes
    /// max(row i−1, min(row i, value)) from the top row down (row `count`, +∞ before, receives the largest).
    static func insertRow(
        _ values: UnsafePointer<Float>, into ranks: UnsafeMutablePointer<Float>, width: Int, count: Int
    ) {
        var i = count
        while i >= 1 {
            let row = ranks + i * width
            insertStep(row, below: row - width, values: values, width: width)
            i -= 1
        }
        for j in 0..<width { ranks[j] = min(ranks[j], values[j]) }
    }

    /// One row of `insertRow`. A function of its own so that the compiler's overlap check (row against the row
    /// below) is made per row and passes; inlined into the loop over rows, it failed for the whole window and the
    /// scalar loop ran.
    @inline(never)
    static func insertStep(
        _ row: UnsafeMutablePointer<Float>, below: UnsafePointer<Float>, values: UnsafePointer<Float>, width: Int
    ) {
        for j in 0..<width { row[j] = max(below[j], min(row[j], values[j])) }
    }

    /// Removes one copy of `values[j]` (present in the window) from lane `j`'s sorted window of `count` values, for
    /// every lane: from that copy up, each row takes the value of the row above (row `count` holds +∞).
    static func removeRow(
        _ values: UnsafePointer<Float>, from ranks: UnsafeMutablePointer<Float>, width: Int, count: Int
    ) {
        for i in 0..<count {
            let row = ranks + i * width
            removeStep(row, above: row + width, values: values, width: width)
        }
    }

    /// One row of `removeRow` (a function of its own for the reason given at `insertStep`).
    @inline(never)
    static func removeStep(
        _ row: UnsafeMutablePointer<Float>, above: UnsafePointer<Float>, values: UnsafePointer<Float>, width: Int
    ) {
        for j in 0..<width {
            // Both loads unconditional, so the select vectorises.
            let value = row[j], next = above[j]
            row[j] = value < values[j] ? value : next
        }
    }
}
