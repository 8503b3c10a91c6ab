import DSP
import Foundation

/// Measurements for time-stretch and pitch-shift tests: click positions and sharpness, onsets, phase.
public enum StretchMeasurements {
    /// Frame of the largest |sample| within `center ± radius` (clamped to the signal).
    public static func peakFrame(_ x: [Float], near center: Int, radius: Int) -> Int {
        let lo = max(0, center - radius), hi = min(x.count - 1, center + radius)
        var best = lo
        for i in lo...hi where abs(x[i]) > abs(x[best]) { best = i }
        return best
    }

    /// Share (0...1) of the energy within `center ± outerRadius` frames that lies within `center ± innerRadius`.
    public static func energyConcentration(_ x: [Float], center: Int, innerRadius: Int, outerRadius: Int) -> Double {
        func energy(_ r: Int) -> Double {
            var sum = 0.0
            for i in max(0, center - r)...min(x.count - 1, center + r) { sum += Double(x[i]) * Double(x[i]) }
            return sum
        }
        let outer = energy(outerRadius)
        return outer > 0 ? energy(innerRadius) / outer : 0
    }

    /// First frame in `range` where the first difference |x[n] - x[n-1]| reaches `threshold` (an attack), or nil.
    public static func firstAttack(_ x: [Float], in range: Range<Int>, threshold: Float) -> Int? {
        for i in max(1, range.lowerBound)..<min(x.count, range.upperBound) where abs(x[i] - x[i - 1]) >= threshold {
            return i
        }
        return nil
    }

    /// Phase (radians) of the component at `frequencyHz` in `x` (a single-bin DFT through a Hann window).
    public static func phase(_ x: [Float], frequencyHz: Double, sampleRate: Double) -> Double {
        let w = 2 * Double.pi * frequencyHz / sampleRate
        var re = 0.0, im = 0.0
        let n = x.count
        for i in 0..<n {
            let window = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n))
            re += Double(x[i]) * window * cos(w * Double(i))
            im -= Double(x[i]) * window * sin(w * Double(i))
        }
        return atan2(im, re)
    }

    /// `a - b` wrapped to -180...180 degrees.
    public static func phaseDifferenceDegrees(_ a: Double, _ b: Double) -> Double {
        var d = (a - b) * 180 / Double.pi
        while d > 180 { d -= 360 }
        while d < -180 { d += 360 }
        return d
    }

    /// Exponentially decaying white-noise bursts (drum-like) starting at each of `startFrames`.
    public static func noiseBursts(
        startFrames: [Int], frameCount: Int, amplitude: Float, decaySeconds: Double,
        sampleRate: Double, seed: UInt64
    ) -> [Float] {
        var out = [Float](repeating: 0, count: frameCount)
        var rng = SeededGenerator(seed: seed)
        let length = Int(decaySeconds * sampleRate * 5)
        for start in startFrames {
            for i in 0..<length where start + i < frameCount {
                let envelope = Float(exp(-Double(i) / (decaySeconds * sampleRate)))
                out[start + i] += amplitude * envelope * rng.nextBipolar()
            }
        }
        return out
    }
}
