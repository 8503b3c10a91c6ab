import Foundation
import MashupModel

/// One HTTP request as a handler sees it: everything is already read (headers and body, within limits).
public struct HTTPRequest: Sendable {
    /// Upper-case method, e.g. "GET".
    public var method: String
    /// The decoded path without the query, e.g. "/v1/jobs/abc".
    public var path: String
    /// Decoded query arguments (the last value wins when a name repeats).
    public var query: [String: String]
    /// Request headers (case-insensitive lookup).
    public var headers: HTTPHeaders
    /// The body for routes with an in-memory limit (`BodyLimit.json` or `.bytes`); empty otherwise.
    public var body: Data
    /// For `BodyLimit.upload` routes: a temporary file holding the body. It is deleted when the request completes;
    /// move it elsewhere to keep it.
    public var bodyFile: URL?
    /// Numeric client address, e.g. "127.0.0.1" or "::1".
    public var remoteAddress: String
    /// Values of the `{name}` segments of the matched route pattern.
    public var pathParameters: [String: String]

    public init(
        method: String, path: String, query: [String: String] = [:], headers: HTTPHeaders = HTTPHeaders(),
        body: Data = Data(), bodyFile: URL? = nil, remoteAddress: String = "127.0.0.1",
        pathParameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bodyFile = bodyFile
        self.remoteAddress = remoteAddress
        self.pathParameters = pathParameters
    }

    /// The value of path parameter `name`; throws 400 naming it when missing or empty.
    public func parameter(_ name: String) throws -> String {
        guard let value = pathParameters[name], !value.isEmpty else {
            throw HTTPError.badRequest("missing path parameter '\(name)'", field: name)
        }
        return value
    }

    /// The body parsed as JSON; throws 400 when it is empty or not JSON.
    public func jsonBody() throws -> JSONValue {
        guard !body.isEmpty else { throw HTTPError.badRequest("request body must be JSON", field: "body") }
        do {
            return try JSONValue.parse(body)
        } catch {
            // The reader's error is located (line, column, JSON path) and bounded in length.
            throw HTTPError.badRequest(
                "request body is not valid JSON: \(String(describing: error).prefix(300))", field: "body")
        }
    }

    /// The body decoded as `T`; throws 400 naming the offending key when decoding fails.
    public func decodeJSON<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        guard !body.isEmpty else { throw HTTPError.badRequest("request body must be JSON", field: "body") }
        do {
            return try decoder.decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, context) {
            throw HTTPError.badRequest(
                "missing field '\(key.stringValue)'", field: Self.fieldPath(context.codingPath + [key]))
        } catch let DecodingError.typeMismatch(_, context) {
            throw HTTPError.badRequest(
                "wrong type: \(context.debugDescription)", field: Self.fieldPath(context.codingPath))
        } catch let DecodingError.valueNotFound(_, context) {
            throw HTTPError.badRequest(
                "missing value: \(context.debugDescription)", field: Self.fieldPath(context.codingPath))
        } catch let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.isEmpty ? "body" : Self.fieldPath(context.codingPath)
            throw HTTPError.badRequest("invalid JSON: \(context.debugDescription)", field: field)
        } catch {
            throw HTTPError.badRequest("invalid JSON body", field: "body")
        }
    }

    /// "songs[0].storage_path" style path of a coding path.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "body" : text
    }
}
