import Foundation

/// What went wrong with an audio file, always naming the file.
public enum AudioFileError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// No file at the path.
    case notFound(path: String)
    /// The file exists but cannot be opened for reading (permissions, a directory, ...).
    case unreadable(path: String, reason: String)
    /// The file is not audio libsndfile understands (text renamed .wav, a truncated or damaged header).
    case notAudio(path: String, reason: String)
    /// The output extension names a format this engine does not write.
    case unsupportedFormat(path: String, detail: String)
    /// The file decodes to zero frames (a header with no data).
    case noFrames(path: String)
    /// Header values outside sane bounds (sample rate, channel count).
    case absurdHeader(path: String, detail: String)
    /// Writing failed (folder missing, disk full, encoder refused the settings); no file was left behind.
    case writeFailed(path: String, reason: String)
    /// The song is longer, or decodes to more, than `AudioInputLimits` allow (found from the header or while decoding).
    case tooLong(path: String, detail: String)
    /// The song is shorter than a render accepts (`AudioInputLimits.minimumSongSeconds`).
    case tooShort(path: String, seconds: Double, minimumSeconds: Double)
    /// The decoder reported more errors (lost sync, bad CRC) than `AudioInputLimits.maximumDecodeErrorCount`.
    case damaged(path: String, decodeErrorCount: Int, limit: Int)

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file"
        case .unreadable(let path, let reason): "\(path): cannot be read: \(reason)"
        case .notAudio(let path, let reason): "\(path): not a readable audio file: \(reason)"
        case .unsupportedFormat(let path, let detail): "\(path): unsupported format: \(detail)"
        case .noFrames(let path): "\(path): the file holds no audio frames"
        case .absurdHeader(let path, let detail): "\(path): implausible header: \(detail)"
        case .writeFailed(let path, let reason): "\(path): could not be written: \(reason)"
        case .tooLong(let path, let detail): "\(path): too long: \(detail)"
        case .tooShort(let path, let seconds, let minimum):
            "\(path): the song lasts \(MusicalDuration.trim(seconds)) s, shorter than the minimum of \(MusicalDuration.trim(minimum)) s (one bar must fit)"
        case .damaged(let path, let count, let limit):
            "\(path): damaged: \(count) decode errors (lost sync, bad CRC), over the limit of \(limit)"
        }
    }

    public var errorDescription: String? { description }

    /// The file the error is about.
    public var path: String {
        switch self {
        case .notFound(let p), .unreadable(let p, _), .notAudio(let p, _), .unsupportedFormat(let p, _),
            .noFrames(let p), .absurdHeader(let p, _), .writeFailed(let p, _), .tooLong(let p, _),
            .tooShort(let p, _, _), .damaged(let p, _, _):
            p
        }
    }
}
