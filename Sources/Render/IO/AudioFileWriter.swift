import CSndFile
import DSP
import Foundation

/// Writes an `AudioBuffer` to a file whose format follows its extension.
///
/// The data goes to a temporary file in the destination folder which is renamed into place only after the
/// encoder has finished, so the requested path never holds a partial file; on failure the temporary file is
/// removed. Opus is always written at 48 kHz (converted first); MP3 at its nearest allowed rate.
public enum AudioFileWriter {
    /// Writes `buffer` to `url`.
    /// - Throws: `AudioFileError.unsupportedFormat` (extension), `.writeFailed` (folder, disk, encoder).
    public static func write(_ buffer: AudioBuffer, to url: URL, options: AudioFileWriteOptions = .init()) throws {
        let path = url.path
        let format = try AudioFileFormat.forPath(path)
        guard buffer.frameCount > 0 else { throw AudioFileError.writeFailed(path: path, reason: "no frames to write") }
        guard buffer.channelCount <= AudioFileReader.maximumChannelCount else {
            throw AudioFileError.writeFailed(path: path, reason: "\(buffer.channelCount) channels is more than the formats hold")
        }
        var audio = buffer
        if let allowed = format.allowedSampleRates, !allowed.contains(audio.sampleRate) {
            let target = allowed.min { abs($0 - audio.sampleRate) < abs($1 - audio.sampleRate) }!
            audio = try SampleRateConverter.resample(audio, to: format == .opus ? 48000 : target, quality: .best)
        }
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AudioFileError.writeFailed(path: path, reason: "the folder \(folder.path) does not exist")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try encode(audio, format: format, options: options, temporaryPath: temporary.path, finalPath: path)
            if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
            guard rename(temporary.path, path) == 0 else {
                throw AudioFileError.writeFailed(path: path, reason: "rename failed: " + String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? AudioFileError { throw error }
            throw AudioFileError.writeFailed(path: path, reason: "\(error)")
        }
    }

    private static func encode(_ audio: AudioBuffer, format: AudioFileFormat, options: AudioFileWriteOptions,
                               temporaryPath: String, finalPath: String) throws {
        var info = SF_INFO()
        info.samplerate = Int32(audio.sampleRate.rounded())
        info.channels = Int32(audio.channelCount)
        info.format = format.sndFileFormat(options.sampleFormat)
        let file: SndFile
        do { file = try SndFile(writingAt: temporaryPath, info: info) } catch {
            // Name the file the caller asked for, not the temporary one.
            switch error {
            case .unsupportedFormat(_, let detail): throw AudioFileError.unsupportedFormat(path: finalPath, detail: detail)
            case .writeFailed(_, let reason): throw AudioFileError.writeFailed(path: finalPath, reason: reason)
            default: throw error
            }
        }
        file.command(SFC_SET_CLIPPING, flag: true)
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

        let ditherAmplitude: Float? = (options.dither && options.sampleFormat == .pcm16 && format.hasBitDepth)
            ? 1 / 32768 : nil
        var random = DitherNoise(seed: 0x6D61_7368)
        let channels = audio.channelCount
        let blockFrames = 16384
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        var start = 0
        while start < audio.frameCount {
            let count = min(blockFrames, audio.frameCount - start)
            try audio.samples.withUnsafeBufferPointer { planar in
                try interleaved.withUnsafeMutableBufferPointer { out in
                    for c in 0..<channels {
                        let source = planar.baseAddress! + c * audio.frameCount + start
                        for i in 0..<count { out[i * channels + c] = source[i] }
                    }
                    if let ditherAmplitude {
                        for i in 0..<(count * channels) { out[i] += ditherAmplitude * random.triangular() }
                    }
                    try file.writeFrames(out.baseAddress!, frameCount: count)
                }
            }
            start += count
        }
    }
}

/// Triangular (TPDF) noise in -1...1 from a small deterministic generator.
struct DitherNoise {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func uniform() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }
    mutating func triangular() -> Float { uniform() - uniform() }
}
