import DSP
import Foundation

/// Measurements used by the tests: levels in dB, frequencies in Hz and cents, spectra.
public enum Measurements {
    /// RMS level in dBFS (a full-scale sine reads -3.01 dB).
    public static func rmsDecibels(_ x: [Float]) -> Double {
        guard !x.isEmpty else { return Decibels.silenceFloorDecibels }
        let power = VectorOps.sumOfSquares(x.span) / Double(x.count)
        return Decibels.decibels(power: power)
    }

    /// Peak level in dBFS.
    public static func peakDecibels(_ x: [Float]) -> Double {
        Decibels.decibels(Double(VectorOps.peakMagnitude(x.span)))
    }

    /// Level of `residual` relative to `reference` in dB (energy ratio): a null test.
    public static func residualDecibels(_ output: [Float], _ reference: [Float]) -> Double {
        precondition(output.count == reference.count, "null test needs equal lengths")
        var diff = 0.0, ref = 0.0
        for i in 0..<output.count {
            let d = Double(output[i]) - Double(reference[i])
            diff += d * d
            ref += Double(reference[i]) * Double(reference[i])
        }
        return Decibels.decibels(power: diff / max(ref, 1e-30))
    }

    /// Interval from `reference` to `frequency` in cents.
    public static func cents(_ frequency: Double, relativeTo reference: Double) -> Double {
        1200 * log2(frequency / reference)
    }

    /// Power spectrum of `x` through a Blackman-Harris window, zero padded to `fftSize` (power of two ≥ count).
    public static func powerSpectrum(_ x: [Float], fftSize: Int? = nil) -> [Double] {
        var size = 2
        while size < x.count { size *= 2 }
        size = max(size, fftSize ?? 0)
        let n = x.count
        var windowed = [Float](repeating: 0, count: size)
        for i in 0..<n {
            let t = 2 * Double.pi * Double(i) / Double(max(n - 1, 1))
            let w = 0.35875 - 0.48829 * cos(t) + 0.14128 * cos(2 * t) - 0.01168 * cos(3 * t)
            windowed[i] = x[i] * Float(w)
        }
        let fft = RealFFT(size: size)
        let (re, im) = fft.spectrum(of: windowed)
        return (0..<re.count).map { Double(re[$0]) * Double(re[$0]) + Double(im[$0]) * Double(im[$0]) }
    }

    /// Frequency of the strongest spectral peak (quadratic interpolation on log power), in Hz,
    /// searched within `rangeHz` if given. Resolution: well under 0.1 cent for a second of a steady sine.
    public static func peakFrequency(
        _ x: [Float], sampleRate: Double, rangeHz: ClosedRange<Double>? = nil,
        fftSize: Int = 1 << 18
    ) -> Double {
        let p = powerSpectrum(x, fftSize: fftSize)
        let size = (p.count - 1) * 2
        let binHz = sampleRate / Double(size)
        let lo = max(1, Int((rangeHz?.lowerBound ?? 0) / binHz))
        let hi = min(p.count - 2, Int((rangeHz?.upperBound ?? sampleRate / 2) / binHz))
        var best = lo
        for k in lo...hi where p[k] > p[best] { best = k }
        let a = log(max(p[best - 1], 1e-300)), b = log(max(p[best], 1e-300)), c = log(max(p[best + 1], 1e-300))
        let denom = a - 2 * b + c
        let offset = denom != 0 ? 0.5 * (a - c) / denom : 0
        return (Double(best) + offset) * binHz
    }

    /// Ratio in dB of the energy outside `±excludeCents` of `centerHz` to the energy inside it.
    public static func energyOutside(
        centerHz: Double, excludeCents: Double, spectrum p: [Double],
        sampleRate: Double
    ) -> Double {
        let size = (p.count - 1) * 2
        let binHz = sampleRate / Double(size)
        let lo = centerHz * pow(2, -excludeCents / 1200), hi = centerHz * pow(2, excludeCents / 1200)
        var inside = 0.0, outside = 0.0
        for k in 1..<p.count {
            let f = Double(k) * binHz
            if f >= lo && f <= hi { inside += p[k] } else { outside += p[k] }
        }
        return Decibels.decibels(power: outside / max(inside, 1e-300))
    }
}
