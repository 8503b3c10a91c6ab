import Foundation
import Orchestrator
import Render
import Testing

@Suite("Retries, backoff and Retry-After")
struct RetryPolicyTests {
    static let endpoint = ServiceEndpoint(
        baseURL: URL(string: "http://scoring.test/api")!, apiKey: "k1", timeoutSeconds: 30)
    static let okScore =
        #"{"overall_score": 71, "dimension_scores": {"harmonic": 80, "rhythmic": 70, "spectral": 60, "vocal": 50}}"#
    /// Tolerance on computed delays, in seconds (floating point only).
    static let delayToleranceSeconds = 1e-9

    static func caller(
        _ transport: ScriptedTransport, clock: TestClock, random: Double = 0.5,
        policy: RetryPolicy = .standard
    ) -> ServiceCaller {
        ServiceCaller(
            service: .scoring, endpoint: endpoint, transport: transport, retryPolicy: policy,
            clock: clock, unitRandom: fixedRandom(random))
    }

    @Test("the contract's backoff: 1 s doubling, capped at 10 s, jitter only shortens within the bound")
    func backoffSchedule() {
        let policy = RetryPolicy(maximumRetries: 6)
        let bases = [1.0, 2, 4, 8, 10, 10]
        for (index, base) in bases.enumerated() {
            let longest = policy.backoffSeconds(beforeRetry: index + 1, unitRandom: 0)
            let shortest = policy.backoffSeconds(beforeRetry: index + 1, unitRandom: 0.999_999)
            #expect(abs(longest - base) < Self.delayToleranceSeconds)
            #expect(shortest >= base * (1 - policy.jitterFraction) - Self.delayToleranceSeconds && shortest < base)
        }
        // Many random draws stay within [0.75 d, d].
        for _ in 0..<1000 {
            let delay = policy.backoffSeconds(beforeRetry: 3, unitRandom: Double.random(in: 0..<1))
            #expect(delay >= 3 - Self.delayToleranceSeconds && delay <= 4)
        }
    }

    @Test("500, 503 then 200: two retries after jittered 1 s and 2 s waits")
    func retriesServerErrors() async throws {
        let transport = ScriptedTransport([
            .respond(500, body: "boom"), .respond(503), .respond(200, body: Self.okScore),
        ])
        let clock = TestClock()
        let client = RemoteScoringClient(caller: Self.caller(transport, clock: clock, random: 0.4))
        let score = try await client.mashability(
            AnalysisDocument(json: ["a": 1]), AnalysisDocument(json: ["b": 2]), weights: nil)
        #expect(score["overall_score"]?.doubleValue == 71)
        #expect(transport.requests.count == 3)
        // unitRandom 0.4, jitter 0.25: factor 0.9.
        #expect(clock.recordedSleeps.count == 2)
        #expect(abs(clock.recordedSleeps[0] - 0.9) < Self.delayToleranceSeconds)
        #expect(abs(clock.recordedSleeps[1] - 1.8) < Self.delayToleranceSeconds)
        #expect(transport.timeouts == [30, 30, 30])
    }

    @Test("429 with Retry-After waits exactly what the server asked (seconds or HTTP-date)")
    func honoursRetryAfter() async throws {
        let clock = TestClock()
        let date = RetryPolicy.parseRetryAfter("Fri, 15 Jan 2027 08:00:12 GMT", now: clock.now())
        #expect(date == 12)
        let transport = ScriptedTransport([
            .respond(429, headers: ["Retry-After": "7"], body: #"{"error": "slow down"}"#),
            .respond(429, headers: ["retry-after": "Fri, 15 Jan 2027 08:00:12 GMT"]),
            .respond(200, body: Self.okScore),
        ])
        _ = try await RemoteScoringClient(caller: Self.caller(transport, clock: clock)).mashability(
            .empty, .empty, weights: nil)
        // The second Retry-After is a date 12 s after the clock's start; 7 s have passed by then.
        #expect(clock.recordedSleeps == [7, 5])
    }

    @Test("a Retry-After beyond the allowed wait ends the call at once")
    func retryAfterTooLong() async throws {
        let transport = ScriptedTransport([.respond(429, headers: ["Retry-After": "3600"])])
        let clock = TestClock()
        await #expect(throws: ServiceError(service: .scoring, kind: .retryAfterTooLong(seconds: 3600), attempts: 1)) {
            _ = try await RemoteScoringClient(caller: Self.caller(transport, clock: clock)).mashability(
                .empty, .empty, weights: nil)
        }
        #expect(clock.recordedSleeps.isEmpty)
    }

    @Test("400 is never retried", arguments: [400, 401, 403, 404, 422])
    func noRetryOnClientErrors(status: Int) async throws {
        let transport = ScriptedTransport([
            .respond(status, body: #"{"detail": "bad input"}"#), .respond(200, body: Self.okScore),
        ])
        let clock = TestClock()
        await #expect(
            throws: ServiceError(service: .scoring, kind: .httpStatus(status, message: "bad input"), attempts: 1)
        ) {
            _ = try await RemoteScoringClient(caller: Self.caller(transport, clock: clock)).mashability(
                .empty, .empty, weights: nil)
        }
        #expect(transport.requests.count == 1)
        #expect(clock.recordedSleeps.isEmpty)
    }

    @Test("network errors and timeouts are retried 3 times, then fail naming the attempts")
    func exhaustion() async throws {
        let transport = ScriptedTransport([
            .fail(.network("connection refused")), .fail(.timedOut(seconds: 30)),
            .fail(.network("reset")), .fail(.timedOut(seconds: 30)),
        ])
        let clock = TestClock()
        do {
            _ = try await RemoteScoringClient(caller: Self.caller(transport, clock: clock, random: 0)).mashability(
                .empty, .empty, weights: nil)
            Issue.record("expected a failure")
        } catch let error as ServiceError {
            #expect(error.kind == .timedOut(seconds: 30))
            #expect(error.attempts == 4)
            #expect(error.description == "scoring service timed out after 4 attempts (no answer within 30 s)")
        }
        #expect(clock.recordedSleeps == [1, 2, 4])
        #expect(transport.requests.count == 4)
    }

    @Test("the common headers go with every call; the bearer only when a key is set")
    func headers() async throws {
        let transport = ScriptedTransport([.respond(200, body: Self.okScore)])
        _ = try await RemoteScoringClient(caller: Self.caller(transport, clock: TestClock())).mashability(
            .empty, .empty, weights: ScoringWeights())
        let request = try #require(transport.requests.first)
        #expect(request.url.absoluteString == "http://scoring.test/api/calculate-mashability")
        #expect(request.method == "POST")
        #expect(request.headers["User-Agent"] == "mashup/\(MashupVersion.version)")
        #expect(request.headers["bypass-tunnel-reminder"] == "true")
        #expect(request.headers["ngrok-skip-browser-warning"] == "true")
        #expect(request.headers["Authorization"] == "Bearer k1")
        #expect(request.headers["Content-Type"] == "application/json")
        let body = try JSONValue.parse(try #require(request.body))
        #expect(body["user_weights"]?["harmonic"]?.doubleValue == 0.35)
        #expect(body["song1_analysis"] == [:])
        #expect(ServiceCaller.commonHeaders(bearerToken: nil)["Authorization"] == nil)
    }
}
