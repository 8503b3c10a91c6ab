import Foundation
import MashupModel

/// What a handler answers: a status, headers and one of three kinds of body.
///
/// File bodies get `Range` support from the server (206, 416, `Accept-Ranges: bytes`); event-stream bodies are
/// sent chunked as they are produced. CORS headers are added by the server to every response.
public struct HTTPResponse: Sendable {
    /// The body of a response.
    public enum Body: Sendable {
        /// Bytes held in memory.
        case bytes(Data)
        /// A regular file, sent from disk (sendfile) with byte-range support.
        case file(URL)
        /// A server-sent event stream, delivered progressively until the producer finishes it.
        case eventStream(EventStream)
    }

    /// HTTP status code.
    public var status: Int
    /// Response headers (the server adds `Content-Length`, CORS and range headers).
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes(Data())) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body (compact, sorted keys) with `Content-Type: application/json`.
    public static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        let data = (try? value.encoded()) ?? Data("null".utf8)
        return HTTPResponse(
            status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .bytes(data))
    }

    /// An `Encodable` value as JSON (sorted keys) with `Content-Type: application/json`.
    public static func json<T: Encodable>(encoding value: T, status: Int = 200, encoder: JSONEncoder? = nil) throws
        -> HTTPResponse
    {
        let coder =
            encoder
            ?? {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                return e
            }()
        return HTTPResponse(
            status: status, headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: .bytes(try coder.encode(value)))
    }

    /// A plain-text body.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8")
        -> HTTPResponse
    {
        HTTPResponse(
            status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: .bytes(Data(text.utf8)))
    }

    /// A file from disk; `contentType` defaults from the extension (audio types, JSON, PNG, SVG, text).
    public static func file(_ url: URL, contentType: String? = nil) -> HTTPResponse {
        let type = contentType ?? MediaType.forExtension(url.pathExtension)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", type)]), body: .file(url))
    }

    /// A `text/event-stream` response fed by `stream`.
    public static func eventStream(_ stream: EventStream) -> HTTPResponse {
        HTTPResponse(
            status: 200,
            headers: HTTPHeaders([
                ("Content-Type", "text/event-stream"),
                ("Cache-Control", "no-cache"),
                ("X-Accel-Buffering", "no"),
            ]), body: .eventStream(stream))
    }

    /// An empty response (e.g. 204).
    public static func empty(status: Int = 204) -> HTTPResponse {
        HTTPResponse(status: status)
    }

    /// The JSON refusal `{"error": ..., "field": ...}` of `error`, with its extra headers.
    public static func error(_ error: HTTPError) -> HTTPResponse {
        var response = json(error.body, status: error.status)
        for (name, value) in error.headers.sorted(by: { $0.key < $1.key }) { response.headers.set(name, value) }
        return response
    }

    /// Shorthand for `error(HTTPError(status:message, field:))`.
    public static func error(status: Int, _ message: String, field: String? = nil) -> HTTPResponse {
        error(HTTPError(status: status, message, field: field))
    }
}

/// Content types by file extension for the files this project serves.
public enum MediaType {
    public static func forExtension(_ ext: String) -> String {
        switch ext.lowercased() {
        case "wav": return "audio/wav"
        case "flac": return "audio/flac"
        case "mp3": return "audio/mpeg"
        case "ogg", "oga": return "audio/ogg"
        case "opus": return "audio/opus"
        case "aif", "aiff": return "audio/aiff"
        case "json": return "application/json"
        case "png": return "image/png"
        case "svg": return "image/svg+xml"
        case "txt", "log": return "text/plain; charset=utf-8"
        case "html": return "text/html; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
