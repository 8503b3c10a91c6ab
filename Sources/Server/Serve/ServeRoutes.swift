// The endpoints of `mashup serve` (shared/CONTRACTS.md): the job API the front end polls, the render backend's
// event stream, and a REST face for new clients. Every handler reads job state from the durable store, so any
// node answers for any job.
import Foundation
import MashupModel
import Orchestrator

/// Options of the endpoints.
public struct ServeRouteOptions: Sendable {
    /// A client that disconnects from `/execute-masterplan` cancels its render (`MASHUP_CANCEL_ON_DISCONNECT`).
    public var cancelOnDisconnect = true
    /// How often streams look at the store for changes.
    public var streamPollInterval: Duration = .milliseconds(100)
    /// Heartbeat comment interval of event streams.
    public var heartbeatInterval: Duration = .seconds(15)
    /// Songs per mashup.
    public var songCountRange: ClosedRange<Int> = 2...3
    /// Largest `/execute-masterplan` body, bytes: the edge function sends the analyses with their MFCC frames,
    /// several MB (`MASHUP_MAX_MASTERPLAN_BODY_MB`, default 64 MB; other JSON bodies keep the JSON limit).
    public var masterplanBodyLimitBytes = 64 * 1_048_576
    /// Whether the server asks for a bearer token (the studio page then asks for it before its first call).
    public var tokenRequired = false

    public init() {}
}

