import Foundation

/// The time source of the orchestrator: wall-clock dates for job records, and sleeps for backoff and timers.
///
/// Everything in the orchestrator that depends on time takes a clock, so tests run on virtual time.
public protocol OrchestratorClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends for `seconds` (≥ 0).
    /// - Throws: `CancellationError` when the calling task is cancelled while sleeping.
    func sleep(seconds: Double) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemClock: OrchestratorClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { try Task.checkCancellation(); return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }
}

/// The program's name and version, as sent in `User-Agent: mashup/<version>`.
public enum MashupVersion {
    public static let name = "mashup"
    public static let version = "0.1.0"
    /// `mashup/0.1.0`.
    public static var userAgent: String { "\(name)/\(version)" }
}
