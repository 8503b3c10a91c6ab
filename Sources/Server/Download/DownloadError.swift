import Foundation
import Orchestrator

/// Errors of a guarded download.
public enum DownloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL, or a redirect's target, is not allowed (`field` names the request field).
    case refused(url: String, reason: String, field: String)
    case tooLarge(url: String, limitBytes: Int)
    case tooManyRedirects(url: String, limit: Int)
    case status(url: String, code: Int)
    case malformedResponse(url: String, reason: String)
    case network(url: String, reason: String)
    case idleTimeout(url: String, seconds: Double)

    public var description: String {
        switch self {
        case .refused(let url, let reason, let field): "\(field): \(url) refused: \(reason)"
        case .tooLarge(let url, let limit): "\(url) is over the download limit of \(limit) bytes"
        case .tooManyRedirects(let url, let limit): "\(url) redirected more than \(limit) times"
        case .status(let url, let code): "\(url) answered HTTP \(code)"
        case .malformedResponse(let url, let reason): "\(url) sent a malformed HTTP response: \(reason)"
        case .network(let url, let reason): "\(url): \(reason)"
        case .idleTimeout(let url, let seconds):
            "\(url) sent nothing for \(String(format: "%g", seconds)) s (idle timeout)"
        }
    }

    /// Worth another attempt (network trouble, idle timeout, 5xx, 429).
    var isTransient: Bool {
        switch self {
        case .network, .idleTimeout: true
        case .status(_, let code): code >= 500 || code == 429
        default: false
        }
    }
}

extension DownloadError: ClassifiableError {
    public var jobFailure: JobFailure {
        switch self {
        case .network: JobFailure(.network, "A song could not be downloaded: \(description)")
        case .idleTimeout: JobFailure(.timeout, "A song download stalled: \(description)")
        case .status(_, let code) where code >= 500 || code == 429:
            JobFailure(.network, "A song could not be downloaded: \(description)")
        default: JobFailure(.invalidAudio, "A song could not be downloaded: \(description)")
        }
    }
}
