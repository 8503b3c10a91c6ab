// One service call as the contract wants it: common headers, per-service timeout, retries with backoff and
// jitter (RetryPolicy), Retry-After, a circuit breaker per service, and validation of the answer.
//
// Sequence: breaker check (refusal = `unavailable`, 0 attempts) -> attempt -> 2xx: validate (invalid = failure,
// not retried) | 429/5xx/timeout/network: wait and retry up to the policy | other 4xx: final, not a breaker failure.
// Cancellation propagates as `CancellationError` at any point and hands back a half-open trial.
import Foundation
import Render

/// What a response validator throws: the field at fault (dotted path) and why.
public struct ResponseValidationError: Error, Sendable, Equatable {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
}

/// One HTTP attempt, for metrics and logs.
public struct ServiceAttemptRecord: Sendable, Equatable {
    public var service: ServiceKind
    /// 1 for the first attempt.
    public var attempt: Int
    /// The HTTP status, nil when there was no response.
    public var statusCode: Int?
    /// Whether the attempt gave a usable answer.
    public var succeeded: Bool
    /// Seconds from the start of the attempt to its end (on the injected clock).
    public var durationSeconds: Double
}

/// Makes JSON POST calls to one service with the contract's headers, retries and breaker.
public struct ServiceCaller: Sendable {
    public let service: ServiceKind
    public let endpoint: ServiceEndpoint
    public let transport: any HTTPTransport
    public let retryPolicy: RetryPolicy
    public let breaker: CircuitBreaker
    public let clock: any OrchestratorClock
    /// Uniform in [0, 1): the jitter source (injected for tests).
    public let unitRandom: @Sendable () -> Double
    /// Called after every attempt (metrics); nil for none.
    public let observer: (@Sendable (ServiceAttemptRecord) -> Void)?

    public init(
        service: ServiceKind, endpoint: ServiceEndpoint, transport: any HTTPTransport,
        retryPolicy: RetryPolicy = .standard, breaker: CircuitBreaker? = nil,
        clock: any OrchestratorClock = SystemClock(),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        observer: (@Sendable (ServiceAttemptRecord) -> Void)? = nil
    ) {
        self.service = service
        self.endpoint = endpoint
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.breaker = breaker ?? CircuitBreaker(serviceName: service.rawValue, clock: clock)
        self.clock = clock
        self.unitRandom = unitRandom
        self.observer = observer
    }

    /// The headers sent on every call: JSON content type, `User-Agent: mashup/<version>`, the localtunnel and
    /// ngrok bypass headers, and `Authorization: Bearer <key>` when the endpoint has a key.
    public static func commonHeaders(bearerToken: String?) -> [String: String] {
        var headers = [
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": MashupVersion.userAgent,
            "bypass-tunnel-reminder": "true",
            "ngrok-skip-browser-warning": "true",
        ]
        if let bearerToken, !bearerToken.isEmpty { headers["Authorization"] = "Bearer \(bearerToken)" }
        return headers
    }

    /// POSTs `body` as JSON to `path` under the endpoint's base URL and decodes the 2xx answer with `decode`.
    /// - Parameters:
    ///   - extraHeaders: added to (and overriding) the common headers.
    ///   - sendsBearer: false for APIs that authenticate otherwise (the Anthropic API uses `x-api-key`).
    ///   - decode: validates and converts the answer; throws `ResponseValidationError` naming the field at fault.
    /// - Throws: `ServiceError` when the call fails for good, `CancellationError` when cancelled.
    public func postJSON<Value: Sendable>(
        path: String, body: JSONValue, extraHeaders: [String: String] = [:],
        sendsBearer: Bool = true,
        decode: @Sendable (TransportResponse) throws -> Value
    ) async throws -> Value {
        let payload = try body.encoded()
        var headers = Self.commonHeaders(bearerToken: sendsBearer ? endpoint.apiKey : nil)
        for (name, value) in extraHeaders { headers[name] = value }
        let request = TransportRequest(method: "POST", url: endpoint.url(path: path), headers: headers, body: payload)
        return try await send(request, decode: decode)
    }

