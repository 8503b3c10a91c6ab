import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

/// Test doubles for the embedded implementations (the real ones live in Analysis and the planner).
struct RecordingAnalysis: AnalysisService {
    func analyze(_ song: SongAudioInput) async throws -> AnalysisDocument {
        AnalysisDocument(json: ["version": "embedded-test", "harmonic": ["key": "C major"], "rhythmic": ["bpm": 120]])
    }
}

struct FixedScoring: ScoringService {
    func mashability(_ first: AnalysisDocument, _ second: AnalysisDocument, weights: ScoringWeights?) async throws
        -> JSONValue
    {
        ["overall_score": 50, "dimension_scores": ["harmonic": 50, "rhythmic": 50, "spectral": 50, "vocal": 50]]
    }
}

struct FixturePlanner: PlannerService {
    func masterplan(for request: PlanRequest) async throws -> JSONValue {
        MasterplanShape.normalized(try JSONValue.parse(Data(PlanFixtures.validPlan.utf8)))
    }
}

/// A renderer double: writes an output file progressively and reports section progress.
struct FileWritingRenderer: MashupRenderer {
    let outputFolder: URL
    let received = ReceivedInputs()

    final class ReceivedInputs: @unchecked Sendable {
        private let lock = NSLock()
        private var inputs: [RenderInput] = []
        func add(_ input: RenderInput) { lock.withLock { inputs.append(input) } }
        var all: [RenderInput] { lock.withLock { inputs } }
    }

    func render(
        _ input: RenderInput, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult {
        received.add(input)
        let output = outputFolder.appendingPathComponent("\(context.jobID).wav")
        try await context.registerFile(output.path)
        let sections = input.plan["masterplan"]?["timeline"]?.arrayValue ?? []
        var bytes = Data()
        for (index, section) in sections.enumerated() {
            try await progress(
                100 * Double(index) / Double(sections.count),
                "Rendering section \(index + 1)/\(sections.count): \(section["description"]?.stringValue ?? "")")
            bytes.append(Data(count: 256))
            try bytes.write(to: output)
            try Data([1]).write(to: context.workspace.file("layer-\(index).raw"))
        }
        return JobResult(
            resultURL: "generated/\(context.jobID).wav", storagePath: "generated/\(context.jobID).wav",
            title: input.plan["masterplan"]?["title"]?.stringValue,
            concept: input.plan["creative_vision"]?.stringValue,
            timeline: input.plan["masterplan"]?["timeline"], masterplan: input.plan["masterplan"])
    }
}

@Suite("Whole pipeline over loopback services")
struct PipelineIntegrationTests {
    static let embedded = EmbeddedServices(
        analysis: RecordingAnalysis(), scoring: FixedScoring(), planner: FixturePlanner())

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("orch-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func songs(_ root: URL) throws -> [PipelineSong] {
        let file = root.appendingPathComponent("b.wav")
        try Data((0..<4096).map { UInt8($0 % 256) }).write(to: file)
        return [
            PipelineSong(
                song: JobSong(songID: "s1", name: "Song A", artist: "Artist A"),
                audio: SongAudioInput(songID: "s1", source: .url(URL(string: "https://cdn.test/a.mp3")!)),
                separationURL: URL(string: "https://cdn.test/a.mp3")),
            PipelineSong(
                song: JobSong(songID: "s2", name: "Song B", artist: "Artist B"),
                audio: SongAudioInput(songID: "s2", source: .file(file))),
        ]
    }

