// Why this file uses unsafe pointers: libsamplerate takes its input and output as C arrays inside `SRC_DATA`
// and keeps an opaque state handle; this file is the only place that calls it (buffers in and out are Swift).
//
// C library rules relied on here (libsamplerate 0.2):
// - `src_ratio` is output rate / input rate.
// - Data is interleaved; frame counts in SRC_DATA are frames (C `long`), not samples.
// - The sinc converters are time-aligned (no group delay to compensate) but may emit one frame more than
//   input × ratio in total: the converter trims or pads its total output to exactly round(input × ratio).
// - A state from `src_new` is not shared between threads; each converter owns one.
import CSampleRate

/// The libsamplerate converters, best first.
public enum ResampleQuality: String, Sendable, CaseIterable {
    /// Band-limited sinc, 97 dB SNR, 97% bandwidth (`SRC_SINC_BEST_QUALITY`).
    case best
    /// Sinc, 97 dB SNR, 90% bandwidth (`SRC_SINC_MEDIUM_QUALITY`).
    case medium
    /// Sinc, 97 dB SNR, 80% bandwidth (`SRC_SINC_FASTEST`).
    case fastest
    /// Linear interpolation: fast, aliases; for previews only (`SRC_LINEAR`).
    case linear

    var converterType: Int32 {
        switch self {
        case .best: Int32(SRC_SINC_BEST_QUALITY)
        case .medium: Int32(SRC_SINC_MEDIUM_QUALITY)
        case .fastest: Int32(SRC_SINC_FASTEST)
        case .linear: Int32(SRC_LINEAR)
        }
    }
}

/// Errors from libsamplerate, with its own message.
public struct ResampleError: Error, CustomStringConvertible {
    public let code: Int32
    public var description: String {
        "sample-rate conversion failed: " + String(cString: src_strerror(code))
    }
}

/// Streaming sample-rate conversion of planar audio over libsamplerate.
///
/// Feed blocks with `process(_:)`, then call `finish()`; the total output is exactly
/// `round(totalInputFrames × outputRate / inputRate)` frames. Use `resample(_:to:quality:)` for a whole buffer.
public final class SampleRateConverter {
    /// Input rate in Hz.
    public let inputRate: Double
    /// Output rate in Hz.
    public let outputRate: Double
    /// Channel count of every block.
    public let channelCount: Int
    /// Output rate / input rate.
    public var ratio: Double { outputRate / inputRate }

    private let state: OpaquePointer
    private var interleavedIn: [Float] = []
    private var interleavedOut: [Float] = []
    private var totalInputFrames = 0
    /// Frames handed to the caller so far.
    private var emittedFrames = 0
    /// Converted frames (interleaved) held back so the output never runs ahead of round(input × ratio).
    private var carry: [Float] = []
    private var finished = false

    /// - Parameters:
    ///   - inputRate, outputRate: in Hz; their ratio must lie in 1/256...256 (libsamplerate's range).
    ///   - channelCount: 1 or more.
    ///   - quality: the converter.
    /// - Throws: `ResampleError` when libsamplerate refuses the settings.
    public init(inputRate: Double, outputRate: Double, channelCount: Int, quality: ResampleQuality = .best) throws {
        precondition(inputRate > 0 && outputRate > 0 && channelCount > 0, "invalid converter settings")
        precondition(outputRate / inputRate <= 256 && outputRate / inputRate >= 1.0 / 256, "ratio outside 1/256...256")
        var error: Int32 = 0
        guard let made = src_new(quality.converterType, Int32(channelCount), &error) else {
            throw ResampleError(code: error)
        }
        self.state = made
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channelCount = channelCount
    }

    deinit { src_delete(state) }

    /// Converts one block; returns the frames produced so far (may be fewer than block × ratio: the filter primes).
    public func process(_ block: AudioBuffer) throws -> AudioBuffer {
        precondition(!finished, "process after finish")
        precondition(block.channelCount == channelCount, "block channel count differs from the converter's")
        totalInputFrames += block.frameCount
        let converted = try run(block, endOfInput: false)
        let allowed = Int((Double(totalInputFrames) * ratio).rounded()) - emittedFrames
        return emit(converted, limit: allowed)
    }

