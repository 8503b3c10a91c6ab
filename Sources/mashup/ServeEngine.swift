import Foundation
import MashupModel
import Orchestrator
import Render
import Server

#if canImport(Glibc)
    import Glibc
#endif

/// The engine side of `mashup serve`, built the same way in the server and in its worker processes: storage,
/// content and stretch caches, the render step and the pipeline.
struct ServeEngine: Sendable {
    /// How this process uses the content cache (`<storage>/cache`), which one process at a time may own.
    enum CacheUse {
        /// Open it (the server running jobs in process).
        case open
        /// Not at all (the server when jobs run in workers: the workers use it).
        case none
        /// Open it only when no other worker holds it (an exclusive lock on `<storage>/cache.lock`, kept for the
        /// life of the process); otherwise run this job without it.
        case exclusive
    }

    let local: LocalDirectoryStorage
    let storage: any SongStorage
    let durable: DurableConfiguration
    let services: ServiceConfiguration
    let songs = DecodedSongCache()
    let contentCache: ContentCache?
    let stretchCache = StretchCache()
    let renderer: EngineServeRenderer
    let scratch: URL
    let workspaces: URL

    /// - Parameters:
    ///   - storageRoot: the local storage root (`--storage`, `MASHUP_STORAGE`, default `./data`).
    ///   - cacheUse: whether this process opens the content cache.
    init(storageRoot: String?, cacheUse: CacheUse) throws {
        let root = URL(fileURLWithPath: storageRoot ?? "data").standardizedFileURL
        var local = try LocalDirectoryStorage(root: root)
        do {
            local.linkSigner = try StorageLinkSigner.fromEnvironment(
                ProcessInfo.processInfo.environment, storageRoot: local.root)
        } catch {
            throw CLIError.usage("\(error)")
        }
        self.local = local
        storage = SupabaseStorage.fromEnvironment() ?? local
        durable = try DurableConfiguration.fromEnvironment(storageDirectory: local.root)
        services = try ServiceConfiguration.fromEnvironment()
        scratch = local.root.appendingPathComponent("work/scratch", isDirectory: true)
        workspaces = local.root.appendingPathComponent("work/jobs", isDirectory: true)
        // Analyses and stems are cached by content on disk, stretched layers in memory: a re-render after a plan
        // edit reuses what did not change.
        switch cacheUse {
        case .open: contentCache = try durable.openCache()
        case .none: contentCache = nil
        case .exclusive:
            contentCache =
                Self.lockCache(at: local.root.appendingPathComponent("cache.lock")) ? try durable.openCache() : nil
        }
        // Stems from the separation service are named by storage paths: read from the storage (a local file, or a
        // download into the scratch folder).
        let storage = self.storage, stemFolder = scratch.appendingPathComponent("stems", isDirectory: true)
        let stems: any StemProviding = contentCache.map { CachedStemProvider(cache: $0) } ?? ApproximatedStems()
        renderer = EngineServeRenderer(
            songs: songs, engineOptions: RenderOptions(stems: stems, stretchCache: stretchCache),
            stemLoader: { try await storage.localCopy($0, in: stemFolder) })
    }

    /// The whole pipeline for a job's songs, rendering through `storageRenderer`; `observer` sees every remote call.
    func pipeline(
        storageRenderer: any MashupRenderer,
        observer: @escaping @Sendable (ServiceAttemptRecord) -> Void
    ) -> @Sendable ([PipelineSong]) -> JobPipeline {
        let base = PipelineFactory.make(
            configuration: services, outputDirectory: workspaces, scratch: scratch,
            planner: EmbeddedPlanner(), songs: songs, contentCache: contentCache,
            observer: observer)
        var pipeline = MashupPipeline(
            remote: base.remote, embedded: base.embedded,
            anthropicPlanner: base.anthropicPlanner, renderer: storageRenderer,
            weights: base.weights)
        pipeline.userPreferences = base.userPreferences
        let job = pipeline
        return { job.job($0) }
    }

    /// The separation step of `/execute-masterplan` jobs (the pipeline's, with its retries, breaker and fallback);
    /// nil when no separation service is configured. `observer` sees every remote call.
    func separation(observer: @escaping @Sendable (ServiceAttemptRecord) -> Void) -> StemSeparation? {
        guard services.separation != nil else { return nil }
        let base = PipelineFactory.make(
            configuration: services, outputDirectory: workspaces, scratch: scratch, planner: EmbeddedPlanner(),
            songs: songs, contentCache: contentCache, observer: observer)
        return { songs, context in try await base.separate(songs, context: context) }
    }

    /// Takes the cache lock without waiting; the descriptor stays open (the lock held) until the process ends.
    private static func lockCache(at url: URL) -> Bool {
        SystemCalls.holdExclusiveLock(url.path)
    }

    /// Analyses songs a plan job gives without one.
    var analyzer: EmbeddedAnalysisService {
        EmbeddedAnalysisService(songs: songs, scratch: scratch, cache: contentCache)
    }
}
