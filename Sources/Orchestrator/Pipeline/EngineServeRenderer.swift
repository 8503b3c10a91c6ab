// The real render engine as a `ServeRenderer`, for `mashup serve` and its worker processes.
import Foundation
import Render

/// The real render engine as a `ServeRenderer`: an `EngineRenderer` writing `<outputBase>.wav/.json/.html/.svg`.
public struct EngineServeRenderer: ServeRenderer {
    public let songs: DecodedSongCache
    public var engineOptions: RenderOptions
    /// Brings a stem named by its storage path (from the separation service) to a local file.
    public var stemLoader: @Sendable (String) async throws -> URL

    public init(
        songs: DecodedSongCache = DecodedSongCache(),
        engineOptions: RenderOptions = RenderOptions(stems: ApproximatedStems()),
        stemLoader: @escaping @Sendable (String) async throws -> URL = { URL(fileURLWithPath: $0) }
    ) {
        self.songs = songs
        self.engineOptions = engineOptions
        self.stemLoader = stemLoader
    }

    public func render(
        _ input: RenderInput, outputBase: URL, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult {
        // EngineRenderer names its files after the job id, which is the base name `StorageResultRenderer` gives.
        precondition(outputBase.lastPathComponent == context.jobID, "output base must be named after the job")
        let engine = EngineRenderer(
            songs: songs, outputDirectory: outputBase.deletingLastPathComponent(),
            engineOptions: engineOptions, stemLoader: stemLoader)
        return try await engine.render(input, context: context, progress: progress)
    }
}
