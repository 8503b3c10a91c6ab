// Design (phase arithmetic): the phase vocoder needs one arctangent and one sine/cosine pair per spectral peak per frame.
// These polynomial forms avoid libm calls in that loop: atan on [0, 1] (Abramowitz & Stegun 4.4.49,
// |error| ≤ 1e-5 rad) with octant folding, and odd/even Taylor polynomials of degree 11/12 on [-π/2, π/2]
// (|error| < 1e-7) after folding the half-turn. The phase errors they add are far below a cent of frequency
// error: a constant 1e-5 rad per frame moves a 440 Hz partial by about 1e-4 cent.
import Foundation

/// Fast float approximations of atan2 and sin/cos for phase arithmetic (radians).
enum FastMath {
    static let pi = Float.pi
    static let halfPi = Float.pi / 2
    static let twoPi = 2 * Float.pi

    /// atan2(y, x) in -π...π, |error| ≤ 1e-5 rad; 0 for (0, 0).
    @inline(__always)
    static func atan2(_ y: Float, _ x: Float) -> Float {
        let ax = abs(x), ay = abs(y)
        let largest = max(ax, ay)
        guard largest > 0 else { return 0 }
        let a = min(ax, ay) / largest
        let s = a * a
        var r = a * (0.9998660 + s * (-0.3302995 + s * (0.1801410 + s * (-0.0851330 + s * 0.0208351))))
        if ay > ax { r = halfPi - r }
        if x < 0 { r = pi - r }
        return y < 0 ? -r : r
    }

    /// `x` wrapped into -π...π.
    @inline(__always)
    static func wrapPhase(_ x: Float) -> Float {
        x - twoPi * (x / twoPi).rounded()
    }

    /// (sin θ, cos θ) for θ in -π...π (wrap first), |error| < 1e-7.
    @inline(__always)
    static func sinCos(_ theta: Float) -> (sin: Float, cos: Float) {
        var x = theta
        var cosSign: Float = 1
        if x > halfPi { x = pi - x; cosSign = -1 } else if x < -halfPi { x = -pi - x; cosSign = -1 }
        let s = x * x
        let sine =
            x
            * (1 + s * (-1.0 / 6 + s * (1.0 / 120 + s * (-1.0 / 5040 + s * (1.0 / 362880 + s * (-1.0 / 39_916_800))))))
        let cosine =
            1 + s
            * (-0.5 + s
                * (1.0 / 24 + s * (-1.0 / 720 + s * (1.0 / 40320 + s * (-1.0 / 3_628_800 + s * (1.0 / 479_001_600))))))
        return (sine, cosSign * cosine)
    }
}

/// Polynomial log2 and exp2 for the per-sample dB conversions of the dynamics processors.
///
/// Degree-5 least-squares polynomials on the mantissa (log2, over [1, 2)) and on the fraction (exp2, over
/// [0, 1)), fitted on Chebyshev nodes. Errors: log2 ±1.5e-5 (±0.0001 dB as 20·log10), exp2 ±1.1e-7 relative;
/// far below what a gain computer can be heard to need, at a fraction of libm's cost, and free of branches so
/// loops over them vectorise. Inputs: log2 for positive normal floats (callers clamp to ≥ 1e-20), exp2 for
/// -126 ... 126.
extension FastMath {
    @inline(__always)
    static func log2(_ x: Float) -> Float {
        let bits = x.bitPattern
        let exponent = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 127)
        let m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000)
        var p: Float = 0.043_929_571
        p = p * m - 0.409_484_26
        p = p * m + 1.610_208_1
        p = p * m - 3.520_270_9
        p = p * m + 5.069_799_4
        p = p * m - 2.794_167_5
        return exponent + p
    }

    @inline(__always)
    static func exp2(_ y: Float) -> Float {
        let clamped = min(max(y, -126), 126)
        let whole = clamped.rounded(.down)
        let f = clamped - whole
        var p: Float = 0.001_895_108_6
        p = p * f + 0.008_946_225
        p = p * f + 0.055_863_258
        p = p * f + 0.240_140_79
        p = p * f + 0.693_154_62
        p = p * f + 1 // exact at whole numbers (unity gain stays exactly unity)
        return p * Float(bitPattern: UInt32(Int32(whole) + 127) << 23)
    }
}
