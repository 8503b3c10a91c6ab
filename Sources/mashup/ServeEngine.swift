import Foundation
import Orchestrator
import Render
import Server

/// The engine side of `mashup serve`, built the same way in the server and in its worker processes: storage,
/// content and stretch caches, the render step and the pipeline.
struct ServeEngine: Sendable {
    let local: LocalDirectoryStorage
    let storage: any SongStorage
    let durable: DurableConfiguration
    let services: ServiceConfiguration
    let songs = DecodedSongCache()
    let contentCache: ContentCache
    let stretchCache = StretchCache()
    let renderer: EngineServeRenderer
    let scratch: URL
    let workspaces: URL

    /// - Parameter storageRoot: the local storage root (`--storage`, `MASHUP_STORAGE`, default `./data`).
    init(storageRoot: String?) throws {
        let root = URL(fileURLWithPath: storageRoot ?? "data").standardizedFileURL
        local = try LocalDirectoryStorage(root: root)
        storage = SupabaseStorage.fromEnvironment() ?? local
        durable = try DurableConfiguration.fromEnvironment(storageDirectory: local.root)
        services = try ServiceConfiguration.fromEnvironment()
        scratch = local.root.appendingPathComponent("work/scratch", isDirectory: true)
        workspaces = local.root.appendingPathComponent("work/jobs", isDirectory: true)
        // Analyses and stems are cached by content on disk, stretched layers in memory: a re-render after a plan
        // edit reuses what did not change.
        contentCache = try durable.openCache()
        renderer = EngineServeRenderer(songs: songs, engineOptions: RenderOptions(
            analysis: CachedSongAnalysis(cache: contentCache), stems: CachedStemProvider(cache: contentCache),
            stretchCache: stretchCache))
    }

    /// The whole pipeline for a job's songs, rendering through `storageRenderer`; `observer` sees every remote call.
    func pipeline(storageRenderer: any MashupRenderer,
                  observer: @escaping @Sendable (ServiceAttemptRecord) -> Void) -> @Sendable ([PipelineSong]) -> JobPipeline {
        let base = PipelineFactory.make(configuration: services, outputDirectory: workspaces, scratch: scratch,
                                        planner: EmbeddedPlanner(), songs: songs, contentCache: contentCache,
                                        observer: observer)
        var pipeline = MashupPipeline(remote: base.remote, embedded: base.embedded,
                                      anthropicPlanner: base.anthropicPlanner, renderer: storageRenderer,
                                      weights: base.weights)
        pipeline.userPreferences = base.userPreferences
        let job = pipeline
        return { job.job($0) }
    }

    /// Analyses songs a plan job gives without one.
    var analyzer: EmbeddedAnalysisService {
        EmbeddedAnalysisService(songs: songs, scratch: scratch, cache: contentCache)
    }
}
