import Foundation
import MashupModel
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
        Each job runs in a worker process (`mashup worker`) limited to MASHUP_WORKER_MEMORY_MB of address space
        (default 2048) and MASHUP_WORKER_TIMEOUT_SECONDS (default 1800); MASHUP_WORKER_ISOLATION=0 runs jobs in
        the server process instead.
        Jobs are durable: SQLite in the storage root, or PostgreSQL with MASHUP_DATABASE_URL (docs/README-durable.md).
        """

    static let serverValueOptions = [
        "--host", "--port", "--max-json-bytes", "--max-upload-bytes", "--max-header-bytes",
        "--connection-timeout", "--max-connections", "--max-connections-per-client",
        "--sse-heartbeat", "--cors-origin",
    ]
    static let serverFlags = ["--allow-remote", "--allow-private-urls"]

    static func run(_ arguments: inout Arguments) async throws {
        let environment = ProcessInfo.processInfo.environment
        var serverArguments: [String] = []
        for name in serverValueOptions {
            if let value = try arguments.option(name) { serverArguments += [name, value] }
        }
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
        let isolated = !["0", "false", "no", "off"].contains(
            (environment["MASHUP_WORKER_ISOLATION"] ?? "1").lowercased())
        // With workers, the workers own the content cache (one process at a time may); the server does not open it.
        let engine = try ServeEngine(storageRoot: storageOption, cacheUse: isolated ? .none : .open)
        let storage = engine.storage
        let durable = engine.durable
        let queue = try durable.openQueue()
        var settings = DurableRunnerSettings(
            nodeID: durable.nodeID, leaseSeconds: durable.leaseSeconds,
            maxAttempts: durable.maxAttempts)
        settings.workerCount = workers
        settings.renderLimit = renderLimit
        settings.maxQueuedJobs = maxQueued
        var routes = ServeRouteOptions()
        if let text = environment["MASHUP_CANCEL_ON_DISCONNECT"] {
            routes.cancelOnDisconnect = !["0", "false", "no", "off"].contains(text.lowercased())
        }
        if let text = environment["MASHUP_MAX_MASTERPLAN_BODY_MB"] {
            guard let megabytes = Int(text), (1...1024).contains(megabytes) else {
                throw CLIError.usage("MASHUP_MAX_MASTERPLAN_BODY_MB '\(text)' is not a size in 1...1024 MB")
            }
            routes.masterplanBodyLimitBytes = megabytes * 1_048_576
        }
        // Each job's work runs in a worker process (`mashup worker`) under memory and time limits, unless
        // MASHUP_WORKER_ISOLATION=0.
        var isolation: WorkerIsolation?
        if isolated {
            do {
                isolation = try WorkerIsolation.fromEnvironment(
                    environment, executable: WorkerCommand.executablePath,
                    arguments: ["worker", "--storage", engine.local.root.path])
            } catch {
                throw CLIError.usage("\(error)")
            }
        }
        let logger: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data("\(ISO8601DateFormatter().string(from: Date())) \(line)\n".utf8))
        }
        // Scratch folders of the workers of a server that was killed (theirs were never removed).
        if let root = isolation?.scratchRoot, case let swept = WorkerScratch.sweep(in: root), swept > 0 {
            logger("serve: removed \(swept) scratch folder(s) of workers of a server that is gone, in \(root.path)")
        }
        let app = try await ServeApplication(
            server: server, routes: routes, queue: queue, storage: storage, settings: settings,
            renderer: engine.renderer,
            pipeline: { storageRenderer, metrics in
                if !isolated { metrics.trackCaches(content: engine.contentCache, stretch: engine.stretchCache) }
                return engine.pipeline(storageRenderer: storageRenderer, observer: { metrics.serviceAttempt($0) })
            },
            analyzer: engine.analyzer,
            separation: { metrics in engine.separation(observer: { metrics.serviceAttempt($0) }) },
            workspaceRoot: engine.workspaces, isolation: isolation, logger: logger)
        logger(
            "serve: listening on \(server.host):\(app.port), storage \(storage.label), node \(settings.nodeID), "
                + "jobs in \(durable.databaseURL == nil ? durable.sqliteFileURL.path : "PostgreSQL")")
        let signal = await ShutdownSignals.waitForSignal()
        logger("serve: signal \(signal), stopping (grace \(graceSeconds) s)")
        let clean = await app.stop(gracePeriod: .seconds(graceSeconds))
        // Renders still running in this process past the grace period were requeued: their files are garbage.
        TemporaryFiles.removeAll()
        logger("serve: stopped\(clean ? "" : " (unfinished jobs requeued)")")
    }
}
