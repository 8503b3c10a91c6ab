import Foundation
import Render

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

    /// The JSON body of this refusal.
    public var body: JSONValue {
        var members: [String: JSONValue] = ["error": .string(message)]
        if let field { members["field"] = .string(field) }
        return .object(members)
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
