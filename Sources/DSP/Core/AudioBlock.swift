/// A non-owning, mutable view of `frameCount` frames of planar audio, for block processing.
///
/// A block is only valid inside the closure that produced it (`AudioBuffer.withMutableBlock`,
/// `AudioBuffer.forEachBlock`); it must not be stored. Channels never alias each other.
public struct AudioBlock {
    @usableFromInline let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    /// Number of channels in the view.
    public let channelCount: Int
    /// Number of frames in the view.
    public let frameCount: Int

    /// A view over caller-owned channel pointers; `pointers` must hold `channelCount` entries,
    /// each valid for `frameCount` samples, for as long as the block is used.
    @inlinable
    public init(pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, channelCount: Int, frameCount: Int) {
        self.pointers = pointers
        self.channelCount = channelCount
        self.frameCount = frameCount
    }

    /// The samples of channel `index`.
    @inlinable
    public func channel(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        return UnsafeMutableBufferPointer(start: pointers[index], count: frameCount)
    }

    /// The base pointer of channel `index`.
    @inlinable
    public func pointer(_ index: Int) -> UnsafeMutablePointer<Float> { pointers[index] }

    /// Sets every sample to zero.
    @inlinable
    public func clear() {
        for c in 0..<channelCount { pointers[c].update(repeating: 0, count: frameCount) }
    }
}
