import CSndFile
import DSP
import Foundation
import MashupModel

/// Writes audio to a file whose format follows its extension, block by block or in one call.
///
/// The data goes to a temporary file in the destination folder which is renamed into place only after the
/// encoder has finished (`finish()`), so the requested path never holds a partial file; on failure, `cancel()` or
/// when the writer is released unfinished, the temporary file is removed. Opus is always written at 48 kHz and MP3
/// at its nearest allowed rate (converted on the way, with libsamplerate's best converter). Memory is one block:
/// a file of any length can be written from blocks. Not thread-safe: one owner.
public final class AudioFileWriter {
    /// The file the audio ends up in.
    public let url: URL
    /// The format the extension names.
    public let format: AudioFileFormat
    /// Channels of the blocks written.
    public let channelCount: Int
    /// Sample rate of the blocks written, Hz (the file's may differ: see the type's note).
    public let sampleRate: Double
    /// Frames handed to `write` so far (at `sampleRate`).
    public private(set) var framesWritten = 0

    private let options: AudioFileWriteOptions
    private let temporary: URL
    private var file: SndFile?
    private let converter: SampleRateConverter?
    private let ditherAmplitude: Float?
    private var random = DitherNoise(seed: 0x6D61_7368)
    private var interleaved: [Float]
    private var done = false
    /// Frames per libsndfile call.
    static let blockFrameCount = 16384

    /// Opens a temporary file beside `url` for writing.
    /// - Parameters:
    ///   - channelCount: 1...32.
    ///   - sampleRate: of the audio that will be written, Hz.
    ///   - format: the encoding; nil takes it from `url`'s extension.
    /// - Throws: `AudioFileError.unsupportedFormat` (extension, or a format libsndfile refuses), `.writeFailed`
    ///   (missing folder, channel count, encoder).
    public init(
        url: URL, channelCount: Int, sampleRate: Double, format: AudioFileFormat? = nil,
        options: AudioFileWriteOptions = .init()
    ) throws {
        let path = url.path
        let format = try format ?? AudioFileFormat.forPath(path)
        guard channelCount >= 1, channelCount <= AudioFileReader.maximumChannelCount else {
            throw AudioFileError.writeFailed(
                path: path, reason: "\(channelCount) channels is more than the formats hold")
        }
        let folder = url.deletingLastPathComponent()
        guard SystemCalls.isDirectory(folder.path) == true else {
            throw AudioFileError.writeFailed(path: path, reason: "the folder \(folder.path) does not exist")
        }
        if let refusal = OutputPath.refusal(path) { throw AudioFileError.writeFailed(path: path, reason: refusal) }
        var fileRate = sampleRate
        if let allowed = format.allowedSampleRates, !allowed.contains(sampleRate) {
            fileRate = format == .opus ? 48000 : allowed.min { abs($0 - sampleRate) < abs($1 - sampleRate) }!
        }
        converter =
            fileRate == sampleRate
            ? nil
            : try SampleRateConverter(
                inputRate: sampleRate, outputRate: fileRate, channelCount: channelCount, quality: .best)
        self.url = url
        self.format = format
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.options = options
        temporary = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        ditherAmplitude = (options.dither && options.sampleFormat == .pcm16 && format.hasBitDepth) ? 1 / 32768 : nil
        interleaved = [Float](repeating: 0, count: Self.blockFrameCount * channelCount)
        do {
            let temporaryPath = temporary.path
            file = try TemporaryFiles.create(temporaryPath) {
                try Self.open(
                    temporaryPath: temporaryPath, finalPath: path, format: format, options: options,
                    channelCount: channelCount, sampleRate: fileRate)
            }
        } catch {
            TemporaryFiles.remove(temporary.path)
            throw error
        }
    }

    deinit {
        if !done {
            file = nil
            TemporaryFiles.remove(temporary.path)
        }
    }

    /// Appends `buffer` (`channelCount` channels at `sampleRate`; any length, empty allowed).
    /// - Throws: `AudioFileError.writeFailed` (disk full, encoder); the writer is then cancelled.
    public func write(_ buffer: AudioBuffer) throws {
        precondition(!done, "AudioFileWriter: write after finish or cancel")
        precondition(buffer.channelCount == channelCount, "AudioFileWriter: channel count differs from the writer's")
        do {
            framesWritten += buffer.frameCount
            if let converter {
                try encode(try converter.process(buffer))
            } else {
                try encode(buffer)
            }
        } catch {
            cancel()
            throw Self.writeError(error, path: url.path)
        }
    }

    /// Closes the file and renames it into place.
    /// - Throws: `AudioFileError.writeFailed` when nothing was written, the encoder failed or the rename failed.
    public func finish() throws {
        try finishUnpublished().publish()
    }

    /// Closes the file but leaves it in its temporary file: `publish()` on the result renames it into place later
    /// (the writer of a render's files publishes the audio when it writes the other files); released unpublished,
    /// the temporary file is removed.
    /// - Throws: `AudioFileError.writeFailed` when nothing was written or the encoder failed.
    public func finishUnpublished() throws -> PendingAudioFile {
        precondition(!done, "AudioFileWriter: finish called twice")
        let path = url.path
        do {
            guard framesWritten > 0 else { throw AudioFileError.writeFailed(path: path, reason: "no frames to write") }
            if let converter { try encode(try converter.finish()) }
            file = nil // closes the handle: the encoder flushes
            done = true
            return PendingAudioFile(
                url: url, temporary: temporary, format: format, options: options, frameCount: framesWritten)
        } catch {
            done = true
            file = nil
            TemporaryFiles.remove(temporary.path)
            throw Self.writeError(error, path: path)
        }
    }

