import Foundation

/// Time-stretch and pitch-shift of a stream in bounded memory (same method as `TimeStretcher`).
///
/// Feed blocks of any size with `process(_:)`; each call returns the output that is final so far (possibly none),
/// and `finish()` returns the rest. In total the output has exactly `round(inputFrames × timeRatio)` frames.
/// Memory stays bounded (about 1.2 s of input plus one block) however long the stream; the output trails the
/// input by up to that much. Not thread-safe: one stretcher per stream, any number of streams in parallel.
///
/// Two modes:
/// - **Known length** (`inputFrameCount` given, e.g. from a file's header): the time map is closed, exactly as
///   `TimeStretcher` builds it, and the pitch shift's resampling has the same exact frame ratio, so the output is
///   bit for bit `TimeStretcher.process` of the whole input, whatever the block sizes. Feeding more or fewer frames
///   than announced throws `StretchError.streamLengthMismatch`.
/// - **Open-ended** (nil): the map runs at the constant ratio until `finish`; the pitch shift resamples with
///   libsamplerate (`.medium` unless `options.resampleQuality` says otherwise). Same method and length; the last
///   window and the resampler differ slightly from the offline result.
public final class StreamingTimeStretcher {
    public let channelCount: Int
    public let sampleRate: Double
    /// Output duration / input duration.
    public let timeRatio: Double
    /// Pitch shift in semitones.
    public let semitones: Double
    /// The announced input length (known-length mode), or nil (open-ended).
    public let inputFrameCount: Int?

    /// The pitch shift's final resampling.
    private enum Resampling {
        case none
        case converter(SampleRateConverter)
        case sinc(SincResampler.Stream)
    }

    private let engine: PhaseVocoderEngine?
    private let resampling: Resampling
    /// Known-length mode: frames the output has in all.
    private let knownOutputFrames: Int?
    private var inputFrames = 0
    private var emittedFrames = 0
    private var finished = false

    /// - Parameters:
    ///   - inputFrameCount: the exact number of frames that will be fed, when known (see the type's modes).
    /// - Throws: `StretchError.timeRatioOutOfRange`, `.semitonesOutOfRange`, `.resampling`.
    public init(
        channelCount: Int, sampleRate: Double, timeRatio: Double, semitones: Double = 0,
        inputFrameCount: Int? = nil, options: StretchOptions = StretchOptions()
    ) throws {
        precondition(channelCount >= 1 && sampleRate > 0, "invalid stream format")
        precondition((inputFrameCount ?? 0) >= 0, "negative input length")
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
        self.inputFrameCount = inputFrameCount
        let pitchRatio = pow(2, semitones / 12)
        let identity = timeRatio == 1 && semitones == 0
        do {
            if let inputFrameCount {
                // As `TimeStretcher.process`: stretch to round(M × p), then resample by exactly M / that.
                let outputFrames = Int((Double(inputFrameCount) * timeRatio).rounded())
                knownOutputFrames = outputFrames
                let stretchedFrames = semitones == 0 ? outputFrames : Int((Double(outputFrames) * pitchRatio).rounded())
                if identity || inputFrameCount == 0 || outputFrames == 0 {
                    engine = nil
                    resampling = .none
                } else {
                    let scale = Double(stretchedFrames) / Double(outputFrames)
                    engine = PhaseVocoderEngine(
                        channelCount: channelCount, sampleRate: sampleRate,
                        base: TimeStretcher.knots(
                            try WarpMap(timeRatio: timeRatio), inputFrameCount: inputFrameCount,
                            stretchedFrameCount: stretchedFrames, scale: scale),
                        openEndedSlope: nil, totalOutputFrames: stretchedFrames, pitchRatio: scale, options: options)
                    if semitones == 0 {
                        resampling = .none
                    } else if let quality = options.resampleQuality {
                        resampling = .converter(
                            try SampleRateConverter(
                                inputRate: Double(stretchedFrames), outputRate: Double(outputFrames),
                                channelCount: channelCount, quality: quality))
                    } else {
                        resampling = .sinc(
                            SincResampler.Stream(
                                SincResampler(inputFrameCount: stretchedFrames, outputFrameCount: outputFrames),
                                channelCount: channelCount, sampleRate: sampleRate))
                    }
                }
            } else {
                knownOutputFrames = nil
                engine =
                    identity
                    ? nil
                    : PhaseVocoderEngine(
                        channelCount: channelCount, sampleRate: sampleRate,
                        base: [MapKnot(input: 0, output: 0)], openEndedSlope: timeRatio * pitchRatio,
                        totalOutputFrames: nil, pitchRatio: pitchRatio, options: options)
                resampling =
                    semitones == 0
                    ? .none
                    : .converter(
                        try SampleRateConverter(
                            inputRate: sampleRate * pitchRatio, outputRate: sampleRate,
                            channelCount: channelCount, quality: options.resampleQuality ?? .medium))
            }
        } catch let error as ResampleError {
            throw StretchError.resampling(error.description)
        }
    }

