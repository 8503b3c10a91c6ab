// The studio's files, built into the binary (no file is read from the source tree at run time, no build step):
// one HTML page, one style sheet and a few ES modules, each with a content hash for `ETag` and answered with
// `Cache-Control: no-cache` (the browser revalidates; an unchanged file costs a 304). They load nothing from
// outside the server, so the studio works offline.
import Foundation
import MashupModel
import Orchestrator

/// One built-in file of the studio.
public struct StudioAsset: Sendable {
    /// The name under `/studio/` (the page itself is served at `/`).
    public let name: String
    public let contentType: String
    public let body: Data
    /// A strong validator: the first 16 bytes of the SHA-256 of the body, in hex and quoted.
    public let etag: String

    init(name: String, contentType: String, text: String) {
        self.name = name
        self.contentType = contentType
        body = Data(text.utf8)
        etag = "\"" + SHA256.hash(body).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }
}

/// The studio's files.
public enum StudioAssets {
    public static let page = StudioAsset(
        name: "index.html", contentType: "text/html; charset=utf-8", text: StudioPage.html)
    public static let all: [StudioAsset] = [
        page,
        StudioAsset(name: "studio.css", contentType: "text/css; charset=utf-8", text: StudioStyle.css),
        StudioAsset(name: "app.js", contentType: "text/javascript; charset=utf-8", text: StudioScriptApp.source),
        StudioAsset(name: "api.js", contentType: "text/javascript; charset=utf-8", text: StudioScriptAPI.source),
        StudioAsset(name: "result.js", contentType: "text/javascript; charset=utf-8", text: StudioScriptResult.source),
        StudioAsset(name: "editor.js", contentType: "text/javascript; charset=utf-8", text: StudioScriptEditor.source),
        StudioAsset(name: "favicon.svg", contentType: "image/svg+xml", text: StudioPage.favicon),
    ]

    /// The asset called `name`, nil when there is none.
    public static func named(_ name: String) -> StudioAsset? { all.first { $0.name == name } }

    /// 200 with the asset, or 304 when the request's `If-None-Match` names its ETag.
    public static func response(for asset: StudioAsset, request: HTTPRequest) -> HTTPResponse {
        var headers = HTTPHeaders([
            ("ETag", asset.etag), ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ])
        if asset.contentType.hasPrefix("text/html") {
            // Only this server's own files: no external script, style, font or image can load.
            headers.set(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                    + "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; "
                    + "base-uri 'none'; frame-ancestors 'none'")
            headers.set("Referrer-Policy", "no-referrer")
        }
        let tags = (request.headers["If-None-Match"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if tags.contains(asset.etag) || tags.contains("*") {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.set("Content-Type", asset.contentType)
        return HTTPResponse(status: 200, headers: headers, body: .bytes(asset.body))
    }
}
