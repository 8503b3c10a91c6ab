// A render step that writes its files into a folder under one base name (`mashup serve` then moves them into the
// shared storage, see the Server's `StorageResultRenderer`).
import Foundation

/// A renderer that writes `<outputBase>.wav` (required) and, when it can, `<outputBase>.json` (report),
/// `.html` and `.svg`.
public protocol ServeRenderer: Sendable {
    /// Renders `input`, reporting 0-100 through `progress` (which throws `CancellationError` once the job is
    /// cancelled). - Returns: the result fields it knows (title, concept, timeline, masterplan, report).
    func render(
        _ input: RenderInput, outputBase: URL, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult
}
