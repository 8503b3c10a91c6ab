import Foundation

/// One HTTP request as the services send it.
public struct TransportRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    /// Header fields; names as given (HTTP compares them case-insensitively).
    public var headers: [String: String]
    public var body: Data?

    public init(method: String = "POST", url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response: status, headers (looked up case-insensitively) and the whole body.
public struct TransportResponse: Sendable, Equatable {
    public var statusCode: Int
    /// Header fields with lower-cased names.
    public private(set) var headers: [String: String]
    public var body: Data

    public init(statusCode: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.statusCode = statusCode
        self.headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    /// The value of header `name`, any case.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The first 200 characters of the body as text, for error messages.
    public var bodyExcerpt: String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return body.count > 200 ? text + "…" : text
    }
}

/// Failures below HTTP: no response at all.
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete response within the timeout, in seconds.
    case timedOut(seconds: Double)
    /// The connection failed (refused, reset, DNS, TLS); the text says how.
    case network(String)

    public var description: String {
        switch self {
        case .timedOut(let seconds): "no response within \(ServiceError.formatSeconds(seconds))"
        case .network(let text): "network error: \(text)"
        }
    }
}

/// Sends HTTP requests. The real one is `URLSessionTransport`; tests inject scripted transports.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the whole response, whatever its status.
    /// - Parameter timeoutSeconds: the total time allowed for the exchange.
    /// - Throws: `HTTPTransportError` for failures below HTTP, `CancellationError` when the task is cancelled.
    func send(_ request: TransportRequest, timeoutSeconds: Double) async throws -> TransportResponse
}
