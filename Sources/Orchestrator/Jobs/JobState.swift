import Foundation

/// The life of a job, with an explicit table of allowed transitions.
///
/// ```
/// queued ──> processing ──> complete
///   │  ▲         │ ├──────> failed
///   │  └─requeue─┘ └──────> cancelled
///   ├──────────────────────> failed      (refused before it started)
///   └──────────────────────> cancelled
/// ```
/// `processing -> queued` is the requeue of a job whose worker died (durable stores, issue 10).
/// Terminal states (complete, failed, cancelled) have no way out.
public enum JobState: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
    case queued, processing, complete, failed, cancelled

    /// Every allowed transition: from -> the set of states it may go to.
    public static let allowedTransitions: [JobState: Set<JobState>] = [
        .queued: [.processing, .failed, .cancelled],
        .processing: [.complete, .failed, .cancelled, .queued],
        .complete: [],
        .failed: [],
        .cancelled: [],
    ]

    /// Whether `self -> next` is in the table.
    public func canTransition(to next: JobState) -> Bool {
        Self.allowedTransitions[self]?.contains(next) ?? false
    }

    /// Whether the job is over.
    public var isTerminal: Bool { Self.allowedTransitions[self]?.isEmpty ?? true }

    /// The contract's `status` word: `processing` (queued or running), `complete`, or `failed` (failed or cancelled).
    public var contractStatus: String {
        switch self {
        case .queued, .processing: "processing"
        case .complete: "complete"
        case .failed, .cancelled: "failed"
        }
    }
}
