import Foundation

/// Offline time-stretch and pitch-shift of whole buffers: a phase-locked phase vocoder with transient locks
/// and shared stereo phase (see `PhaseVocoderEngine`), plus libsamplerate for pitch.
///
/// `timeRatio` = output duration / input duration (1.25 is 25% longer, i.e. slower; the tempo ratio is its
/// inverse). Pitch shifts stretch by the pitch ratio and resample back, so the length is unchanged.
/// Output lengths are exact: `round(frames × timeRatio)`, or `round(map(frames))` for a warp map.
/// A value type with no shared mutable state: any number of calls may run in parallel (one per layer).
public struct TimeStretcher: Sendable {
    /// Supported time ratios (and warp-map segment ratios).
    public static let timeRatioRange: ClosedRange<Double> = 0.5...2.0
    /// Supported pitch shifts in semitones (fractional allowed).
    public static let semitoneRange: ClosedRange<Double> = -12...12
    /// Input frames handed to the engine at a time (bounds the working memory, not the result).
    static let chunkFrameCount = 1 << 16

    public var options: StretchOptions

    public init(options: StretchOptions = StretchOptions()) {
        self.options = options
    }

    /// Stretches `buffer` by `timeRatio` (0.5...2); ratio 1 returns the input unchanged.
    /// - Returns: `round(frameCount × timeRatio)` frames at the input's sample rate.
    /// - Throws: `StretchError.timeRatioOutOfRange`.
    public func stretch(_ buffer: AudioBuffer, timeRatio: Double) throws -> AudioBuffer {
        try process(buffer, timeRatio: timeRatio, semitones: 0)
    }

    /// Stretches `buffer` along `warpMap`: every anchor's source frame lands on its target frame.
    /// - Returns: `warpMap.outputFrameCount(inputFrameCount:)` frames.
    public func stretch(_ buffer: AudioBuffer, warpMap: WarpMap) throws -> AudioBuffer {
        try process(buffer, warpMap: warpMap, semitones: 0)
    }

    /// Shifts the pitch by `semitones` (-12...12) keeping the length; 0 returns the input unchanged.
    public func pitchShift(_ buffer: AudioBuffer, semitones: Double) throws -> AudioBuffer {
        try process(buffer, timeRatio: 1, semitones: semitones)
    }

    /// Stretches by `timeRatio` and shifts by `semitones` in one pass.
    public func process(_ buffer: AudioBuffer, timeRatio: Double, semitones: Double) throws -> AudioBuffer {
        try process(buffer, warpMap: WarpMap(timeRatio: timeRatio), semitones: semitones)
    }

    /// The engine's closed time map for `warpMap` over an input of `inputFrameCount` frames, stretched to
    /// `stretchedFrameCount` (targets times `scale`, the pitch ratio folded in). Shared with the known-length stream.
    static func knots(_ warpMap: WarpMap, inputFrameCount: Int, stretchedFrameCount: Int, scale: Double) -> [MapKnot] {
        var knots = warpMap.anchors
            .filter { $0.sourceFrame < Double(inputFrameCount) }
            .map { MapKnot(input: $0.sourceFrame, output: $0.targetFrame * scale) }
        knots.append(MapKnot(input: Double(inputFrameCount), output: Double(stretchedFrameCount)))
        return knots
    }

    /// Stretches along `warpMap` and shifts by `semitones` in one pass.
    /// - Throws: `StretchError.semitonesOutOfRange`, `StretchError.resampling`.
    public func process(_ buffer: AudioBuffer, warpMap: WarpMap, semitones: Double) throws -> AudioBuffer {
        guard semitones.isFinite, Self.semitoneRange.contains(semitones) else {
            throw StretchError.semitonesOutOfRange(semitones)
        }
        if warpMap.isIdentity && semitones == 0 { return buffer }
        let inputFrames = buffer.frameCount
        let outputFrames = warpMap.outputFrameCount(inputFrameCount: inputFrames)
        let pitchRatio = pow(2, semitones / 12)
        // Stretch to round(M × p) frames, then resample by exactly M / that: the pitch ratio is exact to 1/M.
        let stretchedFrames = semitones == 0 ? outputFrames : Int((Double(outputFrames) * pitchRatio).rounded())
        guard inputFrames > 0, outputFrames > 0 else {
            return AudioBuffer(
                channelCount: buffer.channelCount, frameCount: outputFrames, sampleRate: buffer.sampleRate)
        }
        let scale = Double(stretchedFrames) / Double(outputFrames)
        let knots = Self.knots(
            warpMap, inputFrameCount: inputFrames, stretchedFrameCount: stretchedFrames, scale: scale)
        let engine = PhaseVocoderEngine(
            channelCount: buffer.channelCount, sampleRate: buffer.sampleRate, base: knots,
            openEndedSlope: nil, totalOutputFrames: stretchedFrames,
            pitchRatio: scale, options: options)
        var stretched = AudioBuffer(
            channelCount: buffer.channelCount, frameCount: stretchedFrames,
            sampleRate: buffer.sampleRate)
        stretched.withMutableBlock { block in
            let emit: PhaseVocoderEngine.Emit = { fifo, first, count in
                let frames = first..<(first + count)
                for c in 0..<block.channelCount {
                    block.withMutableSamples(ofChannel: c) { channel in
                        var destination = channel.extracting(frames)
                        fifo.withSamples(ofChannel: c, frames: frames) { VectorOps.copy($0, into: &destination) }
                    }
                }
            }
            var start = 0
            while start < inputFrames {
                let end = min(start + Self.chunkFrameCount, inputFrames)
                engine.push(buffer, frames: start..<end, emit: emit)
                start = end
            }
            engine.finish(emit: emit)
        }
        guard semitones != 0 else { return stretched }
        guard let quality = options.resampleQuality else {
            return SincResampler(inputFrameCount: stretchedFrames, outputFrameCount: outputFrames).process(stretched)
        }
        do {
            let converter = try SampleRateConverter(
                inputRate: Double(stretchedFrames), outputRate: Double(outputFrames),
                channelCount: buffer.channelCount, quality: quality)
            var result = AudioBuffer(
                channelCount: buffer.channelCount, frameCount: outputFrames, sampleRate: buffer.sampleRate)
            var written = 0
            func append(_ part: AudioBuffer) {
                let count = min(part.frameCount, outputFrames - written)
                guard count > 0 else { return }
                result.replaceFrames(at: written, with: part, sourceFrames: 0..<count)
                written += count
            }
            var start = 0
            while start < stretchedFrames {
                let end = min(start + Self.chunkFrameCount, stretchedFrames)
                append(try converter.process(stretched.slice(frames: start..<end)))
                start = end
            }
            append(try converter.finish())
            return result
        } catch let error as ResampleError {
            throw StretchError.resampling(error.description)
        }
    }
}
