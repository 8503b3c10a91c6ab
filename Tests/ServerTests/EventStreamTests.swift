import Foundation
import Render
import Synchronization
import Testing
import Server

@Suite("Server-sent events over real HTTP")
struct EventStreamTests {
    /// Gap between produced events.
    static let eventSpacingMilliseconds = 150
    /// Allowed delay between `send` and the client receiving the event (scheduling noise on 2 shared cores with
    /// the other suites running in parallel; a buffered, non-progressive stream would be late by 750 ms or more for all but the last event).
    static let deliveryToleranceMilliseconds = 250.0
    /// Time allowed between a client disconnect and the cancel callback (peer check every 100 ms plus scheduling).
    static let cancelDetectionToleranceSeconds = 2.0

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
    static func readEvents(port: UInt16, request: String, readToEnd: Bool = false,
                           until stop: @escaping @Sendable (String) -> Bool) async throws -> Received {
        try await offPool {
            let connection = try TestConnection(port: port)
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
                    if line.hasPrefix("data: ") { received.events.append((String(line.dropFirst(6)), ms)) }
                    else if line.hasPrefix(": ") { received.comments.append((line, ms)) }
                }
                buffer = Array(buffer[(lastNewline + 1)...])
                if !readToEnd, let last = received.events.last, stop(last.0) { break }
            }
            return received
        }
    }

    @Test("events arrive progressively, in order, framed as data: lines, and the stream ends")
    func progressiveDelivery() async throws {
        let count = 6
        let sentAt = Shared<[ContinuousClock.Instant]>([])
        let f = try ServerFixture { router in
            router.post("/execute-masterplan") { _ in
                let stream = EventStream()
                Task.detached {
                    for i in 1...count {
                        try? await Task.sleep(for: .milliseconds(Self.eventSpacingMilliseconds))
                        sentAt.withLock { $0.append(.now) }
                        stream.send(json: ["progress": .number(Double(i * 100 / count)), "message": .string("step \(i)")])
                    }
                    stream.finish()
                }
                return .eventStream(stream)
            }
        }
        let received = try await Self.readEvents(
            port: f.port, request: "POST /execute-masterplan HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
            readToEnd: true) { _ in false }
        let events = received.events
        #expect(received.head.contains("200"))
        #expect(received.head.lowercased().contains("content-type: text/event-stream"))
        #expect(received.head.lowercased().contains("access-control-allow-origin: *"))
        #expect(events.count == count, "\(received.raw.debugDescription)")
        #expect(sentAt.withLock { $0.count } == count)
        for (i, event) in events.enumerated() {
            let expected = try JSONValue.parse(Data(event.0.utf8))
            #expect(expected["message"]?.stringValue == "step \(i + 1)")
            // Each event arrives soon after it was sent, not buffered until the end.
            let sent = sentAt.withLock { $0 }
            if i < sent.count {
                let sentMilliseconds = seconds(sent[i] - received.start) * 1000
                #expect(event.1 - sentMilliseconds < Self.deliveryToleranceMilliseconds)
            }
        }
        let gaps = zip(events.dropFirst(), events).map { $0.1 - $1.1 }
        #expect(gaps.allSatisfy { $0 > Double(Self.eventSpacingMilliseconds) * 0.4 })
        // The stream ends with the terminating zero-length chunk.
        #expect(received.raw.hasSuffix("0\r\n\r\n"))
    }

    @Test("heartbeat comments arrive when the producer is idle")
    func heartbeat() async throws {
        let heartbeatMilliseconds = 200
        let f = try ServerFixture(configure: { $0.heartbeatInterval = .milliseconds(heartbeatMilliseconds) }) { router in
            router.get("/v1/jobs/{id}/events") { _ in
                let stream = EventStream()
                Task.detached {
                    try? await Task.sleep(for: .milliseconds(1100))
                    stream.send(data: "done")
                    stream.finish()
                }
                return .eventStream(stream)
            }
        }
        let received = try await Self.readEvents(port: f.port, request: "GET /v1/jobs/j/events HTTP/1.1\r\nHost: x\r\n\r\n") { $0 == "done" }
        let (events, comments) = (received.events, received.comments)
        #expect(events.map(\.0) == ["done"])
        // 1.1 s idle at one heartbeat per 200 ms: about 5, allow scheduling slack.
        #expect(comments.count >= 3)
        // No bursts: heartbeats are spaced by the interval (a loaded machine may stretch the idle time, so the
        // count has no fixed upper bound; the spacing does).
        let arrivals = comments.map(\.1)
        #expect(zip(arrivals, arrivals.dropFirst()).allSatisfy { $1 - $0 >= Double(heartbeatMilliseconds) * 0.8 })
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
        }   // the connection is closed when the closure returns
        #expect(first.contains("data: "))
        let closedAt = ContinuousClock.now
        let deadline = closedAt + .seconds(Self.cancelDetectionToleranceSeconds + 1)
        while cancelled.value.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(cancelled.value.load(ordering: .relaxed) == 1)
        if let at = cancelled.at.withLock({ $0 }) {
            #expect(seconds(at - closedAt) < Self.cancelDetectionToleranceSeconds)
        }
        try await Task.sleep(for: .milliseconds(700))
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
