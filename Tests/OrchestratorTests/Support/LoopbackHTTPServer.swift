// A minimal HTTP/1.1 server on 127.0.0.1 for integration tests: POSIX sockets, an accept loop on a background
// thread (poll with a 50 ms timeout so `stop()` ends it), one thread per connection, `Connection: close` on
// every answer. Replies are scripted per path, in order; when a path's script is exhausted its last reply
// repeats. Writes use MSG_NOSIGNAL so a client that went away cannot raise SIGPIPE.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class LoopbackHTTPServer: @unchecked Sendable {
    enum Reply: Sendable {
        /// An answer with status, headers and body.
        case respond(Int, headers: [String: String] = [:], body: String)
        /// Reads the request, then answers nothing for `seconds` (or until stop) and closes.
        case hang(seconds: Double)

        static func json(_ status: Int, _ body: String, headers: [String: String] = [:]) -> Reply {
            .respond(status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: body)
        }
    }

    struct Received: Sendable {
        var method: String
        var path: String
        /// Lower-cased names.
        var headers: [String: String]
        var body: Data
    }

    private let listener: Int32
    let port: UInt16
    private let lock = NSLock()
    private var scripts: [String: [Reply]] = [:]
    private var received: [Received] = []
    private var stopped = false
    private var openConnections = 0
    private let acceptThread: Thread?

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let box = WeakBox()
        acceptThread = Thread { box.server?.acceptLoop() }
        box.server = self
        acceptThread?.start()
    }

    private final class WeakBox: @unchecked Sendable { weak var server: LoopbackHTTPServer? }

    // The listener is closed only here: a stopped server keeps its port bound (connections are refused), so no
    // other server of a parallel test can take the port while a test still calls it ("nothing listening").
    deinit {
        stop()
        close(listener)
    }

    /// Sets the replies for `path` (in order; the last one repeats).
    func script(_ path: String, _ replies: [Reply]) {
        lock.withLock { scripts[path] = replies }
    }

    /// Requests received so far, in arrival order.
    var requests: [Received] { lock.withLock { received } }

    func requests(to path: String) -> [Received] { requests.filter { $0.path == path } }

    /// Stops accepting; hanging connections end within 50 ms.
    func stop() {
        let first: Bool = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if first {
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func acceptLoop() {
        while !isStopped {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            if connection < 0 { continue }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Thread { [self] in handle(connection) }.start()
        }
    }

    private func handle(_ connection: Int32) {
        defer { close(connection) }
        guard let request = readRequest(connection) else { return }
        let reply: Reply = lock.withLock {
            received.append(request)
            guard var replies = scripts[request.path], !replies.isEmpty else {
                return .respond(404, body: "{\"error\": \"no script for \(request.path)\"}")
            }
            let next = replies.count > 1 ? replies.removeFirst() : replies[0]
            scripts[request.path] = replies
            return next
        }
        switch reply {
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            let bodyBytes = Array(body.utf8)
            var allHeaders = headers
            allHeaders["Content-Length"] = String(bodyBytes.count)
            allHeaders["Connection"] = "close"
            for (name, value) in allHeaders { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            write(connection, Array(head.utf8) + bodyBytes)
        case .hang(let seconds):
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline && !isStopped { usleep(20_000) }
        }
    }

    private func write(_ connection: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return }
            offset += sent
        }
    }

    private func readRequest(_ connection: Int32) -> Received? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = recv(connection, &chunk, chunk.count, 0)
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
            headerEnd = Self.find(separator, in: buffer)
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let bodyStart = headerEnd! + separator.count
        let expected = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - bodyStart < expected {
            let count = recv(connection, &chunk, chunk.count, 0)
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
        return Received(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers,
            body: Data(buffer[bodyStart..<(bodyStart + expected)]))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 529: "Overloaded"
        default: "Status"
        }
    }
}
