import Foundation
import Server
import Testing

/// Requests whose body framing the server cannot read must be answered at once, never left waiting for the idle
/// timeout. The connection's idle timeout here (30 s) is longer than the client's receive timeout (10 s), so a
/// request left hanging shows up as no answer at all, and a connection closed in silence as an empty answer.
@Suite("Request framing errors over raw sockets")
struct FramingTests {
    static let idleTimeoutSeconds = 30

    /// Sends `head` (and `body`) without closing the write side, returns what comes back before the server closes.
    static func exchange(_ port: UInt16, head: String, body: String = "") async throws -> Data {
        try await offPool {
            let connection = try TestConnection(port: port)
            connection.send(head + body)
            var received = Data()
            while let chunk = connection.receiveChunk(), !chunk.isEmpty {
                received.append(chunk)
                if let split = received.range(of: Data("\r\n\r\n".utf8)),
                    let parsed = try? TestResponse.parse(received),
                    let length = parsed.headers["content-length"].flatMap(Int.init),
                    received.count - split.upperBound >= length
                {
                    break
                }
            }
            return received
        }
    }

    static func fixture() throws -> ServerFixture {
        try ServerFixture(configure: { $0.connectionTimeoutSeconds = Self.idleTimeoutSeconds }) { router in
            router.post("/echo") { .json(["n": .number(Double($0.body.count))]) }
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let headers: String
        let body: String
        let status: Int
        let field: String?
        /// libmicrohttpd refuses this one itself while parsing the head (its HTML page, before any handler runs).
        var answeredByMHD = false
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unknown Transfer-Encoding", headers: "Transfer-Encoding: whatever\r\n", body: "abc",
            status: 501, field: "transfer-encoding"),
        Case(
            name: "stacked Transfer-Encoding", headers: "Transfer-Encoding: gzip, chunked\r\n",
            body: "3\r\nabc\r\n0\r\n\r\n",
            status: 501, field: "transfer-encoding"),
        Case(
            name: "Transfer-Encoding and Content-Length",
            headers: "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
            body: "3\r\nabc\r\n0\r\n\r\n", status: 400, field: "content-length"),
        Case(
            name: "negative Content-Length", headers: "Content-Length: -1\r\n", body: "", status: 400, field: nil,
            answeredByMHD: true),
        Case(
            name: "non-numeric Content-Length", headers: "Content-Length: 12abc\r\n", body: "", status: 400,
            field: nil, answeredByMHD: true),
        Case(
            name: "two Content-Length fields", headers: "Content-Length: 3\r\nContent-Length: 4\r\n", body: "abc",
            status: 400, field: "content-length"),
        Case(
            name: "huge Content-Length", headers: "Content-Length: 99999999999999999999999\r\n", body: "",
            status: 413, field: nil, answeredByMHD: true),
        Case(
            name: "Content-Length over the body limit", headers: "Content-Length: 10000000\r\n", body: "",
            status: 413, field: "body"),
    ]

    @Test(
        "framing errors are answered at once: JSON naming the header, or MHD's own page for what it parses itself",
        arguments: cases)
    func refusals(_ item: Case) async throws {
        let f = try Self.fixture()
        let raw = try await Self.exchange(
            f.port,
            head: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + item.headers + "\r\n", body: item.body)
        #expect(!raw.isEmpty, "no answer to \(item.name)")
        let response = try TestResponse.parse(raw)
        #expect(response.status == item.status, "\(item.name): \(response.text)")
        #expect(response.headers["connection"]?.lowercased() == "close")
        if !item.answeredByMHD {
            let json = try response.json()
            #expect(json["error"] is String)
            #expect(json["field"] as? String == item.field)
        }
        #expect(try await TestHTTP.get(port: f.port, "/healthz").status == 200)
    }

    @Test("a malformed chunk size gets an answer, not silence")
    func badChunk() async throws {
        let f = try Self.fixture()
        let raw = try await Self.exchange(
            f.port, head: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
            body: "zz\r\nabc\r\n0\r\n\r\n")
        #expect(!raw.isEmpty, "no answer to a malformed chunk")
        let response = try TestResponse.parse(raw)
        #expect((400...499).contains(response.status), "\(response.status) \(response.text)")
        #expect(try await TestHTTP.get(port: f.port, "/healthz").status == 200)
    }

    @Test("a well-framed chunked body is still read")
    func goodChunked() async throws {
        let f = try Self.fixture()
        let raw = try await Self.exchange(
            f.port, head: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
            body: "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n")
        let response = try TestResponse.parse(raw)
        #expect(response.status == 200, "\(response.text)")
        #expect(try response.json()["n"] as? Double == 7)
    }
}
