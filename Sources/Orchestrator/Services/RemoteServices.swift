import Foundation

/// The remote clients of a configuration, sharing one transport, clock and a breaker per service.
/// A nil client means the service is not configured: use the embedded default.
public struct RemoteServices: Sendable {
    public let configuration: ServiceConfiguration
    public let analysis: RemoteAnalysisClient?
    public let scoring: RemoteScoringClient?
    public let planner: RemotePlannerClient?
    public let separation: RemoteSeparationClient?
    public let anthropic: AnthropicClient?
    /// The breaker of every configured service (for `/metrics` and `/readyz`).
    public let breakers: [ServiceKind: CircuitBreaker]
    /// The degradation rule of the configuration.
    public var fallback: ServiceFallback { ServiceFallback(strict: configuration.strict) }

    /// - Parameters:
    ///   - planValidator: checks plans from the planner service and Claude (the render's validator when available).
    ///   - observer: called after every HTTP attempt (metrics).
    public init(
        configuration: ServiceConfiguration, transport: any HTTPTransport = URLSessionTransport(),
        clock: any OrchestratorClock = SystemClock(),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        planValidator: @escaping PlanCheck = MasterplanShape.issues,
        observer: (@Sendable (ServiceAttemptRecord) -> Void)? = nil
    ) {
        self.configuration = configuration
        var breakers: [ServiceKind: CircuitBreaker] = [:]
        func caller(_ kind: ServiceKind, _ endpoint: ServiceEndpoint) -> ServiceCaller {
            let breaker = CircuitBreaker(
                serviceName: kind.rawValue, failureThreshold: configuration.breakerFailureThreshold,
                openDurationSeconds: configuration.breakerOpenSeconds, clock: clock)
            breakers[kind] = breaker
            return ServiceCaller(
                service: kind, endpoint: endpoint, transport: transport, retryPolicy: configuration.retryPolicy,
                breaker: breaker, clock: clock, unitRandom: unitRandom, observer: observer)
        }
        analysis = configuration.analysis.map {
            RemoteAnalysisClient(
                caller: caller(.analysis, $0), maximumInlineBytes: configuration.maximumInlineAudioBytes)
        }
        scoring = configuration.scoring.map { RemoteScoringClient(caller: caller(.scoring, $0)) }
        planner = configuration.planner.map {
            RemotePlannerClient(caller: caller(.planner, $0), validator: planValidator)
        }
        separation = configuration.separation.map { RemoteSeparationClient(caller: caller(.separation, $0)) }
        anthropic = configuration.anthropic.map {
            AnthropicClient(settings: $0, caller: caller(.anthropic, $0.endpoint))
        }
        self.breakers = breakers
    }
}
