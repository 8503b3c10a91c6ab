// The studio's HTTP face: the page and its assets at `/` (built into the binary), and the endpoints the page needs
// beside the job API: earlier uploads (list, play), recent jobs, plan validation with located issues, the timeline
// picture of a result, and the result transcoded to FLAC or MP3 on request.
import Foundation
import MashupModel
import Orchestrator

/// Bounds of the studio's listings.
public struct StudioRouteOptions: Sendable {
    /// Jobs `GET /v1/jobs` lists when no `limit` is given, and the most it lists.
    public var defaultJobLimit = 20
    public var maximumJobLimit = 100
    /// Uploads `GET /v1/uploads` lists when no `limit` is given, and the most it lists.
    public var defaultUploadLimit = 50
    public var maximumUploadLimit = 200

    public init() {}
}

/// Installs the studio page and its endpoints.
public enum StudioRoutes {
    /// - Parameter tokenRequired: whether the server asks for a bearer token (told to the page by
    ///   `/studio/config.json`, so it asks for the token before its first call instead of after a 401).
    public static func install(
        on router: inout Router, runner: DurableJobRunner, tokenRequired: Bool = false,
        options: StudioRouteOptions = StudioRouteOptions()
    ) {
        // The page asks for the API token itself, so it is served without one (it holds no data).
        let open = RouteOptions(requiresAuthorization: false)
        router.get("/", options: open) { request in StudioAssets.response(for: StudioAssets.page, request: request) }
        router.get("/studio/config.json", options: open) { _ in
            var response = HTTPResponse.json(["token_required": .bool(tokenRequired)])
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        router.get("/studio/{asset}", options: open) { request in
            let name = try request.parameter("asset")
            guard let asset = StudioAssets.named(name) else {
                throw HTTPError.notFound("no studio asset \(name)", field: "asset")
            }
            return StudioAssets.response(for: asset, request: request)
        }

        let browserOpened = RouteOptions(acceptsQueryToken: true)
        router.get("/v1/uploads") { request in
            let limit = try parseLimit(
                request.query["limit"], default: options.defaultUploadLimit,
                maximum: options.maximumUploadLimit)
            return .json(try UploadCatalog.listing(storage: runner.storage, limit: limit))
        }
        router.get("/v1/uploads/{name}", options: browserOpened) { request in
            try await UploadCatalog.file(named: try request.parameter("name"), runner: runner)
        }
        router.get("/v1/jobs") { request in
            let limit = try parseLimit(
                request.query["limit"], default: options.defaultJobLimit,
                maximum: options.maximumJobLimit)
            return .json(try await JobListing.recent(queue: runner.queue, limit: limit))
        }
        router.get("/v1/jobs/{id}/timeline.svg", options: browserOpened) { request in
            try await ServeRoutes.resultFile(try request.parameter("id"), ext: "svg", runner: runner)
        }
        router.post("/v1/plans/validate") { request in
            .json(try PlanCheck.answer(for: try request.jsonBody()))
        }
    }

    /// `?limit=`: a whole number in 1...maximum; `fallback` when absent. - Throws: 400 naming `limit`.
    static func parseLimit(_ text: String?, default fallback: Int, maximum: Int) throws -> Int {
        guard let text else { return fallback }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw HTTPError.badRequest(
                "limit must be a whole number from 1 to \(maximum), got '\(text)'", field: "limit")
        }
        return value
    }

    /// `GET /v1/jobs/{id}/audio?format=wav|flac|mp3`: the WAV as rendered, or a transcode made on the first request
    /// and kept (beside the WAV for local storage, else in the result cache).
    public static func audio(_ id: String, format: String?, runner: DurableJobRunner) async throws -> HTTPResponse {
        let format = (format ?? "wav").lowercased()
        guard let target = AudioTranscoder.Format(rawValue: format) else {
            throw HTTPError.badRequest("format must be wav, flac or mp3, got '\(format)'", field: "format")
        }
        let wav = try await ServeRoutes.resultFile(id, ext: "wav", runner: runner)
        guard target != .wav, case .file(let source) = wav.body else { return wav }
        let record = try await ServeRoutes.completedRecord(id, runner: runner)
        let folder: URL
        if let local = try runner.storage.localFile(ServeJobSpec.resultPath(jobID: id, extension: "wav")) {
            folder = local.deletingLastPathComponent()
        } else {
            folder = runner.resultCacheDirectory
        }
        let output = folder.appendingPathComponent("\(id).\(target.rawValue)")
        do {
            try await AudioTranscoder.transcode(source, to: output, title: record.result?.title)
        } catch let error as AudioTranscoder.Failure {
            throw HTTPError(status: 500, "cannot write the \(target.rawValue) file: \(error)", field: "format")
        }
        var response = HTTPResponse.file(output)
        response.headers.set(
            "Content-Disposition", "attachment; filename=\"\(Self.downloadName(record, ext: target.rawValue))\"")
        return response
    }

    /// A file name for a download: the title's letters, digits, spaces and dashes, else `mashup-<id>`.
    static func downloadName(_ record: JobRecord, ext: String) -> String {
        let title = (record.result?.title ?? "").filter {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-")
        }
        .trimmingCharacters(in: .whitespaces)
        return (title.isEmpty ? "mashup-\(record.id)" : String(title.prefix(80))) + "." + ext
    }
}
