import Analysis
import DSP
import Foundation
import Orchestrator
import Render
import Server

/// The fuzz targets: each feeds bytes from outside through a face of mashup that reads them. A target must never
/// trap, hang or allocate without bound on any input; everything it calls reports bad input as a typed error.
enum FuzzTarget: String, CaseIterable {
    /// Plan JSON: strict read, lenient decode, validation against two songs, the render script.
    case plan
    /// Effect strings and effect objects, as plans write them.
    case effect
    /// Audio files: our reader over libsndfile with its limits (bytes written to a temporary file).
    case audio
    /// HTTP requests: raw request text parsed into a request, routed, and its body read as the server does.
    case http
    /// Remote service answers: analysis, scoring, separation, planner and Claude replies.
    case remote
    /// Audio content through the embedded analysis: a signal built from the bytes (`analysisSignal`) analysed by
    /// `SongAnalyzer` (tempo, beats and their aligners, downbeats, key, sections) and scored against itself.
    case analysis

    static var usage: String {
        "usage: MashupFuzz TARGET [CORPUS...] [libFuzzer flags]; targets: "
            + allCases.map(\.rawValue).joined(separator: ", ") + "\n"
    }

    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let data = Data(buffer: bytes)
        switch self {
        case .plan: FuzzTarget.plan(data)
        case .effect: FuzzTarget.effect(data)
        case .audio: FuzzTarget.audio(data)
        case .http: FuzzTarget.http(data)
        case .remote: FuzzTarget.remote(data)
        case .analysis: FuzzTarget.analysis(data)
        }
    }

    static func plan(_ data: Data) {
        let songs = [
            PlanValidator.SongInfo(
                id: "song1", key: MusicalKey(parsing: "A minor"), tempoBPM: 120, durationSeconds: 30),
            PlanValidator.SongInfo(id: "song2", key: MusicalKey(parsing: "C major"), tempoBPM: 96, durationSeconds: 45),
        ]
        let validation = PlanValidator(songs: songs).validate(data)
        _ = validation.issues.map(\.description)
        if let script = validation.plan {
            _ = script.sections.count
        }
        // The same bytes as a discovered-songs plan (the `validate` command without songs).
        _ = PlanValidator().validate(data).issues.count
    }

    static func effect(_ data: Data) {
        let text = String(decoding: data.prefix(4096), as: UTF8.self)
        _ = EffectParser.parse(text)
        _ = EffectParser.parse(.string(text))
        if let value = try? JSONReader.read(data) {
            _ = EffectParser.parse(value)
        }
        // As a layer's effects in a plan, so the validator resolves musical lengths against a tempo.
        let plan: JSONValue = [
            "masterplan": [
                "global": ["targetBPM": 123],
                "timeline": [
                    [
                        "time_start_sec": 0, "duration_sec": 8,
                        "layers": [
                            [
                                "songId": "a", "stem": "vocals",
                                "effects": .array(
                                    text.split(separator: "|").prefix(20).map { JSONValue.string(String($0)) }),
                            ]
                        ],
                    ]
                ],
            ]
        ]
        _ = PlanValidator().validate(plan).issues.count
    }

    /// The reader's limits for fuzzing: small, so that a lying header costs milliseconds, not seconds.
    static let audioLimits: AudioInputLimits = {
        var limits = AudioInputLimits()
        limits.maximumSongSeconds = 30
        limits.maximumDecodedByteCount = 16 << 20
        return limits
    }()

    static let audioURL = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-fuzz-\(getpid()).bin")

    static func audio(_ data: Data) {
        guard (try? data.write(to: audioURL)) != nil else { return }
        defer { try? FileManager.default.removeItem(at: audioURL) }
        if let decoded = try? AudioFile.read(audioURL, sampleRate: nil, limits: audioLimits) {
            _ = decoded.warnings
            _ = try? audioLimits.checkSongLength(seconds: decoded.buffer.durationSeconds, path: audioURL.path)
        }
    }

    /// A mono signal at 8 kHz from fuzz bytes: byte 0 sets a tempo (40-295 BPM), byte 1 a length (0.5-12 s), byte 2
    /// what is added: bit 0 a click on every beat, bit 1 a 220 Hz tone, bit 2 silence after the middle (a song that
    /// stops), bit 3 the clicks stopping for the middle third (a breakdown), bit 4 a constant offset (DC); the
    /// other bytes are 16-bit samples mixed in, repeated over the length.
    static func analysisSignal(_ bytes: [UInt8]) -> AudioBuffer? {
        guard bytes.count >= 3 else { return nil }
        let rate = 8000.0
        let bpm = 40 + Double(bytes[0])
        let frameCount = Int((0.5 + Double(bytes[1] % 24) / 2) * rate)
        let flags = bytes[2]
        let payload = Array(bytes.dropFirst(3))
        var mono = [Float](repeating: 0, count: frameCount)
        if payload.count >= 2 {
            let samples = payload.count / 2
            for i in 0..<frameCount {
                let k = (i % samples) * 2
                mono[i] = Float(Int16(bitPattern: UInt16(payload[k]) | UInt16(payload[k + 1]) << 8)) / 32768
            }
        }
        let period = Int(60 / bpm * rate)
        let third = frameCount / 3
        for i in 0..<frameCount {
            let inBreak = flags & 8 != 0 && i >= third && i < 2 * third
            if flags & 1 != 0, !inBreak, i % period < 40 { mono[i] += 0.8 * (1 - Float(i % period) / 40) }
            if flags & 2 != 0 { mono[i] += 0.3 * Float(sin(2 * Double.pi * 220 * Double(i) / rate)) }
            if flags & 16 != 0 { mono[i] += 0.25 }
            if flags & 4 != 0, i > frameCount / 2 { mono[i] = 0 }
        }
        return AudioBuffer(channels: [mono, mono], sampleRate: rate)
    }

    static func analysis(_ data: Data) {
        guard let buffer = analysisSignal([UInt8](data.prefix(4096))),
            let analysis = try? SongAnalyzer().analyze(buffer)
        else { return }
        _ = MashabilityScorer().score(analysis, analysis)
        _ = try? JSONEncoder().encode(analysis)
    }

    static func http(_ data: Data) {
        guard let request = RawHTTPRequest.parse(data) else { return }
        var router = Router()
        StandardRoutes.install(on: &router, metrics: MetricsRegistry())
        // The serve routes' shapes, each reading its body as the real handler does (the real handlers need a job
        // runner; `Route.handler` is not public, so the body reading runs here when a route matches).
        let bodyRoutes = [("POST", "/execute-masterplan"), ("POST", "/v1/jobs"), ("POST", "/v1/plans/validate")]
        for (method, pattern) in bodyRoutes + [("GET", "/v1/jobs/{id}"), ("GET", "/v1/jobs/{id}/result.{ext}")] {
            router.addSync(method, pattern) { _ in .json(["ok": true]) }
        }
        if case .found(let route, let parameters) = router.match(method: request.method, path: request.path) {
            var routed = request
            routed.pathParameters = parameters
            for (key, _) in parameters { _ = try? routed.parameter(key) }
            if bodyRoutes.contains(where: { $0.1 == route.pattern }), let body = try? routed.jsonBody() {
                _ = PlanValidator().validate(body["masterplan"] ?? body).issues.count
            }
        }
        _ = ByteRange.resolve(request.headers.values(for: "Range").first, size: 1_000_000)
        _ = AccessControl.bearerToken(request.headers.values(for: "Authorization").first)
        if let host = request.headers.values(for: "Host").first { _ = IPAddress(host) }
        _ = try? request.decodeJSON(ServeJobSpec.self)
    }

    static func remote(_ data: Data) {
        let response = TransportResponse(statusCode: 200, headers: ["Content-Type": "application/json"], body: data)
        _ = try? RemoteAnalysisClient.validate(response)
        _ = try? RemoteScoringClient.validate(response)
        _ = try? RemoteSeparationClient.validate(response)
        _ = try? RemotePlannerClient.validate(response, validator: MasterplanShape.issues)
        _ = try? AnthropicClient.validate(response)
        let text = String(decoding: data, as: UTF8.self)
        if let object = JSONExtraction.firstObject(in: text) {
            _ = MasterplanShape.issues(in: MasterplanShape.normalized(object))
        }
        if let value = try? JSONValue.parse(data) {
            _ = PlanValidator.SongInfo(id: "song1", analysis: value)
            _ = BeatGrid(analysis: value, durationSeconds: 240)
            _ = try? JSONDecoder().decode(SongAnalysis.self, from: data)
        }
    }
}
