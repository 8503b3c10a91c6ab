import DSP
import Foundation

/// A decoded file: the audio at the engine rate, what the header said, and what was repaired.
public struct DecodedAudio: Sendable {
    public let buffer: AudioBuffer
    public let info: AudioFileInfo
    /// NaN/Inf samples replaced by silence (reported as a warning when above 0).
    public let nonFiniteSampleCount: Int
    /// Decode errors the decoder reported and survived (at most `AudioInputLimits.maximumDecodeErrorCount`).
    public var decodeErrorCount: Int = 0
    /// Frames the header declared that were not decoded (a truncated or damaged file).
    public var missingFrameCount: Int = 0

    public init(
        buffer: AudioBuffer, info: AudioFileInfo, nonFiniteSampleCount: Int, decodeErrorCount: Int = 0,
        missingFrameCount: Int = 0
    ) {
        self.buffer = buffer
        self.info = info
        self.nonFiniteSampleCount = nonFiniteSampleCount
        self.decodeErrorCount = decodeErrorCount
        self.missingFrameCount = missingFrameCount
    }

    /// What was repaired or is missing, each naming the file: for the caller to print or report.
    public var warnings: [String] {
        Self.warnings(
            info: info, nonFiniteSampleCount: nonFiniteSampleCount, decodeErrorCount: decodeErrorCount,
            missingFrameCount: missingFrameCount)
    }

    /// The warnings of a decode with these counts (also for a file read block by block with `AudioFileReader`).
    public static func warnings(
        info: AudioFileInfo, nonFiniteSampleCount: Int, decodeErrorCount: Int,
        missingFrameCount: Int
    ) -> [String] {
        var lines: [String] = []
        if nonFiniteSampleCount > 0 {
            lines.append("\(info.path): \(nonFiniteSampleCount) NaN/Inf samples replaced by 0")
        }
        if decodeErrorCount > 0 {
            lines.append(
                "\(info.path): \(decodeErrorCount) decode error\(decodeErrorCount == 1 ? "" : "s") (lost sync, bad CRC): damaged audio was skipped"
            )
        }
        if missingFrameCount > 0 {
            lines.append(
                "\(info.path): truncated: \(JSONReader.grouped(missingFrameCount)) of the \(JSONReader.grouped(info.declaredFrameCount)) frames the header declares are missing"
            )
        }
        return lines
    }
}

/// One-call reading and writing of audio files.
public enum AudioFile {
    /// The engine's default sample rate in Hz.
    public static let defaultSampleRate: Double = 44100

    /// Reads a whole file as stereo at `sampleRate` (nil keeps the file's rate).
    /// - Throws: `AudioFileError` naming the file.
    /// - Throws: `AudioFileError` naming the file (see `AudioFileReader` for the limits checked).
    public static func read(
        _ url: URL, sampleRate: Double? = defaultSampleRate,
        quality: ResampleQuality = .best, limits: AudioInputLimits = .standard
    ) throws -> DecodedAudio {
        let reader = try AudioFileReader(url: url, sampleRate: sampleRate, quality: quality, limits: limits)
        let buffer = try reader.readAll()
        guard buffer.frameCount > 0 else { throw AudioFileError.noFrames(path: url.path) }
        return DecodedAudio(
            buffer: buffer, info: reader.info, nonFiniteSampleCount: reader.nonFiniteSampleCount,
            decodeErrorCount: reader.decodeErrorCount, missingFrameCount: reader.missingFrameCount)
    }

    /// Writes `buffer` to `url` in the format its extension names, atomically (temporary file, then rename).
    public static func write(_ buffer: AudioBuffer, to url: URL, options: AudioFileWriteOptions = .init()) throws {
        try AudioFileWriter.write(buffer, to: url, options: options)
    }
}
