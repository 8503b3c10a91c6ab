import Foundation

/// The classes of job failure that a user sees in `error_details.type`.
public enum JobErrorType: String, Codable, Sendable, CaseIterable {
    /// The network failed (connection refused, DNS, reset).
    case network
    /// A service or step took longer than its timeout.
    case timeout
    /// A service is down, overloaded or refused repeatedly (including an open circuit breaker).
    case serviceUnavailable = "service_unavailable"
    /// A song could not be read, decoded or sent (unsupported format, too large, silent, too short).
    case invalidAudio = "invalid_audio"
    /// The masterplan could not be made valid.
    case invalidPlan = "invalid_plan"
    /// Anything else: a bug or a resource problem on this machine.
    case system
    /// The job was cancelled on request.
    case cancelled
    /// The render engine's worker process died on this input (a trap, a kill, out of memory, over its time
    /// limit): `mashup serve` runs each job in a worker process, so only this job failed.
    case engineCrash = "engine_crash"

    /// Whether trying the same job again may succeed.
    public var isRecoverable: Bool {
        switch self {
        case .network, .timeout, .serviceUnavailable, .invalidPlan, .cancelled: true
        case .invalidAudio, .system, .engineCrash: false
        }
    }

    /// What a user can do about it, in one sentence.
    public var defaultSuggestedAction: String {
        switch self {
        case .network:
            "Check the network connection of the server and the service URLs, then try again."
        case .timeout:
            "Try again in a few minutes; if it keeps timing out, use shorter songs."
        case .serviceUnavailable:
            "Try again in about 5 minutes, or unset the service's URL to use the built-in engine."
        case .invalidAudio:
            "Upload a different file: WAV, FLAC, MP3 or OGG, at least 10 seconds long and within the size limit."
        case .invalidPlan:
            "Try again to get a new plan, or pick songs with closer tempos and keys."
        case .system:
            "Try again; if the problem persists, report it with the job id."
        case .cancelled:
            "Start the mashup again when you are ready."
        case .engineCrash:
            "The engine failed on this input: try other songs or a simpler plan; if it persists, report it with the job id."
        }
    }
}

/// `error_details` of the status answer: `{type, recoverable, suggested_action}`.
public struct JobErrorDetails: Codable, Sendable, Equatable {
    public var type: JobErrorType
    public var recoverable: Bool
    public var suggestedAction: String

    public init(type: JobErrorType, recoverable: Bool? = nil, suggestedAction: String? = nil) {
        self.type = type
        self.recoverable = recoverable ?? type.isRecoverable
        self.suggestedAction = suggestedAction ?? type.defaultSuggestedAction
    }

    enum CodingKeys: String, CodingKey {
        case type, recoverable
        case suggestedAction = "suggested_action"
    }
}

/// A classified failure: the message shown as `error_message` and its details.
public struct JobFailure: Codable, Sendable, Equatable, Error {
    /// A sentence for the user, e.g. "analysis service timed out after 45 s (4 attempts)".
    public var message: String
    public var details: JobErrorDetails

    public init(message: String, details: JobErrorDetails) {
        self.message = message
        self.details = details
    }

    public init(_ type: JobErrorType, _ message: String, suggestedAction: String? = nil) {
        self.init(message: message, details: JobErrorDetails(type: type, suggestedAction: suggestedAction))
    }
}

/// An error that knows its class. Other modules' errors (audio I/O, plan validation) conform through
/// extensions in the Orchestrator so that `ErrorClassifier` reports them precisely.
public protocol ClassifiableError: Error {
    /// The classified form of this error.
    var jobFailure: JobFailure { get }
}

extension JobFailure: ClassifiableError {
    public var jobFailure: JobFailure { self }
}
