// Why this file uses unsafe pointers: it is the transition layer for code that still works on raw pointers
// (the time stretcher, the loudness meters and limiter, the polyphase oversampler, the stem approximator, the
// render engine and some tests). Everything here is a thin pointer-typed face over the safe span-based API of
// `AudioBlock`, `AudioBuffer`, `VectorOps` and `STFT`, plus `SampleStorage`, the pointer-addressed fixed buffer
// those callers index. Delete each part once its last caller has moved to spans and `SampleBuffer`.

/// A fixed-size, zero-initialised block of Float samples owned by a processor (delay lines, filter state).
///
/// Allocated once in `prepare`, freed in `deinit`; the hot loops read and write through `pointer`
/// without bounds checks or copy-on-write checks. Not thread-safe (one processor, one thread).
final class SampleStorage {
    /// Base address of `count` samples.
    let pointer: UnsafeMutablePointer<Float>
    /// Number of samples.
    let count: Int

    /// `count` zeroed samples (at least one is allocated so that `pointer` is always valid).
    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// Sets every sample to zero.
    func clear() { pointer.update(repeating: 0, count: max(count, 1)) }

    subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}

extension AudioBlock {
    /// A view over caller-owned channel pointers; `pointers` must hold `channelCount` entries,
    /// each valid for `frameCount` samples, for as long as the block is used.
    @inlinable
    public init(pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, channelCount: Int, frameCount: Int) {
        self.init(pointers: pointers, frameOffset: 0, channelCount: channelCount, frameCount: frameCount)
    }

    /// The samples of channel `index`.
    @inlinable
    public func channel(_ index: Int) -> UnsafeMutableBufferPointer<Float> { buffer(index) }

    /// The base pointer of channel `index`.
    @inlinable
    public func pointer(_ index: Int) -> UnsafeMutablePointer<Float> { pointers[index] + frameOffset }
}

extension AudioBuffer {
    /// Calls `body` with a read-only pointer to one channel (`frameCount` samples).
    @inlinable
    public func withChannel<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        return try samples.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[index * frameCount..<(index + 1) * frameCount]))
        }
    }

    /// Calls `body` with a mutable pointer to one channel (`frameCount` samples).
    @inlinable
    public mutating func withMutableChannel<R>(_ index: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R)
        rethrows -> R
    {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        let frames = frameCount
        return try storage.withUnsafeMutableBufferPointer { all in
            try body(UnsafeMutableBufferPointer(rebasing: all[index * frames..<(index + 1) * frames]))
        }
    }
}

extension VectorOps {
    @inlinable
    public static func scale(_ buffer: UnsafeMutableBufferPointer<Float>, by gain: Float) {
        var span = buffer.mutableSpan
        scale(&span, by: gain)
    }

    @inlinable
    public static func add(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>) {
        var span = destination.mutableSpan
        add(source.span, into: &span)
    }

    @inlinable
    public static func multiplyAdd(
        _ source: UnsafeBufferPointer<Float>, gain: Float, into destination: UnsafeMutableBufferPointer<Float>
    ) {
        var span = destination.mutableSpan
        multiplyAdd(source.span, gain: gain, into: &span)
    }

    @inlinable
    public static func multiply(
        _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        var span = destination.mutableSpan
        multiply(a.span, b.span, into: &span)
    }

    @inlinable
    public static func multiplyAdd(
        _ source: UnsafeBufferPointer<Float>, gains: UnsafeBufferPointer<Float>,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        var span = destination.mutableSpan
        multiplyAdd(source.span, gains: gains.span, into: &span)
    }

    @inlinable
    public static func scale(_ buffer: UnsafeMutableBufferPointer<Float>, rampFrom start: Float, to end: Float) {
        var span = buffer.mutableSpan
        scale(&span, rampFrom: start, to: end)
    }

    @inlinable
    public static func peakMagnitude(_ buffer: UnsafeBufferPointer<Float>) -> Float { peakMagnitude(buffer.span) }

    @inlinable
    public static func sumOfSquares(_ buffer: UnsafeBufferPointer<Float>) -> Double { sumOfSquares(buffer.span) }

    @inlinable
    public static func interleave(
        _ planar: UnsafePointer<Float>, channelCount: Int, frameCount: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        let count = channelCount * frameCount
        var span = UnsafeMutableBufferPointer(start: destination, count: count).mutableSpan
        interleave(
            UnsafeBufferPointer(start: planar, count: count).span, channelCount: channelCount,
            frameCount: frameCount, into: &span)
    }

    @inlinable
    public static func deinterleave(
        _ interleaved: UnsafePointer<Float>, channelCount: Int, frameCount: Int,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int
    ) {
        let count = channelCount * frameCount
        let destinationCount = channelCount > 0 ? (channelCount - 1) * destinationStride + frameCount : 0
        var span = UnsafeMutableBufferPointer(start: destination, count: destinationCount).mutableSpan
        deinterleave(
            UnsafeBufferPointer(start: interleaved, count: count).span, channelCount: channelCount,
            frameCount: frameCount, into: &span, destinationStride: destinationStride)
    }

    @inlinable
    public static func replaceNonFinite(_ buffer: UnsafeMutableBufferPointer<Float>) -> Int {
        var span = buffer.mutableSpan
        return replaceNonFinite(&span)
    }
}

extension STFT {
    /// Pointer form of `process(_:transformSpectrum:)`: `transform(frameIndex, real, imag, binCount)`.
    public func process(
        _ signal: [Float],
        transform: (
            _ frameIndex: Int, _ real: UnsafeMutablePointer<Float>,
            _ imag: UnsafeMutablePointer<Float>, _ binCount: Int
        ) -> Void
    ) -> [Float] {
        process(signal) { (f: Int, real: inout MutableSpan<Float>, imag: inout MutableSpan<Float>) in
            let bins = real.count
            real.withUnsafeMutableBufferPointer { re in
                imag.withUnsafeMutableBufferPointer { im in transform(f, re.baseAddress!, im.baseAddress!, bins) }
            }
        }
    }

    /// Pointer form of `forEachSpectrum`: `body(frameIndex, real, imag, binCount)`.
    public func forEachFrame(
        _ signal: [Float],
        _ body: (
            _ frameIndex: Int, _ real: UnsafePointer<Float>,
            _ imag: UnsafePointer<Float>, _ binCount: Int
        ) -> Void
    ) {
        forEachSpectrum(signal) { f, real, imag in
            real.withUnsafeBufferPointer { re in
                imag.withUnsafeBufferPointer { im in body(f, re.baseAddress!, im.baseAddress!, re.count) }
            }
        }
    }
}
