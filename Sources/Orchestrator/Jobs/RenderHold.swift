// A hook for the process-level tests (scripts/durable-kill-test.sh, scripts/worker-isolation-test.sh): they must
// kill a node or a worker while a job is rendering, and a render of their test songs can finish between two polls.
// With `MASHUP_TEST_HOLD_FILE` set, a job that reports rendering progress waits while that file exists, so the
// script can act, then remove the file to let the job go on. Unset (production), it does nothing.
import Foundation

/// Holds rendering jobs while a test's hold file exists (`MASHUP_TEST_HOLD_FILE`).
enum RenderHold {
    /// The hold file's path, read once per process; nil: no hold.
    static let path: String? = {
        guard let value = ProcessInfo.processInfo.environment["MASHUP_TEST_HOLD_FILE"], !value.isEmpty else {
            return nil
        }
        return value
    }()

    /// Waits while the hold file exists, once a job's progress has reached the rendering phase.
    /// - Throws: `CancellationError` when the job's task is cancelled while held.
    static func waitIfHeld(progress: Double) async throws {
        guard let path, progress >= JobPhase.rendering.progressRange.lowerBound else { return }
        while FileManager.default.fileExists(atPath: path) {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
