// The render step as `mashup serve` runs it: the renderer writes its files into the job's workspace under one
// base name, then `StorageResultRenderer` moves them into the shared storage as `generated/<job>.<ext>` only once
// the render succeeded (so a failed or cancelled render leaves nothing in the storage).
import Foundation
import Orchestrator
import Render

/// A renderer that writes `<outputBase>.wav` (required) and, when it can, `<outputBase>.json` (report),
/// `.html` and `.svg`.
public protocol ServeRenderer: Sendable {
    /// Renders `input`, reporting 0-100 through `progress` (which throws `CancellationError` once the job is
    /// cancelled). - Returns: the result fields it knows (title, concept, timeline, masterplan, report).
    func render(_ input: RenderInput, outputBase: URL, context: JobContext,
                progress: @escaping @Sendable (Double, String) async throws -> Void) async throws -> JobResult
}

/// The extensions a render may produce, in upload order (the audio last, so its presence means "all written").
public enum ServeResultFiles {
    /// (`flac` and `mp3` are the studio's downloads, made on request beside the WAV; listed so the TTL removes them.)
    public static let extensions = ["json", "html", "svg", "wav", "flac", "mp3"]
}

/// Errors of the serve render step.
public enum ServeRenderError: Error, Sendable, Equatable, CustomStringConvertible {
    case noAudioWritten(path: String)

    public var description: String {
        switch self {
        case .noAudioWritten(let path): "the renderer finished without writing its audio file \(path)"
        }
    }
}

/// Adapts a `ServeRenderer` to the pipeline's `MashupRenderer`: renders into the workspace, then uploads the
/// files to `generated/<job>.<ext>` and answers the storage path and the `/v1/jobs/<id>/audio` URL.
public struct StorageResultRenderer: MashupRenderer {
    public let inner: any ServeRenderer
    public let storage: any SongStorage

    public init(_ inner: any ServeRenderer, storage: any SongStorage) {
        self.inner = inner
        self.storage = storage
    }

    public func render(_ input: RenderInput, context: JobContext,
                       progress: @escaping @Sendable (Double, String) async throws -> Void) async throws -> JobResult {
        let folder = context.workspace.file("output")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let base = folder.appendingPathComponent(context.jobID)
        var result = try await inner.render(input, outputBase: base, context: context, progress: progress)
        let audio = base.appendingPathExtension("wav")
        guard FileManager.default.fileExists(atPath: audio.path) else {
            throw ServeRenderError.noAudioWritten(path: audio.path)
        }
        try Task.checkCancellation()
        for ext in ServeResultFiles.extensions {
            let file = base.appendingPathExtension(ext)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let path = ServeJobSpec.resultPath(jobID: context.jobID, extension: ext)
            if let local = try storage.localFile(path) { try await context.registerFile(local.path) }
            try await storage.upload(file, to: path, contentType: MediaType.forExtension(ext))
        }
        if result.report == nil, let data = try? Data(contentsOf: base.appendingPathExtension("json")),
           data.count < 4 << 20, let report = try? JSONValue.parse(data) {
            result.report = report
        }
        result.storagePath = ServeJobSpec.resultPath(jobID: context.jobID, extension: "wav")
        result.resultURL = "/v1/jobs/\(context.jobID)/audio"
        return result
    }
}

/// The real render engine as a `ServeRenderer`: an `EngineRenderer` writing `<outputBase>.wav/.json/.html/.svg`.
public struct EngineServeRenderer: ServeRenderer {
    public let songs: DecodedSongCache
    public var engineOptions: RenderOptions
    /// Brings a stem named by its storage path (from the separation service) to a local file.
    public var stemLoader: @Sendable (String) async throws -> URL

    public init(songs: DecodedSongCache = DecodedSongCache(), engineOptions: RenderOptions = RenderOptions(stems: ApproximatedStems()),
                stemLoader: @escaping @Sendable (String) async throws -> URL = { URL(fileURLWithPath: $0) }) {
        self.songs = songs
        self.engineOptions = engineOptions
        self.stemLoader = stemLoader
    }

    public func render(_ input: RenderInput, outputBase: URL, context: JobContext,
                       progress: @escaping @Sendable (Double, String) async throws -> Void) async throws -> JobResult {
        // EngineRenderer names its files after the job id, which is the base name `StorageResultRenderer` gives.
        precondition(outputBase.lastPathComponent == context.jobID, "output base must be named after the job")
        let engine = EngineRenderer(songs: songs, outputDirectory: outputBase.deletingLastPathComponent(),
                                    engineOptions: engineOptions, stemLoader: stemLoader)
        return try await engine.render(input, context: context, progress: progress)
    }
}