    /// Flushes the filter and returns the last frames, so that the total output length is exact.
    public func finish() throws -> AudioBuffer {
        precondition(!finished, "finish called twice")
        finished = true
        let converted = try run(
            AudioBuffer(channelCount: channelCount, frameCount: 0, sampleRate: inputRate),
            endOfInput: true)
        let expected = Int((Double(totalInputFrames) * ratio).rounded())
        // Trims the sinc converters' extra frame, or pads a short tail with silence.
        return emit(converted, limit: expected - emittedFrames, padToLimit: true)
    }

    /// Prepends the carried frames to `converted`, returns at most `limit` frames (exactly `limit` when
    /// `padToLimit`), and carries the rest.
    private func emit(_ converted: [Float], limit: Int, padToLimit: Bool = false) -> AudioBuffer {
        carry.append(contentsOf: converted)
        let available = carry.count / channelCount
        let count = max(0, padToLimit ? limit : min(limit, available))
        var result = AudioBuffer(channelCount: channelCount, frameCount: count, sampleRate: outputRate)
        let copied = min(count, available)
        if copied > 0 {
            let channels = channelCount, carried = carry
            result.withMutablePlanarSamples { planar in
                VectorOps.deinterleave(
                    carried.span.extracting(0..<(copied * channels)), channelCount: channels, frameCount: copied,
                    into: &planar, destinationStride: count)
            }
        }
        carry.removeFirst(min(carry.count, copied * channelCount))
        emittedFrames += count
        return result
    }

    /// Runs libsamplerate over `block` and returns the interleaved frames it produced.
    private func run(_ block: AudioBuffer, endOfInput: Bool) throws -> [Float] {
        let frames = block.frameCount
        if interleavedIn.count < frames * channelCount {
            interleavedIn = [Float](repeating: 0, count: frames * channelCount)
        }
        if frames > 0 {
            let channels = channelCount
            var interleaved: [Float] = []
            swap(&interleaved, &interleavedIn) // moved out for the copy (no copy-on-write), then back
            block.withPlanarSamples { planar in
                var out = interleaved.mutableSpan
                VectorOps.interleave(planar, channelCount: channels, frameCount: frames, into: &out)
            }
            swap(&interleaved, &interleavedIn)
        }
        let capacity = Int(Double(frames) * ratio) + 64
        if interleavedOut.count < capacity * channelCount {
            interleavedOut = [Float](repeating: 0, count: capacity * channelCount)
        }
        var produced: [Float] = []
        var consumed = 0
        while true {
            var data = SRC_DATA()
            let (used, generated): (Int, Int) = try interleavedIn.withUnsafeBufferPointer { input in
                try interleavedOut.withUnsafeMutableBufferPointer { output in
                    data.data_in = input.baseAddress.map { $0 + consumed * channelCount }
                    data.input_frames = frames - consumed
                    data.data_out = output.baseAddress
                    data.output_frames = capacity
                    data.end_of_input = endOfInput ? 1 : 0
                    data.src_ratio = ratio
                    let status = src_process(state, &data)
                    if status != 0 { throw ResampleError(code: status) }
                    return (data.input_frames_used, data.output_frames_gen)
                }
            }
            consumed += used
            if generated > 0 { produced.append(contentsOf: interleavedOut[0..<generated * channelCount]) }
            let inputLeft = frames - consumed
            if endOfInput ? generated == 0 : (inputLeft == 0 || (used == 0 && generated == 0)) { break }
        }
        return produced
    }

    /// Converts a whole buffer to `outputRate`; the result has exactly `round(frames × ratio)` frames.
    /// Returns the input unchanged when the rates are equal.
    public static func resample(
        _ buffer: AudioBuffer, to outputRate: Double,
        quality: ResampleQuality = .best
    ) throws -> AudioBuffer {
        if outputRate == buffer.sampleRate { return buffer }
        let converter = try SampleRateConverter(
            inputRate: buffer.sampleRate, outputRate: outputRate,
            channelCount: buffer.channelCount, quality: quality)
        let expected = Int((Double(buffer.frameCount) * converter.ratio).rounded())
        var result = AudioBuffer(channelCount: buffer.channelCount, frameCount: expected, sampleRate: outputRate)
        var written = 0
        let blockFrames = 65536
        var start = 0
        func append(_ part: AudioBuffer) {
            let count = min(part.frameCount, expected - written)
            guard count > 0 else { return }
            result.replaceFrames(at: written, with: part, sourceFrames: 0..<count)
            written += count
        }
        while start < buffer.frameCount {
            let end = min(start + blockFrames, buffer.frameCount)
            append(try converter.process(buffer.slice(frames: start..<end)))
            start = end
        }
        append(try converter.finish())
        return result
    }
}
