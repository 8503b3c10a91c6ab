// The render step as `mashup serve` runs it: the renderer writes its files into the job's workspace under one
// base name, then `StorageResultRenderer` moves them into the shared storage as `generated/<job>.<ext>` only once
// the render succeeded (so a failed or cancelled render leaves nothing in the storage).
import Foundation
import MashupModel
import Orchestrator

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

    public func render(
        _ input: RenderInput, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult {
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
            data.count < 4 << 20, let report = try? JSONValue.parse(data)
        {
            result.report = report
        }
        result.storagePath = ServeJobSpec.resultPath(jobID: context.jobID, extension: "wav")
        result.resultURL = "/v1/jobs/\(context.jobID)/audio"
        return result
    }
}
