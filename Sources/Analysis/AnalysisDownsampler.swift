// Design: the analysis front end's rate reduction. The mono downmix is halved in rate while the result stays
// at or above 22.05 kHz (44.1 → 22.05, 48 → 24, 96 → 24 kHz) by a 47-tap Blackman-windowed sinc low-pass
// (cut-off 0.23 of the input rate: flat to about 8 kHz at 44.1 kHz, at least -60 dB from 0.29, so what folds
// back lands above 9 kHz at 22.05 kHz) evaluated only at the kept samples: 47 multiply-adds per output sample
// (eight partial sums in SIMD), about 20x cheaper than a general sinc converter. Rates that cannot be halved and
// are below 20 kHz go through `SampleRateConverter` (fastest sinc) to 22.05 kHz. The filter is linear-phase and
// centred: no delay.
import DSP
import Foundation

/// Rate reduction of a mono signal for analysis.
enum AnalysisDownsampler {
    static let taps: [Float] = {
        let count = 47, centre = 23, cutoff = 0.23
        var h = (0..<count).map { n -> Double in
            let x = Double(n - centre)
            let sinc = x == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * x) / (Double.pi * x)
            let w =
                0.42 - 0.5 * cos(2 * Double.pi * Double(n) / Double(count - 1))
                + 0.08 * cos(4 * Double.pi * Double(n) / Double(count - 1))
            return sinc * w
        }
        let sum = h.reduce(0, +)
        h = h.map { $0 / sum }
        return h.map(Float.init)
    }()

    /// The first 40 taps as five SIMD8 vectors (the interior outputs sum them as eight partial sums).
    static let tapVectors: [SIMD8<Float>] = (0..<5).map { c in SIMD8((0..<8).map { taps[8 * c + $0] }) }

    /// A rate is halved while its half is at least this, Hz.
    static let halvingFloorHz = 22050 * 0.99

    /// `signal` at a rate of at least 20 kHz (22.05 kHz or more when halving from above), and that rate.
    static func prepare(_ signal: [Float], sampleRate: Double) throws -> (samples: [Float], sampleRate: Double) {
        var samples = signal
        var rate = sampleRate
        while rate / 2 >= halvingFloorHz {
            samples = halve(samples)
            rate /= 2
        }
        if rate < 20000, !samples.isEmpty {
            let converted = try SampleRateConverter.resample(
                AudioBuffer(planarSamples: samples, channelCount: 1, sampleRate: rate), to: 22050, quality: .fastest)
            return (converted.samples, 22050)
        }
        return (samples, rate)
    }

    /// Low-pass and keep every other sample; output sample j is centred on input sample 2j.
    static func halve(_ x: [Float]) -> [Float] {
        halve(x, base: 0, outputs: 0..<(x.count + 1) / 2, total: x.count)
    }

    /// Outputs `outputs` of the halving of a signal of which `x` holds the samples from index `base` on (at least
    /// every sample inside the signal that those outputs' taps reach). `total` is the signal's length when known
    /// (taps past it are left out, as at the end of `halve`); nil when every tap asked for is inside the signal.
    /// Each output is summed in the same order whatever the split, so a signal halved in pieces equals the whole.
    static func halve(_ x: [Float], base: Int, outputs: Range<Int>, total: Int?) -> [Float] {
        var out = [Float](repeating: 0, count: outputs.count)
        let count = taps.count, centre = count / 2
        let n = total ?? Int.max
        let h = taps.span, src = x.span, vectors = tapVectors.span
        var dst = out.mutableSpan
        for (k, j) in outputs.enumerated() {
            let first = 2 * j - centre
            var s: Float = 0
            if first >= 0 && first + count <= n {
                // Eight partial sums over the first 40 taps (a serial sum is bound by the adds' latency), then
                // the last 7 in order.
                let p = first - base
                var acc = SIMD8<Float>()
                for c in 0..<5 { acc += vectors[c] * src.simd8(at: p + 8 * c) }
                s = acc.sum()
                for t in 40..<count { s += h[t] * src[p + t] }
            } else {
                for t in 0..<count {
                    let i = first + t
                    if i >= 0 && i < n { s += h[t] * src[i - base] }
                }
            }
            dst[k] = s
        }
        return out
    }
}
