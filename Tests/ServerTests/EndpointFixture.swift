import DSP
import Foundation
import Orchestrator
import Render
import Server
import Synchronization

/// A render double: reports `stepCount` progress steps `stepDelaySeconds` apart, then writes a real 0.5 s stereo
/// 44.1 kHz sine WAV and a small JSON report (fast, so the endpoint tests stay fast).
struct QuickRenderer: ServeRenderer {
    var stepCount = 5
    /// Simulated work per step, seconds (not synchronisation: tests that need a render still running use `holds`).
    var stepDelaySeconds = 0.05
    /// When true, the render reports its first step and then stays running until its job is cancelled or its node
    /// stops (each poll reports progress, which throws once the job is no longer processing): a render that is
    /// certain to be running, whatever the machine's load.
    var holds = false
    /// When set, each step waits until a client has received the previous step's message here (a handshake that
    /// proves progressive delivery without timing; see `EventReader.read(messages:)`).
    var deliveredMessages: Shared<[String]>? = nil
    static let outputSeconds = 0.5
    static let toneHz = 440.0

    func render(
        _ input: RenderInput, outputBase: URL, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult {
        if holds {
            try await progress(90, "Rendering section 1/1")
            try await waitUntil("the held render to be cancelled") {
                try await progress(90, "Rendering section 1/1")
                return false
            }
        }
        for step in 0..<stepCount {
            let message = "Rendering section \(step + 1)/\(stepCount)"
            try await progress(100 * Double(step) / Double(stepCount), message)
            if let deliveredMessages {
                try await waitUntil("the client to receive \(message)") {
                    deliveredMessages.withLock { $0.contains(message) }
                }
            } else {
                try await Task.sleep(for: .seconds(stepDelaySeconds))
            }
        }
        let frames = Int(Self.outputSeconds * 44_100)
        let tone = (0..<frames).map { frame in 0.25 * Float(sin(2 * Double.pi * Self.toneHz * Double(frame) / 44_100)) }
        let buffer = AudioBuffer(channels: [tone, tone], sampleRate: 44_100)
        try AudioFile.write(buffer, to: outputBase.appendingPathExtension("wav"))
        try Data(#"{"renderer": "quick", "sections": \#(stepCount)}"#.utf8).write(
            to: outputBase.appendingPathExtension("json"))
        try await context.warn("quick renderer: test double")
        return JobResult(
            title: input.plan["masterplan"]?["title"]?.stringValue,
            concept: input.plan["creative_vision"]?.stringValue,
            timeline: input.plan["masterplan"]?["timeline"], masterplan: input.plan["masterplan"])
    }
}

struct FixedAnalysis: AnalysisService {
    func analyze(_ song: SongAudioInput) async throws -> AnalysisDocument {
        AnalysisDocument(json: ["version": "test", "harmonic": ["key": "A minor"], "rhythmic": ["bpm": 120]])
    }
}

struct FixedScore: ScoringService {
    func mashability(_ first: AnalysisDocument, _ second: AnalysisDocument, weights: ScoringWeights?) async throws
        -> JSONValue
    {
        ["overall_score": 70, "dimension_scores": ["harmonic": 70, "rhythmic": 70, "spectral": 70, "vocal": 70]]
    }
}

struct FixedPlanner: PlannerService {
    func masterplan(for request: PlanRequest) async throws -> JSONValue {
        MasterplanShape.normalized(try JSONValue.parse(Data(EndpointFixture.planJSON.utf8)))
    }
}

/// A serve node on an ephemeral port over a temporary storage folder and SQLite queue.
final class EndpointFixture: @unchecked Sendable {
    let root: URL
    let storage: LocalDirectoryStorage
    let app: ServeApplication
    var port: UInt16 { app.port }

