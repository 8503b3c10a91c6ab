import Foundation
import Server
import Testing

@Suite("Server configuration")
struct ConfigurationTests {
    @Test("environment variables then flags override the defaults; bad values name the variable")
    func environmentAndFlags() throws {
        let env = [
            "MASHUP_PORT": "9000", "MASHUP_API_TOKEN": "tok", "MASHUP_MAX_JSON_BYTES": "1000",
            "MASHUP_SSE_HEARTBEAT": "2.5", "MASHUP_ALLOW_REMOTE": "true", "MASHUP_ALLOW_PRIVATE_URLS": "1",
        ]
        let c = try ServerConfiguration.fromEnvironment(env)
        #expect(c.port == 9000)
        #expect(c.apiToken == "tok")
        #expect(c.maxJSONBodyBytes == 1000)
        #expect(c.heartbeatInterval == .milliseconds(2500))
        #expect(c.allowRemoteWithoutToken)
        #expect(c.urlPolicy.allowPrivate && c.urlPolicy.allowLoopback && !c.urlPolicy.allowLinkLocal)
        let (flagged, unused) = try c.applying(arguments: [
            "--host", "0.0.0.0", "--port=8123", "--storage", "data",
            "--max-upload-bytes", "5000", "--connection-timeout", "9",
        ])
        #expect(flagged.host == "0.0.0.0" && flagged.port == 8123 && flagged.maxUploadBytes == 5000)
        #expect(flagged.connectionTimeoutSeconds == 9)
        #expect(unused == ["--storage", "data"])
        #expect(throws: ServerConfiguration.InvalidValue(name: "MASHUP_PORT", value: "70000")) {
            try ServerConfiguration.fromEnvironment(["MASHUP_PORT": "70000"])
        }
        #expect(throws: ServerConfiguration.InvalidValue.self) {
            try ServerConfiguration().applying(arguments: ["--port"])
        }
        let defaults = ServerConfiguration()
        #expect(defaults.host == "127.0.0.1" && defaults.maxJSONBodyBytes == 2 * 1024 * 1024)
        #expect(defaults.maxUploadBytes == 200 * 1024 * 1024 && defaults.heartbeatInterval == .seconds(15))
    }

    @Test("port 0 binds an ephemeral port; a taken port fails with a typed error")
    func binding() throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        let first = HTTPServer(configuration: configuration, router: Router())
        try first.start()
        defer { first.stop() }
        #expect(first.port != 0)
        configuration.port = first.port
        let second = HTTPServer(configuration: configuration, router: Router())
        #expect(throws: HTTPServer.StartError.self) { try second.start() }
        #expect(throws: HTTPServer.StartError.alreadyRunning) { try first.start() }
    }

    @Test("binds IPv6 loopback; ::1 counts as a loopback client")
    func ipv6() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "::1"
        configuration.port = 0
        var router = Router()
        router.addSync("GET", "/who") { .text($0.remoteAddress) }
        let server = HTTPServer(configuration: configuration, router: router)
        do { try server.start() } catch {
            // A machine without IPv6 cannot run this test; say so instead of passing silently.
            Issue.record("cannot bind ::1: \(error)")
            return
        }
        defer { server.stop() }
        let (output, status) = try await TestHTTP.curl(["-g", "http://[::1]:\(server.port)/who"])
        #expect(status == 0)
        #expect(String(decoding: output, as: UTF8.self) == "::1")
    }
}
