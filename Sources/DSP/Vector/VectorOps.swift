/// The few inner loops the whole engine leans on: gain, mix, multiply-add, interleave, peak.
///
/// Written as plain indexed loops over spans (bounds-checked views that the optimizer hoists and vectorises
/// in release builds; checked with the `vector.*` and `effects.*` cases of the benchmark). Counts are in samples.
/// Vector loads of eight or four samples at once, for the loops that need them, are in `SpanSIMD.swift`.
public enum VectorOps {
    /// `buffer[i] *= gain`.
    @inlinable
    public static func scale(_ buffer: inout MutableSpan<Float>, by gain: Float) {
        for i in buffer.indices { buffer[i] *= gain }
    }

    /// `destination[i] = source[i]` for `min(count)` samples.
    @inlinable
    public static func copy(_ source: Span<Float>, into destination: inout MutableSpan<Float>) {
        let n = min(source.count, destination.count)
        for i in 0..<n { destination[i] = source[i] }
    }

    /// `buffer[i] = value` for every sample.
    @inlinable
    public static func fill(_ buffer: inout MutableSpan<Float>, with value: Float) {
        for i in buffer.indices { buffer[i] = value }
    }

    /// `destination[i] += source[i]` for `min(count)` samples.
    @inlinable
    public static func add(_ source: Span<Float>, into destination: inout MutableSpan<Float>) {
        let n = min(source.count, destination.count)
        for i in 0..<n { destination[i] += source[i] }
    }

    /// `destination[i] += source[i] * gain` for `min(count)` samples.
    @inlinable
    public static func multiplyAdd(_ source: Span<Float>, gain: Float, into destination: inout MutableSpan<Float>) {
        let n = min(source.count, destination.count)
        for i in 0..<n { destination[i] += source[i] * gain }
    }

    /// `destination[i] = a[i] * b[i]` for `min(count)` samples.
    @inlinable
    public static func multiply(_ a: Span<Float>, _ b: Span<Float>, into destination: inout MutableSpan<Float>) {
        let n = min(a.count, b.count, destination.count)
        for i in 0..<n { destination[i] = a[i] * b[i] }
    }

    /// `destination[i] += source[i] * gains[i]` (a per-sample gain curve, e.g. a fade).
    @inlinable
    public static func multiplyAdd(
        _ source: Span<Float>, gains: Span<Float>, into destination: inout MutableSpan<Float>
    ) {
        let n = min(source.count, gains.count, destination.count)
        for i in 0..<n { destination[i] += source[i] * gains[i] }
    }

    /// Linear gain ramp: `buffer[i] *= start + (end - start) * i / count`.
    @inlinable
    public static func scale(_ buffer: inout MutableSpan<Float>, rampFrom start: Float, to end: Float) {
        guard buffer.count > 0 else { return }
        let step = (end - start) / Float(buffer.count)
        for i in buffer.indices { buffer[i] *= start + step * Float(i) }
    }

    /// Largest absolute value (0 for an empty buffer).
    @inlinable
    public static func peakMagnitude(_ buffer: Span<Float>) -> Float {
        // Eight running maxima, then their largest. A lane takes a magnitude only when it is larger, as
        // `max(peak, abs(x))` does (which keeps `peak` when `abs(x)` is NaN), so the result is the same whatever the
        // lane a sample falls in: a vector comparison and blend instead of a branchy scalar `max` per sample.
        var lanes = SIMD8<Float>(repeating: 0)
        var start = 0
        while start + 8 <= buffer.count {
            let magnitude = FastMath.magnitude(buffer.simd8(at: start))
            lanes.replace(with: magnitude, where: magnitude .> lanes)
            start += 8
        }
        var peak: Float = 0
        for lane in 0..<8 { peak = max(peak, lanes[lane]) }
        for i in start..<buffer.count { peak = max(peak, abs(buffer[i])) }
        return peak
    }

    /// Sum of squares, accumulated in Double for long buffers (blocks of 4096 summed in Float, then in Double).
    @inlinable
    public static func sumOfSquares(_ buffer: Span<Float>) -> Double {
        var total = 0.0
        var start = 0
        while start < buffer.count {
            let end = min(start + 4096, buffer.count)
            var partial: Float = 0
            for i in start..<end { partial += buffer[i] * buffer[i] }
            total += Double(partial)
            start = end
        }
        return total
    }

    /// `destination[2i] = left[i]`, `destination[2i + 1] = right[i]` for `min(left.count, right.count)` frames
    /// (`destination` holds at least twice as many samples), eight frames at a time.
    @inlinable
    public static func interleave(_ left: Span<Float>, _ right: Span<Float>, into destination: inout MutableSpan<Float>)
    {
        let n = min(left.count, right.count)
        precondition(destination.count >= 2 * n, "VectorOps.interleave: destination shorter than the frames")
        var i = 0
        while i + 8 <= n {
            let l = left.simd8(at: i), r = right.simd8(at: i)
            destination.setSIMD8(SIMD8(l[0], r[0], l[1], r[1], l[2], r[2], l[3], r[3]), at: 2 * i)
            destination.setSIMD8(SIMD8(l[4], r[4], l[5], r[5], l[6], r[6], l[7], r[7]), at: 2 * i + 8)
            i += 8
        }
        while i < n {
            destination[2 * i] = left[i]
            destination[2 * i + 1] = right[i]
            i += 1
        }
    }

    /// Interleaves `channelCount` planar channels of `frameCount` samples (channel `c` at `c * frameCount`)
    /// into `destination` (which holds at least `frameCount * channelCount` samples).
    @inlinable
    public static func interleave(
        _ planar: Span<Float>, channelCount: Int, frameCount: Int, into destination: inout MutableSpan<Float>
    ) {
        if channelCount == 2 {
            interleave(
                planar.extracting(0..<frameCount), planar.extracting(frameCount..<(2 * frameCount)),
                into: &destination)
            return
        }
        for c in 0..<channelCount {
            let source = c * frameCount
            for i in 0..<frameCount { destination[i * channelCount + c] = planar[source + i] }
        }
    }

    /// Splits `frameCount` interleaved frames of `channelCount` channels into planar layout
    /// (channel `c` from `destination[c * destinationStride]` on).
    @inlinable
    public static func deinterleave(
        _ interleaved: Span<Float>, channelCount: Int, frameCount: Int,
        into destination: inout MutableSpan<Float>, destinationStride: Int
    ) {
        if channelCount == 2 {
            for i in 0..<frameCount {
                destination[i] = interleaved[2 * i]
                destination[destinationStride + i] = interleaved[2 * i + 1]
            }
            return
        }
        for c in 0..<channelCount {
            let dest = c * destinationStride
            for i in 0..<frameCount { destination[dest + i] = interleaved[i * channelCount + c] }
        }
    }

    /// Replaces NaN and infinities with 0 and returns how many were replaced.
    @inlinable
    public static func replaceNonFinite(_ buffer: inout MutableSpan<Float>) -> Int {
        var replaced = 0
        // Eight samples at a time are checked at once: v - v is 0 for a finite v and NaN for an infinity or a NaN;
        // only a group that holds one is repaired sample by sample.
        let zero = SIMD8<Float>(repeating: 0)
        var start = 0
        while start + 8 <= buffer.count {
            let v = buffer.span.simd8(at: start)
            if any((v - v) .!= zero) {
                for i in start..<(start + 8) where !buffer[i].isFinite {
                    buffer[i] = 0
                    replaced += 1
                }
            }
            start += 8
        }
        for i in start..<buffer.count where !buffer[i].isFinite {
            buffer[i] = 0
            replaced += 1
        }
        return replaced
    }
}
