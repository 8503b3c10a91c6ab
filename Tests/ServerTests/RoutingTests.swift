import Foundation
import Render
import Server
import Testing

@Suite("Routing, access and refusals over real HTTP")
struct RoutingTests {
    static func makeFixture(configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> ServerFixture {
        try ServerFixture(configure: configure) { router in
            router.get("/v1/jobs/{id}") { ServerFixture.describe($0) }
            router.delete("/v1/jobs/{id}") { ServerFixture.describe($0) }
            router.get("/v1/jobs/{id}/events") { ServerFixture.describe($0) }
            router.get("/v1/jobs/latest") { _ in .json(["literal": true]) }
            router.post("/echo") { request in
                let value = try request.jsonBody()
                return .json(["received": value])
            }
            router.post("/typed") { request in
                // swift-format-ignore: AlwaysUseLowerCamelCase
                struct Payload: Decodable { let songs: [Song]; struct Song: Decodable { let song_id: String } }
                let payload = try request.decodeJSON(Payload.self)
                return .json(["count": .number(Double(payload.songs.count))])
            }
            router.get("/refuse") { _ in throw HTTPError.tooManyRequests("render queue full", retryAfterSeconds: 7) }
            router.addSync("GET", "/sync/{name}") { request in
                let name = try request.parameter("name")
                guard name != "bad" else { throw HTTPError(status: 422, "bad name", field: "name") }
                return .json(["name": .string(name)])
            }
        }
    }

    @Test("path parameters, literal precedence, query and case-insensitive headers")
    func pathParameters() async throws {
        let f = try Self.makeFixture()
        let r = try await TestHTTP.get(
            port: f.port, "/v1/jobs/abc-123?verbose=1&x=a%20b", headers: ["x-client-info": "web/1"])
        #expect(r.status == 200)
        let body = try r.json()
        #expect((body["params"] as? [String: String])?["id"] == "abc-123")
        #expect((body["query"] as? [String: String]) == ["verbose": "1", "x": "a b"])
        #expect(body["clientInfo"] as? String == "web/1")
        #expect(body["remote"] as? String == "127.0.0.1")
        let events = try await TestHTTP.get(port: f.port, "/v1/jobs/j9/events")
        #expect((try events.json()["params"] as? [String: String])?["id"] == "j9")
        #expect(try await TestHTTP.get(port: f.port, "/v1/jobs/latest").json()["literal"] as? Bool == true)
        let deleted = try await TestHTTP.request(port: f.port, "DELETE", "/v1/jobs/zz")
        #expect(try deleted.json()["method"] as? String == "DELETE")
    }

    @Test("unknown path is 404 JSON, wrong method is 405 with Allow, thrown HTTPError keeps its headers")
    func notFoundAndMethodNotAllowed() async throws {
        let f = try Self.makeFixture()
        let missing = try await TestHTTP.get(port: f.port, "/nope")
        #expect(missing.status == 404)
        #expect(missing.headers["content-type"] == "application/json")
        #expect(try missing.json()["field"] as? String == "path")
        let wrong = try await TestHTTP.request(port: f.port, "PUT", "/v1/jobs/a")
        #expect(wrong.status == 405)
        #expect(wrong.headers["allow"] == "DELETE, GET, HEAD, OPTIONS")
        #expect(try wrong.json()["error"] is String)
        let refused = try await TestHTTP.get(port: f.port, "/refuse")
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "7")
        let sync = try await TestHTTP.get(port: f.port, "/sync/abc")
        #expect(sync.text == #"{"name":"abc"}"#)
        let syncRefused = try await TestHTTP.get(port: f.port, "/sync/bad")
        #expect(syncRefused.status == 422)
        #expect(try syncRefused.json()["field"] as? String == "name")
        let dots = try await TestHTTP.get(port: f.port, "/v1/jobs/..")
        #expect(dots.status == 400)
        #expect(try dots.json()["field"] as? String == "path")
    }