    /// Abandons the file: the temporary file is removed and nothing appears at `url`.
    public func cancel() {
        guard !done else { return }
        done = true
        file = nil
        TemporaryFiles.remove(temporary.path)
    }

    /// Writes `buffer` to `url` in one call.
    /// - Throws: `AudioFileError.unsupportedFormat` (extension), `.writeFailed` (folder, disk, encoder).
    public static func write(_ buffer: AudioBuffer, to url: URL, options: AudioFileWriteOptions = .init()) throws {
        let path = url.path
        _ = try AudioFileFormat.forPath(path)
        guard buffer.frameCount > 0 else { throw AudioFileError.writeFailed(path: path, reason: "no frames to write") }
        let writer = try AudioFileWriter(
            url: url, channelCount: buffer.channelCount, sampleRate: buffer.sampleRate,
            options: options)
        try writer.write(buffer)
        try writer.finish()
    }

    private static func writeError(_ error: any Error, path: String) -> AudioFileError {
        if let error = error as? AudioFileError { return error }
        return AudioFileError.writeFailed(path: path, reason: "\(error)")
    }

    private static func open(
        temporaryPath: String, finalPath: String, format: AudioFileFormat,
        options: AudioFileWriteOptions, channelCount: Int, sampleRate: Double
    ) throws -> SndFile {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate.rounded())
        info.channels = Int32(channelCount)
        info.format = format.sndFileFormat(options.sampleFormat)
        let file: SndFile
        do { file = try SndFile(writingAt: temporaryPath, info: info) } catch {
            // Name the file the caller asked for, not the temporary one.
            switch error {
            case .unsupportedFormat(_, let detail):
                throw AudioFileError.unsupportedFormat(path: finalPath, detail: detail)
            case .writeFailed(_, let reason): throw AudioFileError.writeFailed(path: finalPath, reason: reason)
            default: throw error
            }
        }
        file.command(SFC_SET_CLIPPING, flag: true)
        // No PEAK chunk in float WAV and AIFF: it carries the time of writing, so the same audio written twice (or
        // in blocks across a second's boundary) gave different bytes.
        file.command(SFC_SET_ADD_PEAK_CHUNK, flag: false)
        switch format {
        case .oggVorbis, .opus:
            file.command(SFC_SET_VBR_ENCODING_QUALITY, double: min(max(options.encoderQuality, 0), 1))
        case .mp3:
            file.command(SFC_SET_BITRATE_MODE, int32: Int32(SF_BITRATE_MODE_VARIABLE))
            file.command(SFC_SET_VBR_ENCODING_QUALITY, double: min(max(options.encoderQuality, 0), 1))
        case .flac:
            file.command(SFC_SET_COMPRESSION_LEVEL, double: 0.5)
        default: break
        }
        if let title = options.title { file.setString(SF_STR_TITLE, title) }
        if let artist = options.artist { file.setString(SF_STR_ARTIST, artist) }
        if let comment = options.comment { file.setString(SF_STR_COMMENT, comment) }
        file.setString(SF_STR_SOFTWARE, "mashup")
        return file
    }

    /// Interleaves (with dither when asked) and hands `audio` to the encoder in blocks.
    private func encode(_ audio: AudioBuffer) throws {
        guard let file else { return }
        var start = 0
        while start < audio.frameCount {
            let count = min(Self.blockFrameCount, audio.frameCount - start)
            Self.interleave(
                audio, frames: start..<start + count, into: &interleaved, ditherAmplitude: ditherAmplitude,
                random: &random)
            try file.writeFrames(interleaved, frameCount: count)
            start += count
        }
    }
}

extension AudioFileWriter {
    /// Interleaves frames `frames` of `audio` into the start of `out`, adding dither when `ditherAmplitude` is set.
    fileprivate static func interleave(
        _ audio: AudioBuffer, frames: Range<Int>, into out: inout [Float], ditherAmplitude: Float?,
        random: inout DitherNoise
    ) {
        let channels = audio.channelCount, count = frames.count, total = audio.frameCount
        var destination = out.mutableSpan
        audio.withPlanarSamples { planar in
            if channels == 2 {
                let start = frames.lowerBound
                VectorOps.interleave(
                    planar.extracting(start..<(start + count)),
                    planar.extracting((total + start)..<(total + start + count)), into: &destination)
                return
            }
            for c in 0..<channels {
                let source = c * total + frames.lowerBound
                for i in 0..<count { destination[i * channels + c] = planar[source + i] }
            }
        }
        if let ditherAmplitude {
            for i in 0..<(count * channels) { destination[i] += ditherAmplitude * random.triangular() }
        }
    }
}

/// Triangular (TPDF) noise in -1...1 from a small deterministic generator.
struct DitherNoise {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func uniform() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24)
    }
    mutating func triangular() -> Float { uniform() - uniform() }
}
