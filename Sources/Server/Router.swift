import Foundation

/// A request handler. The connection's thread waits for it while it runs as a task on Swift's cooperative pool,
/// so it may await actors freely (but answers late when the pool is saturated by CPU-bound work).
public typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// A synchronous handler, run directly on the connection's own thread without the cooperative pool: for routes that
/// must stay responsive while renders keep the pool busy (`/healthz`, `/metrics`, lock-protected status reads).
public typealias HTTPSyncHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

/// How a route's handler runs.
public enum RouteHandler: Sendable {
    case async(HTTPHandler)
    case sync(HTTPSyncHandler)
}

/// How much request body a route accepts, and where it is kept.
public enum BodyLimit: Sendable, Equatable {
    /// In memory, up to `ServerConfiguration.maxJSONBodyBytes` (default 2 MB); larger answers 413.
    case json
    /// Spooled to a temporary file (`HTTPRequest.bodyFile`), up to `ServerConfiguration.maxUploadBytes` (default 200 MB).
    case upload
    /// In memory, up to this many bytes.
    case bytes(Int)
}

/// Per-route options.
public struct RouteOptions: Sendable {
    /// The body the route accepts.
    public var bodyLimit: BodyLimit
    /// False for routes served without the bearer token and to any client (liveness probes).
    public var requiresAuthorization: Bool
    /// For event streams: the idle timeout of the connection is lifted so a long stream is not cut.
    public var isLongLived: Bool
    /// Also accept the bearer token as a `?token=` query parameter (compared in constant time): for URLs a browser
    /// opens itself (`EventSource`, `<audio src>`, download links), which cannot send an `Authorization` header.
    public var acceptsQueryToken: Bool

    public init(
        bodyLimit: BodyLimit = .json, requiresAuthorization: Bool = true, isLongLived: Bool = false,
        acceptsQueryToken: Bool = false
    ) {
        self.bodyLimit = bodyLimit
        self.requiresAuthorization = requiresAuthorization
        self.isLongLived = isLongLived
        self.acceptsQueryToken = acceptsQueryToken
    }
}

/// One registered route.
public struct Route: Sendable {
    /// Upper-case method.
    public let method: String
    /// The pattern as registered, e.g. "/v1/jobs/{id}"; also the `route` label of the HTTP metrics.
    public let pattern: String
    public let options: RouteOptions
    let segments: [Segment]
    let handler: RouteHandler

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }
}

/// Routes requests by method and path pattern. Patterns are `/`-separated; a segment `{name}` matches any one
/// non-empty segment and is passed as `pathParameters[name]`. Literal segments win over parameters when both match.
/// `HEAD` is served by the `GET` route of a path.
public struct Router: Sendable {
    public private(set) var routes: [Route] = []

    public init() {}

    /// The result of matching a request.
    public enum Match: Sendable {
        case found(Route, parameters: [String: String])
        /// The path exists for other methods (answer 405 with `Allow`).
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    /// Registers `handler` for `method` and `pattern`. A duplicate (method, pattern) is a programming error.
    public mutating func add(
        _ method: String, _ pattern: String, options: RouteOptions = RouteOptions(),
        _ handler: @escaping HTTPHandler
    ) {
        add(method, pattern, options: options, handler: .async(handler))
    }

    /// Registers a synchronous handler, run on the connection thread (see `HTTPSyncHandler`).
    public mutating func addSync(
        _ method: String, _ pattern: String, options: RouteOptions = RouteOptions(),
        _ handler: @escaping HTTPSyncHandler
    ) {
        add(method, pattern, options: options, handler: .sync(handler))
    }

    /// Registers `handler` for `method` and `pattern`. A duplicate (method, pattern) is a programming error.
    public mutating func add(
        _ method: String, _ pattern: String, options: RouteOptions = RouteOptions(),
        handler: RouteHandler
    ) {
        let upper = method.uppercased()
        let segments = Self.parsePattern(pattern)
        precondition(
            !routes.contains { $0.method == upper && $0.segments == segments },
            "route \(upper) \(pattern) registered twice")
        routes.append(Route(method: upper, pattern: pattern, options: options, segments: segments, handler: handler))
    }

    public mutating func get(
        _ pattern: String, options: RouteOptions = RouteOptions(), _ handler: @escaping HTTPHandler
    ) {
        add("GET", pattern, options: options, handler)
    }

    public mutating func post(
        _ pattern: String, options: RouteOptions = RouteOptions(), _ handler: @escaping HTTPHandler
    ) {
        add("POST", pattern, options: options, handler)
    }

    public mutating func delete(
        _ pattern: String, options: RouteOptions = RouteOptions(), _ handler: @escaping HTTPHandler
    ) {
        add("DELETE", pattern, options: options, handler)
    }

    /// Finds the route for `method` and `path`.
    public func match(method: String, path: String) -> Match {
        let parts = Self.splitPath(path)
        var allowed: Set<String> = []
        var best: (route: Route, parameters: [String: String], literals: Int)?
        let wanted = method.uppercased()
        for route in routes {
            guard let (parameters, literals) = Self.match(route.segments, parts) else { continue }
            allowed.insert(route.method)
            if route.method == "GET" { allowed.insert("HEAD") }
            let methodFits = route.method == wanted || (wanted == "HEAD" && route.method == "GET")
            if methodFits, best == nil || literals > best!.literals {
                best = (route, parameters, literals)
            }
        }
        if let best { return .found(best.route, parameters: best.parameters) }
        if !allowed.isEmpty {
            allowed.insert("OPTIONS")
            return .methodNotAllowed(allowed: allowed.sorted())
        }
        return .notFound
    }

    static func parsePattern(_ pattern: String) -> [Route.Segment] {
        precondition(pattern.hasPrefix("/"), "route pattern must start with '/': \(pattern)")
        return splitPath(pattern).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(part)
        }
    }

    static func splitPath(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func match(_ segments: [Route.Segment], _ parts: [String]) -> ([String: String], Int)? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        var literals = 0
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text):
                guard text == part else { return nil }
                literals += 1
            case .parameter(let name):
                parameters[name] = part
            }
        }
        return (parameters, literals)
    }
}
