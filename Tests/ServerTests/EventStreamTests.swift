import Foundation
import Render
import Server
import Synchronization
import Testing

@Suite("Server-sent events over real HTTP")
struct EventStreamTests {
    // No wall-clock bounds: progressive delivery is proven by a handshake (the producer sends the next event only
    // after the client has received the previous one, which a buffered stream would never allow), cancellation by
    // waiting for the callback (failsafe: `hangFailsafeSeconds`).

    final class Flag: Sendable {
        let value = Atomic<Int>(0)
        let at = Mutex<ContinuousClock.Instant?>(nil)
        func fire() {
            value.add(1, ordering: .relaxed)
            at.withLock { $0 = $0 ?? .now }
        }
    }

    struct Received: Sendable {
        var events: [(String, Double)] = []
        var comments: [(String, Double)] = []
        var head = ""
        var raw = ""
        var start = ContinuousClock.now
    }

    /// Sends `request` on a new connection and reads the stream, recording when each `data:` event and comment
    /// arrived (ms since the request was sent), until `stop` accepts an event or `readToEnd` reaches EOF. Blocking.
    /// `seen`, when given, holds the counts of events and comments received so far (for producers that wait on them).
    static func readEvents(
        port: UInt16, request: String, readToEnd: Bool = false,
        seen: Shared<(events: Int, comments: Int)>? = nil,
        until stop: @escaping @Sendable (String) -> Bool
    ) async throws -> Received {
        try await offPool {
            let connection = try TestConnection(port: port, receiveTimeoutSeconds: hangFailsafeSeconds)
            let start = ContinuousClock.now
            connection.send(request)
            var received = Received()
            received.start = start
            var buffer: [UInt8] = []
            var headDone = false
            let newline = UInt8(ascii: "\n")
            // Byte-level: Swift treats "\r\n" as one Character, so String line splitting would miss the LF in it.
            while let chunk = connection.receiveChunk(), !chunk.isEmpty {
                let ms = seconds(ContinuousClock.now - start) * 1000
                received.raw += String(decoding: chunk, as: UTF8.self)
                buffer += chunk
                if !headDone, let end = Data(buffer).range(of: Data("\r\n\r\n".utf8)) {
                    received.head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                    buffer = Array(buffer[end.upperBound...])
                    headDone = true
                }
                guard headDone, let lastNewline = buffer.lastIndex(of: newline) else { continue }
                // Chunked framing interleaves size lines; take the SSE lines between them (complete lines only).
                for lineBytes in buffer[..<lastNewline].split(separator: newline, omittingEmptySubsequences: true) {
                    var line = String(decoding: lineBytes, as: UTF8.self)
                    if line.hasSuffix("\r") { line.removeLast() }
                    if line.hasPrefix("data: ") {
                        received.events.append((String(line.dropFirst(6)), ms))
                    } else if line.hasPrefix(": ") {
                        received.comments.append((line, ms))
                    }
                }
                buffer = Array(buffer[(lastNewline + 1)...])
                seen?.withLock { $0 = (received.events.count, received.comments.count) }
                if !readToEnd, let last = received.events.last, stop(last.0) { break }
            }
            return received
        }
    }

    @Test("events arrive progressively, in order, framed as data: lines, and the stream ends")
    func progressiveDelivery() async throws {
        let count = 6
        let seen = Shared<(events: Int, comments: Int)>((0, 0))
        /// Events sent before the client had received every earlier one (must stay 0).
        let sentEarly = Shared(0)
        let f = try ServerFixture { router in
            router.post("/execute-masterplan") { _ in
                let stream = EventStream()
                Task.detached {
                    for i in 1...count {
                        stream.send(json: [
                            "progress": .number(Double(i * 100 / count)), "message": .string("step \(i)"),
                        ])
                        // Handshake: the next event waits until the client has this one.
                        if (try? await waitUntil("the client to receive event \(i)") {
                            seen.withLock { $0.events } >= i
                        }) == nil {
                            sentEarly.withLock { $0 += 1 }
                        }
                    }
                    stream.finish()
                }
                return .eventStream(stream)
            }
        }
        let received = try await Self.readEvents(
            port: f.port,
            request:
                "POST /execute-masterplan HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
            readToEnd: true, seen: seen
        ) { _ in false }
        let events = received.events
        #expect(received.head.contains("200"))
        #expect(received.head.lowercased().contains("content-type: text/event-stream"))
        #expect(received.head.lowercased().contains("access-control-allow-origin: *"))
        #expect(events.count == count, "\(received.raw.debugDescription)")
        // Each event reached the client before the next was sent: delivered as sent, not buffered until the end.
        #expect(sentEarly.withLock { $0 } == 0)
        for (i, event) in events.enumerated() {
            let expected = try JSONValue.parse(Data(event.0.utf8))
            #expect(expected["message"]?.stringValue == "step \(i + 1)")
        }
        // The stream ends with the terminating zero-length chunk.
        #expect(received.raw.hasSuffix("0\r\n\r\n"))
    }

