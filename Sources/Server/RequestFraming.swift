import Foundation

/// Checks how a request says its body is framed (RFC 9112 §6), before any of the body is read, so that every
/// framing the server cannot read gets an answer at once instead of a connection left waiting for its timeout.
///
/// - An unknown or stacked `Transfer-Encoding` (anything but exactly `chunked`): 501.
/// - `Transfer-Encoding` together with `Content-Length` (a request-smuggling shape): 400.
/// - Several `Content-Length` fields, or a value that is not a plain decimal number: 400.
/// - A `Content-Length` too large to count (more than 18 digits): 413 naming `limitBytes`.
public enum RequestFraming {
    /// The refusal for `headers`, or nil when the framing is readable. `limitBytes` names the route's body limit.
    public static func refusal(for headers: HTTPHeaders, limitBytes: Int?) -> HTTPError? {
        let encodings = headers.values(for: "Transfer-Encoding")
        let lengths = headers.values(for: "Content-Length")
        if !encodings.isEmpty {
            let codings = encodings.flatMap { $0.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard codings == ["chunked"] else {
                let shown = encodings.joined(separator: ", ")
                return HTTPError(
                    status: 501,
                    "Transfer-Encoding '\(String(shown.prefix(100)))' is not supported "
                        + "(only 'chunked')", field: "transfer-encoding")
            }
            if !lengths.isEmpty {
                return HTTPError(
                    status: 400, "a request must not carry both Transfer-Encoding and Content-Length",
                    field: "content-length")
            }
            return nil
        }
        guard let first = lengths.first else { return nil }
        if lengths.count > 1 || first.contains(",") {
            return HTTPError(status: 400, "Content-Length is given more than once", field: "content-length")
        }
        let text = first.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return HTTPError(
                status: 400, "Content-Length '\(String(text.prefix(40)))' is not a non-negative whole number",
                field: "content-length")
        }
        if Int(text) == nil || text.utf8.count > 18 {
            let limit = limitBytes.map { " of \($0) bytes" } ?? ""
            return HTTPError(
                status: 413, "Content-Length \(String(text.prefix(40))) exceeds the limit\(limit)",
                field: "content-length")
        }
        return nil
    }
}
