import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

/// The remote clients over real HTTP (URLSessionTransport) against fake services on 127.0.0.1.
@Suite("Services over loopback HTTP")
struct LoopbackIntegrationTests {
    /// Per-attempt timeout of the fake services in these tests, in seconds.
    static let timeoutSeconds = 0.3
    /// Backoff in these tests: 20 ms doubling to 100 ms (the contract's shape, scaled down).
    static let testPolicy = RetryPolicy(
        maximumRetries: 3, initialBackoffSeconds: 0.02, maximumBackoffSeconds: 0.1,
        jitterFraction: 0.25, maximumRetryAfterSeconds: 3)
    /// Waits between attempts go to a `TestClock` (recorded, not slept); only the per-attempt timeouts are real.
    static func services(_ server: LoopbackHTTPServer, clock: TestClock = TestClock()) -> RemoteServices {
        var configuration = ServiceConfiguration()
        let base = server.baseURL
        configuration.analysis = ServiceEndpoint(baseURL: base, apiKey: "analysis-key", timeoutSeconds: timeoutSeconds)
        configuration.scoring = ServiceEndpoint(baseURL: base, timeoutSeconds: timeoutSeconds)
        configuration.planner = ServiceEndpoint(baseURL: base, apiKey: "sk-ant", timeoutSeconds: timeoutSeconds)
        configuration.separation = ServiceEndpoint(baseURL: base, timeoutSeconds: timeoutSeconds)
        configuration.anthropic = AnthropicSettings(
            apiKey: "sk-ant", model: "claude-test", baseURL: base,
            timeoutSeconds: timeoutSeconds)
        configuration.retryPolicy = testPolicy
        return RemoteServices(configuration: configuration, transport: URLSessionTransport(), clock: clock)
    }

    static let scoreBody =
        #"{"overall_score": 64.5, "dimension_scores": {"harmonic": 70, "rhythmic": 80, "spectral": 40, "vocal": 55}, "compatibility_breakdown": {}, "recommendations": [], "warnings": []}"#
    static let stemsBody =
        #"{"success": true, "job_id": "j1", "stems": {"drums": "stems/j1/drums.wav", "bass": "stems/j1/bass.wav", "other": "stems/j1/other.wav", "vocals": "stems/j1/vocals.wav"}}"#

