import Foundation

/// Time-stretch and pitch-shift of a stream of unknown length in bounded memory (same method as `TimeStretcher`).
///
/// Feed blocks of any size with `process(_:)`; each call returns the output that is final so far (possibly none),
/// and `finish()` returns the rest. In total the output has exactly `round(inputFrames × timeRatio)` frames.
/// Memory stays bounded (about 1.2 s of input plus one block) however long the stream; the output trails the
/// input by up to that much. Not thread-safe: one stretcher per stream, any number of streams in parallel.
public final class StreamingTimeStretcher {
    public let channelCount: Int
    public let sampleRate: Double
    /// Output duration / input duration.
    public let timeRatio: Double
    /// Pitch shift in semitones.
    public let semitones: Double

    private let engine: PhaseVocoderEngine?
    private let converter: SampleRateConverter?
    private var inputFrames = 0
    private var emittedFrames = 0
    private var finished = false

    /// - Throws: `StretchError.timeRatioOutOfRange`, `.semitonesOutOfRange`, `.resampling`.
    public init(channelCount: Int, sampleRate: Double, timeRatio: Double, semitones: Double = 0,
                options: StretchOptions = StretchOptions()) throws {
        precondition(channelCount >= 1 && sampleRate > 0, "invalid stream format")
        guard timeRatio.isFinite, TimeStretcher.timeRatioRange.contains(timeRatio) else {
            throw StretchError.timeRatioOutOfRange(timeRatio)
        }
        guard semitones.isFinite, TimeStretcher.semitoneRange.contains(semitones) else {
            throw StretchError.semitonesOutOfRange(semitones)
        }
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.timeRatio = timeRatio
        self.semitones = semitones
        let pitchRatio = pow(2, semitones / 12)
        if timeRatio == 1 && semitones == 0 {
            engine = nil
        } else {
            engine = PhaseVocoderEngine(channelCount: channelCount, sampleRate: sampleRate,
                                        base: [MapKnot(input: 0, output: 0)], openEndedSlope: timeRatio * pitchRatio,
                                        totalOutputFrames: nil, pitchRatio: pitchRatio, options: options)
        }
        if semitones != 0 {
            do {
                converter = try SampleRateConverter(inputRate: sampleRate * pitchRatio, outputRate: sampleRate,
                                                    channelCount: channelCount, quality: options.resampleQuality ?? .medium)
            } catch let error as ResampleError {
                throw StretchError.resampling(error.description)
            }
        } else {
            converter = nil
        }
    }

    /// Feeds one block and returns the output that is complete so far.
    /// - Throws: `StretchError.channelCountMismatch`, `.resampling`.
    public func process(_ block: AudioBuffer) throws -> AudioBuffer {
        precondition(!finished, "process after finish")
        guard block.channelCount == channelCount else {
            throw StretchError.channelCountMismatch(expected: channelCount, got: block.channelCount)
        }
        inputFrames += block.frameCount
        guard let engine else { emittedFrames += block.frameCount; return block }
        var collector = Collector(channelCount: channelCount)
        engine.push(block, frames: 0..<block.frameCount) { collector.append($0, $1, $2) }
        return try deliver(collector.buffer(sampleRate: sampleRate), last: false)
    }

    /// Ends the stream and returns the remaining output.
    public func finish() throws -> AudioBuffer {
        precondition(!finished, "finish called twice")
        finished = true
        guard let engine else { return AudioBuffer(channelCount: channelCount, frameCount: 0, sampleRate: sampleRate) }
        var collector = Collector(channelCount: channelCount)
        engine.finish { collector.append($0, $1, $2) }
        return try deliver(collector.buffer(sampleRate: sampleRate), last: true)
    }

    /// Resamples (when shifting pitch) and keeps the running total at most, and finally exactly, round(input × ratio).
    private func deliver(_ stretched: AudioBuffer, last: Bool) throws -> AudioBuffer {
        var part = stretched
        do {
            if let converter {
                part = try converter.process(stretched)
                if last {
                    let tail = try converter.finish()
                    part = AudioBuffer(channels: (0..<channelCount).map { part.channel($0) + tail.channel($0) },
                                       sampleRate: sampleRate)
                }
            }
        } catch let error as ResampleError {
            throw StretchError.resampling(error.description)
        }
        part.sampleRate = sampleRate
        let limit = Int((Double(inputFrames) * timeRatio).rounded())
        let count = last ? limit - emittedFrames : min(part.frameCount, limit - emittedFrames)
        if count != part.frameCount { part = part.slice(frames: 0..<max(0, count)) }
        emittedFrames += part.frameCount
        return part
    }

    /// Gathers emitted engine frames into channel arrays.
    private struct Collector {
        var channels: [[Float]]
        init(channelCount: Int) { channels = [[Float]](repeating: [], count: channelCount) }
        mutating func append(_ fifo: PlanarFIFO, _ first: Int, _ count: Int) {
            for c in 0..<channels.count {
                channels[c].append(contentsOf: UnsafeBufferPointer(start: fifo.pointer(channel: c, frame: first), count: count))
            }
        }
        func buffer(sampleRate: Double) -> AudioBuffer { AudioBuffer(channels: channels, sampleRate: sampleRate) }
    }
}
