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

    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file"
        case .unreadable(let path, let reason): "\(path): cannot be read: \(reason)"
        case .notAudio(let path, let reason): "\(path): not a readable audio file: \(reason)"
        case .unsupportedFormat(let path, let detail): "\(path): unsupported format: \(detail)"
        case .noFrames(let path): "\(path): the file holds no audio frames"
        case .absurdHeader(let path, let detail): "\(path): implausible header: \(detail)"
        case .writeFailed(let path, let reason): "\(path): could not be written: \(reason)"
        }
    }

    public var errorDescription: String? { description }

    /// The file the error is about.
    public var path: String {
        switch self {
        case .notFound(let p), .unreadable(let p, _), .notAudio(let p, _), .unsupportedFormat(let p, _),
             .noFrames(let p), .absurdHeader(let p, _), .writeFailed(let p, _): p
        }
    }
}
