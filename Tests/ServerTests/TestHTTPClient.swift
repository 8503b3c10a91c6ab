import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over a raw TCP socket, for tests that need control a high-level client
/// does not give: timestamps of each received chunk, slow writes, half-sent heads, abrupt disconnects.
final class TestConnection {
    let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects to 127.0.0.1:`port`. The receive timeout is a hang failsafe, not a bound: the server's handlers run
    /// on Swift's cooperative pool, which the suite's DSP tests keep busy, so on a loaded 2-core machine an answer
    /// can take many seconds (a 10 s default once failed a dozen server tests at once with "no complete head in 0
    /// bytes"). Tests that expect silence pass a short timeout of their own.
    init(port: UInt16, receiveTimeoutSeconds: Double = hangFailsafeSeconds) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect failed: errno \(errno)")
        }
        var timeout = timeval(
            tv_sec: Int(receiveTimeoutSeconds),
            tv_usec: Int((receiveTimeoutSeconds - floor(receiveTimeoutSeconds)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the peer has gone.
    @discardableResult
    func send(_ bytes: Data) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Data(text.utf8)) }

    /// One receive: the bytes, empty at EOF, nil on timeout or error.
    func receiveChunk(maxBytes: Int = 65536) -> Data? {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let n = recv(fd, &buffer, maxBytes, 0)
        if n < 0 { return nil }
        return Data(buffer[0..<n])
    }

    /// Everything until EOF (or timeout).
    func receiveAll() -> Data {
        var all = Data()
        while let chunk = receiveChunk(), !chunk.isEmpty { all.append(chunk) }
        return all
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }
}

/// A parsed HTTP response.
struct TestResponse {
    var status: Int
    var headers: [String: String] // lower-cased names
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestConnection.Failure(description: "body is not a JSON object: \(text)")
        }
        return object
    }

    /// Parses raw bytes of one response (Content-Length, chunked or close-delimited body).
    static func parse(_ raw: Data) throws -> TestResponse {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else {
            throw TestConnection.Failure(description: "no complete head in \(raw.count) bytes")
        }
        let head = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw TestConnection.Failure(description: "bad status line \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Data(raw[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), body.count > length {
            body = body.prefix(length)
        }
        return TestResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = min(start + size, data.endIndex)
            out.append(data[start..<end])
            index = min(end + 2, data.endIndex)
        }
        return out
    }
}

/// Runs blocking socket work on its own thread, off Swift's cooperative pool: the server's handlers run as tasks
/// on that pool, and a test blocking the pool's few threads (two on this machine) would starve them.
/// Do not call `#expect` inside `body` (it runs outside the test's task); return values and check them outside.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

extension TestResponse: @unchecked Sendable {}

enum TestHTTP {
    static func request(
        port: UInt16, _ method: String, _ path: String, headers: [String: String] = [:],
        body: Data = Data()
    ) async throws -> TestResponse {
        try await offPool { try requestBlocking(port: port, method, path, headers: headers, body: body) }
    }

    static func get(port: UInt16, _ path: String, headers: [String: String] = [:]) async throws -> TestResponse {
        try await request(port: port, "GET", path, headers: headers)
    }

    static func postJSON(port: UInt16, _ path: String, _ json: String, headers: [String: String] = [:]) async throws
        -> TestResponse
    {
        var all = headers
        all["Content-Type"] = "application/json"
        return try await request(port: port, "POST", path, headers: all, body: Data(json.utf8))
    }

    /// One request with `Connection: close`; returns the parsed response. Blocking.
    static func requestBlocking(
        port: UInt16, _ method: String, _ path: String, headers: [String: String] = [:],
        body: Data = Data()
    ) throws -> TestResponse {
        let connection = try TestConnection(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        connection.send(head)
        if !body.isEmpty { connection.send(body) }
        return try TestResponse.parse(connection.receiveAll())
    }

    /// Runs curl with `arguments`; returns stdout and the exit status.
    static func curl(_ arguments: [String]) async throws -> (output: Data, status: Int32) {
        try await offPool { try curlBlocking(arguments) }
    }

    static func curlBlocking(_ arguments: [String]) throws -> (output: Data, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "10"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (output, process.terminationStatus)
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}

/// Keeps a connection open across an await.
final class TestConnectionBox: @unchecked Sendable {
    let connection: TestConnection
    init(_ connection: TestConnection) { self.connection = connection }
}

/// A value shared between a test and the handlers or producers it starts.
final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
}

/// Longest real time a test waits for an event before it fails instead of hanging, in seconds. Only a guard
/// against a hang: no behaviour is judged by it (a loaded machine may take any time below it).
let hangFailsafeSeconds = 120.0

/// Thrown when an awaited event did not come within `hangFailsafeSeconds`.
struct WaitTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "gave up waiting for \(what) after \(hangFailsafeSeconds) s (a hang)" }
}

/// Waits until `condition` holds, polling; throws `WaitTimeout` only after the hang failsafe.
func waitUntil(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(hangFailsafeSeconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Blocking form of `waitUntil` for code on its own thread (`offPool`); false after the hang failsafe.
func waitUntilBlocking(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(hangFailsafeSeconds)
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        Thread.sleep(forTimeInterval: 0.005)
    }
    return true
}
