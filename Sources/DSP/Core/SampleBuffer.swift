/// A fixed-capacity, zero-initialised block of Float samples owned by a processor (delay lines, filter state,
/// scratch for one block).
///
/// Allocated once in `prepare`; its size never changes afterwards, so `process` reads and writes it through
/// bounds-checked spans without ever allocating (the storage is owned by this one object, so the
/// copy-on-write check before each span always finds it unique). Not thread-safe (one processor, one thread);
/// do not nest two accesses to the same buffer.
public final class SampleBuffer {
    /// Number of samples, fixed at creation.
    public let count: Int
    @usableFromInline var storage: [Float]

    /// `count` zeroed samples.
    public init(count: Int) {
        precondition(count >= 0, "SampleBuffer count must not be negative")
        self.count = count
        storage = [Float](repeating: 0, count: count)
    }

    /// Calls `body` with all `count` samples, writable.
    @inlinable @inline(__always)
    public func withMutableSpan<R>(_ body: (inout MutableSpan<Float>) throws -> R) rethrows -> R {
        try Self.lend(&storage, body)
    }

    /// Calls `body` with all `count` samples, read-only.
    @inlinable @inline(__always)
    public func withSpan<R>(_ body: (Span<Float>) throws -> R) rethrows -> R {
        try Self.view(storage, body)
    }

    @inlinable @inline(__always)
    static func view<R>(_ samples: [Float], _ body: (Span<Float>) throws -> R) rethrows -> R {
        try body(samples.span)
    }

    @inlinable @inline(__always)
    static func lend<R>(_ samples: inout [Float], _ body: (inout MutableSpan<Float>) throws -> R) rethrows -> R {
        var span = samples.mutableSpan
        return try body(&span)
    }

    /// Sets every sample to zero.
    public func clear() {
        withMutableSpan { samples in
            for i in samples.indices { samples[i] = 0 }
        }
    }

    /// One sample (bounds-checked).
    @inlinable
    public subscript(index: Int) -> Float {
        get { storage[index] }
        set { storage[index] = newValue }
    }
}
