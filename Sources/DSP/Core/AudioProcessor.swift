/// What a processor is prepared for: the sample rate, the largest block and the channel count.
public struct ProcessSpec: Sendable, Equatable {
    /// Sample rate in Hz, positive.
    public var sampleRate: Double
    /// Largest block `process` will see, in frames (at least 1).
    public var maximumBlockFrameCount: Int
    /// Number of channels `process` will see (at least 1).
    public var channelCount: Int

    public init(sampleRate: Double, maximumBlockFrameCount: Int = 4096, channelCount: Int = 2) {
        precondition(sampleRate > 0 && maximumBlockFrameCount > 0 && channelCount > 0, "invalid ProcessSpec")
        self.sampleRate = sampleRate
        self.maximumBlockFrameCount = maximumBlockFrameCount
        self.channelCount = channelCount
    }
}

/// The one lifecycle every real-time-style processor follows.
///
/// - `prepare(_:)` allocates everything and may throw.
/// - `reset()` clears state (delay lines, envelopes) without allocating.
/// - `process(_:)` works in place on a block of at most `maximumBlockFrameCount` frames; it never allocates,
///   locks, logs or throws.
/// - `latencyFrameCount` tells the render how many frames to compensate.
public protocol AudioProcessor: AnyObject {
    func prepare(_ spec: ProcessSpec) throws
    func reset()
    func process(_ block: AudioBlock)
    var latencyFrameCount: Int { get }
}

extension AudioProcessor {
    public var latencyFrameCount: Int { 0 }

    /// Processes a whole buffer in place, in blocks of at most `blockFrameCount` frames
    /// (which must not exceed the prepared maximum).
    public func process(buffer: inout AudioBuffer, blockFrameCount: Int = 1024) {
        buffer.forEachBlock(blockFrameCount: blockFrameCount) { block, _ in process(block) }
    }
}
