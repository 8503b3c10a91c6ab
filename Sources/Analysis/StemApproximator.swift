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
// the output is aligned to the input frame for frame). Cost: 9 FFTs and two sliding medians per frame.
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

    /// The four stems; each has the input's channel count, rate and length, and they sum to the input.
    public func separate(_ mix: AudioBuffer) -> StemSet {
        let n = mix.frameCount
        let channels = mix.channelCount
        let frameSize = mix.sampleRate > 32000 ? 4096 : 2048
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
            for c in 0..<channels { mix.withChannel(c) { VectorOps.multiplyAdd($0, gain: 1 / Float(channels), into: out) } }
        }
        var magnitude = [Float](repeating: 0, count: frames * bins)
        magnitude.withUnsafeMutableBufferPointer { mags in
            stft.forEachFrame(mid) { f, re, im, count in
                let row = mags.baseAddress! + f * bins
                for k in 0..<count { row[k] = (re[k] * re[k] + im[k] * im[k]).squareRoot() }
            }
        }
        // Harmonic mask from the two medians (stored in place of the time median).
        var harmonicMask = StemApproximator.timeMedian(magnitude, frames: frames, bins: bins, length: harmonicMedianFrames)
        var percussive = [Float](repeating: 0, count: bins)
        magnitude.withUnsafeBufferPointer { mags in
            harmonicMask.withUnsafeMutableBufferPointer { mask in
                percussive.withUnsafeMutableBufferPointer { p in
                    for f in 0..<frames {
                        StemApproximator.slidingMedian(UnsafeBufferPointer(rebasing: mags[(f * bins)..<((f + 1) * bins)]),
                                                       length: percussiveMedianBins, into: p.baseAddress!)
                        let row = mask.baseAddress! + f * bins
                        for k in 0..<bins {
                            let h = row[k] * row[k], q = p[k] * p[k]
                            row[k] = h + q > 1e-20 ? h / (h + q) : 0.5
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
            return (1 - StemApproximator.fallingEdge(f, from: 150, to: 250)) * StemApproximator.fallingEdge(f, from: 4000, to: 8000)
        }

        // Pass 2: per frame, spectra of every channel, three masked stems, overlap-add.
        let padding = frameSize - hop
        let outLength = stft.frameStart(frames - 1) + frameSize + padding
        var accumulators = [[Float]](repeating: [Float](repeating: 0, count: outLength), count: 3 * channels)
        var weight = [Float](repeating: 0, count: outLength)
        var spectraRe = [[Float]](repeating: [Float](repeating: 0, count: bins), count: channels)
        var spectraIm = [[Float]](repeating: [Float](repeating: 0, count: bins), count: channels)
        var centre = [Float](repeating: 1, count: bins)
        let inputs = (0..<channels).map { mix.channel($0) }
        let scale = 1 / Float(frameSize)
        for f in 0..<frames {
            let start = stft.frameStart(f)
            for c in 0..<channels {
                inputs[c].withUnsafeBufferPointer { x in
                    for i in 0..<frameSize {
                        let s = start + i
                        fft.input[i] = (s >= 0 && s < n) ? x[s] * window[i] : 0
                    }
                }
                fft.forward()
                spectraRe[c].withUnsafeMutableBufferPointer { r in r.baseAddress!.update(from: fft.real, count: bins) }
                spectraIm[c].withUnsafeMutableBufferPointer { i in i.baseAddress!.update(from: fft.imag, count: bins) }
            }
            if channels >= 2 {
                for k in 0..<bins {
                    let lr = spectraRe[0][k], li = spectraIm[0][k], rr = spectraRe[1][k], ri = spectraIm[1][k]
                    let dr = lr - rr, di = li - ri
                    let diff = (dr * dr + di * di).squareRoot()
                    let sum = (lr * lr + li * li).squareRoot() + (rr * rr + ri * ri).squareRoot()
                    let c = sum > 1e-12 ? max(0, 1 - diff / sum) : 1
                    let c2 = c * c
                    centre[k] = c2 * c2
                }
            }
            let maskRow = f * bins
            for stem in 0..<3 {
                for c in 0..<channels {
                    for k in 0..<bins {
                        let h = harmonicMask[maskRow + k]
                        let gain: Float
                        switch stem {
                        case 0: gain = 1 - h                                   // drums
                        case 1: gain = h * h * low[k]                          // bass
                        default: gain = h * (1 - low[k]) * voice[k] * centre[k] // vocals
                        }
                        fft.real[k] = spectraRe[c][k] * gain
                        fft.imag[k] = spectraIm[c][k] * gain
                    }
                    fft.inverse()
                    let base = start + padding
                    accumulators[stem * channels + c].withUnsafeMutableBufferPointer { acc in
                        for i in 0..<frameSize { acc[base + i] += fft.output[i] * scale * window[i] }
                    }
                }
            }
            let base = start + padding
            for i in 0..<frameSize { weight[base + i] += window[i] * window[i] }
        }
        // Normalise and build the stems; other = mix − the rest.
        var stems = [[[Float]]](repeating: [[Float]](repeating: [Float](repeating: 0, count: n), count: channels), count: 4)
        for c in 0..<channels {
            for i in 0..<n {
                let w = weight[i + padding]
                let inverse: Float = w > 1e-8 ? 1 / w : 0
                var rest: Float = 0
                for stem in 0..<3 {
                    let v = accumulators[stem * channels + c][i + padding] * inverse
                    stems[stem][c][i] = v
                    rest += v
                }
                stems[3][c][i] = inputs[c][i] - rest
            }
        }
        let rate = mix.sampleRate
        return StemSet(vocals: AudioBuffer(channels: stems[2], sampleRate: rate),
                       drums: AudioBuffer(channels: stems[0], sampleRate: rate),
                       bass: AudioBuffer(channels: stems[1], sampleRate: rate),
                       other: AudioBuffer(channels: stems[3], sampleRate: rate),
                       isApproximation: true)
    }

    /// 1 below `from` Hz, 0 above `to` Hz, raised cosine between.
    static func fallingEdge(_ hz: Double, from: Double, to: Double) -> Float {
        if hz <= from { return 1 }
        if hz >= to { return 0 }
        return Float(0.5 + 0.5 * cos(Double.pi * (hz - from) / (to - from)))
    }

    /// Median over `length` frames (centred, shrinking at the edges) of every bin, frame after frame.
    static func timeMedian(_ x: [Float], frames: Int, bins: Int, length: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        let half = length / 2
        // One sorted window per bin, updated frame by frame (remove the leaving value, insert the entering one).
        var windows = [Float](repeating: 0, count: bins * length)
        var counts = [Int](repeating: 0, count: bins)
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                windows.withUnsafeMutableBufferPointer { win in
                    // Prime with frames 0..<half.
                    for f in 0..<min(half, frames) {
                        for k in 0..<bins { insert(src[f * bins + k], into: win.baseAddress! + k * length, count: &counts[k]) }
                    }
                    for f in 0..<frames {
                        let entering = f + half, leaving = f - half - 1
                        for k in 0..<bins {
                            let w = win.baseAddress! + k * length
                            if leaving >= 0 { remove(src[leaving * bins + k], from: w, count: &counts[k]) }
                            if entering < frames { insert(src[entering * bins + k], into: w, count: &counts[k]) }
                            dst[f * bins + k] = w[counts[k] / 2]
                        }
                    }
                }
            }
        }
        return out
    }

    /// Median over `length` neighbouring values (centred, shrinking at the edges) of a row.
    static func slidingMedian(_ row: UnsafeBufferPointer<Float>, length: Int, into out: UnsafeMutablePointer<Float>) {
        let n = row.count
        let half = length / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: length) { window in
            var count = 0
            for i in 0..<min(half, n) { insert(row[i], into: window.baseAddress!, count: &count) }
            for i in 0..<n {
                let entering = i + half, leaving = i - half - 1
                if leaving >= 0 { remove(row[leaving], from: window.baseAddress!, count: &count) }
                if entering < n { insert(row[entering], into: window.baseAddress!, count: &count) }
                out[i] = window[count / 2]
            }
        }
    }

    @inline(__always)
    static func insert(_ value: Float, into window: UnsafeMutablePointer<Float>, count: inout Int) {
        var j = count - 1
        while j >= 0 && window[j] > value { window[j + 1] = window[j]; j -= 1 }
        window[j + 1] = value
        count += 1
    }

    @inline(__always)
    static func remove(_ value: Float, from window: UnsafeMutablePointer<Float>, count: inout Int) {
        var j = 0
        while j < count - 1 && window[j] != value { j += 1 }
        while j < count - 1 { window[j] = window[j + 1]; j += 1 }
        count -= 1
    }
}
