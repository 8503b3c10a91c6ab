import Foundation
import Render
import Server
import Synchronization
import Testing

@Suite("Connection limits, uploads, abuse and shutdown over real HTTP")
struct LimitTests {
    /// Idle timeout used in these tests, in seconds (MHD counts whole seconds).
    static let timeoutSeconds = 1
    /// MHD counts the idle time in whole seconds, so it may close up to this much before the nominal timeout.
    static let timeoutGranularitySeconds = 0.1

    @Test("a slow client that never finishes its head is disconnected after the idle timeout")
    func slowClient() async throws {
        let f = try ServerFixture(configure: { $0.connectionTimeoutSeconds = Self.timeoutSeconds }) { _ in }
        let port = f.port
        let (received, elapsed) = try await offPool { () -> (Data?, Double) in
            // Timed from before the connection exists, so a loaded machine can only lengthen the measured idle time.
            let start = ContinuousClock.now
            let connection = try TestConnection(port: port, receiveTimeoutSeconds: hangFailsafeSeconds)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            let received = connection.receiveChunk()
            return (received, seconds(ContinuousClock.now - start))
        }
        // Closed (EOF) with no response, not left hanging (a receive timeout gives nil), and not before the idle
        // timeout (a lower bound only: load cannot make it fail).
        #expect(received == Data())
        #expect(elapsed >= Double(Self.timeoutSeconds) - Self.timeoutGranularitySeconds)
        #expect(try await TestHTTP.get(port: f.port, "/healthz").status == 200)
    }

    @Test("connections beyond the maximum are refused at accept; capacity returns when they close")
    func maxConnections() async throws {
        let limit = 3
        let f = try ServerFixture(configure: { $0.maxConnections = limit }) { _ in }
        let port = f.port
        let answer = try await offPool { () -> Data in
            var held: [TestConnection] = []
            for _ in 0..<limit {
                let c = try TestConnection(port: port)
                c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") // keep-alive: the connection stays open
                _ = c.receiveChunk()
                held.append(c)
            }
            let extra = try TestConnection(port: port, receiveTimeoutSeconds: 3)
            extra.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = extra.receiveAll()
            held.removeAll()
            return answer
        }
        #expect(answer.isEmpty) // closed without a response
        // Capacity returns once the held connections are closed (the server notices the closes asynchronously).
        try await waitUntil("a request to succeed after the held connections closed") {
            (try? await TestHTTP.get(port: port, "/healthz"))?.status == 200
        }
    }

    @Test("connections beyond the per-client maximum are refused")
    func maxConnectionsPerClient() async throws {
        let f = try ServerFixture(configure: { $0.maxConnectionsPerClient = 1 }) { _ in }
        let port = f.port
        let (heldAnswer, extraAnswer) = try await offPool { () -> (Data, Data) in
            let held = try TestConnection(port: port)
            held.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let heldAnswer = held.receiveChunk() ?? Data()
            let extra = try TestConnection(port: port, receiveTimeoutSeconds: 3)
            extra.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return (heldAnswer, extra.receiveAll())
        }
        #expect(String(decoding: heldAnswer, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        #expect(extraAnswer.isEmpty)
        // The held connection closed when the closure returned; the server notices the close asynchronously.
        try await waitUntil("a request to succeed after the held connection closed") {
            (try? await TestHTTP.get(port: port, "/healthz"))?.status == 200
        }
    }