    @Test("JSON bodies: echo, 400 naming the field, 413 over the limit (declared and chunked)")
    func jsonBodies() async throws {
        let limit = 64 * 1024
        let f = try Self.makeFixture { $0.maxJSONBodyBytes = limit }
        let ok = try await TestHTTP.postJSON(port: f.port, "/echo", #"{"a":[1,2,3]}"#)
        #expect(ok.status == 200)
        #expect(ok.text == #"{"received":{"a":[1,2,3]}}"#)
        let bad = try await TestHTTP.postJSON(port: f.port, "/echo", "{not json")
        #expect(bad.status == 400)
        #expect(try bad.json()["field"] as? String == "body")
        let missing = try await TestHTTP.postJSON(port: f.port, "/typed", #"{"songs":[{"name":"x"}]}"#)
        #expect(missing.status == 400)
        #expect(try missing.json()["field"] as? String == "songs[0].song_id")

        let big = "{\"pad\":\"" + String(repeating: "x", count: limit) + "\"}"
        let tooBig = try await TestHTTP.postJSON(port: f.port, "/echo", big)
        #expect(tooBig.status == 413)
        #expect(try tooBig.json()["field"] as? String == "body")

        // Chunked upload without Content-Length: the limit is counted as bytes arrive.
        let port = f.port
        let chunked = try await offPool { () -> TestResponse in
            let connection = try TestConnection(port: port)
            connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            let chunk = String(repeating: "y", count: 16 * 1024)
            for _ in 0..<6 { connection.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") }
            connection.send("0\r\n\r\n")
            return try TestResponse.parse(connection.receiveAll())
        }
        #expect(chunked.status == 413)
    }

    @Test("bearer token: 401 without or with a wrong token, 200 with it; /healthz stays open")
    func bearerToken() async throws {
        let f = try Self.makeFixture { $0.apiToken = "s3cret-token" }
        let none = try await TestHTTP.get(port: f.port, "/v1/jobs/a")
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == "Bearer")
        #expect(try none.json()["field"] as? String == "authorization")
        #expect(
            try await TestHTTP.get(port: f.port, "/v1/jobs/a", headers: ["Authorization": "Bearer s3cret-tokex"]).status
                == 401)
        #expect(
            try await TestHTTP.get(port: f.port, "/v1/jobs/a", headers: ["Authorization": "Bearer s3cret-token-longer"])
                .status == 401)
        #expect(
            try await TestHTTP.get(port: f.port, "/v1/jobs/a", headers: ["Authorization": "Bearer s3cret-token"]).status
                == 200)
        #expect(
            try await TestHTTP.get(port: f.port, "/v1/jobs/a", headers: ["authorization": "bearer s3cret-token"]).status
                == 200)
        // A refused request with a body: the body is not read, the answer is still the JSON refusal.
        let withBody = try await TestHTTP.postJSON(port: f.port, "/echo", String(repeating: "[", count: 50_000))
        #expect(withBody.status == 401)
        // Unknown paths do not reveal themselves to unauthenticated clients.
        #expect(try await TestHTTP.get(port: f.port, "/nope").status == 401)
        #expect(try await TestHTTP.get(port: f.port, "/healthz").status == 200)
        #expect(try await TestHTTP.get(port: f.port, "/metrics").status == 401)
    }

    @Test("without a token only loopback clients are served (403 otherwise) unless remote is allowed")
    func loopbackOnly() {
        let closed = AccessControl(configuration: ServerConfiguration())
        #expect(closed.check(headers: HTTPHeaders(), remoteAddress: "127.0.0.1") == nil)
        #expect(closed.check(headers: HTTPHeaders(), remoteAddress: "::1") == nil)
        #expect(closed.check(headers: HTTPHeaders(), remoteAddress: "::ffff:127.0.0.1") == nil)
        #expect(closed.check(headers: HTTPHeaders(), remoteAddress: "192.168.1.20")?.status == 403)
        #expect(closed.check(headers: HTTPHeaders(), remoteAddress: "203.0.113.9")?.status == 403)
        var open = ServerConfiguration()
        open.allowRemoteWithoutToken = true
        #expect(AccessControl(configuration: open).check(headers: HTTPHeaders(), remoteAddress: "203.0.113.9") == nil)
        #expect(AccessControl.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!AccessControl.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!AccessControl.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!AccessControl.constantTimeEqual([], Array("a".utf8)))
    }

    @Test("CORS headers on every response; OPTIONS preflight answered 204 without a token")
    func cors() async throws {
        let f = try Self.makeFixture { $0.apiToken = "t" }
        let preflight = try await TestHTTP.request(
            port: f.port, "OPTIONS", "/generate-mashup",
            headers: ["Origin": "https://app.example", "Access-Control-Request-Method": "POST"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == "*")
        let allowHeaders = preflight.headers["access-control-allow-headers"] ?? ""
        for name in ["authorization", "x-client-info", "apikey", "content-type"] {
            #expect(allowHeaders.contains(name))
        }
        #expect(preflight.headers["access-control-allow-methods"] == "GET, POST, DELETE, OPTIONS")
        let refused = try await TestHTTP.get(port: f.port, "/v1/jobs/a")
        #expect(refused.status == 401)
        #expect(refused.headers["access-control-allow-origin"] == "*")
    }

    @Test("a request head over the header limit is refused with 431 JSON")
    func headerLimit() async throws {
        let f = try Self.makeFixture { $0.maxHeaderBytes = 4096 }
        let r = try await TestHTTP.get(
            port: f.port, "/v1/jobs/a", headers: ["X-Big": String(repeating: "h", count: 6000)])
        #expect(r.status == 431)
        #expect(try r.json()["field"] as? String == "headers")
        #expect(try await TestHTTP.get(port: f.port, "/v1/jobs/a", headers: ["X-Small": "ok"]).status == 200)
    }

    @Test("router matching rules")
    func routerUnit() {
        var router = Router()
        router.get("/a/{x}/c") { _ in .empty() }
        router.get("/a/b/c") { _ in .empty() }
        if case .found(let route, let params) = router.match(method: "GET", path: "/a/b/c") {
            #expect(route.pattern == "/a/b/c")
            #expect(params.isEmpty)
        } else {
            Issue.record("no match")
        }
        if case .found(_, let params) = router.match(method: "HEAD", path: "/a/zz/c/") {
            #expect(params == ["x": "zz"])
        } else {
            Issue.record("no HEAD match")
        }
        if case .notFound = router.match(method: "GET", path: "/a/b") {} else { Issue.record("expected 404") }
        if case .methodNotAllowed(let allowed) = router.match(method: "POST", path: "/a/q/c") {
            #expect(allowed == ["GET", "HEAD", "OPTIONS"])
        } else {
            Issue.record("expected 405")
        }
    }
}
