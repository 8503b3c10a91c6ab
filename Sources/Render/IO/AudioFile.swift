import DSP
import Foundation

/// A decoded file: the audio at the engine rate, what the header said, and what was repaired.
public struct DecodedAudio: Sendable {
    public let buffer: AudioBuffer
    public let info: AudioFileInfo
    /// NaN/Inf samples replaced by silence (reported as a warning when above 0).
    public let nonFiniteSampleCount: Int
}

/// One-call reading and writing of audio files.
public enum AudioFile {
    /// The engine's default sample rate in Hz.
    public static let defaultSampleRate: Double = 44100

    /// Reads a whole file as stereo at `sampleRate` (nil keeps the file's rate).
    /// - Throws: `AudioFileError` naming the file.
    public static func read(_ url: URL, sampleRate: Double? = defaultSampleRate,
                            quality: ResampleQuality = .best) throws -> DecodedAudio {
        let reader = try AudioFileReader(url: url, sampleRate: sampleRate, quality: quality)
        let buffer = try reader.readAll()
        guard buffer.frameCount > 0 else { throw AudioFileError.noFrames(path: url.path) }
        return DecodedAudio(buffer: buffer, info: reader.info, nonFiniteSampleCount: reader.nonFiniteSampleCount)
    }

    /// Writes `buffer` to `url` in the format its extension names, atomically (temporary file, then rename).
    public static func write(_ buffer: AudioBuffer, to url: URL, options: AudioFileWriteOptions = .init()) throws {
        try AudioFileWriter.write(buffer, to: url, options: options)
    }
}
