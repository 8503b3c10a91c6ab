// The heavy part of a serve job, the same in the server process and in a worker process: read the job's request
// from the shared storage, bring its songs to local files (storage objects, or URLs after the `URLPolicy` check),
// then run the whole pipeline (pipeline jobs) or analyse what is missing and render the given plan (render jobs).
// The workspace exists and is registered before this runs (the runner owns it: it is removed however the job ends).
import Foundation
import MashupModel
import Orchestrator

/// Runs one job's work given its context.
public struct ServeJobExecutor: Sendable {
    public let storage: any SongStorage
    let pipeline: @Sendable ([PipelineSong]) -> JobPipeline
    let renderer: any MashupRenderer
    let analyzer: (any AnalysisService)?
    /// The separation step for render jobs (nil: no separation service; their stems are approximated).
    let separation: StemSeparation?
    let urlPolicy: URLPolicy
    /// Largest song accepted by URL, in bytes (enforced while downloading).
    public let downloadLimitBytes: Int
    /// Whether a separation service is configured: then each song gets a URL the service can fetch (the song's
    /// own URL, or a signed storage URL) in `PipelineSong.separationURL`.
    /// Read from `SEPARATION_API_URL`, as the pipeline's service configuration is.
    public var separationConfigured: Bool
    /// How long a signed song URL for the separation service stays valid, seconds.
    public static let separationURLLifetimeSeconds = 3600

    /// - Parameters:
    ///   - pipeline: the whole pipeline for songs (`MashupPipeline.job`), for pipeline jobs.
    ///   - renderer: the render step for plan jobs (a `StorageResultRenderer` so results land in the storage).
    ///   - analyzer: analyses songs a plan job gives without one, and completes a given analysis that lacks a beat
    ///     grid, a duration or a trusted key (`AnalysisReconciler`); nil: such songs get an empty analysis.
    ///   - separation: the separation step for render jobs (`MashupPipeline.separate`; nil: none configured).
    ///   - urlPolicy, downloadLimitBytes: songs given by URL are fetched by a `GuardedDownloader` under these.
    public init(
        storage: any SongStorage, pipeline: @escaping @Sendable ([PipelineSong]) -> JobPipeline,
        renderer: any MashupRenderer, analyzer: (any AnalysisService)? = nil, separation: StemSeparation? = nil,
        urlPolicy: URLPolicy = URLPolicy(), downloadLimitBytes: Int = 200 * 1_048_576
    ) {
        self.storage = storage
        self.pipeline = pipeline
        self.renderer = renderer
        self.analyzer = analyzer
        self.separation = separation
        separationConfigured =
            separation != nil || !(ProcessInfo.processInfo.environment["SEPARATION_API_URL"] ?? "").isEmpty
        self.urlPolicy = urlPolicy
        self.downloadLimitBytes = downloadLimitBytes
    }