/// Installs the serve endpoints on a router.
public enum ServeRoutes {
    public static func install(
        on router: inout Router, runner: DurableJobRunner, metrics: ServeMetrics,
        options: ServeRouteOptions = ServeRouteOptions()
    ) {
        StandardRoutes.install(on: &router, metrics: metrics.registry) {
            let writable = await runner.storage.isWritable()
            let queued = (try? await runner.queue.list(states: [.queued]).count) ?? Int.max
            let accepting = runner.isAccepting
            let saturated = queued >= runner.settings.maxQueuedJobs
            return (
                writable && !saturated && accepting,
                [
                    "storage_writable": .bool(writable), "queued_jobs": .number(Double(queued)),
                    "max_queued_jobs": .number(Double(runner.settings.maxQueuedJobs)), "accepting": .bool(accepting),
                    "storage": .string(runner.storage.label),
                ]
            )
        }

        // MARK: Contract job API
        router.post("/generate-mashup") { request in
            let body = try request.jsonBody()
            let songs = try parseSongs(body["songs"], runner: runner, options: options, requireAnalysis: false)
            let preferences = try StudioPreferences.parse(body["user_preferences"] ?? body["preferences"])
            let record = try await runner.submit(ServeJobSpec(kind: .pipeline, songs: songs, preferences: preferences))
            return .json(["success": true, "jobId": .string(record.id)])
        }
        router.post("/get-mashup-status") { request in
            let body = try request.jsonBody()
            guard let id = body["jobId"]?.stringValue ?? body["job_id"]?.stringValue, !id.isEmpty else {
                throw HTTPError.badRequest("missing field 'jobId'", field: "jobId")
            }
            return try await statusResponse(id, runner: runner)
        }

        // MARK: Render backend
        router.post(
            "/execute-masterplan",
            options: RouteOptions(bodyLimit: .bytes(options.masterplanBodyLimitBytes), isLongLived: true)
        ) { request in
            let body = try request.jsonBody()
            let plan = try parsePlan(body["masterplan"])
            let songs = try parseSongs(
                body["songs"], runner: runner, options: options, requireAnalysis: false,
                minimum: 1)
            let jobID = try parseJobID(body["job_id"])
            let record = try await runner.submit(ServeJobSpec(kind: .render, songs: songs, plan: plan), id: jobID)
            return .eventStream(renderStream(record.id, runner: runner, options: options))
        }

        // MARK: REST
        router.post("/v1/jobs") { request in
            let body = try request.jsonBody()
            let plan = try body["plan"].map { try parsePlan($0) } ?? body["masterplan"].map { try parsePlan($0) }
            let songs = try parseSongs(
                body["songs"], runner: runner, options: options, requireAnalysis: false,
                minimum: plan == nil ? options.songCountRange.lowerBound : 1)
            let jobID = try parseJobID(body["job_id"])
            let preferences = try StudioPreferences.parse(body["preferences"] ?? body["user_preferences"])
            let record = try await runner.submit(
                ServeJobSpec(
                    kind: plan == nil ? .pipeline : .render, songs: songs, plan: plan,
                    preferences: preferences), id: jobID)
            return .json(
                [
                    "id": .string(record.id), "jobId": .string(record.id), "status": "processing",
                    "status_url": .string("/v1/jobs/\(record.id)"),
                    "events_url": .string("/v1/jobs/\(record.id)/events"),
                ], status: 202)
        }
        router.post("/v1/uploads", options: RouteOptions(bodyLimit: .upload)) { request in
            guard let file = request.bodyFile,
                let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size]) as? Int, size > 0
            else {
                throw HTTPError.badRequest("empty upload", field: "body")
            }
            let filename = request.query["filename"] ?? request.query["name"] ?? "upload.bin"
            let ext = DurableJobRunner.safeExtension(filename)
                .replacingOccurrences(of: "audio.", with: "")
            let info = try UploadCatalog.inspect(file, filename: filename)
            let path = "uploads/\(UUID().uuidString.lowercased()).\(ext)"
            try await runner.storage.upload(file, to: path, contentType: MediaType.forExtension(ext))
            let description = UploadCatalog.describe(path: path, filename: filename, bytes: size, info: info)
            await UploadCatalog.record(description, storage: runner.storage)
            return .json(
                [
                    "storage_path": .string(path), "bytes": .number(Double(size)),
                    "filename": .string(description.filename),
                    "duration_seconds": description.durationSeconds.map { .number($0) } ?? .null,
                ], status: 201)
        }
        router.get("/v1/jobs/{id}") { request in
            try await statusResponse(try request.parameter("id"), runner: runner)
        }
        router.delete("/v1/jobs/{id}") { request in
            let id = try request.parameter("id")
            do {
                try await runner.cancel(id)
            } catch JobStoreError.notFound {
                throw HTTPError.notFound("no job \(id)", field: "id")
            }
            return try await statusResponse(id, runner: runner)
        }
        router.get("/v1/jobs/{id}/events", options: RouteOptions(isLongLived: true, acceptsQueryToken: true)) {
            request in
            let id = try request.parameter("id")
            guard try await runner.queue.get(id) != nil else { throw HTTPError.notFound("no job \(id)", field: "id") }
            return .eventStream(statusStream(id, runner: runner, options: options))
        }
        router.get("/v1/jobs/{id}/audio", options: RouteOptions(acceptsQueryToken: true)) { request in
            try await StudioRoutes.audio(try request.parameter("id"), format: request.query["format"], runner: runner)
        }
        // Signed links to local storage objects, for a separation service that must fetch a song this server holds
        // (StorageLinkSigner): the signature is the credential, so no bearer token and any client.
        router.get("/v1/files", options: RouteOptions(requiresAuthorization: false)) { request in
            try signedFile(request.query, storage: runner.storage)
        }
        // The report page and its player's audio are opened by the browser itself: with an API token they take it
        // as `?token=`, and a page opened so hands it on to its player.
        router.get("/v1/jobs/{id}/report.html", options: RouteOptions(acceptsQueryToken: true)) { request in
            let page = try await resultFile(try request.parameter("id"), ext: "html", runner: runner)
            guard let token = request.query["token"], case .file(let url) = page.body else { return page }
            return try ReportPage.withToken(url, token: token)
        }
        // The served HTML report's player reads "./<id>.<ext>" beside the page: the result's audio, with ranges.
        router.get("/v1/jobs/{id}/{file}", options: RouteOptions(acceptsQueryToken: true)) { request in
            let id = try request.parameter("id"), file = try request.parameter("file")
            let ext = (file as NSString).pathExtension.lowercased()
            guard (file as NSString).deletingPathExtension == id, ["wav", "flac", "mp3", "ogg", "opus"].contains(ext)
            else {
                throw HTTPError.notFound(
                    "no \(file) for job \(id): the job's files are audio, report, report.html and events",
                    field: "file")
            }
            return try await resultFile(id, ext: ext, runner: runner)
        }
        router.get("/v1/jobs/{id}/report") { request in
            let id = try request.parameter("id")
            let record = try await completedRecord(id, runner: runner)
            if let report = record.result?.report { return .json(report) }
            return try await resultFile(id, ext: "json", runner: runner)
        }

        // MARK: Studio (the page at `/` and the endpoints it needs)
        StudioRoutes.install(on: &router, runner: runner, tokenRequired: options.tokenRequired)
    }

    // MARK: - Parsing

    static func parseSongs(
        _ value: JSONValue?, runner: DurableJobRunner, options: ServeRouteOptions,
        requireAnalysis: Bool, minimum: Int? = nil
    ) throws -> [ServeJobSpec.Song] {
        guard let items = value?.arrayValue else { throw HTTPError.badRequest("missing field 'songs'", field: "songs") }
        let lower = minimum ?? options.songCountRange.lowerBound
        guard items.count >= lower, items.count <= options.songCountRange.upperBound else {
            throw HTTPError.badRequest(
                "expected \(lower) to \(options.songCountRange.upperBound) songs, got \(items.count)",
                field: "songs")
        }
        var songs: [ServeJobSpec.Song] = []
        for (index, item) in items.enumerated() {
            let field = "songs[\(index)]"
            guard item.objectValue != nil else { throw HTTPError.badRequest("a song must be an object", field: field) }
            let id =
                item["song_id"]?.stringValue ?? item["songId"]?.stringValue ?? item["id"]?.stringValue
                ?? "song\(index + 1)"
            let storagePath = item["storage_path"]?.stringValue
            let url = item["url"]?.stringValue ?? item["file_url"]?.stringValue
            if let storagePath {
                do {
                    if try runner.storage.localFile(storagePath) == nil { try SupabaseStorage.check(storagePath) }
                } catch let refusal as StoragePath.Refusal {
                    throw refusal.httpError(field: "\(field).storage_path")
                }
            } else if let url {
                _ = try runner.urlPolicy.check(url, field: "\(field).url")
            } else {
                throw HTTPError.badRequest("a song needs storage_path or url", field: "\(field).storage_path")
            }
            let analysis = item["analysis"].flatMap { $0.objectValue != nil ? $0 : nil }
            if requireAnalysis, analysis == nil {
                throw HTTPError.badRequest("missing analysis", field: "\(field).analysis")
            }
            songs.append(
                ServeJobSpec.Song(
                    songID: id, name: item["name"]?.stringValue ?? id,
                    artist: item["artist"]?.stringValue, storagePath: storagePath,
                    url: storagePath == nil ? url : nil, analysis: analysis))
        }
        return songs
    }

    /// Accepts `{"timeline", "global_settings"}`, a bare masterplan, or `{"creative_vision", "masterplan": {...}}`.
    static func parsePlan(_ value: JSONValue?) throws -> JSONValue {
        guard let value, var object = value.objectValue else {
            throw HTTPError.badRequest("missing field 'masterplan' (an object)", field: "masterplan")
        }
        if object["masterplan"] == nil {
            if object["global"] == nil, let settings = object["global_settings"] { object["global"] = settings }
            let plan = MasterplanShape.normalized(.object(object))
            guard plan["masterplan"]?["timeline"]?.arrayValue != nil else {
                throw HTTPError.badRequest("the masterplan has no timeline", field: "masterplan.timeline")
            }
            return plan
        }
        guard value["masterplan"]?["timeline"]?.arrayValue != nil else {
            throw HTTPError.badRequest("the masterplan has no timeline", field: "masterplan.masterplan.timeline")
        }
        return value
    }

    /// A caller's `job_id`: letters, digits, `-` and `_`, at most 128 characters (it names files).
    static func parseJobID(_ value: JSONValue?) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, !text.isEmpty, text.count <= 128,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw HTTPError.badRequest("job_id must be 1-128 letters, digits, '-' or '_'", field: "job_id")
        }
        return text
    }

    // MARK: - Answers

    static func statusResponse(_ id: String, runner: DurableJobRunner) async throws -> HTTPResponse {
        guard let status = try await runner.status(id) else { throw HTTPError.notFound("no job \(id)", field: "jobId") }
        return HTTPResponse(
            status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: .bytes(try status.jsonData()))
    }

    static func completedRecord(_ id: String, runner: DurableJobRunner) async throws -> JobRecord {
        guard let record = try await runner.queue.get(id) else { throw HTTPError.notFound("no job \(id)", field: "id") }
        guard record.state == .complete else {
            throw HTTPError(status: 409, "job \(id) is \(record.state.rawValue), not complete", field: "id")
        }
        return record
    }

    /// The object a signed link names. - Throws: 404 without signed links, 403 for a bad or expired link.
    static func signedFile(
        _ query: [String: String], storage: any SongStorage,
        now: Int = Int(Date().timeIntervalSince1970)
    ) throws -> HTTPResponse {
        guard let local = storage as? LocalDirectoryStorage, let signer = local.linkSigner else {
            throw HTTPError.notFound("this server signs no storage links (MASHUP_PUBLIC_URL is not set)", field: "path")
        }
        let path: String
        do { path = try signer.verify(query: query, now: now) } catch {
            throw HTTPError(status: 403, "\(error)", field: "signature")
        }
        let file = try local.resolve(path)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw HTTPError.notFound("no object at '\(path)'", field: "path")
        }
        return .file(file)
    }

    static func resultFile(_ id: String, ext: String, runner: DurableJobRunner) async throws -> HTTPResponse {
        _ = try await completedRecord(id, runner: runner)
        let path = ServeJobSpec.resultPath(jobID: id, extension: ext)
        if let local = try runner.storage.localFile(path) {
            guard FileManager.default.fileExists(atPath: local.path) else {
                throw HTTPError.notFound("job \(id) has no .\(ext) result", field: "id")
            }
            return .file(local)
        }
        let cached = runner.resultCacheDirectory
        try FileManager.default.createDirectory(at: cached, withIntermediateDirectories: true)
        let file = cached.appendingPathComponent("\(id).\(ext)")
        if !FileManager.default.fileExists(atPath: file.path) {
            do { try await runner.storage.download(path, to: file) } catch SongStorageError.notFound {
                throw HTTPError.notFound("job \(id) has no .\(ext) result", field: "id")
            }
        }
        return .file(file)
    }
}
