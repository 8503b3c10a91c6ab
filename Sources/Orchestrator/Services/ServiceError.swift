import Foundation

/// The remote services the orchestrator calls.
public enum ServiceKind: String, Sendable, Codable, CaseIterable {
    case analysis, scoring, planner, separation, anthropic
    /// Fetching a song or stem by URL.
    case download

    /// How the service is named in messages ("analysis service", "Claude").
    public var displayName: String {
        switch self {
        case .analysis: "analysis service"
        case .scoring: "scoring service"
        case .planner: "planner service"
        case .separation: "separation service"
        case .anthropic: "Claude (Anthropic API)"
        case .download: "download"
        }
    }
}

/// A remote service call that failed for good, with what happened and how many attempts were made.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No response: connection refused, reset, DNS (after retries).
        case network(String)
        /// No response within the timeout, in seconds (after retries).
        case timedOut(seconds: Double)
        /// An HTTP error status; `message` is the body excerpt or the API's error message.
        case httpStatus(Int, message: String)
        /// The answer was not what the contract says: `field` names the missing or wrong field
        /// (a dotted path such as `analysis.rhythmic.bpm`, or `body` for unreadable JSON).
        case invalidData(field: String, reason: String)
        /// The service reported failure in a 2xx answer (`success: false`), with its message.
        case rejected(String)
        /// The circuit breaker is open: the service failed repeatedly; calls pass again at `until`.
        case unavailable(until: Date?)
        /// `Retry-After` asked for a longer wait than allowed, in seconds.
        case retryAfterTooLong(seconds: Double)
        /// The request itself could not be made: the inline audio is too large, the URL is malformed...
        case requestTooLarge(bytes: Int, limitBytes: Int)
        /// The answer was cut off (`stop_reason: max_tokens`) even at the largest allowed length.
        case truncated(maxTokens: Int)
    }

    public var service: ServiceKind
    public var kind: Kind
    /// HTTP attempts made (0 when the breaker refused the call).
    public var attempts: Int

    public init(service: ServiceKind, kind: Kind, attempts: Int) {
        self.service = service
        self.kind = kind
        self.attempts = attempts
    }

    /// The machine-readable code: network, timeout, http_status, invalid_data, rejected, unavailable,
    /// retry_after_too_long, request_too_large, truncated.
    public var code: String {
        switch kind {
        case .network: "network"
        case .timedOut: "timeout"
        case .httpStatus: "http_status"
        case .invalidData: "invalid_data"
        case .rejected: "rejected"
        case .unavailable: "unavailable"
        case .retryAfterTooLong: "retry_after_too_long"
        case .requestTooLarge: "request_too_large"
        case .truncated: "truncated"
        }
    }

    /// Whether the service itself is at fault (so a fallback to the embedded default makes sense), as opposed to
    /// our request (a 4xx other than 429, an oversized upload).
    public var isServiceFault: Bool {
        switch kind {
        case .network, .timedOut, .invalidData, .rejected, .unavailable, .retryAfterTooLong, .truncated: true
        case .httpStatus(let status, _): RetryPolicy.isRetryable(statusCode: status)
        case .requestTooLarge: false
        }
    }

    private var attemptsText: String { attempts == 1 ? "1 attempt" : "\(attempts) attempts" }

    /// A sentence naming the service and what went wrong, e.g.
    /// "analysis service unavailable after 4 attempts (HTTP 503: overloaded)".
    public var description: String {
        let name = service.displayName
        switch kind {
        case .network(let text):
            return "\(name) unreachable after \(attemptsText) (\(text))"
        case .timedOut(let seconds):
            return "\(name) timed out after \(attemptsText) (no answer within \(Self.formatSeconds(seconds)))"
        case .httpStatus(let status, let message):
            let detail = message.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(message)"
            return RetryPolicy.isRetryable(statusCode: status)
                ? "\(name) unavailable after \(attemptsText) (\(detail))"
                : "\(name) refused the request (\(detail))"
        case .invalidData(let field, let reason):
            return "\(name) returned invalid data: \(field) \(reason)"
        case .rejected(let message):
            return "\(name) reported a failure: \(message)"
        case .unavailable(let until):
            if let until {
                return
                    "\(name) unavailable (failed repeatedly; retried after \(Self.timeFormatter.string(from: until)) UTC)"
            }
            return "\(name) unavailable (failed repeatedly)"
        case .retryAfterTooLong(let seconds):
            return "\(name) asked to wait \(Self.formatSeconds(seconds)) before retrying, longer than allowed"
        case .requestTooLarge(let bytes, let limit):
            return
                "request to \(name) too large: \(Self.formatMegabytes(bytes)) above the \(Self.formatMegabytes(limit)) limit"
        case .truncated(let maxTokens):
            return "\(name) answer was cut off at \(maxTokens) tokens"
        }
    }

    /// "45 s", "0.5 s".
    static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    static func formatMegabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    private static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()
}

extension ServiceError: ClassifiableError {
    /// network -> network; timeout -> timeout; 5xx, 429, open breaker -> service unavailable; the planner's or
    /// Claude's invalid data -> invalid plan; the analysis service refusing the song (4xx), or a song too large to
    /// send -> invalid audio; other invalid data -> service unavailable (the service misbehaves).
    public var jobFailure: JobFailure {
        let message = description
        switch kind {
        case .network:
            return JobFailure(.network, message)
        case .timedOut:
            return JobFailure(.timeout, message)
        case .unavailable, .retryAfterTooLong:
            return JobFailure(.serviceUnavailable, message)
        case .httpStatus(let status, _):
            if RetryPolicy.isRetryable(statusCode: status) { return JobFailure(.serviceUnavailable, message) }
            if service == .analysis, [400, 413, 415, 422].contains(status) {
                return JobFailure(.invalidAudio, message)
            }
            if service == .download, [403, 404, 410].contains(status) {
                return JobFailure(
                    .invalidAudio, message, suggestedAction: "Check that the song's URL is public and still valid.")
            }
            if [401, 403].contains(status) {
                return JobFailure(
                    message: message,
                    details: JobErrorDetails(
                        type: .serviceUnavailable, recoverable: false,
                        suggestedAction: "Check the API key configured for the \(service.displayName)."))
            }
            return JobFailure(message: message, details: JobErrorDetails(type: .system, recoverable: false))
        case .invalidData, .truncated, .rejected:
            if service == .planner || service == .anthropic { return JobFailure(.invalidPlan, message) }
            if service == .analysis, case .rejected = kind { return JobFailure(.invalidAudio, message) }
            return JobFailure(.serviceUnavailable, message)
        case .requestTooLarge:
            return JobFailure(
                .invalidAudio, message,
                suggestedAction: "Use a shorter or compressed song (MP3, OGG), or give the song as a URL.")
        }
    }
}
