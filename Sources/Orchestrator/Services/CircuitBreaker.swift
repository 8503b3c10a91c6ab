// Circuit breaker of the contract: a service whose calls fail 3 times in a row is marked unavailable for 5 minutes;
// calls then go straight to the embedded default.
//
// States: closed (counting consecutive failures) -> open (until a date) -> half-open (one trial call allowed)
// -> closed on success, or open again for a full period on failure. A failure is a call that failed for good
// (after its retries), or whose answer was invalid; an answered 4xx proves the service is up and does not count.
import Foundation

/// The state of one service's breaker.
public enum CircuitState: Sendable, Equatable {
    /// Calls pass; `consecutiveFailures` so far.
    case closed(consecutiveFailures: Int)
    /// Calls are refused until `until`.
    case open(until: Date)
    /// One trial call may pass; `trialInFlight` when it has been handed out.
    case halfOpen(trialInFlight: Bool)
}

/// A circuit breaker for one service, on an injected clock.
public actor CircuitBreaker {
    public nonisolated let serviceName: String
    /// Consecutive failures that open the circuit (contract: 3).
    public nonisolated let failureThreshold: Int
    /// How long an open circuit refuses calls, in seconds (contract: 300).
    public nonisolated let openDurationSeconds: Double
    private let clock: any OrchestratorClock
    public private(set) var state: CircuitState = .closed(consecutiveFailures: 0)

    public init(
        serviceName: String, failureThreshold: Int = 3, openDurationSeconds: Double = 300,
        clock: any OrchestratorClock = SystemClock()
    ) {
        precondition(failureThreshold >= 1 && openDurationSeconds >= 0)
        self.serviceName = serviceName
        self.failureThreshold = failureThreshold
        self.openDurationSeconds = openDurationSeconds
        self.clock = clock
    }

    /// Asks to make a call. Returns false while the circuit is open (or a half-open trial is already out).
    /// An expired open circuit becomes half-open and this call is the trial.
    public func allowRequest() -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard clock.now() >= until else { return false }
            state = .halfOpen(trialInFlight: true)
            return true
        case .halfOpen(let trialInFlight):
            if trialInFlight { return false }
            state = .halfOpen(trialInFlight: true)
            return true
        }
    }

    /// When an open circuit lets calls through again (nil when not open).
    public var reopensAt: Date? {
        if case .open(let until) = state { return until }
        return nil
    }

    /// The service answered properly: close the circuit.
    public func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    /// A call failed for good: count it, and open the circuit at the threshold (at once after a failed trial).
    public func recordFailure() {
        switch state {
        case .closed(let failures):
            let count = failures + 1
            state =
                count >= failureThreshold
                ? .open(until: clock.now() + openDurationSeconds) : .closed(consecutiveFailures: count)
        case .halfOpen, .open:
            state = .open(until: clock.now() + openDurationSeconds)
        }
    }

    /// A call ended without a verdict (cancelled): a half-open trial is handed back.
    public func recordAbandoned() {
        if case .halfOpen = state { state = .halfOpen(trialInFlight: false) }
    }
}