    /// Sends a prepared request with the retry, breaker and validation rules of `postJSON`.
    public func send<Value: Sendable>(
        _ request: TransportRequest,
        decode: @Sendable (TransportResponse) throws -> Value
    ) async throws -> Value {
        guard await breaker.allowRequest() else {
            throw ServiceError(service: service, kind: .unavailable(until: await breaker.reopensAt), attempts: 0)
        }
        do {
            return try await attempts(request, decode: decode)
        } catch is CancellationError {
            await breaker.recordAbandoned()
            throw CancellationError()
        }
    }

    private enum AttemptOutcome<Value> {
        case value(Value)
        case retryable(ServiceError.Kind, retryAfterSeconds: Double?)
        case final(ServiceError.Kind, countsAsFailure: Bool)
    }

    private func attempts<Value: Sendable>(
        _ request: TransportRequest,
        decode: @Sendable (TransportResponse) throws -> Value
    ) async throws -> Value {
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let started = clock.now()
            let outcome: AttemptOutcome<Value>
            var statusCode: Int?
            do {
                let response = try await transport.send(request, timeoutSeconds: endpoint.timeoutSeconds)
                statusCode = response.statusCode
                outcome = classify(response, decode: decode)
            } catch let error as HTTPTransportError {
                switch error {
                case .timedOut(let seconds): outcome = .retryable(.timedOut(seconds: seconds), retryAfterSeconds: nil)
                case .network(let text): outcome = .retryable(.network(text), retryAfterSeconds: nil)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                outcome = .retryable(.network(String(describing: error)), retryAfterSeconds: nil)
            }
            var succeeded = false
            if case .value = outcome { succeeded = true }
            observer?(
                ServiceAttemptRecord(
                    service: service, attempt: attempt, statusCode: statusCode,
                    succeeded: succeeded, durationSeconds: clock.now().timeIntervalSince(started)))
            switch outcome {
            case .value(let value):
                await breaker.recordSuccess()
                return value
            case .final(let kind, let countsAsFailure):
                if countsAsFailure { await breaker.recordFailure() } else { await breaker.recordSuccess() }
                throw ServiceError(service: service, kind: kind, attempts: attempt)
            case .retryable(let kind, let retryAfterSeconds):
                guard attempt <= retryPolicy.maximumRetries else {
                    await breaker.recordFailure()
                    throw ServiceError(service: service, kind: kind, attempts: attempt)
                }
                guard
                    let delay = retryPolicy.delaySeconds(
                        beforeRetry: attempt, retryAfterSeconds: retryAfterSeconds,
                        unitRandom: unitRandom())
                else {
                    await breaker.recordFailure()
                    throw ServiceError(
                        service: service, kind: .retryAfterTooLong(seconds: retryAfterSeconds ?? 0),
                        attempts: attempt)
                }
                try await clock.sleep(seconds: delay)
            }
        }
    }

    private func classify<Value: Sendable>(
        _ response: TransportResponse,
        decode: @Sendable (TransportResponse) throws -> Value
    ) -> AttemptOutcome<Value> {
        let status = response.statusCode
        if (200..<300).contains(status) {
            do {
                return .value(try decode(response))
            } catch let error as ResponseValidationError {
                return .final(.invalidData(field: error.field, reason: error.reason), countsAsFailure: true)
            } catch let error as ServiceError {
                return .final(error.kind, countsAsFailure: error.isServiceFault)
            } catch {
                return .final(.invalidData(field: "body", reason: String(describing: error)), countsAsFailure: true)
            }
        }
        let kind = ServiceError.Kind.httpStatus(status, message: Self.errorMessage(response))
        if RetryPolicy.isRetryable(statusCode: status) {
            return .retryable(
                kind, retryAfterSeconds: RetryPolicy.parseRetryAfter(response.header("retry-after"), now: clock.now()))
        }
        return .final(kind, countsAsFailure: false)
    }

    /// The error text of a failed answer: `error.message`, `error`, `detail` or `message` of a JSON body, else the body.
    static func errorMessage(_ response: TransportResponse) -> String {
        if let json = try? JSONValue.parse(response.body) {
            if let text = json["error"]?["message"]?.stringValue { return text }
            for key in ["error", "detail", "message"] { if let text = json[key]?.stringValue { return text } }
        }
        return response.bodyExcerpt.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
