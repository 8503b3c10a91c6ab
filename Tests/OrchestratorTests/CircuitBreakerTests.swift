import Foundation
import Orchestrator
import Render
import Testing

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    static let endpoint = ServiceEndpoint(baseURL: URL(string: "http://analysis.test")!, timeoutSeconds: 45)
    static let okAnalysis = #"""
        {"success": true, "songId": "s1", "analysis": {"version": "1.0-studio",
         "harmonic": {"key": "A minor", "key_confidence": 0.71, "chord_progression": ["Am"], "chord_complexity": 0.17},
         "rhythmic": {"bpm": 124.0, "beat_confidence": 0.92, "groove_stability": 0.01, "swing_factor": 0.0},
         "spectral": {"mfccs": [], "dynamic_range": 14.2, "brightness": 2450.0}, "vocal": {"vocal_presence": 0.63}}}
        """#

    @Test("3 failed calls open the circuit for 5 minutes; then one trial; failure reopens, success closes")
    func openHalfOpenClose() async throws {
        let clock = TestClock()
        let steps: [ScriptedTransport.Step] =
            Array(repeating: .respond(503), count: 12) + [.respond(503), .respond(200, body: Self.okAnalysis)]
        let transport = ScriptedTransport(steps)
        let caller = ServiceCaller(
            service: .analysis, endpoint: Self.endpoint, transport: transport,
            retryPolicy: .standard, clock: clock, unitRandom: fixedRandom(0))
        let client = RemoteAnalysisClient(caller: caller)
        let song = SongAudioInput(songID: "s1", source: .url(URL(string: "https://x.test/a.mp3")!))
        for _ in 0..<3 {
            await #expect(throws: ServiceError.self) { _ = try await client.analyze(song) }
        }
        #expect(transport.requests.count == 12, "3 calls × 4 attempts")
        let openedAt = clock.now()
        guard case .open(let until) = await caller.breaker.state else { Issue.record("not open"); return }
        #expect(until == openedAt + 300)
        // Open: refused without any request.
        do {
            _ = try await client.analyze(song)
            Issue.record("expected unavailable")
        } catch let error as ServiceError {
            #expect(error.kind == .unavailable(until: openedAt + 300))
            #expect(error.attempts == 0)
            #expect(error.jobFailure.details.type == .serviceUnavailable)
        }
        #expect(transport.requests.count == 12)
        clock.advance(by: 299)
        await #expect(throws: ServiceError.self) { _ = try await client.analyze(song) }
        #expect(transport.requests.count == 12)
        // After 5 minutes: one trial call (with no retries counted against the breaker until it ends).
        clock.advance(by: 1)
        let policyNone = ServiceCaller(
            service: .analysis, endpoint: Self.endpoint, transport: transport, retryPolicy: .none,
            breaker: caller.breaker, clock: clock, unitRandom: fixedRandom(0))
        await #expect(throws: ServiceError.self) {
            _ = try await RemoteAnalysisClient(caller: policyNone).analyze(song)
        }
        #expect(transport.requests.count == 13)
        guard case .open(let reopened) = await caller.breaker.state else { Issue.record("not reopened"); return }
        #expect(reopened == clock.now() + 300)
        clock.advance(by: 300)
        let analysis = try await RemoteAnalysisClient(caller: policyNone).analyze(song)
        #expect(analysis.json["rhythmic"]?["bpm"]?.doubleValue == 124)
        #expect(await caller.breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test("a half-open circuit lets exactly one trial through")
    func singleTrial() async throws {
        let clock = TestClock()
        let breaker = CircuitBreaker(serviceName: "x", failureThreshold: 3, openDurationSeconds: 300, clock: clock)
        for _ in 0..<3 { await breaker.recordFailure() }
        #expect(await !breaker.allowRequest())
        clock.advance(by: 300)
        #expect(await breaker.allowRequest())
        #expect(await !breaker.allowRequest())
        await breaker.recordAbandoned()
        #expect(await breaker.allowRequest())
        await breaker.recordSuccess()
        #expect(await breaker.allowRequest())
    }

    @Test("answered 4xx do not count as failures; successes reset the count")
    func clientErrorsDoNotOpen() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport(Array(repeating: .respond(422, body: "bad audio"), count: 5))
        let caller = ServiceCaller(service: .analysis, endpoint: Self.endpoint, transport: transport, clock: clock)
        let song = SongAudioInput(songID: "s1", source: .bytes(Data([1, 2, 3])))
        for _ in 0..<5 {
            do {
                _ = try await RemoteAnalysisClient(caller: caller).analyze(song)
            } catch let error as ServiceError {
                #expect(error.jobFailure.details.type == .invalidAudio)
            }
        }
        #expect(transport.requests.count == 5)
        #expect(await caller.breaker.state == .closed(consecutiveFailures: 0))
    }
}
