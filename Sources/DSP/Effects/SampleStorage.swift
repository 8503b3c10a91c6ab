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
