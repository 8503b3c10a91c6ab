/// Polynomial log2 and exp2 for the per-sample dB conversions of the dynamics processors.
///
/// Degree-5 least-squares polynomials on the mantissa (log2, over [1, 2)) and on the fraction (exp2, over
/// [0, 1)), fitted on Chebyshev nodes. Errors: log2 ±1.5e-5 (±0.0001 dB as 20·log10), exp2 ±1.1e-7 relative;
/// far below what a gain computer can be heard to need, at a fraction of libm's cost, and free of branches so
/// loops over them vectorise. Inputs: log2 for positive normal floats (callers clamp to ≥ 1e-20), exp2 for
/// -126 ... 126.
enum FastMath {
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