    static let planJSON = #"""
        {"creative_vision": "Two test tones meet.",
         "masterplan": {"title": "Test Mash", "artistCredits": "A vs. B",
          "global": {"targetBPM": 120, "targetKey": "A minor", "timeSignature": [4, 4]},
          "timeline": [
            {"time_start_sec": 0, "duration_sec": 4, "description": "Intro", "energy_level": 0.3,
             "layers": [{"songId": "song1", "stem": "full", "volume_db": -6, "effects": []}]},
            {"time_start_sec": 4, "duration_sec": 4, "description": "Drop", "energy_level": 0.8,
             "layers": [{"songId": "song2", "stem": "full", "volume_db": -6, "effects": ["reverb"]}]}]}}
        """#

    init(
        renderer: any ServeRenderer = QuickRenderer(), maxQueued: Int = 16, workers: Int = 2, renderLimit: Int = 1,
        leaseSeconds: Double = 30, nodeID: String = "test-node", root existing: URL? = nil,
        cancelOnDisconnect: Bool = true, analyzer: any AnalysisService = FixedAnalysis(),
        planner: any PlannerService = FixedPlanner(), apiToken: String? = nil,
        linkSigner: StorageLinkSigner? = nil, separation: StemSeparation? = nil,
        masterplanBodyLimitBytes: Int? = nil
    ) async throws {
        root =
            existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("serve-test-\(UUID().uuidString)")
        var storage = try LocalDirectoryStorage(root: root)
        storage.linkSigner = linkSigner
        self.storage = storage
        if existing == nil { try Self.writeSongs(into: storage.root) }
        let queue = try SQLiteJobStore(fileURL: storage.root.appendingPathComponent("jobs.sqlite"))
        var settings = DurableRunnerSettings(nodeID: nodeID, leaseSeconds: leaseSeconds)
        settings.workerCount = workers
        settings.renderLimit = renderLimit
        settings.maxQueuedJobs = maxQueued
        settings.pollSeconds = 0.05
        var server = ServerConfiguration()
        server.port = 0
        server.heartbeatInterval = .seconds(1)
        server.apiToken = apiToken
        var routes = ServeRouteOptions()
        routes.cancelOnDisconnect = cancelOnDisconnect
        if let masterplanBodyLimitBytes { routes.masterplanBodyLimitBytes = masterplanBodyLimitBytes }
        let embedded = EmbeddedServices(analysis: FixedAnalysis(), scoring: FixedScore(), planner: planner)
        let separationStep: (@Sendable (ServeMetrics) -> StemSeparation?)? =
            separation.map { step in { @Sendable _ in step } }
        app = try await ServeApplication(
            server: server, routes: routes, queue: queue, storage: storage, settings: settings, renderer: renderer,
            pipeline: { storageRenderer, _ in
                let pipeline = MashupPipeline(
                    remote: RemoteServices(configuration: ServiceConfiguration()),
                    embedded: embedded, renderer: storageRenderer)
                return { pipeline.job($0) }
            },
            analyzer: analyzer, separation: separationStep,
            workspaceRoot: storage.root.appendingPathComponent("work"))
    }

    /// Two short songs as WAV under `uploads/` (noise-free tones; the quick renderer does not read them).
    static func writeSongs(into root: URL) throws {
        let uploads = root.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        for (name, hz) in [("a", 220.0), ("b", 330.0)] {
            let frames = 44_100
            let tone = (0..<frames).map { frame in 0.2 * Float(sin(2 * Double.pi * hz * Double(frame) / 44_100)) }
            let buffer = AudioBuffer(channels: [tone], sampleRate: 44_100)
            try AudioFile.write(buffer, to: uploads.appendingPathComponent("\(name).wav"))
        }
    }

    func stop() async {
        _ = await app.stop(gracePeriod: .seconds(2))
    }

    func remove() async {
        await stop()
        try? FileManager.default.removeItem(at: root)
    }

    static let songsJSON =
        #"[{"song_id": "song1", "name": "Song A", "artist": "A", "storage_path": "uploads/a.wav"}, {"song_id": "song2", "name": "Song B", "artist": "B", "storage_path": "uploads/b.wav"}]"#

    static func executeBody(jobID: String, songs: String = songsJSON) -> String {
        #"{"masterplan": {"timeline": "# + timelineJSON + #", "global_settings": {"targetBPM": 120}}, "songs": "#
            + songs
            + #", "job_id": ""# + jobID + #""}"#
    }

    static var timelineJSON: String {
        let plan = try! JSONValue.parse(Data(planJSON.utf8))
        return String(decoding: try! plan["masterplan"]!["timeline"]!.encoded(), as: UTF8.self)
    }

    /// Polls `/get-mashup-status` until the job leaves `processing` (or the hang failsafe); returns every answer.
    func pollStatus(_ id: String, timeoutSeconds: Double = hangFailsafeSeconds) async throws -> [[String: Any]] {
        var answers: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let response = try await TestHTTP.postJSON(port: port, "/get-mashup-status", #"{"jobId": ""# + id + #""}"#)
            let json = try response.json()
            answers.append(json)
            if json["status"] as? String != "processing" { break }
            try await Task.sleep(for: .milliseconds(40))
        }
        return answers
    }
}

/// One event of a stream with the time it arrived (seconds since the request was sent).
struct ReceivedEvent: @unchecked Sendable {
    var arrivalSeconds: Double
    var json: [String: Any]
}

enum EventReader {
    /// Sends `body` to `path` and reads `data:` events as they arrive until one holds `storage_path` or `error`,
    /// the stream ends, or `stopAfter` events (then the connection is closed: a client disconnect).
    /// `messages`, when given, collects each event's `message` as it arrives (for `QuickRenderer.deliveredMessages`).
    static func read(
        port: UInt16, path: String, body: String, method: String = "POST", stopAfter: Int? = nil,
        messages: Shared<[String]>? = nil
    ) async throws -> (status: Int, events: [ReceivedEvent]) {
        try await offPool {
            let connection = try TestConnection(port: port)
            let start = Date()
            connection.send(
                "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            var buffer = Data()
            var status = 0
            var events: [ReceivedEvent] = []
            var headDone = false
            var text = ""
            while let chunk = connection.receiveChunk() {
                buffer.append(chunk)
                if !headDone, let split = buffer.range(of: Data("\r\n\r\n".utf8)) {
                    let head = String(decoding: buffer[..<split.lowerBound], as: UTF8.self)
                    status = Int(head.split(separator: " ")[1]) ?? 0
                    buffer = Data(buffer[split.upperBound...])
                    headDone = true
                    if status != 200 { return (status, []) }
                }
                guard headDone else { continue }
                text += String(decoding: buffer, as: UTF8.self)
                buffer = Data()
                // Chunk framing lines are hex sizes; events are the "data: " lines.
                while let range = text.range(of: "\n") {
                    let line = String(text[..<range.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
                    text = String(text[range.upperBound...])
                    guard line.hasPrefix("data: ") else { continue }
                    let payload = Data(line.dropFirst(6).utf8)
                    guard let json = try JSONSerialization.jsonObject(with: payload) as? [String: Any] else { continue }
                    events.append(ReceivedEvent(arrivalSeconds: Date().timeIntervalSince(start), json: json))
                    if let message = json["message"] as? String { messages?.withLock { $0.append(message) } }
                    if json["storage_path"] != nil || json["error"] != nil { return (status, events) }
                    if let state = json["status"] as? String, state != "processing" { return (status, events) }
                    if let stopAfter, events.count >= stopAfter { return (status, events) }
                }
            }
            return (status, events)
        }
    }
}