    @Test("analysis: 200 with the contract's headers and the song as base64")
    func analysisSucceeds() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/analyze", [.json(200, CircuitBreakerTests.okAnalysis)])
        let bytes = Data((0..<3000).map { UInt8($0 % 251) })
        let analysis = try await Self.services(server).analysis!.analyze(
            SongAudioInput(songID: "s1", source: .bytes(bytes)))
        #expect(analysis.json["harmonic"]?["key"]?.stringValue == "A minor")
        let request = try #require(server.requests(to: "/analyze").first)
        #expect(request.method == "POST")
        #expect(request.headers["user-agent"] == MashupVersion.userAgent)
        #expect(request.headers["bypass-tunnel-reminder"] == "true")
        #expect(request.headers["ngrok-skip-browser-warning"] == "true")
        #expect(request.headers["authorization"] == "Bearer analysis-key")
        #expect(request.headers["content-type"] == "application/json")
        let body = try JSONValue.parse(request.body)
        #expect(body["song_id"]?.stringValue == "s1")
        #expect(Data(base64Encoded: body["audio_data"]?.stringValue ?? "") == bytes)
    }

    @Test("scoring: 500 then 200 is retried and succeeds")
    func scoringRetried() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script(
            "/calculate-mashability", [.json(500, #"{"detail": "worker crashed"}"#), .json(200, Self.scoreBody)])
        let score = try await Self.services(server).scoring!.mashability(
            AnalysisDocument(json: ["a": 1]), AnalysisDocument(json: ["b": 2]), weights: nil)
        #expect(score["overall_score"]?.doubleValue == 64.5)
        #expect(server.requests(to: "/calculate-mashability").count == 2)
    }

    @Test("planner: 429 with Retry-After is honoured, then the plan is validated")
    func plannerRetryAfter() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script(
            "/create-masterplan",
            [
                .json(429, #"{"error": "rate limited"}"#, headers: ["Retry-After": "1"]),
                .json(200, PlanFixtures.validPlan),
            ])
        let clock = TestClock()
        let plan = try await Self.services(server, clock: clock).planner!.masterplan(
            for: PlanRequest(analyses: [["a": 1], ["b": 2]], mashabilityScore: ["overall_score": 64.5]))
        // The one wait before the retry is the server's Retry-After (1 s), not the 20 ms backoff.
        #expect(clock.recordedSleeps == [1])
        #expect(plan["masterplan"]?["timeline"]?.arrayValue?.count == 2)
        let requests = server.requests(to: "/create-masterplan")
        #expect(requests.count == 2)
        #expect(requests[0].headers["authorization"] == "Bearer sk-ant")
        let body = try JSONValue.parse(requests[0].body)
        #expect(body["song1_analysis"] == ["a": 1] && body["mashability_score"]?["overall_score"]?.doubleValue == 64.5)
    }

    @Test("analysis that hangs times out 4 times and degrades to the embedded analyser with a warning")
    func hangDegrades() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/analyze", [.hang(seconds: 5)])
        let clock = TestClock()
        let services = Self.services(server, clock: clock)
        let outcome = try await services.fallback.run(
            service: .analysis, embeddedName: "the embedded analyser",
            remote: {
                try await services.analysis!.analyze(
                    SongAudioInput(songID: "s1", source: .url(URL(string: "https://cdn.test/a.mp3")!)))
            },
            embedded: { AnalysisDocument(json: ["version": "embedded"]) })
        #expect(outcome.source == .embedded)
        #expect(
            outcome.warning
                == "analysis service timed out after 4 attempts (no answer within 0.3 s): used the embedded analyser")
        #expect(server.requests(to: "/analyze").count == 4)
        // 4 attempts that each ended by the 0.3 s timeout (the warning and the failure type say so), with the
        // policy's backoffs between them: 20 ms doubling, capped at 100 ms, each within ±25 % jitter.
        let backoffs = clock.recordedSleeps
        #expect(backoffs.count == 3)
        for (index, nominal) in [0.02, 0.04, 0.08].enumerated() where index < backoffs.count {
            #expect(
                abs(backoffs[index] - nominal) <= nominal * Self.testPolicy.jitterFraction + 1e-9,
                "backoff \(index): \(backoffs[index])")
        }
        #expect(outcome.remoteError?.jobFailure.details.type == .timeout)
    }

    @Test("separation: invalid JSON is invalid_data at once (not retried)")
    func invalidJSON() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script("/separate", [.respond(200, body: "<html>tunnel page</html>")])
        do {
            _ = try await Self.services(server).separation!.separate(
                audioURL: URL(string: "https://cdn.test/a.mp3")!, jobID: "j1")
            Issue.record("expected invalid data")
        } catch let error as ServiceError {
            guard case .invalidData(let field, let reason) = error.kind else {
                Issue.record("kind \(error.kind)"); return
            }
            #expect(field == "body")
            #expect(reason.contains("tunnel page"))
            #expect(error.attempts == 1)
        }
        #expect(server.requests(to: "/separate").count == 1)
        server.script("/separate", [.json(200, Self.stemsBody)])
        let stems = try await Self.services(server).separation!.separate(
            audioURL: URL(string: "https://cdn.test/a.mp3")!, jobID: "j1")
        #expect(stems.paths["vocals"] == "stems/j1/vocals.wav")
    }

    @Test("Claude: a plan wrapped in prose is extracted; an invalid plan is corrected once")
    func anthropicProseAndCorrection() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.script(
            "/v1/messages",
            [
                .json(200, PlanFixtures.messagesReply(PlanFixtures.prose(PlanFixtures.invalidPlan))),
                .json(200, PlanFixtures.messagesReply(PlanFixtures.prose(PlanFixtures.validPlan))),
            ])
        let services = Self.services(server)
        let result = try await services.anthropic!.requestJSONObject(
            system: "producer", prompt: "plan",
            normalize: MasterplanShape.normalized,
            validate: MasterplanShape.issues)
        #expect(result.wasCorrected && result.requestCount == 2)
        #expect(result.object["masterplan"]?["title"]?.stringValue == "Red Light")
        let requests = server.requests(to: "/v1/messages")
        #expect(requests[0].headers["x-api-key"] == "sk-ant")
        #expect(requests[0].headers["anthropic-version"] == "2023-06-01")
        #expect(requests[0].headers["authorization"] == nil)
    }

    @Test("nothing listening: a network failure after 4 attempts, classified network")
    func connectionRefused() async throws {
        let server = try LoopbackHTTPServer()
        let services = Self.services(server)
        server.stop() // shutdown(2) on the listener: refused from here on (Linux), no wait needed
        do {
            _ = try await services.scoring!.mashability(.empty, .empty, weights: nil)
            Issue.record("expected a failure")
        } catch let error as ServiceError {
            #expect(error.attempts == 4)
            #expect(error.jobFailure.details.type == .network)
        }
    }
}

@Suite("Downloads over loopback HTTP")
struct DownloadTests {
    @Test("a song is fetched after a 503, written whole; 404 is final and classified; nothing partial is left")
    func download() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let payload = String(repeating: "RIFFdata", count: 4096)
        server.script(
            "/songs/a.wav",
            [.respond(503, body: "busy"), .respond(200, headers: ["Content-Type": "audio/wav"], body: payload)])
        server.script("/songs/missing.wav", [.respond(404, body: "not found")])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orch-dl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let downloader = FileDownloader(
            transport: URLSessionTransport(), timeoutSeconds: 2, maximumBytes: 1_000_000,
            retryPolicy: LoopbackIntegrationTests.testPolicy)
        let destination = folder.appendingPathComponent("a.wav")
        let written = try await downloader.download(
            server.baseURL.appendingPathComponent("songs/a.wav"), to: destination)
        #expect(written == payload.utf8.count)
        #expect(try Data(contentsOf: destination) == Data(payload.utf8))
        #expect(server.requests(to: "/songs/a.wav").first?.method == "GET")
        #expect(server.requests(to: "/songs/a.wav").first?.headers["bypass-tunnel-reminder"] == "true")
        do {
            try await downloader.download(
                server.baseURL.appendingPathComponent("songs/missing.wav"), to: folder.appendingPathComponent("m.wav"))
            Issue.record("expected a failure")
        } catch let error as ServiceError {
            #expect(error.attempts == 1)
            #expect(error.jobFailure.details.type == .invalidAudio)
        }
        let small = FileDownloader(
            transport: URLSessionTransport(), timeoutSeconds: 2, maximumBytes: 100,
            retryPolicy: LoopbackIntegrationTests.testPolicy)
        await #expect(
            throws: ServiceError(
                service: .download, kind: .requestTooLarge(bytes: payload.utf8.count, limitBytes: 100), attempts: 1)
        ) {
            try await small.download(
                server.baseURL.appendingPathComponent("songs/a.wav"), to: folder.appendingPathComponent("b.wav"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.wav"])
        await #expect(throws: ServiceError.self) {
            try await small.download(URL(string: "file:///etc/passwd")!, to: folder.appendingPathComponent("c"))
        }
    }
}
