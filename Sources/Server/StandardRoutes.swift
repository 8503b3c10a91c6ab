import Foundation
import MashupModel

/// The operational routes every deployment has: `GET /healthz`, `GET /readyz`, `GET /metrics`.
public enum StandardRoutes {
    /// Adds the three routes to `router`.
    /// - Parameters:
    ///   - metrics: the registry `/metrics` renders (text format 0.0.4).
    ///   - readiness: returns (ready, details); `/readyz` answers 200 or 503 with `{"ready": ..., ...details}`.
    ///   - metricsRequireAuthorization: whether `/metrics` needs the bearer token (default true; `/healthz` and
    ///     `/readyz` never do).
    public static func install(
        on router: inout Router, metrics: MetricsRegistry,
        metricsRequireAuthorization: Bool = true,
        readiness: @escaping @Sendable () async -> (ready: Bool, details: [String: JSONValue]) = { (true, [:]) }
    ) {
        let open = RouteOptions(requiresAuthorization: false)
        // Synchronous: liveness and scrapes answer even while renders saturate the cooperative pool.
        router.addSync("GET", "/healthz", options: open) { _ in
            .json(["status": "ok"])
        }
        router.get("/readyz", options: open) { _ in
            let (ready, details) = await readiness()
            var body = details
            body["ready"] = .bool(ready)
            return .json(.object(body), status: ready ? 200 : 503)
        }
        router.addSync("GET", "/metrics", options: RouteOptions(requiresAuthorization: metricsRequireAuthorization)) {
            _ in
            .text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