    /// Song A analyses remotely; song B's analysis fails with 503 four times and degrades.
    static func script(_ server: LoopbackHTTPServer) {
        server.script(
            "/analyze", [.json(200, CircuitBreakerTests.okAnalysis), .json(503, #"{"detail": "overloaded"}"#)])
        server.script("/calculate-mashability", [.json(200, LoopbackIntegrationTests.scoreBody)])
        server.script(
            "/create-masterplan", [.json(429, "{}", headers: ["Retry-After": "0"]), .json(200, PlanFixtures.validPlan)])
        server.script("/separate", [.json(200, LoopbackIntegrationTests.stemsBody)])
    }

    @Test("services answer, one degrades: the job completes with a warning and no temporary file")
    func degradedCompletion() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        Self.script(server)
        let renderer = FileWritingRenderer(outputFolder: root)
        let pipeline = MashupPipeline(
            remote: LoopbackIntegrationTests.services(server), embedded: Self.embedded, renderer: renderer)
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("work"))
        let songs = try Self.songs(root)
        let record = try await manager.submit(songs: songs.map(\.song), pipeline: pipeline.job(songs))
        let final = try #require(try await manager.waitUntilFinished(record.id))
        #expect(final.state == .complete, "\(String(describing: final.failure))")
        // Song B is a local file: the separation service cannot fetch it, and the job says so (never silently).
        #expect(
            final.warnings == [
                "\"Song B\": analysis service unavailable after 4 attempts (HTTP 503: overloaded): used the embedded analyser",
                "\"Song B\": the separation service needs a URL it can fetch, and this song has none (a local file: "
                    + "give it by URL, or keep songs in Supabase storage, or set MASHUP_PUBLIC_URL on the "
                    + "server); the embedded stem approximation is used",
            ])
        #expect(
            final.metadata.analysesCompleted == 2 && final.metadata.mashabilityScoresCount == 1
                && final.metadata.hasMasterplan)
        #expect(final.metadata.completedPhases == [.analysis, .scoring, .planning, .stems, .rendering])
        #expect(final.workload.layerCount == 3 && final.workload.outputSeconds == 46.5)
        let input = try #require(renderer.received.all.first)
        #expect(input.stems["s1"]?.paths["drums"] == "stems/j1/drums.wav")
        #expect(input.analyses[0]["harmonic"]?["key"]?.stringValue == "A minor")
        #expect(input.analyses[1]["version"]?.stringValue == "embedded-test")
        // Song B went inline as base64.
        let songB = try JSONValue.parse(try #require(server.requests(to: "/analyze").last).body)
        #expect(songB["audio_data"]?.stringValue?.isEmpty == false)
        // No temporary file: the workspace is gone, the output stays.
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("work/\(record.id)").path))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("\(record.id).wav").path))
        let status = try #require(try await manager.status(record.id))
        let object = try #require(JSONSerialization.jsonObject(with: status.jsonData()) as? [String: Any])
        #expect(object["title"] as? String == "Red Light")
        #expect(object["concept"] as? String == "Two night drives meet at a red light.")
        #expect(object["result_url"] as? String == "generated/\(record.id).wav")
        #expect((object["warnings"] as? [String])?.count == 2)
    }

    @Test("strict mode: the same failure ends the job, classified, with no partial output")
    func strictFailure() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        Self.script(server)
        var configuration = LoopbackIntegrationTests.services(server).configuration
        configuration.strict = true
        let remote = RemoteServices(configuration: configuration, transport: URLSessionTransport())
        let pipeline = MashupPipeline(
            remote: remote, embedded: Self.embedded, renderer: FileWritingRenderer(outputFolder: root))
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("work"))
        let songs = try Self.songs(root)
        let record = try await manager.submit(songs: songs.map(\.song), pipeline: pipeline.job(songs))
        let final = try #require(try await manager.waitUntilFinished(record.id))
        #expect(final.state == .failed)
        #expect(final.failure?.details.type == .serviceUnavailable)
        #expect(final.failure?.details.recoverable == true)
        #expect(final.metadata.analysesCompleted == 1)
        #expect(final.metadata.completedPhases.isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0 != "b.wav" }
        #expect(leftovers.allSatisfy { $0 == "work" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("work").path).isEmpty)
    }

    @Test("Claude directly: an invalid plan is corrected; an unreachable Claude falls back to the embedded planner")
    func claudeRoute() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        Self.script(server)
        server.script(
            "/v1/messages",
            [
                .json(200, PlanFixtures.messagesReply(PlanFixtures.invalidPlan)),
                .json(200, PlanFixtures.messagesReply(PlanFixtures.prose(PlanFixtures.validPlan))),
            ])
        var configuration = LoopbackIntegrationTests.services(server).configuration
        configuration.planner = nil
        let remote = RemoteServices(configuration: configuration, transport: URLSessionTransport())
        let claude = AnthropicPlanner(
            client: remote.anthropic!, systemPrompt: "producer", promptBuilder: { _ in "plan" })
        let renderer = FileWritingRenderer(outputFolder: root)
        let pipeline = MashupPipeline(
            remote: remote, embedded: Self.embedded, anthropicPlanner: claude, renderer: renderer)
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("work"))
        let songs = try Self.songs(root)
        let first = try await manager.submit(songs: songs.map(\.song), pipeline: pipeline.job(songs))
        #expect(try await manager.waitUntilFinished(first.id)?.state == .complete)
        #expect(server.requests(to: "/v1/messages").count == 2)
        #expect(server.requests(to: "/create-masterplan").isEmpty)

        server.script(
            "/v1/messages", [.json(500, #"{"type": "error", "error": {"type": "api_error", "message": "down"}}"#)])
        let second = try await manager.submit(songs: songs.map(\.song), pipeline: pipeline.job(songs))
        let final = try #require(try await manager.waitUntilFinished(second.id))
        #expect(final.state == .complete)
        #expect(
            final.warnings.contains(
                "Claude (Anthropic API) unavailable after 4 attempts (HTTP 500: down): used the embedded planner"))
    }
}
