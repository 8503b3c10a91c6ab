import Foundation
import Orchestrator
import Render
import Testing

@Suite("Degradation to the embedded defaults")
struct ServiceFallbackTests {
    static let endpoint = ServiceEndpoint(baseURL: URL(string: "http://analysis.test")!, timeoutSeconds: 45)
    static let song = SongAudioInput(songID: "s1", source: .bytes(Data([0, 1, 2])))
    static let embeddedAnalysis = AnalysisDocument(json: ["version": "embedded"])

    static func client(_ steps: [ScriptedTransport.Step]) -> (RemoteAnalysisClient, ScriptedTransport) {
        let transport = ScriptedTransport(steps)
        let caller = ServiceCaller(
            service: .analysis, endpoint: endpoint, transport: transport, clock: TestClock(),
            unitRandom: fixedRandom(0))
        return (RemoteAnalysisClient(caller: caller), transport)
    }

    @Test("a service that fails for good is replaced, with the warning sentence")
    func degrades() async throws {
        let (client, transport) = Self.client(Array(repeating: .respond(503, body: "overloaded"), count: 4))
        let outcome = try await ServiceFallback(strict: false).run(
            service: .analysis, embeddedName: "the embedded analyser",
            remote: { try await client.analyze(Self.song) }, embedded: { Self.embeddedAnalysis })
        #expect(outcome.value == Self.embeddedAnalysis)
        #expect(outcome.source == .embedded)
        #expect(
            outcome.warning
                == "analysis service unavailable after 4 attempts (HTTP 503: overloaded): used the embedded analyser")
        #expect(transport.requests.count == 4)
    }

    @Test("strict mode fails instead")
    func strict() async throws {
        let (client, _) = Self.client(Array(repeating: .respond(503), count: 4))
        await #expect(throws: ServiceError.self) {
            _ = try await ServiceFallback(strict: true).run(
                service: .analysis, embeddedName: "the embedded analyser",
                remote: { try await client.analyze(Self.song) }, embedded: { Self.embeddedAnalysis })
        }
    }

    @Test("an unconfigured service goes to the embedded default without a warning; a working one is used")
    func unconfiguredAndWorking() async throws {
        let embedded = try await ServiceFallback(strict: true).run(
            service: .analysis, embeddedName: "the embedded analyser", remote: nil, embedded: { Self.embeddedAnalysis })
        #expect(embedded.source == .embedded && embedded.warning == nil)
        let (client, _) = Self.client([.respond(200, body: CircuitBreakerTests.okAnalysis)])
        let remote = try await ServiceFallback(strict: false).run(
            service: .analysis, embeddedName: "the embedded analyser",
            remote: { try await client.analyze(Self.song) }, embedded: { Self.embeddedAnalysis })
        #expect(remote.source == .remote(.analysis) && remote.warning == nil)
        #expect(remote.value.json["harmonic"]?["key"]?.stringValue == "A minor")
    }

    @Test("songs go as URL or base64; above the size limit a clear error, before any request")
    func analysisRequests() async throws {
        let (client, transport) = Self.client([.respond(200, body: CircuitBreakerTests.okAnalysis)])
        let byURL = try client.requestBody(
            for: SongAudioInput(songID: "s1", source: .url(URL(string: "https://cdn.test/a.mp3")!)))
        #expect(byURL == ["song_id": "s1", "file_url": "https://cdn.test/a.mp3"])
        let inline = try client.requestBody(
            for: SongAudioInput(songID: "s2", source: .bytes(Data([0xff, 0x00, 0x10]))))
        #expect(inline == ["song_id": "s2", "audio_data": "/wAQ"])
        let small = RemoteAnalysisClient(caller: client.caller, maximumInlineBytes: 2)
        do {
            _ = try await small.analyze(SongAudioInput(songID: "s3", source: .bytes(Data(count: 3_145_728))))
            Issue.record("expected a size error")
        } catch let error as ServiceError {
            #expect(error.kind == .requestTooLarge(bytes: 3_145_728, limitBytes: 2))
            #expect(error.description == "request to analysis service too large: 3.0 MB above the 0.0 MB limit")
            #expect(error.jobFailure.details.type == .invalidAudio)
        }
        #expect(transport.requests.isEmpty)
    }

    @Test("a missing field is invalid_data naming the field")
    func missingField() async throws {
        let withoutBPM = CircuitBreakerTests.okAnalysis.replacingOccurrences(of: #""bpm": 124.0,"#, with: "")
        let (client, transport) = Self.client([.respond(200, body: withoutBPM)])
        await #expect(
            throws: ServiceError(
                service: .analysis, kind: .invalidData(field: "analysis.rhythmic.bpm", reason: "is missing"),
                attempts: 1)
        ) {
            _ = try await client.analyze(Self.song)
        }
        #expect(transport.requests.count == 1, "invalid data is not retried")
        #expect(throws: ResponseValidationError(field: "stems.vocals", reason: "is missing")) {
            _ = try RemoteSeparationClient.validate(
                TransportResponse(
                    statusCode: 200,
                    body: Data(#"{"success": true, "stems": {"drums": "a", "bass": "b", "other": "c"}}"#.utf8)))
        }
        #expect(throws: ResponseValidationError(field: "overall_score", reason: "is 120.0, outside 0.0...100.0")) {
            _ = try RemoteScoringClient.validate(
                TransportResponse(statusCode: 200, body: Data(#"{"overall_score": 120}"#.utf8)))
        }
    }
}