    @Test("heartbeat comments arrive when the producer is idle")
    func heartbeat() async throws {
        let heartbeatMilliseconds = 200
        /// Heartbeats the client must see before the producer ends its idle time.
        let heartbeatsAwaited = 3
        let seen = Shared<(events: Int, comments: Int)>((0, 0))
        /// The producer's idle time, from before the stream existed to just before "done", in ms.
        let idleMilliseconds = Shared(0.0)
        let f = try ServerFixture(configure: { $0.heartbeatInterval = .milliseconds(heartbeatMilliseconds) }) {
            router in
            router.get("/v1/jobs/{id}/events") { _ in
                let created = ContinuousClock.now
                let stream = EventStream()
                Task.detached {
                    try? await waitUntil("\(heartbeatsAwaited) heartbeats") {
                        seen.withLock { $0.comments } >= heartbeatsAwaited
                    }
                    idleMilliseconds.withLock { $0 = seconds(ContinuousClock.now - created) * 1000 }
                    stream.send(data: "done")
                    stream.finish()
                }
                return .eventStream(stream)
            }
        }
        let received = try await Self.readEvents(
            port: f.port, request: "GET /v1/jobs/j/events HTTP/1.1\r\nHost: x\r\n\r\n",
            seen: seen
        ) { $0 == "done" }
        let (events, comments) = (received.events, received.comments)
        #expect(events.map(\.0) == ["done"])
        // Heartbeats arrive while the producer is idle (it waits for them).
        #expect(comments.count >= heartbeatsAwaited)
        // No bursts: a timer never fires early, so at most one heartbeat per whole interval of the producer's idle
        // time (measured on the server side, from before the stream existed), plus one that may follow "done".
        let idle = idleMilliseconds.withLock { $0 }
        #expect(
            comments.count <= Int(idle / Double(heartbeatMilliseconds)) + 1,
            "\(comments.count) heartbeats in \(idle) ms")
        #expect(comments.allSatisfy { $0.0 == ": keep-alive" })
        if let first = comments.first { #expect(first.1 >= Double(heartbeatMilliseconds) - 5) }
    }

    @Test("a client that disconnects mid-stream fires the cancel callback and the producer sees isCancelled")
    func disconnectCancels() async throws {
        let cancelled = Flag()
        let producerSawCancel = Flag()
        let f = try ServerFixture(configure: { $0.heartbeatInterval = .seconds(30) }) { router in
            router.post("/execute-masterplan") { _ in
                let stream = EventStream()
                stream.onCancel { cancelled.fire() }
                Task.detached {
                    var i = 0
                    while !stream.isCancelled, i < 400 {
                        stream.send(json: ["progress": .number(Double(i % 100))])
                        i += 1
                        try? await Task.sleep(for: .milliseconds(500))
                    }
                    if stream.isCancelled { producerSawCancel.fire() }
                }
                return .eventStream(stream)
            }
        }
        let port = f.port
        let first = try await offPool { () -> String in
            let connection = try TestConnection(port: port)
            connection.send("POST /execute-masterplan HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            var text = ""
            while !text.contains("data: "), let chunk = connection.receiveChunk(), !chunk.isEmpty {
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        } // the connection is closed when the closure returns
        #expect(first.contains("data: "))
        try? await waitUntil("the cancel callback") { cancelled.value.load(ordering: .relaxed) != 0 }
        #expect(cancelled.value.load(ordering: .relaxed) == 1)
        try? await waitUntil("the producer to see the cancel") { producerSawCancel.value.load(ordering: .relaxed) != 0 }
        #expect(producerSawCancel.value.load(ordering: .relaxed) == 1)
        #expect(try await TestHTTP.get(port: f.port, "/healthz").status == 200)
    }

    @Test("stopping the server cancels open streams")
    func stopCancels() async throws {
        let cancelled = Flag()
        let f = try ServerFixture { router in
            router.get("/s") { _ in
                let stream = EventStream()
                stream.onCancel { cancelled.fire() }
                stream.send(data: "hello")
                return .eventStream(stream)
            }
        }
        let port = f.port
        let server = f.server
        let tail = try await offPool { () -> Int in
            let connection = try TestConnection(port: port)
            connection.send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = connection.receiveChunk()
            server.stop()
            return connection.receiveAll().count
        }
        #expect(cancelled.value.load(ordering: .relaxed) == 1)
        #expect(tail >= 0)
    }

    @Test("multi-line data, event names and ids are framed per the SSE format; a finished stream refuses sends")
    func framing() async throws {
        let lateSendRefused = Atomic<Int>(0)
        let f = try ServerFixture { router in
            router.get("/s") { _ in
                let stream = EventStream(heartbeatInterval: .seconds(1))
                stream.send(data: "a\nb", event: "progress", id: "7")
                stream.finish()
                if !stream.send(data: "late") { lateSendRefused.store(1, ordering: .relaxed) }
                return .eventStream(stream)
            }
        }
        let r = try await TestHTTP.get(port: f.port, "/s")
        #expect(r.status == 200)
        #expect(r.text == "event: progress\nid: 7\ndata: a\ndata: b\n\n")
        #expect(lateSendRefused.load(ordering: .relaxed) == 1)
    }
}
