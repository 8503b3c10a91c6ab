/// An owning, planar buffer of 32-bit float audio.
///
/// Samples are stored channel after channel in one contiguous array: channel `c` occupies
/// `samples[c * frameCount ..< (c + 1) * frameCount]`. A *frame* is one time step across all channels.
/// The sample rate travels with the audio so that no stage has to guess it.
///
/// Value semantics (copy on write); `Sendable`, so buffers move freely between tasks.
public struct AudioBuffer: Sendable, Equatable {
    /// Planar samples, channel after channel. Nominal range -1...1; values beyond are allowed (headroom).
    public var samples: [Float] { storage }
    @usableFromInline var storage: [Float]
    /// Number of channels, at least 1.
    public let channelCount: Int
    /// Number of frames (samples per channel), at least 0.
    public private(set) var frameCount: Int
    /// Sample rate in Hz, positive.
    public var sampleRate: Double

    /// A silent buffer.
    /// - Parameters:
    ///   - channelCount: 1 or more.
    ///   - frameCount: 0 or more.
    ///   - sampleRate: in Hz, positive.
    public init(channelCount: Int, frameCount: Int, sampleRate: Double) {
        precondition(channelCount >= 1, "AudioBuffer needs at least one channel")
        precondition(frameCount >= 0, "AudioBuffer frame count must not be negative")
        precondition(sampleRate > 0, "AudioBuffer sample rate must be positive")
        self.channelCount = channelCount
        self.frameCount = frameCount
        self.sampleRate = sampleRate
        self.storage = [Float](repeating: 0, count: channelCount * frameCount)
    }

    /// A buffer from one array per channel; all arrays must have the same length.
    public init(channels: [[Float]], sampleRate: Double) {
        precondition(!channels.isEmpty, "AudioBuffer needs at least one channel")
        let frames = channels[0].count
        precondition(channels.allSatisfy { $0.count == frames }, "AudioBuffer channels must have equal lengths")
        precondition(sampleRate > 0, "AudioBuffer sample rate must be positive")
        self.channelCount = channels.count
        self.frameCount = frames
        self.sampleRate = sampleRate
        var all = [Float]()
        all.reserveCapacity(frames * channels.count)
        for channel in channels { all.append(contentsOf: channel) }
        self.storage = all
    }

    /// A buffer over planar samples laid out channel after channel.
    public init(planarSamples: [Float], channelCount: Int, sampleRate: Double) {
        precondition(
            channelCount >= 1 && planarSamples.count % channelCount == 0,
            "planar sample count must be a multiple of the channel count")
        precondition(sampleRate > 0, "AudioBuffer sample rate must be positive")
        self.channelCount = channelCount
        self.frameCount = planarSamples.count / channelCount
        self.sampleRate = sampleRate
        self.storage = planarSamples
    }

    /// Duration in seconds.
    public var durationSeconds: Double { Double(frameCount) / sampleRate }

    /// A copy of one channel's samples.
    public func channel(_ index: Int) -> [Float] {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        return Array(samples[index * frameCount..<(index + 1) * frameCount])
    }

    /// All channels as separate arrays.
    public var channels: [[Float]] { (0..<channelCount).map { channel($0) } }

    /// Replaces one channel's samples; `values.count` must equal `frameCount`.
    public mutating func setChannel(_ index: Int, _ values: [Float]) {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        precondition(values.count == frameCount, "channel length must equal the frame count")
        storage.withUnsafeMutableBufferPointer { all in
            values.withUnsafeBufferPointer { source in
                let base = all.baseAddress! + index * frameCount
                if frameCount > 0 { base.update(from: source.baseAddress!, count: frameCount) }
            }
        }
    }

    /// Reads one sample.
    @inlinable
    public subscript(channel channel: Int, frame frame: Int) -> Float {
        get { samples[channel * frameCount + frame] }
        set { storage[channel * frameCount + frame] = newValue }
    }

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
                for c in 0..<channels { table[c] = all.baseAddress! + c * frames + range.lowerBound }
                return try body(
                    AudioBlock(pointers: table.baseAddress!, channelCount: channels, frameCount: range.count))
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
        let channels = channelCount
        try storage.withUnsafeMutableBufferPointer { all in
            try withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: channels) { table in
                var start = 0
                while start < frames {
                    let count = min(blockFrameCount, frames - start)
                    for c in 0..<channels { table[c] = all.baseAddress! + c * frames + start }
                    try body(AudioBlock(pointers: table.baseAddress!, channelCount: channels, frameCount: count), start)
                    start += count
                }
            }
        }
    }

    /// A copy of frames `range` (clamped to the buffer); frames outside the buffer are silent when `padding` is true.
    public func slice(frames range: Range<Int>) -> AudioBuffer {
        var out = AudioBuffer(channelCount: channelCount, frameCount: max(0, range.count), sampleRate: sampleRate)
        let lower = max(range.lowerBound, 0)
        let upper = min(range.upperBound, frameCount)
        guard upper > lower else { return out }
        for c in 0..<channelCount {
            withChannel(c) { source in
                out.withMutableChannel(c) { dest in
                    (dest.baseAddress! + (lower - range.lowerBound)).update(
                        from: source.baseAddress! + lower, count: upper - lower)
                }
            }
        }
        return out
    }

    /// Changes the frame count, keeping existing samples and filling new frames with silence.
    public mutating func resize(frameCount newCount: Int) {
        precondition(newCount >= 0, "frame count must not be negative")
        guard newCount != frameCount else { return }
        var grown = [Float](repeating: 0, count: newCount * channelCount)
        let keep = min(newCount, frameCount)
        let oldCount = frameCount
        samples.withUnsafeBufferPointer { old in
            grown.withUnsafeMutableBufferPointer { new in
                for c in 0..<channelCount where keep > 0 {
                    (new.baseAddress! + c * newCount).update(from: old.baseAddress! + c * oldCount, count: keep)
                }
            }
        }
        storage = grown
        frameCount = newCount
    }

    /// Copies frames `sourceFrames` (default: all) of `source` into this buffer from frame `start` on.
    /// Same channel count; the frames must fit.
    public mutating func replaceFrames(at start: Int, with source: AudioBuffer, sourceFrames: Range<Int>? = nil) {
        let range = sourceFrames ?? 0..<source.frameCount
        precondition(source.channelCount == channelCount, "replaceFrames: channel counts differ")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= source.frameCount, "replaceFrames: source range out of bounds")
        precondition(start >= 0 && start + range.count <= frameCount, "replaceFrames: destination range out of bounds")
        guard !range.isEmpty else { return }
        for c in 0..<channelCount {
            source.withChannel(c) { from in
                withMutableChannel(c) {
                    ($0.baseAddress! + start).update(from: from.baseAddress! + range.lowerBound, count: range.count)
                }
            }
        }
    }

    /// Sets frames `range` of every channel to silence.
    public mutating func clearFrames(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount, "clearFrames: range out of bounds")
        guard !range.isEmpty else { return }
        for c in 0..<channelCount {
            withMutableChannel(c) { ($0.baseAddress! + range.lowerBound).update(repeating: 0, count: range.count) }
        }
    }

    /// Largest absolute sample value over all channels (linear).
    public var peakMagnitude: Float {
        samples.withUnsafeBufferPointer { VectorOps.peakMagnitude($0) }
    }
}
