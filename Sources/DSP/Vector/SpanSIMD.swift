// Why this file uses unsafe pointers: the hot DSP loops (phase locking, the sinc resampler's dot products, the
// polyphase oversampler) read eight neighbouring samples at once as one SIMD vector, and the oversampler writes
// four at once. A `Span` has no vector load of its own, and eight scalar subscripts each carry a bounds check that
// the optimizer does not merge. So this file offers bounds-checked vector loads and stores on spans: one
// precondition for the whole vector, then one unaligned load or store through the span's own memory. The
// pointers never leave these functions; every caller stays safe code. The span is not empty once the
// precondition holds, so its base address exists and is unwrapped without a second (per-load) nil check.

extension Span where Element == Float {
    /// The eight samples `index ..< index + 8` as one vector (bounds-checked once).
    @inlinable @inline(__always)
    public func simd8(at index: Int) -> SIMD8<Float> {
        precondition(index >= 0 && index <= count - 8, "Span.simd8: samples outside the span")
        return withUnsafeBufferPointer {
            UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + index).loadUnaligned(as: SIMD8<Float>.self)
        }
    }
}

extension MutableSpan where Element == Float {
    /// Writes `value` to samples `index ..< index + 4` (bounds-checked once).
    @inlinable @inline(__always)
    public mutating func setSIMD4(_ value: SIMD4<Float>, at index: Int) { store(value, at: index) }

    /// Writes `value` to samples `index ..< index + 8` (bounds-checked once).
    @inlinable @inline(__always)
    public mutating func setSIMD8(_ value: SIMD8<Float>, at index: Int) { store(value, at: index) }

    /// Writes the lanes of `value` to samples `index ..< index + V.scalarCount` (bounds-checked once).
    @usableFromInline @inline(__always)
    mutating func store<V: SIMD>(_ value: V, at index: Int) where V.Scalar == Float {
        precondition(
            index >= 0 && index <= count - V.scalarCount,
            "MutableSpan.setSIMD\(V.scalarCount): samples outside the span")
        withUnsafeMutableBufferPointer {
            UnsafeMutableRawPointer($0.baseAddress.unsafelyUnwrapped + index).storeBytes(of: value, as: V.self)
        }
    }
}
