// Assembles `mashup serve`: storage, durable queue, runner, endpoints, metrics and the HTTP server, with a
// graceful stop (refuse new jobs, let renders finish within the grace period, requeue the rest, stop the server).
import Foundation
import MashupModel
import Orchestrator

/// A running serve node.
public final class ServeApplication: Sendable {
    public let server: HTTPServer
    public let runner: DurableJobRunner
    public let metrics: ServeMetrics
    private let refresher: Task<Void, Never>

    /// Builds the node and starts it (requeues this node's interrupted jobs, starts workers and the HTTP server).
    /// - Parameters:
    ///   - renderer: the render step for plan jobs and the pipeline (`ServeRenderer`: `EngineRenderer` in
    ///     production, a fast double in tests); wrapped so results land in the storage.
    ///   - pipeline: builds the whole pipeline for a job's songs given the storage-backed renderer and the metrics
    ///     (whose `serviceAttempt` counts remote service calls).
    ///   - separation: builds the separation step of `/execute-masterplan` jobs given the metrics (nil, or nil
    ///     returned: no separation service; their stems are approximated).
    ///   - isolation: run each job's work in a worker process under these limits (nil: in this process).
    public init(
        server configuration: ServerConfiguration, routes: ServeRouteOptions = ServeRouteOptions(),
        queue: any JobQueue, storage: any SongStorage, settings: DurableRunnerSettings,
        renderer: any ServeRenderer,
        pipeline:
            @escaping @Sendable (_ renderer: any MashupRenderer, _ metrics: ServeMetrics)
            -> (@Sendable ([PipelineSong]) -> JobPipeline),
        analyzer: (any AnalysisService)? = nil,
        separation: (@Sendable (_ metrics: ServeMetrics) -> StemSeparation?)? = nil, workspaceRoot: URL,
        isolation: WorkerIsolation? = nil,
        logger: (@Sendable (String) -> Void)? = nil
    ) async throws {
        let registry = MetricsRegistry()
        let metrics = ServeMetrics(registry: registry)
        let storageRenderer = StorageResultRenderer(renderer, storage: storage)
        let launcher = isolation.map { isolation in
            WorkerLauncher(
                isolation: isolation, onServiceAttempt: { metrics.serviceAttempt(service: $0, succeeded: $1) },
                onWorker: { job, pid in
                    logger?(
                        pid.map { "serve: job \(job) runs in worker process \($0)" }
                            ?? "serve: job \(job): worker ended")
                })
        }
        let runner = DurableJobRunner(
            queue: queue, storage: storage, settings: settings,
            pipeline: pipeline(storageRenderer, metrics), renderer: storageRenderer, analyzer: analyzer,
            separation: separation?(metrics),
            urlPolicy: configuration.urlPolicy, workspaceRoot: workspaceRoot,
            downloadLimitBytes: configuration.maxUploadBytes, launcher: launcher,
            observer: metrics)
        var router = Router()
        var routeOptions = routes
        routeOptions.heartbeatInterval = configuration.heartbeatInterval
        routeOptions.tokenRequired = configuration.apiToken != nil
        ServeRoutes.install(on: &router, runner: runner, metrics: metrics, options: routeOptions)
        let server = HTTPServer(configuration: configuration, router: router, metrics: registry, logger: logger)
        let requeued = try await runner.start()
        if !requeued.isEmpty {
            logger?("serve: requeued \(requeued.count) job(s) interrupted on node \(settings.nodeID)")
        }
        await metrics.refresh(runner: runner)
        refresher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await metrics.refresh(runner: runner)
            }
        }
        try server.start()
        self.server = server
        self.runner = runner
        self.metrics = metrics
    }

    /// The bound port.
    public var port: UInt16 { server.port }

    /// Stops: no new jobs, running jobs get `gracePeriod` to finish (the rest are stopped, their files removed,
    /// and requeued), then the HTTP server stops (open streams end). - Returns: whether everything finished in time.
    public func stop(gracePeriod: Duration) async -> Bool {
        let finished = await runner.shutdown(gracePeriod: gracePeriod)
        refresher.cancel()
        let clean = await server.shutdown(gracePeriod: .seconds(2))
        return finished && clean
    }
}
