import Foundation
import Orchestrator

extension JobRunnerError: HTTPRefusalConvertible {
    /// The HTTP refusal for this error: 503 (shutting down) and 429 (queue full) with `Retry-After`, 409 (id in use).
    public var httpError: HTTPError {
        switch self {
        case .shuttingDown(let seconds):
            HTTPError(status: 503, description, headers: ["Retry-After": String(seconds)])
        case .queueFull(_, let seconds):
            HTTPError.tooManyRequests(description, retryAfterSeconds: seconds)
        case .alreadyRunning:
            HTTPError(status: 409, description, field: "job_id")
        }
    }
}
