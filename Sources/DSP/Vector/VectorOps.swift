/// The few inner loops the whole engine leans on: gain, mix, multiply-add, interleave, peak.
///
/// Written as plain loops over unsafe buffer pointers so that the optimizer vectorises them in release
/// builds (checked with the `vector.*` cases of the benchmark against naive `Array`-subscript loops).
/// Pointers must not alias unless stated. Counts are in samples.
public enum VectorOps {
    /// `buffer[i] *= gain`.
    @inlinable
    public static func scale(_ buffer: UnsafeMutableBufferPointer<Float>, by gain: Float) {
        guard let p = buffer.baseAddress else { return }
        for i in 0..<buffer.count { p[i] *= gain }
    }

    /// `destination[i] += source[i]` for `min(count)` samples.
    @inlinable
    public static func add(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>) {
        let n = min(source.count, destination.count)
        guard n > 0, let s = source.baseAddress, let d = destination.baseAddress else { return }
        for i in 0..<n { d[i] += s[i] }
    }

    /// `destination[i] += source[i] * gain` for `min(count)` samples.
    @inlinable
    public static func multiplyAdd(
        _ source: UnsafeBufferPointer<Float>, gain: Float,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        let n = min(source.count, destination.count)
        guard n > 0, let s = source.baseAddress, let d = destination.baseAddress else { return }
        for i in 0..<n { d[i] += s[i] * gain }
    }

    /// `destination[i] = a[i] * b[i]` for `min(count)` samples.
    @inlinable
    public static func multiply(
        _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        let n = min(a.count, b.count, destination.count)
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress, let d = destination.baseAddress else { return }
        for i in 0..<n { d[i] = pa[i] * pb[i] }
    }

    /// `destination[i] += source[i] * gains[i]` (a per-sample gain curve, e.g. a fade).
    @inlinable
    public static func multiplyAdd(
        _ source: UnsafeBufferPointer<Float>, gains: UnsafeBufferPointer<Float>,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        let n = min(source.count, gains.count, destination.count)
        guard n > 0, let s = source.baseAddress, let g = gains.baseAddress, let d = destination.baseAddress else {
            return
        }
        for i in 0..<n { d[i] += s[i] * g[i] }
    }

    /// Linear gain ramp: `buffer[i] *= start + (end - start) * i / count`.
    @inlinable
    public static func scale(_ buffer: UnsafeMutableBufferPointer<Float>, rampFrom start: Float, to end: Float) {
        guard let p = buffer.baseAddress, buffer.count > 0 else { return }
        let step = (end - start) / Float(buffer.count)
        for i in 0..<buffer.count { p[i] *= start + step * Float(i) }
    }

    /// Largest absolute value (0 for an empty buffer).
    @inlinable
    public static func peakMagnitude(_ buffer: UnsafeBufferPointer<Float>) -> Float {
        guard let p = buffer.baseAddress else { return 0 }
        var peak: Float = 0
        for i in 0..<buffer.count { peak = max(peak, abs(p[i])) }
        return peak
    }

    /// Sum of squares, accumulated in Double for long buffers (blocks of 4096 summed in Float, then in Double).
    @inlinable
    public static func sumOfSquares(_ buffer: UnsafeBufferPointer<Float>) -> Double {
        guard let p = buffer.baseAddress else { return 0 }
        var total = 0.0
        var start = 0
        while start < buffer.count {
            let end = min(start + 4096, buffer.count)
            var partial: Float = 0
            for i in start..<end { partial += p[i] * p[i] }
            total += Double(partial)
            start = end
        }
        return total
    }

    /// Interleaves `channels.count` planar channels of `frameCount` samples into `destination`
    /// (which holds `frameCount * channels.count` samples).
    @inlinable
    public static func interleave(
        _ planar: UnsafePointer<Float>, channelCount: Int, frameCount: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        if channelCount == 2 {
            let left = planar, right = planar + frameCount
            for i in 0..<frameCount {
                destination[2 * i] = left[i]
                destination[2 * i + 1] = right[i]
            }
            return
        }
        for c in 0..<channelCount {
            let source = planar + c * frameCount
            for i in 0..<frameCount { destination[i * channelCount + c] = source[i] }
        }
    }

    /// Splits `frameCount` interleaved frames of `channelCount` channels into planar layout
    /// (channel `c` at `destination + c * destinationStride`).
    @inlinable
    public static func deinterleave(
        _ interleaved: UnsafePointer<Float>, channelCount: Int, frameCount: Int,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int
    ) {
        if channelCount == 2 {
            let left = destination, right = destination + destinationStride
            for i in 0..<frameCount {
                left[i] = interleaved[2 * i]
                right[i] = interleaved[2 * i + 1]
            }
            return
        }
        for c in 0..<channelCount {
            let dest = destination + c * destinationStride
            for i in 0..<frameCount { dest[i] = interleaved[i * channelCount + c] }
        }
    }

    /// Replaces NaN and infinities with 0 and returns how many were replaced.
    @inlinable
    public static func replaceNonFinite(_ buffer: UnsafeMutableBufferPointer<Float>) -> Int {
        guard let p = buffer.baseAddress else { return 0 }
        var replaced = 0
        for i in 0..<buffer.count where !p[i].isFinite {
            p[i] = 0
            replaced += 1
        }
        return replaced
    }
}
