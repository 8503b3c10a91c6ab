// HTTP layer throughput: requests per second from 50 concurrent keep-alive clients against a synchronous route
// (runs on the connection thread) and an async route that awaits an actor (runs on the cooperative pool), as the
// job status polls will. Clients are raw sockets on 127.0.0.1, each on its own thread.
import Foundation
import Render
import Server
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A job-store stand-in: the async route awaits it like a status poll awaits the orchestrator's store.
actor BenchmarkJobStore {
    var polls = 0
    func status(_ id: String) -> JSONValue {
        polls += 1
        return ["jobId": .string(id), "status": "processing", "progress": .number(42)]
    }
}

func runServerBenchmarks(_ runner: BenchmarkRunner) {
    guard runner.wants("server") else { return }
    let store = BenchmarkJobStore()
    var router = Router()
    let metrics = MetricsRegistry()
    StandardRoutes.install(on: &router, metrics: metrics)
    router.get("/v1/jobs/{id}") { request in .json(await store.status(try request.parameter("id"))) }
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.maxConnections = 256
    let server = HTTPServer(configuration: configuration, router: router, metrics: metrics)
    do { try server.start() } catch {
        runner.report(["name": "server.start", "error": "\(error)"])
        return
    }
    defer { server.stop() }
    let clients = 50
    let requestsPerClient = 200
    for (name, path) in [("server.healthz_sync", "/healthz"), ("server.status_async", "/v1/jobs/j1")] {
        var total = 0
        let seconds = runner.measure(
            name, runs: 3, extra: ["clients": clients, "requests": clients * requestsPerClient]
        ) {
            total = benchmarkHTTPLoad(
                port: server.port, path: path, clients: clients, requestsPerClient: requestsPerClient)
        }
        if let seconds {
            runner.report([
                "name": name + ".throughput", "requests_per_second": Double(total) / seconds, "ok_requests": total,
            ])
        }
    }
}

/// Runs `clients` threads, each sending `requestsPerClient` GETs on one keep-alive connection; returns the 200s.
func benchmarkHTTPLoad(port: UInt16, path: String, clients: Int, requestsPerClient: Int) -> Int {
    final class Tally: Sendable { let ok = Atomic<Int>(0) }
    let tally = Tally()
    let group = DispatchGroup()
    for _ in 0..<clients {
        group.enter()
        let thread = Thread {
            tally.ok.add(benchmarkClient(port: port, path: path, requests: requestsPerClient), ordering: .relaxed)
            group.leave()
        }
        thread.start()
    }
    group.wait()
    return tally.ok.load(ordering: .relaxed)
}

private func benchmarkClient(port: UInt16, path: String, requests: Int) -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { return 0 }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    var ok = 0
    for _ in 0..<requests {
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return ok }
        // Read one response: the head, then Content-Length bytes of body.
        var received: [UInt8] = []
        var needed: Int?
        while needed == nil || received.count < needed! {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return ok }
            received += buffer[0..<n]
            if needed == nil, let headEnd = findHeadEnd(received) {
                let head = String(decoding: received[0..<headEnd], as: UTF8.self).lowercased()
                let length =
                    head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                needed = headEnd + 4 + length
                if head.hasPrefix("http/1.1 200") { ok += 1 }
            }
        }
    }
    return ok
}

private func findHeadEnd(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for i in 0...(bytes.count - 4)
    where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
        return i
    }
    return nil
}
