import Foundation
import Orchestrator
import Render
import Server

/// `mashup serve`: the render backend and job API over HTTP (docs/README-serve.md).
enum ServeCommand: CLICommand {
    static let name = "serve"
    static let summary = "serve the job API, /execute-masterplan and the REST endpoints over HTTP"
    static let usage = """
        mashup serve [--host 127.0.0.1] [--port 8001] [--storage DIR] [--workers N] [--render-limit N]
                     [--max-queued N] [--grace SECONDS] [server limits, see docs/README-server.md]
          --storage       storage root (default ./data; MASHUP_STORAGE); ignored when SUPABASE_URL and
                          SUPABASE_SERVICE_KEY are set (songs and results then live in the Supabase bucket)
          --workers       jobs this node runs at once (default 2; MASHUP_WORKERS)
          --render-limit  renders at once (default 1; MASHUP_RENDER_LIMIT)
          --max-queued    queued jobs before 429 (default 16; MASHUP_MAX_QUEUED)
          --grace         seconds running renders get on SIGTERM/SIGINT before they are requeued (default 30;
                          MASHUP_SHUTDOWN_GRACE)
        Jobs are durable: SQLite in the storage root, or PostgreSQL with MASHUP_DATABASE_URL (docs/README-durable.md).
        """

    static let serverValueOptions = ["--host", "--port", "--max-json-bytes", "--max-upload-bytes", "--max-header-bytes",
                                     "--connection-timeout", "--max-connections", "--max-connections-per-client",
                                     "--sse-heartbeat", "--cors-origin"]
    static let serverFlags = ["--allow-remote", "--allow-private-urls"]

    static func run(_ arguments: inout Arguments) async throws {
        let environment = ProcessInfo.processInfo.environment
        var serverArguments: [String] = []
        for name in serverValueOptions { if let value = try arguments.option(name) { serverArguments += [name, value] } }
        for name in serverFlags where arguments.flag(name) { serverArguments.append(name) }
        let storageOption = try arguments.option("--storage") ?? environment["MASHUP_STORAGE"]
        func integer(_ flag: String, _ variable: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = try arguments.option(flag) ?? environment[variable] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw CLIError.usage("\(flag) / \(variable): expected a whole number in \(range), got '\(text)'")
            }
            return value
        }
        let workers = try integer("--workers", "MASHUP_WORKERS", 2, 1...64)
        let renderLimit = try integer("--render-limit", "MASHUP_RENDER_LIMIT", 1, 1...64)
        let maxQueued = try integer("--max-queued", "MASHUP_MAX_QUEUED", 16, 1...100_000)
        let graceSeconds = try integer("--grace", "MASHUP_SHUTDOWN_GRACE", 30, 0...3_600)
        try arguments.finish()

        let server: ServerConfiguration
        do {
            server = try ServerConfiguration.fromEnvironment().applying(arguments: serverArguments).configuration
        } catch {
            throw CLIError.usage("\(error)")
        }
        let root = URL(fileURLWithPath: storageOption ?? "data").standardizedFileURL
        let local = try LocalDirectoryStorage(root: root)
        let storage: any SongStorage = SupabaseStorage.fromEnvironment() ?? local
        let durable = try DurableConfiguration.fromEnvironment(storageDirectory: local.root)
        let queue = try durable.openQueue()
        var settings = DurableRunnerSettings(nodeID: durable.nodeID, leaseSeconds: durable.leaseSeconds,
                                             maxAttempts: durable.maxAttempts)
        settings.workerCount = workers
        settings.renderLimit = renderLimit
        settings.maxQueuedJobs = maxQueued
        var routes = ServeRouteOptions()
        if let text = environment["MASHUP_CANCEL_ON_DISCONNECT"] {
            routes.cancelOnDisconnect = !["0", "false", "no", "off"].contains(text.lowercased())
        }

        let services = try ServiceConfiguration.fromEnvironment()
        let songs = DecodedSongCache()
        let scratch = local.root.appendingPathComponent("work/scratch", isDirectory: true)
        let workspaces = local.root.appendingPathComponent("work/jobs", isDirectory: true)
        // Analyses and stems are cached by content on disk, stretched layers in memory: a re-render after a plan
        // edit reuses what did not change.
        let contentCache = try durable.openCache()
        let stretchCache = StretchCache()
        let renderer = EngineServeRenderer(songs: songs, engineOptions: RenderOptions(
            analysis: CachedSongAnalysis(cache: contentCache), stems: CachedStemProvider(cache: contentCache),
            stretchCache: stretchCache))
        let logger: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data("\(ISO8601DateFormatter().string(from: Date())) \(line)\n".utf8))
        }
        let app = try await ServeApplication(
            server: server, routes: routes, queue: queue, storage: storage, settings: settings, renderer: renderer,
            pipeline: { storageRenderer, metrics in
                metrics.trackCaches(content: contentCache, stretch: stretchCache)
                let base = PipelineFactory.make(configuration: services, outputDirectory: workspaces, scratch: scratch,
                                                planner: EmbeddedPlanner(), songs: songs, contentCache: contentCache,
                                                observer: { metrics.serviceAttempt($0) })
                var pipeline = MashupPipeline(remote: base.remote, embedded: base.embedded,
                                              anthropicPlanner: base.anthropicPlanner, renderer: storageRenderer,
                                              weights: base.weights)
                pipeline.userPreferences = base.userPreferences
                let job = pipeline
                return { job.job($0) }
            },
            analyzer: EmbeddedAnalysisService(songs: songs, scratch: scratch, cache: contentCache),
            workspaceRoot: workspaces, logger: logger)
        logger("serve: listening on \(server.host):\(app.port), storage \(storage.label), node \(settings.nodeID), "
               + "jobs in \(durable.databaseURL == nil ? durable.sqliteFileURL.path : "PostgreSQL")")
        let signal = await ShutdownSignals.waitForSignal()
        logger("serve: signal \(signal), stopping (grace \(graceSeconds) s)")
        let clean = await app.stop(gracePeriod: .seconds(graceSeconds))
        logger("serve: stopped\(clean ? "" : " (unfinished jobs requeued)")")
    }
}
