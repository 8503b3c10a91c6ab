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

    /// The version and the build: `0.1.0+` and the first 16 hex digits of the SHA-256 of the running executable
    /// (`/proc/self/exe`, read once per process), or the version alone when the executable cannot be read. The
    /// content cache keys its entries with it, so a rebuilt analyser or stem approximator never serves what an
    /// older build stored under the same version number.
    public static let build: String = {
        guard let handle = try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/exe")) else {
            return version
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        guard (try? hasher.update(readingToEndOf: handle)) != nil else { return version }
        return version + "+" + SHA256.hex(hasher.finalize()).prefix(16)
    }()
}
