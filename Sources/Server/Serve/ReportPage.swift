// The served HTML report (`GET /v1/jobs/{id}/report.html`) opened with `?token=`: the page is self-contained, and its
// only request of its own is the `<audio>` element's, to the mashup beside it ("./<id>.wav"). A browser cannot add
// an `Authorization` header to that request, so the token the page was opened with is appended to that one URL.
import Foundation

/// Rewrites a report page for a browser that opened it with the API token in the query.
enum ReportPage {
    /// Largest report page rewritten, bytes (ours are tens of KB; a larger file is served as it is).
    static let maximumByteCount = 16 * 1_048_576

    /// The page at `url` with `?token=` (percent-encoded) on its `<audio>` element's `src`, not cached.
    /// - Throws: the file's read error.
    static func withToken(_ url: URL, token: String) throws -> HTTPResponse {
        let data = try Data(contentsOf: url)
        guard data.count <= maximumByteCount else { return .file(url) }
        var page = String(decoding: data, as: UTF8.self)
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        if let tag = page.range(of: "<audio"),
            let source = page.range(of: "src=\"", range: tag.upperBound..<page.endIndex),
            let end = page.range(of: "\"", range: source.upperBound..<page.endIndex),
            let encoded = token.addingPercentEncoding(withAllowedCharacters: unreserved)
        {
            let separator = page[source.upperBound..<end.lowerBound].contains("?") ? "&" : "?"
            page.insert(contentsOf: separator + "token=" + encoded, at: end.lowerBound)
        }
        var response = HTTPResponse.text(page, contentType: "text/html; charset=utf-8")
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
