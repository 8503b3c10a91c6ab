/// A growable window of planar audio addressed by absolute frame position, for streaming stages that read
/// ahead of and write behind the frames they hand on.
///
/// Holds frames `startFrame ..< endFrame`. Frames are appended (or zero-extended) at the end and dropped at the
/// start; storage is compacted only when the dropped prefix outweighs the live part, so every frame is moved
/// O(1) times on average. Callers read and write held frames through bounds-checked spans. Not thread-safe; one
/// owner.
final class PlanarFIFO {
    let channelCount: Int
    /// Absolute position of the first held frame.
    private(set) var startFrame = 0
    /// Absolute position one past the last held frame.
    var endFrame: Int { startFrame + count }
    private var count = 0
    private var offset = 0 // index of startFrame within each channel's storage
    private var capacity: Int
    private var storage: [Float] // channel c at c * capacity

    init(channelCount: Int, initialCapacity: Int) {
        self.channelCount = channelCount
        self.capacity = max(initialCapacity, 16)
        self.storage = [Float](repeating: 0, count: channelCount * capacity)
    }

    /// Storage indices of held frames `frames` of channel `channel`.
    @inline(__always)
    private func indices(channel: Int, frames: Range<Int>) -> Range<Int> {
        precondition(
            channel >= 0 && channel < channelCount && frames.lowerBound >= startFrame && frames.upperBound <= endFrame,
            "PlanarFIFO: frames outside the held window")
        let base = channel * capacity + offset - startFrame
        return (base + frames.lowerBound)..<(base + frames.upperBound)
    }

    /// Calls `body` with held frames `frames` (absolute positions) of channel `channel`, read-only.
    @inline(__always)
    func withSamples<R>(ofChannel channel: Int, frames: Range<Int>, _ body: (Span<Float>) throws -> R) rethrows -> R {
        try Self.view(storage, indices(channel: channel, frames: frames), body)
    }

    /// Calls `body` with held frames `frames` (absolute positions) of channel `channel`, writable.
    @inline(__always)
    func withMutableSamples<R>(
        ofChannel channel: Int, frames: Range<Int>, _ body: (inout MutableSpan<Float>) throws -> R
    ) rethrows -> R {
        try Self.lend(&storage, indices(channel: channel, frames: frames), body)
    }

    // The span of a stored array lives only as long as an access to it: these helpers take the array as an
    // argument (borrowed or inout), so the span is valid for the whole call of `body`.
    @inline(__always)
    private static func view<R>(_ samples: [Float], _ range: Range<Int>, _ body: (Span<Float>) throws -> R) rethrows
        -> R
    {
        try body(samples.span.extracting(range))
    }

    @inline(__always)
    private static func lend<R>(
        _ samples: inout [Float], _ range: Range<Int>, _ body: (inout MutableSpan<Float>) throws -> R
    ) rethrows -> R {
        var all = samples.mutableSpan
        var part = all.extracting(range)
        return try body(&part)
    }

    /// Appends held frames `frames` (absolute positions) of channel `channel` to `destination`.
    func appendSamples(ofChannel channel: Int, frames: Range<Int>, to destination: inout [Float]) {
        destination.append(contentsOf: storage[indices(channel: channel, frames: frames)])
    }

    /// Makes room for `frames` more frames after `endFrame`, compacting or growing.
    private func reserve(_ frames: Int) {
        if offset + count + frames <= capacity { return }
        let needed = count + frames
        if needed <= capacity / 2 || (offset > 0 && needed <= capacity && offset >= count) {
            if count > 0 {
                let (channels, capacity, count, offset) = (channelCount, capacity, count, offset)
                Self.lend(&storage, 0..<storage.count) { all in
                    for c in 0..<channels {
                        let base = c * capacity
                        for i in 0..<count { all[base + i] = all[base + offset + i] }
                    }
                }
            }
            offset = 0
            if offset + count + frames <= capacity { return }
        }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        var grown = [Float](repeating: 0, count: channelCount * newCapacity)
        if count > 0 {
            let (channels, capacity, count, offset) = (channelCount, capacity, count, offset)
            Self.view(storage, 0..<storage.count) { source in
                Self.lend(&grown, 0..<grown.count) { destination in
                    for c in 0..<channels {
                        let from = c * capacity + offset, to = c * newCapacity
                        for i in 0..<count { destination[to + i] = source[from + i] }
                    }
                }
            }
        }
        storage = grown
        capacity = newCapacity
        offset = 0
    }

    /// Appends frames `range` of every channel of `buffer` (which has `channelCount` channels).
    func append(_ buffer: AudioBuffer, frames range: Range<Int>) {
        precondition(buffer.channelCount == channelCount, "PlanarFIFO: channel count mismatch")
        guard !range.isEmpty else { return }
        reserve(range.count)
        for c in 0..<channelCount {
            let to = c * capacity + offset + count
            buffer.withSamples(ofChannel: c) { source in
                Self.lend(&storage, to..<(to + range.count)) { VectorOps.copy(source.extracting(range), into: &$0) }
            }
        }
        count += range.count
    }

    /// Extends the window with silence up to `frame` (no-op if already there).
    func extendWithSilence(to frame: Int) {
        let extra = frame - endFrame
        guard extra > 0 else { return }
        reserve(extra)
        for c in 0..<channelCount {
            let to = c * capacity + offset + count
            Self.lend(&storage, to..<(to + extra)) { VectorOps.fill(&$0, with: 0) }
        }
        count += extra
    }

    /// Drops every frame before `frame`.
    func drop(before frame: Int) {
        let n = min(max(0, frame - startFrame), count)
        offset += n
        count -= n
        startFrame += n
        if frame > startFrame { startFrame = frame } // dropping past the end moves the (empty) window on
        if count == 0 { offset = 0 }
    }

    /// Moves the (empty) window to start at `frame`; only valid while it holds nothing.
    func reset(startFrame frame: Int) {
        precondition(count == 0, "PlanarFIFO.reset on a non-empty window")
        startFrame = frame
        offset = 0
    }
}
