import Foundation

/// Why a runner refused a job (the faces map these: the Server to 503, 429 and 409 with `Retry-After`).
public enum JobRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The runner is stopping and takes no new jobs; try again after `retryAfterSeconds`.
    case shuttingDown(retryAfterSeconds: Int)
    /// `queuedJobs` jobs already wait (the limit); try again after `retryAfterSeconds`.
    case queueFull(queuedJobs: Int, retryAfterSeconds: Int)
    /// A job with this id is queued or running.
    case alreadyRunning(jobID: String)

    public var description: String {
        switch self {
        case .shuttingDown: "the server is shutting down"
        case .queueFull(let queued, _): "the render queue is full (\(queued) jobs waiting)"
        case .alreadyRunning(let id): "job \(id) is already running"
        }
    }
}