    /// Runs job `id` in `context` (whose workspace exists). - Returns: the job's result.
    /// - Throws: `ServeJobError`, `HTTPError` (a refused URL), storage, pipeline and render errors, `CancellationError`.
    public func execute(id: String, context: JobContext) async throws -> JobResult {
        let spec = try await loadSpec(id: id, workspace: context.workspace)
        let songs = try await materialize(spec.songs, workspace: context.workspace)
        switch spec.kind {
        case .pipeline:
            // The job's own preferences reach the planner (merged over the pipeline's defaults).
            return try await JobPreferences.$current.withValue(spec.preferences ?? [:]) {
                try await pipeline(songs)(context)
            }
        case .render:
            guard let plan = spec.plan else { throw ServeJobError.missingPlan(jobID: id) }
            var analyses: [AnalysisDocument] = []
            for (index, song) in spec.songs.enumerated() {
                if let given = song.analysis, given.objectValue != nil {
                    // `{"analysis": A}` is read as `A`.
                    let analysis =
                        given["harmonic"] == nil && given["rhythmic"] == nil ? given["analysis"] ?? given : given
                    if let analyzer, AnalysisReconciler.needsCompletion(analysis) {
                        // An analysis from the original service (no beats, duration or sections; an untrusted
                        // key) is completed and checked by ours, as the pipeline does: one grid and one key for
                        // the plan's check and the render, each replaced field named in a warning.
                        try await context.report(
                            PipelineProgress.analysis(songIndex: index, of: spec.songs.count, songName: song.name))
                        let ours = try await analyzer.analyze(songs[index].audio)
                        let reconciled = AnalysisReconciler.reconcile(
                            remote: analysis, embedded: ours.json, songName: song.name)
                        for warning in reconciled.warnings { try await context.warn(warning) }
                        analyses.append(AnalysisDocument(json: reconciled.analysis))
                    } else {
                        analyses.append(AnalysisDocument(json: analysis))
                    }
                } else if let analyzer {
                    try await context.report(
                        PipelineProgress.analysis(
                            songIndex: index, of: spec.songs.count,
                            songName: song.name))
                    analyses.append(try await analyzer.analyze(songs[index].audio))
                } else {
                    analyses.append(.empty)
                }
            }
            // With a separation service, its stems are the ones rendered, as in pipeline jobs.
            let stems = try await separation?(songs, context) ?? [:]
            let input = RenderInput(
                plan: MasterplanShape.normalized(plan), songs: songs, documents: analyses, stems: stems)
            let renderer = self.renderer
            return try await context.withRenderSlot {
                try await context.report(PipelineProgress.rendering(renderPercent: 0, message: "Rendering"))
                return try await renderer.render(input, context: context) { percent, message in
                    try await context.report(PipelineProgress.rendering(renderPercent: percent, message: message))
                }
            }
        }
    }

    private func loadSpec(id: String, workspace: JobWorkspace) async throws -> ServeJobSpec {
        let file = workspace.file("spec.json")
        do {
            try await storage.download(ServeJobSpec.storagePath(jobID: id), to: file)
        } catch SongStorageError.notFound {
            throw ServeJobError.missingSpec(jobID: id)
        }
        return try JSONDecoder().decode(ServeJobSpec.self, from: Data(contentsOf: file))
    }

    /// Local files for the songs: the storage's own file when it is a local directory, else a download into the
    /// workspace (storage objects through the backend, URLs after the `URLPolicy` check).
    private func materialize(_ songs: [ServeJobSpec.Song], workspace: JobWorkspace) async throws -> [PipelineSong] {
        var result: [PipelineSong] = []
        for (index, song) in songs.enumerated() {
            let local: URL
            if let path = song.storagePath {
                if let file = try storage.localFile(path) {
                    guard FileManager.default.fileExists(atPath: file.path) else {
                        throw SongStorageError.notFound(path: path)
                    }
                    local = file
                } else {
                    local = workspace.file("song-\(index)-\(Self.safeExtension(path))")
                    try await storage.download(path, to: local)
                }
            } else if let text = song.url {
                let field = "songs[\(index)].url"
                let (url, _) = try urlPolicy.check(text, field: field)
                local = workspace.file("song-\(index)-\(Self.safeExtension(url.path))")
                let downloader = GuardedDownloader(policy: urlPolicy, maximumBytes: downloadLimitBytes)
                try await downloader.download(text, field: field, to: local)
            } else {
                throw HTTPError.badRequest(
                    "song \(song.songID) has neither storage_path nor url", field: "songs[\(index)]")
            }
            var separationURL: URL?
            if separationConfigured {
                if let text = song.url {
                    separationURL = URL(string: text)
                } else if let path = song.storagePath {
                    separationURL = try await storage.fetchableURL(
                        path, expiresInSeconds: Self.separationURLLifetimeSeconds)
                }
            }
            result.append(
                PipelineSong(
                    song: song.jobSong, audio: SongAudioInput(songID: song.songID, source: .file(local)),
                    separationURL: separationURL))
        }
        return result
    }

    static func safeExtension(_ path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        let clean = ext.filter { $0.isLetter || $0.isNumber }
        return "audio." + (clean.isEmpty || clean.count > 5 ? "bin" : clean)
    }
}
