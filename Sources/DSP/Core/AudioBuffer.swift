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
        storage[index * frameCount..<(index + 1) * frameCount] = values[...]
    }

    /// Reads one sample.
    @inlinable
    public subscript(channel channel: Int, frame frame: Int) -> Float {
        get { samples[channel * frameCount + frame] }
        set { storage[channel * frameCount + frame] = newValue }
    }

    /// Calls `body` with one channel (`frameCount` samples), read-only.
    @inlinable
    public func withSamples<R>(ofChannel index: Int, _ body: (Span<Float>) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < channelCount, "channel index out of range")
        return try body(storage.span.extracting(index * frameCount..<(index + 1) * frameCount))
    }

    /// Calls `body` with all samples, planar (channel after channel), read-only.
    @inlinable
    public func withPlanarSamples<R>(_ body: (Span<Float>) throws -> R) rethrows -> R {
        try body(storage.span)
    }

    /// Calls `body` with all samples, planar (channel after channel), writable.
    @inlinable
    public mutating func withMutablePlanarSamples<R>(_ body: (inout MutableSpan<Float>) throws -> R) rethrows -> R {
        var span = storage.mutableSpan
        return try body(&span)
    }

    /// A copy of frames `range` (clamped to the buffer); frames outside the buffer are silent when `padding` is true.
    public func slice(frames range: Range<Int>) -> AudioBuffer {
        var out = AudioBuffer(channelCount: channelCount, frameCount: max(0, range.count), sampleRate: sampleRate)
        let lower = max(range.lowerBound, 0)
        let upper = min(range.upperBound, frameCount)
        guard upper > lower else { return out }
        let outFrames = out.frameCount
        for c in 0..<channelCount {
            let destination = c * outFrames + (lower - range.lowerBound)
            out.storage[destination..<destination + (upper - lower)] =
                storage[c * frameCount + lower..<c * frameCount + upper]
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
        for c in 0..<channelCount where keep > 0 {
            grown[c * newCount..<c * newCount + keep] = storage[c * oldCount..<c * oldCount + keep]
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
        let sourceFrames = source.frameCount
        for c in 0..<channelCount {
            let destination = c * frameCount + start
            let from = c * sourceFrames + range.lowerBound
            storage[destination..<destination + range.count] = source.storage[from..<from + range.count]
        }
    }

    /// Sets frames `range` of every channel to silence.
    public mutating func clearFrames(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount, "clearFrames: range out of bounds")
        guard !range.isEmpty else { return }
        let channels = channelCount, frames = frameCount
        var all = storage.mutableSpan
        for c in 0..<channels {
            for i in c * frames + range.lowerBound..<c * frames + range.upperBound { all[i] = 0 }
        }
    }

    /// Largest absolute sample value over all channels (linear).
    public var peakMagnitude: Float {
        VectorOps.peakMagnitude(storage.span)
    }
}
