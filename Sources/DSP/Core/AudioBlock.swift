// Why this file uses unsafe pointers: an `AudioBlock` lends the memory of an `AudioBuffer` (or of a caller's
// scratch) to processors block by block, as several non-aliasing channels at once, without copying and without
// allocating in `process`. Swift's safe views (`MutableSpan`) cannot yet be stored in a copyable value or
// returned from a property without the experimental lifetime feature, so the channel table is a pointer table
// that only this file reads. Everything outside sees bounds-checked spans (`withSamples`, `withMutableSamples`)
// and sub-block/read-only views; no pointer leaves this file.

/// A non-owning, mutable view of `frameCount` frames of planar audio, for block processing.
///
/// A block is only valid inside the closure that produced it (`AudioBuffer.withMutableBlock`,
/// `AudioBuffer.forEachBlock`); it must not be stored. Channels never alias each other.
public struct AudioBlock {
    @usableFromInline let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    /// First frame of this view within the channels the table points to (non-zero for sub-blocks).
    @usableFromInline let frameOffset: Int
    /// Number of channels in the view.
    public let channelCount: Int
    /// Number of frames in the view.
    public let frameCount: Int

    @inlinable
    init(
        pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, frameOffset: Int, channelCount: Int,
        frameCount: Int
    ) {
        self.pointers = pointers
        self.frameOffset = frameOffset
        self.channelCount = channelCount
        self.frameCount = frameCount
    }

    @inlinable
    func buffer(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        return UnsafeMutableBufferPointer(start: pointers[index] + frameOffset, count: frameCount)
    }

    /// Calls `body` with the `frameCount` samples of channel `index`, read-only.
    @inlinable @inline(__always)
    public func withSamples<R>(ofChannel index: Int, _ body: (Span<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(buffer(index)).span)
    }

    /// Calls `body` with the `frameCount` samples of channel `index`, writable.
    @inlinable @inline(__always)
    public func withMutableSamples<R>(ofChannel index: Int, _ body: (inout MutableSpan<Float>) throws -> R) rethrows
        -> R
    {
        var span = buffer(index).mutableSpan
        return try body(&span)
    }

    /// Calls `body` with two different channels at once (a stereo pair), both writable.
    @inlinable @inline(__always)
    public func withMutableSamples<R>(
        ofChannels first: Int, _ second: Int, _ body: (inout MutableSpan<Float>, inout MutableSpan<Float>) throws -> R
    ) rethrows -> R {
        precondition(first != second, "AudioBlock: a channel pair must name two different channels")
        var a = buffer(first).mutableSpan
        var b = buffer(second).mutableSpan
        return try body(&a, &b)
    }

    /// The view of frames `range` (relative to this block) of every channel. Same validity as this block;
    /// nothing is allocated.
    @inlinable
    public func subBlock(frames range: Range<Int>) -> AudioBlock {
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount, "sub-block range out of bounds")
        return AudioBlock(
            pointers: pointers, frameOffset: frameOffset + range.lowerBound, channelCount: channelCount,
            frameCount: range.count)
    }

    /// A read-only view of the same frames (for side-chain keys and meters).
    @inlinable
    public var readOnly: ReadOnlyAudioBlock { ReadOnlyAudioBlock(self) }

    /// Sets every sample to zero.
    @inlinable
    public func clear() {
        for c in 0..<channelCount { (pointers[c] + frameOffset).update(repeating: 0, count: frameCount) }
    }
}

/// A non-owning, read-only view of planar audio: what a meter or a side-chain key reads.
/// Valid only as long as the block it was made from.
public struct ReadOnlyAudioBlock {
    @usableFromInline let block: AudioBlock

    @inlinable
    init(_ block: AudioBlock) { self.block = block }

    /// Number of channels in the view.
    @inlinable public var channelCount: Int { block.channelCount }
    /// Number of frames in the view.
    @inlinable public var frameCount: Int { block.frameCount }

    /// Calls `body` with the `frameCount` samples of channel `index`.
    @inlinable @inline(__always)
    public func withSamples<R>(ofChannel index: Int, _ body: (Span<Float>) throws -> R) rethrows -> R {
        try block.withSamples(ofChannel: index, body)
    }

    /// The view of frames `range` (relative to this view).
    @inlinable
    public func subBlock(frames range: Range<Int>) -> ReadOnlyAudioBlock {
        ReadOnlyAudioBlock(block.subBlock(frames: range))
    }
}

extension AudioBuffer {
    /// Calls `body` with one channel (`frameCount` samples), writable.
    @inlinable
    public mutating func withMutableSamples<R>(
        ofChannel index: Int, _ body: (inout MutableSpan<Float>) throws -> R
    ) rethrows -> R {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        let frames = frameCount
        return try storage.withUnsafeMutableBufferPointer { all in
            var span = UnsafeMutableBufferPointer(rebasing: all[index * frames..<(index + 1) * frames]).mutableSpan
            return try body(&span)
        }
    }

    /// Calls `body` with a mutable block view over frames `range` of every channel.
    /// The view is valid only inside `body`.
    @inlinable
    public mutating func withMutableBlock<R>(frames range: Range<Int>? = nil, _ body: (AudioBlock) throws -> R) rethrows
        -> R
    {
        let frames = frameCount
        let channels = channelCount
        let range = range ?? 0..<frames
        precondition(range.lowerBound >= 0 && range.upperBound <= frames, "block range out of bounds")
        return try storage.withUnsafeMutableBufferPointer { all in
            try withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: channels) { table in
                for c in 0..<channels { table[c] = all.baseAddress! + c * frames }
                return try body(
                    AudioBlock(
                        pointers: table.baseAddress!, frameOffset: range.lowerBound, channelCount: channels,
                        frameCount: range.count))
            }
        }
    }

    /// Calls `body` once per block of at most `blockFrameCount` frames, in order, with a mutable view.
    /// The pointer table is set up once; no allocation happens per block.
    @inlinable
    public mutating func forEachBlock(blockFrameCount: Int, _ body: (AudioBlock, _ startFrame: Int) throws -> Void)
        rethrows
    {
        precondition(blockFrameCount > 0, "block size must be positive")
        let frames = frameCount
        try withMutableBlock { whole in
            var start = 0
            while start < frames {
                let count = min(blockFrameCount, frames - start)
                try body(whole.subBlock(frames: start..<start + count), start)
                start += count
            }
        }
    }
}