    /// Feeds one block and returns the output that is complete so far.
    /// - Throws: `StretchError.channelCountMismatch`, `.streamLengthMismatch` (more frames than announced),
    ///   `.resampling`.
    public func process(_ block: AudioBuffer) throws -> AudioBuffer {
        precondition(!finished, "process after finish")
        guard block.channelCount == channelCount else {
            throw StretchError.channelCountMismatch(expected: channelCount, got: block.channelCount)
        }
        if let inputFrameCount, inputFrames + block.frameCount > inputFrameCount {
            throw StretchError.streamLengthMismatch(
                announced: inputFrameCount, received: inputFrames + block.frameCount)
        }
        inputFrames += block.frameCount
        guard let engine else {
            // Known length with nothing to stretch (an empty input or output): silence of the exact length at the end.
            guard timeRatio == 1 && semitones == 0 else {
                return AudioBuffer(channelCount: channelCount, frameCount: 0, sampleRate: sampleRate)
            }
            emittedFrames += block.frameCount
            return block
        }
        var collector = Collector(channelCount: channelCount)
        engine.push(block, frames: 0..<block.frameCount) { collector.append($0, $1, $2) }
        return try deliver(collector.buffer(sampleRate: sampleRate), last: false)
    }

    /// Ends the stream and returns the remaining output.
    /// - Throws: `StretchError.streamLengthMismatch` when fewer frames came than announced; `.resampling`.
    public func finish() throws -> AudioBuffer {
        precondition(!finished, "finish called twice")
        finished = true
        if let inputFrameCount, inputFrames != inputFrameCount {
            throw StretchError.streamLengthMismatch(announced: inputFrameCount, received: inputFrames)
        }
        guard let engine else {
            let rest = (knownOutputFrames ?? emittedFrames) - emittedFrames
            emittedFrames += rest
            return AudioBuffer(channelCount: channelCount, frameCount: rest, sampleRate: sampleRate)
        }
        var collector = Collector(channelCount: channelCount)
        engine.finish { collector.append($0, $1, $2) }
        return try deliver(collector.buffer(sampleRate: sampleRate), last: true)
    }

    /// Resamples (when shifting pitch) and keeps the running total at most, and finally exactly, the output length.
    private func deliver(_ stretched: AudioBuffer, last: Bool) throws -> AudioBuffer {
        var part = stretched
        do {
            switch resampling {
            case .none:
                break
            case .converter(let converter):
                part = try converter.process(stretched)
                if last { part = Self.concatenate(part, try converter.finish()) }
            case .sinc(let stream):
                part = stream.push(stretched)
                if last { part = Self.concatenate(part, stream.finish()) }
            }
        } catch let error as ResampleError {
            throw StretchError.resampling(error.description)
        }
        part.sampleRate = sampleRate
        let limit = knownOutputFrames ?? Int((Double(inputFrames) * timeRatio).rounded())
        let count = last ? limit - emittedFrames : min(part.frameCount, limit - emittedFrames)
        if count != part.frameCount { part = part.slice(frames: 0..<max(0, count)) }
        emittedFrames += part.frameCount
        return part
    }

    private static func concatenate(_ a: AudioBuffer, _ b: AudioBuffer) -> AudioBuffer {
        guard b.frameCount > 0 else { return a }
        guard a.frameCount > 0 else { return b }
        return AudioBuffer(
            channels: (0..<a.channelCount).map { a.channel($0) + b.channel($0) }, sampleRate: a.sampleRate)
    }

    /// Gathers emitted engine frames into channel arrays.
    private struct Collector {
        var channels: [[Float]]
        init(channelCount: Int) { channels = [[Float]](repeating: [], count: channelCount) }
        mutating func append(_ fifo: PlanarFIFO, _ first: Int, _ count: Int) {
            for c in 0..<channels.count {
                fifo.appendSamples(ofChannel: c, frames: first..<(first + count), to: &channels[c])
            }
        }
        func buffer(sampleRate: Double) -> AudioBuffer { AudioBuffer(channels: channels, sampleRate: sampleRate) }
    }
}
