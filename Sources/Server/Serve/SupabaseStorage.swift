// Supabase Storage over its REST API (the original deployment's shared storage):
//   GET  {url}/storage/v1/object/<bucket>/<path>          download
//   POST {url}/storage/v1/object/<bucket>/<path>          upload (`x-upsert: true` replaces)
//   HEAD {url}/storage/v1/object/<bucket>/<path>          exists
//   DELETE {url}/storage/v1/object/<bucket>/<path>        remove
// every request with `Authorization: Bearer <service key>` and `apikey: <service key>`. Paths are checked with the
// same rules as local paths (relative, no `..`, no backslash, no NUL) before they are put in a URL.
import Foundation
import MashupModel
import Orchestrator

/// HTTP object storage in the Supabase Storage style (`SUPABASE_URL`, `SUPABASE_SERVICE_KEY`, bucket `mashups`).
public struct SupabaseStorage: SongStorage {
    public let baseURL: URL
    public let bucket: String
    let serviceKey: String
    let transport: any HTTPTransport
    /// Per-request timeout; songs are whole files held in memory (within the upload limit).
    public var timeoutSeconds: Double = 120

    public init(
        baseURL: URL, serviceKey: String, bucket: String = "mashups",
        transport: any HTTPTransport = URLSessionTransport()
    ) {
        self.baseURL = baseURL
        self.serviceKey = serviceKey
        self.bucket = bucket
        self.transport = transport
    }

    /// From `SUPABASE_URL` and `SUPABASE_SERVICE_KEY` (`SUPABASE_BUCKET` optional); nil when either is unset.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> SupabaseStorage?
    {
        guard let text = environment["SUPABASE_URL"], !text.isEmpty, let url = URL(string: text),
            let key = environment["SUPABASE_SERVICE_KEY"], !key.isEmpty
        else { return nil }
        return SupabaseStorage(baseURL: url, serviceKey: key, bucket: environment["SUPABASE_BUCKET"] ?? "mashups")
    }

    public var label: String { "supabase \(baseURL.absoluteString) bucket \(bucket)" }

    /// The object URL of `path`. - Throws: `StoragePath.Refusal` for an unsafe path.
    public func objectURL(_ path: String) throws -> URL {
        try Self.check(path)
        var url = baseURL.appendingPathComponent("storage/v1/object").appendingPathComponent(bucket)
        for part in path.split(separator: "/") { url.appendPathComponent(String(part)) }
        return url
    }

    private var authHeaders: [String: String] {
        ["Authorization": "Bearer \(serviceKey)", "apikey": serviceKey, "User-Agent": MashupVersion.userAgent]
    }

    private func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws
        -> TransportResponse
    {
        let request = TransportRequest(
            method: method, url: try objectURL(path),
            headers: authHeaders.merging(headers) { $1 }, body: body)
        do {
            return try await transport.send(request, timeoutSeconds: timeoutSeconds)
        } catch {
            throw SongStorageError.failed(path: path, reason: "\(error)")
        }
    }

    /// A signed URL for `path` (`POST {url}/storage/v1/object/sign/<bucket>/<path>` with `{"expiresIn"}`), which
    /// the separation service fetches without the service key.
    public func fetchableURL(_ path: String, expiresInSeconds: Int) async throws -> URL? {
        try Self.check(path)
        var url = baseURL.appendingPathComponent("storage/v1/object/sign").appendingPathComponent(bucket)
        for part in path.split(separator: "/") { url.appendPathComponent(String(part)) }
        let body = try JSONValue.object(["expiresIn": .number(Double(expiresInSeconds))]).encoded()
        let request = TransportRequest(
            method: "POST", url: url,
            headers: authHeaders.merging(["Content-Type": "application/json"]) { $1 }, body: body)
        let response: TransportResponse
        do {
            response = try await transport.send(request, timeoutSeconds: timeoutSeconds)
        } catch {
            throw SongStorageError.failed(path: path, reason: "signing: \(error)")
        }
        guard (200..<300).contains(response.statusCode) else {
            throw SongStorageError.failed(
                path: path, reason: "signing: HTTP \(response.statusCode): \(response.bodyExcerpt)")
        }
        let answer = try? JSONValue.parse(response.body)
        guard let signed = (answer?["signedURL"] ?? answer?["signedUrl"])?.stringValue,
            let full = URL(string: baseURL.absoluteString.trimmingSuffix("/") + "/storage/v1" + signed)
        else {
            throw SongStorageError.failed(path: path, reason: "signing: no signedURL in the answer")
        }
        return full
    }

    public func download(_ path: String, to destination: URL) async throws {
        let response = try await send("GET", path)
        if response.statusCode == 404 || response.statusCode == 400 && response.bodyExcerpt.contains("not_found") {
            throw SongStorageError.notFound(path: path)
        }
        guard (200..<300).contains(response.statusCode) else {
            throw SongStorageError.failed(path: path, reason: "HTTP \(response.statusCode): \(response.bodyExcerpt)")
        }
        try response.body.write(to: destination, options: .atomic)
    }

    public func upload(_ source: URL, to path: String, contentType: String) async throws {
        let data = try Data(contentsOf: source)
        let response = try await send(
            "POST", path, headers: ["Content-Type": contentType, "x-upsert": "true"], body: data)
        guard (200..<300).contains(response.statusCode) else {
            throw SongStorageError.failed(path: path, reason: "HTTP \(response.statusCode): \(response.bodyExcerpt)")
        }
    }

    public func exists(_ path: String) async throws -> Bool {
        let response = try await send("HEAD", path)
        return (200..<300).contains(response.statusCode)
    }

    public func remove(_ path: String) async throws {
        let response = try await send("DELETE", path)
        guard (200..<300).contains(response.statusCode) || response.statusCode == 404 else {
            throw SongStorageError.failed(path: path, reason: "HTTP \(response.statusCode): \(response.bodyExcerpt)")
        }
    }

    public func localFile(_ path: String) throws -> URL? { nil }

    public func isWritable() async -> Bool {
        // A tiny probe object, written and removed.
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? Data("ok".utf8).write(to: probe)) != nil else { return false }
        let path = "health/probe-\(UUID().uuidString).txt"
        do {
            try await upload(probe, to: path, contentType: "text/plain")
            try await remove(path)
            return true
        } catch {
            return false
        }
    }

    /// The local rules applied to object names (a fake root makes `StoragePath` check the syntax only).
    static func check(_ path: String) throws {
        _ = try StoragePath.resolve(path, under: URL(fileURLWithPath: "/"))
    }
}

extension String {
    /// The string without one trailing `suffix`.
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
