import DSP
import Foundation

/// Time-stretches and pitch-shifts an audio file into another, block by block, in memory bounded by the stretcher's
/// window (about 1.2 s of audio) and one block, whatever the file's length.
///
/// Design note: the file is read in blocks (`AudioFileReader`, the file's own rate, mapped to stereo), stretched by a
/// `StreamingTimeStretcher` and written by an `AudioFileWriter` (temporary file, renamed at the end). When the header
/// declares the length and the format's count is exact (PCM containers, FLAC), the stretcher runs in its
/// known-length mode, whose output is bit for bit that of `TimeStretcher` on the whole file. A header whose count
/// turns out wrong (a truncated file) costs a second pass in the open-ended mode; compressed formats whose count is
/// an estimate (MP3, Ogg) go open-ended from the start.
public enum AudioFileStretcher {
    /// What a stretch did.
    public struct Summary: Sendable, Equatable {
        /// Length of the input, seconds.
        public var inputSeconds: Double
        /// Length of the output, seconds.
        public var outputSeconds: Double
        /// Whether the known-length (offline-identical) mode was used.
        public var knownLength: Bool
        /// Decoder repairs and damage, each naming the file.
        public var warnings: [String]
    }

    /// Frames read per block.
    public static let blockFrameCount = 65536

    /// Stretches `input` by `timeRatio` and shifts it by `semitones` into `output` (format from its extension).
    /// - Throws: `AudioFileError` naming the file (read, write), `StretchError` (ratio, shift, resampling).
    @discardableResult
    public static func stretch(
        input: URL, output: URL, timeRatio: Double, semitones: Double = 0,
        options: StretchOptions = StretchOptions(),
        writeOptions: AudioFileWriteOptions = AudioFileWriteOptions()
    ) throws -> Summary {
        let probe = try AudioFileReader(url: input, sampleRate: nil)
        let declared = probe.info.declaredFrameCount
        let exactCount = !(probe.info.formatName.hasPrefix("MPEG") || probe.info.formatName.hasPrefix("OGG"))
        if declared > 0 && exactCount {
            do {
                return try pass(
                    reader: probe, output: output, timeRatio: timeRatio, semitones: semitones,
                    inputFrameCount: declared, options: options, writeOptions: writeOptions)
            } catch StretchError.streamLengthMismatch {
                // The header's count was wrong (truncated or damaged file): once more, open-ended.
            }
            return try pass(
                reader: try AudioFileReader(url: input, sampleRate: nil), output: output, timeRatio: timeRatio,
                semitones: semitones, inputFrameCount: nil, options: options, writeOptions: writeOptions)
        }
        return try pass(
            reader: probe, output: output, timeRatio: timeRatio, semitones: semitones, inputFrameCount: nil,
            options: options, writeOptions: writeOptions)
    }

    private static func pass(
        reader: AudioFileReader, output: URL, timeRatio: Double, semitones: Double, inputFrameCount: Int?,
        options: StretchOptions, writeOptions: AudioFileWriteOptions
    ) throws -> Summary {
        let rate = reader.outputSampleRate
        let stretcher = try StreamingTimeStretcher(
            channelCount: 2, sampleRate: rate, timeRatio: timeRatio, semitones: semitones,
            inputFrameCount: inputFrameCount, options: options)
        let writer = try AudioFileWriter(url: output, channelCount: 2, sampleRate: rate, options: writeOptions)
        do {
            while let block = try reader.read(maximumFrameCount: blockFrameCount) {
                try writer.write(try stretcher.process(block))
            }
            try writer.write(try stretcher.finish())
            let outputFrames = writer.framesWritten
            try writer.finish()
            return Summary(
                inputSeconds: Double(reader.framesRead) / rate, outputSeconds: Double(outputFrames) / rate,
                knownLength: inputFrameCount != nil,
                warnings: DecodedAudio.warnings(
                    info: reader.info, nonFiniteSampleCount: reader.nonFiniteSampleCount,
                    decodeErrorCount: reader.decodeErrorCount,
                    missingFrameCount: reader.missingFrameCount))
        } catch {
            writer.cancel()
            throw error
        }
    }
}
