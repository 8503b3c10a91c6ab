import DSP
import Foundation

/// Measurements and helpers for the effects tests: running processors, decay times, correlation, echo density.
public enum EffectsMeasurements {
    /// Runs `processor` (prepared here for the buffer's rate and channels) over `buffer` in blocks of
    /// `blockFrameCount` frames and returns the result.
    public static func run(_ processor: AudioProcessor, on buffer: AudioBuffer, blockFrameCount: Int = 512) throws
        -> AudioBuffer
    {
        try processor.prepare(
            ProcessSpec(
                sampleRate: buffer.sampleRate, maximumBlockFrameCount: blockFrameCount,
                channelCount: buffer.channelCount))
        var out = buffer
        processor.process(buffer: &out, blockFrameCount: blockFrameCount)
        return out
    }

    /// RMS level in dB of `x[range]`.
    public static func rmsDecibels(_ x: [Float], _ range: Range<Int>) -> Double {
        Measurements.rmsDecibels(Array(x[range]))
    }

    /// RT60 in seconds from an impulse response (energy summed over `channels`), by Schroeder backward
    /// integration and a least-squares line through the decay curve between `fromDecibels` and `toDecibels`
    /// (T30 uses -5 ... -35), extrapolated to 60 dB.
    public static func rt60Seconds(
        _ channels: [[Float]], sampleRate: Double,
        fromDecibels: Double = -5, toDecibels: Double = -35
    ) -> Double {
        let n = channels[0].count
        var energy = [Double](repeating: 0, count: n)
        for ch in channels { for i in 0..<n { energy[i] += Double(ch[i]) * Double(ch[i]) } }
        var curve = [Double](repeating: 0, count: n)
        var sum = 0.0
        for i in stride(from: n - 1, through: 0, by: -1) {
            sum += energy[i]
            curve[i] = sum
        }
        let total = curve[0]
        var xs: [Double] = [], ys: [Double] = []
        for i in 0..<n {
            let db = 10 * log10(max(curve[i] / total, 1e-30))
            if db <= fromDecibels && db >= toDecibels {
                xs.append(Double(i) / sampleRate)
                ys.append(db)
            }
        }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for k in 0..<xs.count {
            sxy += (xs[k] - mx) * (ys[k] - my)
            sxx += (xs[k] - mx) * (xs[k] - mx)
        }
        let slope = sxy / sxx
        return -60 / slope
    }

    /// Pearson correlation of two equal-length signals.
    public static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = min(a.count, b.count)
        var ma = 0.0, mb = 0.0
        for i in 0..<n { ma += Double(a[i]); mb += Double(b[i]) }
        ma /= Double(n); mb /= Double(n)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in 0..<n {
            let x = Double(a[i]) - ma, y = Double(b[i]) - mb
            sab += x * y; saa += x * x; sbb += y * y
        }
        return sab / max((saa * sbb).squareRoot(), 1e-300)
    }

    /// Normalised echo density (Abel & Huang 2006) of `x` in a window of `windowFrames` centred at `center`:
    /// the fraction of samples outside one standard deviation divided by that of a Gaussian (0.3173).
    /// 1 means noise-like (dense, diffuse); a sparse, ringing or metallic response stays well below 1.
    public static func echoDensity(_ x: [Float], center: Int, windowFrames: Int) -> Double {
        let lo = max(0, center - windowFrames / 2), hi = min(x.count, center + windowFrames / 2)
        var weights = [Double](), values = [Double]()
        for i in lo..<hi {
            let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(i - lo) / Double(hi - lo))
            weights.append(w)
            values.append(Double(x[i]))
        }
        let wsum = weights.reduce(0, +)
        var variance = 0.0
        for k in 0..<values.count { variance += weights[k] * values[k] * values[k] }
        let sigma = (variance / wsum).squareRoot()
        var outside = 0.0
        for k in 0..<values.count where abs(values[k]) > sigma { outside += weights[k] }
        return outside / wsum / 0.317_310_5
    }

    /// Largest absolute difference between consecutive samples.
    public static func largestStep(_ x: [Float]) -> Float {
        var m: Float = 0
        for i in 1..<x.count { m = max(m, abs(x[i] - x[i - 1])) }
        return m
    }
}
