import Foundation
import Render
import Server

/// A server on 127.0.0.1 with an ephemeral port, stopped when the fixture goes away.
final class ServerFixture: @unchecked Sendable {
    let server: HTTPServer
    let metrics: MetricsRegistry
    var port: UInt16 { server.port }

    init(configure: (inout ServerConfiguration) -> Void = { _ in }, routes: (inout Router) -> Void) throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configure(&configuration)
        var router = Router()
        metrics = MetricsRegistry()
        StandardRoutes.install(on: &router, metrics: metrics)
        routes(&router)
        server = HTTPServer(configuration: configuration, router: router, metrics: metrics)
        try server.start()
    }

    deinit { server.stop() }

    /// A JSON echo of what the handler saw, for routing tests.
    static func describe(_ request: HTTPRequest) -> HTTPResponse {
        var params: [String: JSONValue] = [:]
        for (k, v) in request.pathParameters { params[k] = .string(v) }
        var query: [String: JSONValue] = [:]
        for (k, v) in request.query { query[k] = .string(v) }
        return .json(
            .object([
                "method": .string(request.method), "path": .string(request.path), "params": .object(params),
                "query": .object(query), "bodyBytes": .number(Double(request.body.count)),
                "remote": .string(request.remoteAddress),
                "clientInfo": .string(request.headers["X-CLIENT-INFO"] ?? ""),
            ]))
    }
}