    @Test("uploads are spooled to a temporary file within the upload limit; over it 413; the file is removed after")
    func uploads() async throws {
        let seenPath = Shared<String?>(nil)
        let f = try ServerFixture(configure: {
            $0.maxUploadBytes = 3 * 1024 * 1024
            $0.maxJSONBodyBytes = 1024
        }) { router in
            router.post("/upload", options: RouteOptions(bodyLimit: .upload)) { request in
                guard let file = request.bodyFile else { throw HTTPError.badRequest("no body file") }
                seenPath.withLock { $0 = file.path }
                let data = try Data(contentsOf: file)
                var checksum: UInt64 = 0
                for byte in data { checksum = checksum &* 31 &+ UInt64(byte) }
                return .json(["bytes": .number(Double(data.count)), "checksum": .string(String(checksum))])
            }
        }
        let payload = Data((0..<(2 * 1024 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var expected: UInt64 = 0
        for byte in payload { expected = expected &* 31 &+ UInt64(byte) }
        let ok = try await TestHTTP.request(
            port: f.port, "POST", "/upload", headers: ["Content-Type": "audio/wav"], body: payload)
        #expect(ok.status == 200)
        #expect(try ok.json()["bytes"] as? Double == Double(payload.count))
        #expect(try ok.json()["checksum"] as? String == String(expected))
        // The spooled file is removed when the request completes (after the response is sent).
        let spooled = try #require(seenPath.withLock { $0 })
        try await waitUntil("the spooled upload to be removed") { !FileManager.default.fileExists(atPath: spooled) }
        let tooBig = try await TestHTTP.request(port: f.port, "POST", "/upload", body: Data(count: 3 * 1024 * 1024 + 1))
        #expect(tooBig.status == 413)
        // curl sends `Expect: 100-continue` for large bodies: the 413 comes before the body, the upload after 100.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try payload.write(to: file)
        let url = "http://127.0.0.1:\(f.port)/upload"
        let (okOutput, okStatus) = try await TestHTTP.curl(["-X", "POST", "--data-binary", "@\(file.path)", url])
        #expect(okStatus == 0)
        #expect(String(decoding: okOutput, as: UTF8.self).contains("\"checksum\":\"\(expected)\""))
        try Data(count: 3 * 1024 * 1024 + 1).write(to: file)
        let (refusedOutput, _) = try await TestHTTP.curl([
            "-X", "POST", "--data-binary", "@\(file.path)", "-w", "\n%{http_code}", url,
        ])
        #expect(String(decoding: refusedOutput, as: UTF8.self).hasSuffix("\n413"))
    }

    @Test("after abuse (garbage, oversized heads, floods, aborted uploads) the server still answers /healthz")
    func survivesAbuse() async throws {
        let f = try ServerFixture(configure: {
            $0.maxHeaderBytes = 2048
            $0.maxJSONBodyBytes = 1024
            $0.connectionTimeoutSeconds = 1
        }) { router in
            router.post("/echo") { .json(["n": .number(Double($0.body.count))]) }
        }
        let port = f.port
        let failures = try await offPool { () -> Int in
            for garbage in [
                "\u{0}\u{1}\u{2}GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                "POST /echo HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                "GET /" + String(repeating: "a", count: 70_000) + " HTTP/1.1\r\n\r\n",
            ] {
                let c = try TestConnection(port: port, receiveTimeoutSeconds: 3)
                c.send(garbage)
                _ = c.receiveAll()
            }
            // Aborted uploads: declare 1000 bytes, send 10 and vanish.
            for _ in 0..<5 {
                let c = try TestConnection(port: port)
                c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
            }
            // A burst of concurrent requests.
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 64) { i in
                let r = try? TestHTTP.requestBlocking(
                    port: port, "POST", "/echo", headers: ["Content-Type": "application/json"],
                    body: Data("{\"i\":\(i)}".utf8))
                if r?.status != 200 { failures.add(1, ordering: .relaxed) }
            }
            return failures.load(ordering: .relaxed)
        }
        #expect(failures == 0)
        let health = try await TestHTTP.get(port: f.port, "/healthz")
        #expect(health.status == 200)
        #expect(health.text == #"{"status":"ok"}"#)
    }

    @Test("graceful shutdown stops accepting, lets an in-flight request finish, then stops")
    func gracefulShutdown() async throws {
        // The slow request runs until the test lets it finish, so "still running" does not depend on timing.
        let release = Shared(false)
        let f = try ServerFixture { router in
            router.get("/slow") { _ in
                try await waitUntil("the test to release /slow") { release.withLock { $0 } }
                return .json(["done": true])
            }
        }
        let port = f.port
        let inFlight = Task.detached { try await TestHTTP.get(port: port, "/slow") }
        try await waitUntil("the slow request to arrive") { f.server.inFlightRequests > 0 }
        #expect(f.server.inFlightRequests == 1)
        let shutdown = Task { await f.server.shutdown(gracePeriod: .seconds(hangFailsafeSeconds)) }
        // New connections are no longer served while the slow request is still running: a request sent now gets
        // no response (it waits in the listen backlog, then the socket closes when the server stops).
        try await waitUntil("the server to stop accepting") { !f.server.isAccepting }
        let probe = Task.detached { try? await TestHTTP.get(port: port, "/healthz") }
        #expect(f.server.inFlightRequests == 1)
        release.withLock { $0 = true }
        // Clean: the in-flight request finished within the grace period (nothing was cut), and none is left.
        let clean = await shutdown.value
        #expect(clean)
        #expect(f.server.inFlightRequests == 0)
        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(await probe.value == nil)
        #expect(!f.server.isRunning)
    }

    @Test("shutdown past the grace period cuts what is left and reports it")
    func shutdownGraceExpires() async throws {
        let f = try ServerFixture { router in
            router.get("/stream") { _ in
                let stream = EventStream()
                stream.send(data: "x")
                return .eventStream(stream)
            }
        }
        let port = f.port
        let connection = try await offPool { () -> TestConnectionBox in
            let connection = try TestConnection(port: port)
            connection.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = connection.receiveChunk()
            return TestConnectionBox(connection)
        }
        let clean = await f.server.shutdown(gracePeriod: .milliseconds(200))
        #expect(!clean)
        #expect(f.server.inFlightRequests == 0)
        withExtendedLifetime(connection) {}
    }

    @Test("stop cancels async handlers still running, so it returns instead of waiting for them")
    func stopCancelsHandlers() async throws {
        let handlerCancelled = Shared(false)
        let f = try ServerFixture { router in
            router.get("/forever") { _ in
                do {
                    // Longer than any test run: only the cancel by `stop` ends it.
                    try await Task.sleep(for: .seconds(100 * hangFailsafeSeconds))
                } catch {
                    handlerCancelled.withLock { $0 = true }
                    throw error
                }
                return .json(["unreachable": true])
            }
        }
        let port = f.port
        let pending = Task.detached { try? await TestHTTP.get(port: port, "/forever") }
        try await waitUntil("the request to arrive") { f.server.inFlightRequests > 0 }
        #expect(f.server.inFlightRequests == 1)
        let server = f.server
        try await offPool { server.stop() }
        // The stuck await was cancelled (a stop that waited for it would not have returned).
        #expect(handlerCancelled.withLock { $0 })
        let answer = await pending.value
        #expect(answer == nil || answer?.status == 500)
    }

    @Test("runUntilSignal serves until the signal, runs the hook, then shuts down")
    func runUntilSignal() async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        var router = Router()
        StandardRoutes.install(on: &router, metrics: MetricsRegistry())
        let server = HTTPServer(configuration: configuration, router: router)
        let hookRan = Shared(false)
        let run = Task {
            try await server.runUntilSignal([SIGUSR1], gracePeriod: .seconds(2)) { _ in hookRan.withLock { $0 = true } }
        }
        // The watcher is registered before the server starts, so once a port is bound the signal is delivered.
        try await waitUntil("the server to start") { server.port != 0 }
        #expect(try await TestHTTP.get(port: server.port, "/healthz").status == 200)
        kill(getpid(), SIGUSR1)
        let (signal, clean) = try await run.value
        #expect(signal == SIGUSR1)
        #expect(clean)
        #expect(hookRan.withLock { $0 })
        #expect(!server.isRunning)
    }

    @Test("SIGTERM-style signals reach the handler through DispatchSource")
    func signals() async throws {
        let received = Atomic<Int32>(0)
        let watcher = ShutdownSignals(signals: [SIGUSR2]) { received.store($0, ordering: .relaxed) }
        kill(getpid(), SIGUSR2) // the sources are registered when init returns
        try? await waitUntil("the signal handler to run") { received.load(ordering: .relaxed) != 0 }
        watcher.cancel()
        #expect(received.load(ordering: .relaxed) == SIGUSR2)
    }
}
