import Foundation
import MashupModel

/// A domain error (from the Orchestrator) that the server answers with a refusal of its own choosing.
public protocol HTTPRefusalConvertible: Error {
    var httpError: HTTPError { get }
}

/// A refusal that a handler (or the server itself) answers with a 4xx/5xx JSON body
/// `{"error": "...", "field": "..."}`. Throw it from a handler to answer with it.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status code, 400...599.
    public var status: Int
    /// A human message naming the problem.
    public var message: String
    /// The request field (JSON key, header or parameter) at fault, when there is one.
    public var field: String?
    /// Extra response headers (e.g. `Retry-After`, `Allow`, `WWW-Authenticate`).
    public var headers: [String: String]

    public init(status: Int, _ message: String, field: String? = nil, headers: [String: String] = [:]) {
        precondition((400...599).contains(status), "HTTPError status must be 4xx or 5xx")
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
    }

    public var description: String { "HTTP \(status): \(message)" + (field.map { " (field \($0))" } ?? "") }

    /// The JSON body of this refusal: `{"error", "field"}` as every client of this server reads it, plus the
    /// original system's `message` and `error_details` `{type, recoverable, suggested_action}`.
    public var body: JSONValue {
        var members: [String: JSONValue] = ["error": .string(message), "message": .string(message)]
        if let field { members["field"] = .string(field) }
        let (type, recoverable, action) = details
        members["error_details"] = [
            "type": .string(type), "recoverable": .bool(recoverable),
            "suggested_action": .string(action),
        ]
        return .object(members)
    }

    /// The class of the refusal by status, whether trying again may help, and what to do.
    var details: (type: String, recoverable: Bool, suggestedAction: String) {
        switch status {
        case 401, 403: ("unauthorized", false, "Send the API token as 'Authorization: Bearer <token>'.")
        case 404: ("not_found", false, "Check the id or path; jobs are removed 24 hours after they finish.")
        case 405: ("method_not_allowed", false, "Use the method named in the Allow header.")
        case 409: ("conflict", true, "Wait until the job has finished, then ask again.")
        case 413: ("too_large", false, "Send a smaller body: the limit is named in the message.")
        case 429: ("rate_limited", true, "Try again after the number of seconds in Retry-After.")
        case 400...499: ("invalid_input", false, "Fix the field named in the message and send the request again.")
        case 503: ("unavailable", true, "Try again in a minute.")
        default: ("server_error", true, "Try again; if the problem persists, report it with the time of the request.")
        }
    }

    public static func badRequest(_ message: String, field: String? = nil) -> HTTPError {
        HTTPError(status: 400, message, field: field)
    }

    public static func notFound(_ message: String = "not found", field: String? = nil) -> HTTPError {
        HTTPError(status: 404, message, field: field)
    }

    /// 429 with `Retry-After` in whole seconds.
    public static func tooManyRequests(_ message: String, retryAfterSeconds: Int) -> HTTPError {
        HTTPError(status: 429, message, headers: ["Retry-After": String(max(1, retryAfterSeconds))])
    }
}
