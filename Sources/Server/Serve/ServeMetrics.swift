import Foundation
import MashupModel
import Orchestrator
import Synchronization

/// The job and render metrics of `mashup serve` (the HTTP metrics come from `HTTPServer`). Gauges read a
/// snapshot refreshed from the store once a second (`refresh`), so a scrape never waits on the database.
public final class ServeMetrics: DurableRunnerObserver {
    public let registry: MetricsRegistry
    let renderSeconds: Histogram
    let realTimeFactor: Histogram
    let jobsFinished: Counter
    let serviceWarnings: Counter
    let serviceCalls: Counter
    let serviceFailures: Counter
    private let snapshot = Mutex(Snapshot())

    struct Snapshot {
        var jobsByState: [String: Double] = [:]
        var rendersRunning = 0.0
        var rendersQueued = 0.0
        var contentCache: CacheStatistics?
    }
    private let caches = Mutex<(content: ContentCache?, stretch: (any HitMissCounting)?)>((nil, nil))

    public init(registry: MetricsRegistry) {
        self.registry = registry
        renderSeconds = registry.histogram(
            "mashup_render_seconds", help: "Wall time of the render phase of finished jobs.")
        realTimeFactor = registry.histogram(
            "mashup_render_realtime_factor",
            help: "Output audio seconds per second of render time, per finished job.",
            buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64])
        jobsFinished = registry.counter(
            "mashup_jobs_finished_total", help: "Jobs finished on this node by final state.",
            labels: ["state"])
        serviceWarnings = registry.counter(
            "mashup_service_fallbacks_total",
            help: "Job warnings by service (a remote service degraded to its embedded default).",
            labels: ["service"])
        serviceCalls = registry.counter(
            "mashup_service_calls_total", help: "Attempts of remote service calls by service.",
            labels: ["service"])
        serviceFailures = registry.counter(
            "mashup_service_failures_total",
            help: "Failed attempts of remote service calls by service.", labels: ["service"])
        registry.sampledGauge("mashup_jobs", help: "Jobs in the store by state.", labels: ["state"]) { [weak self] in
            let counts = self?.snapshot.withLock { $0.jobsByState } ?? [:]
            return JobState.allCases.map { ([$0.rawValue], counts[$0.rawValue] ?? 0) }
        }
        registry.sampledGauge("mashup_renders_running", help: "Renders running on this node.") { [weak self] in
            [([], self?.snapshot.withLock { $0.rendersRunning } ?? 0)]
        }
        registry.sampledGauge(
            "mashup_renders_queued", help: "Jobs waiting in the queue (all nodes) plus renders waiting for a slot here."
        ) { [weak self] in
            [([], self?.snapshot.withLock { $0.rendersQueued } ?? 0)]
        }
    }

    /// Exports the caches' hits, misses and sizes: the content cache (analyses, stems) and the stretch cache.
    public func trackCaches(content: ContentCache?, stretch: (any HitMissCounting)?) {
        caches.withLock { $0 = (content, stretch) }
        registry.sampledGauge(
            "mashup_cache_hits", help: "Cache hits since start by kind (analysis, stems, stretch).",
            labels: ["kind"]
        ) { [weak self] in self?.cacheSamples(\.hits) ?? [] }
        registry.sampledGauge(
            "mashup_cache_misses", help: "Cache misses since start by kind (analysis, stems, stretch).",
            labels: ["kind"]
        ) { [weak self] in self?.cacheSamples(\.misses) ?? [] }
        registry.sampledGauge("mashup_cache_bytes", help: "Bytes held by the content cache on disk.") { [weak self] in
            [([], Double(self?.snapshot.withLock { $0.contentCache?.storedBytes } ?? 0))]
        }
    }

    private func cacheSamples(_ field: KeyPath<CacheStatistics, [CacheKind: Int]>) -> [([String], Double)] {
        let content = snapshot.withLock { $0.contentCache }
        var samples = [CacheKind.analysis, .stems].map { ([$0.rawValue], Double(content?[keyPath: field][$0] ?? 0)) }
        if let stretch = caches.withLock({ $0.stretch }) {
            let stats = stretch.hitMissCounts
            samples.append((["stretch"], Double(field == \CacheStatistics.hits ? stats.hits : stats.misses)))
        }
        return samples
    }

    /// Reads the store and the limiter into the snapshot the gauges show.
    public func refresh(runner: DurableJobRunner) async {
        if let content = caches.withLock({ $0.content }) {
            let stats = await content.currentStatistics()
            snapshot.withLock { $0.contentCache = stats }
        }
        guard let records = try? await runner.queue.list(states: nil) else { return }
        var counts: [String: Double] = [:]
        for record in records { counts[record.state.rawValue, default: 0] += 1 }
        let running = Double(await runner.limiter.running)
        let waiting = Double(await runner.limiter.waiting)
        snapshot.withLock {
            $0.jobsByState = counts
            $0.rendersRunning = running
            $0.rendersQueued = (counts[JobState.queued.rawValue] ?? 0) + waiting
        }
    }

    /// Counts one attempt of a remote service call (hook for `PipelineFactory.make(observer:)`).
    public func serviceAttempt(_ record: ServiceAttemptRecord) {
        serviceAttempt(service: record.service, succeeded: record.succeeded)
    }

    /// Counts one remote service call (also those a worker process reports).
    public func serviceAttempt(service: ServiceKind, succeeded: Bool) {
        serviceCalls.increment(labels: [service.rawValue])
        if !succeeded { serviceFailures.increment(labels: [service.rawValue]) }
    }

    public func jobFinished(_ record: JobRecord) {
        jobsFinished.increment(labels: [record.state.rawValue])
        if let seconds = record.phaseDurations[.rendering], seconds > 0, record.state == .complete {
            renderSeconds.observe(seconds)
            if record.workload.outputSeconds > 0 { realTimeFactor.observe(record.workload.outputSeconds / seconds) }
        }
        for warning in record.warnings {
            let lower = warning.lowercased()
            for service in ["analysis", "scoring", "planner", "separation", "anthropic"] where lower.contains(service) {
                serviceWarnings.increment(labels: [service])
            }
        }
    }
}
