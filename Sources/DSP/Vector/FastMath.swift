// Design (phase arithmetic): the phase vocoder needs one arctangent and one sine/cosine pair per spectral peak per frame.
// These polynomial forms avoid libm calls in that loop: atan on [0, 1] (Abramowitz & Stegun 4.4.49,
// |error| ≤ 1e-5 rad) with octant folding, and odd/even Taylor polynomials of degree 11/12 on [-π/2, π/2]
// (|error| < 1e-7) after folding the half-turn. The phase errors they add are far below a cent of frequency
// error: a constant 1e-5 rad per frame moves a 440 Hz partial by about 1e-4 cent.
import Foundation

/// Fast float approximations of atan2 and sin/cos for phase arithmetic (radians).
public enum FastMath {
    public static let pi = Float.pi
    public static let halfPi = Float.pi / 2
    public static let twoPi = 2 * Float.pi

    /// atan2(y, x) in -π...π, |error| ≤ 1e-5 rad; 0 for (0, 0).
    @inlinable @inline(__always)
    public static func atan2(_ y: Float, _ x: Float) -> Float {
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
    @inlinable @inline(__always)
    public static func wrapPhase(_ x: Float) -> Float {
        x - twoPi * (x / twoPi).rounded()
    }

    /// (sin θ, cos θ) for θ in -π...π (wrap first), |error| < 1e-7.
    @inlinable @inline(__always)
    public static func sinCos(_ theta: Float) -> (sin: Float, cos: Float) {
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

/// `atan2`, `sinCos` and the phase wrap eight lanes at a time, for the phase vocoder's per-peak phase arithmetic.
/// Each lane is the scalar function's value bit for bit: the same operations in the same order, the scalar
/// branches as lane selections (IEEE addition, multiplication, division and square root round the same in a
/// vector lane as alone). Negation is written as a product with -1, which flips the sign of a zero as the scalar
/// `-x` does.
extension FastMath {
    /// `a.sum()`, `b.sum()`, `c.sum()` and `d.sum()` as the lanes of one vector, each bit for bit: every lane adds its
    /// vector's lanes one at a time from lane 0, the order `sum()` adds them in, and the four sums run side by side
    /// (seven additions of transposed lanes instead of four chains of seven scalar ones).
    @inlinable @inline(__always)
    public static func sums(
        _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>
    ) -> SIMD4<Float> {
        var total = SIMD4<Float>(a[0], b[0], c[0], d[0])
        total += SIMD4<Float>(a[1], b[1], c[1], d[1])
        total += SIMD4<Float>(a[2], b[2], c[2], d[2])
        total += SIMD4<Float>(a[3], b[3], c[3], d[3])
        total += SIMD4<Float>(a[4], b[4], c[4], d[4])
        total += SIMD4<Float>(a[5], b[5], c[5], d[5])
        total += SIMD4<Float>(a[6], b[6], c[6], d[6])
        total += SIMD4<Float>(a[7], b[7], c[7], d[7])
        return total
    }

    /// |x| per lane, +0 for ±0 (as the scalar `abs`; also the vector peak meters' magnitude).
    @inlinable @inline(__always)
    public static func magnitude(_ x: SIMD8<Float>) -> SIMD8<Float> {
        x.replacing(with: 0 - x, where: x .<= 0)
    }

    /// `atan2(y, x)` per lane.
    @inlinable @inline(__always)
    public static func atan2(_ y: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let ax = magnitude(x), ay = magnitude(y)
        // `max` and `min` as the scalar ones choose: `y >= x ? y : x` and `y < x ? y : x`.
        let largest = ax.replacing(with: ay, where: ay .>= ax)
        let smallest = ax.replacing(with: ay, where: ay .< ax)
        let a = smallest / largest
        let s = a * a
        let c4: Float = 0.0208351, c3: Float = -0.0851330, c2: Float = 0.1801410, c1: Float = -0.3302995
        let c0: Float = 0.9998660
        var inner = c3 + s * c4
        inner = c2 + s * inner
        inner = c1 + s * inner
        inner = c0 + s * inner
        var r = a * inner
        r.replace(with: halfPi - r, where: ay .> ax)
        r.replace(with: pi - r, where: x .< 0)
        r.replace(with: r * -1, where: y .< 0) // `-r`, sign of zero included
        r.replace(with: 0, where: .!(largest .> 0))
        return r
    }

    /// `sinCos(theta)` per lane (θ in -π...π).
    @inlinable @inline(__always)
    public static func sinCos(_ theta: SIMD8<Float>) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
        let above = theta .> halfPi, below = theta .< -halfPi
        var x = theta
        x.replace(with: pi - theta, where: above)
        x.replace(with: -pi - theta, where: below)
        let cosSign = SIMD8<Float>(repeating: 1).replacing(with: -1, where: above .| below)
        let s = x * x
        let s5: Float = -1.0 / 39_916_800, s4: Float = 1.0 / 362880, s3: Float = -1.0 / 5040, s2: Float = 1.0 / 120
        let s1: Float = -1.0 / 6
        var sine = s4 + s * s5
        sine = s3 + s * sine
        sine = s2 + s * sine
        sine = s1 + s * sine
        sine = 1 + s * sine
        sine = x * sine
        let k6: Float = 1.0 / 479_001_600, k5: Float = -1.0 / 3_628_800, k4: Float = 1.0 / 40320
        let k3: Float = -1.0 / 720, k2: Float = 1.0 / 24
        var cosine = k5 + s * k6
        cosine = k4 + s * cosine
        cosine = k3 + s * cosine
        cosine = k2 + s * cosine
        cosine = -0.5 + s * cosine
        cosine = 1 + s * cosine
        return (sine, cosSign * cosine)
    }

    /// `x` wrapped into -π...π per lane, as `PhaseVocoderEngine`'s scalar wrap computes it (the nearest whole turn,
    /// halves away from zero); nil when some lane's turn count is not below 2^22 in magnitude (or is NaN), for
    /// which the caller takes the scalar path.
    @inlinable @inline(__always)
    public static func wrapPhase(_ x: SIMD8<Float>) -> SIMD8<Float>? {
        let v = x / twoPi
        let av = magnitude(v)
        guard all(av .< 4_194_304) else { return nil }
        // v rounded to a whole number (ties to even) by adding and removing 1.5 × 2^23 (exact below 2^22), then
        // moved one towards zero where that went past v: the truncation `Float(Int32(v))` of the scalar wrap.
        let shift: Float = 12_582_912
        let nearest = (v + shift) - shift
        let past = magnitude(nearest) .> av
        var truncated = nearest
        truncated.replace(with: nearest - 1, where: past .& (v .> 0))
        truncated.replace(with: nearest + 1, where: past .& (v .< 0))
        let step = SIMD8<Float>(repeating: 0).replacing(with: 1, where: magnitude(v - truncated) .>= 0.5)
        let m = magnitude(truncated) + step
        // `Float(signOf: v, magnitudeOf: m)`: m is 0 wherever v is ±0, and then the result is v itself.
        var r = m.replacing(with: m * -1, where: v .< 0)
        r.replace(with: v, where: v .== 0)
        return x - twoPi * r
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
