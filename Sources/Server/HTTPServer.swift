// Why this file uses unsafe pointers: libmicrohttpd is a C library of callbacks with `void *` context pointers,
// C strings and raw request/response buffers; this file is the only place that calls it (CMHDShim wraps its
// variadic functions). Routing, limits and handlers above it see Swift values only.
//
// The HTTP server over libmicrohttpd (MHD 0.9.75).
//
// MHD rules this file relies on:
// - Mode: one thread per connection plus an internal poll thread (`MHD_USE_THREAD_PER_CONNECTION |
//   MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC`). Blocking inside callbacks is therefore allowed
//   (handlers run to completion on the connection's thread; event-stream readers wait on a condition); ITC is
//   required for `MHD_quiesce_daemon`.
// - The access handler is called once when the head is parsed (`*con_cls == NULL`), once per chunk of body
//   (`*upload_data_size > 0`; consume it by setting the size to 0) and once more with size 0 at the end. A response
//   may be queued on the first call (early refusal) or the last.
// - The request-completed callback runs once per request that reached the handler, including on errors,
//   timeouts and daemon stop: per-request state is released there.
// - `MHD_create_response_from_fd_at_offset64` takes ownership of the descriptor; content-reader free callbacks
//   run when the response is destroyed (after the connection let it go).
import CMHDShim
import CMicroHTTPD
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 server: routing, limits, access control, CORS, byte ranges, event streams and request metrics.
///
/// ```swift
/// var router = Router()
/// router.get("/v1/jobs/{id}") { request in .json(["id": .string(try request.parameter("id"))]) }
/// let server = HTTPServer(configuration: config, router: router)
/// try server.start()            // server.port is the bound port
/// ...
/// await server.shutdown(gracePeriod: .seconds(30))
/// ```
/// Call `stop()` or `shutdown(gracePeriod:)` when done: a running server is retained by its daemon.
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    public let router: Router
    /// The registry the built-in HTTP metrics are recorded in (serve it with `StandardRoutes`).
    public let metrics: MetricsRegistry
    let logger: (@Sendable (String) -> Void)?
    let access: AccessControl

    private let daemon = Mutex<DaemonHandle?>(nil)
    private let boundPort = Atomic<UInt16>(0)
    private let inFlight = Atomic<Int>(0)
    /// Async handler tasks running now, cancelled by `stop()`.
    private let handlerTasks = Mutex<[UUID: Task<Void, Never>]>([:])
    private var handlersCancelled: Bool { stopping.load(ordering: .acquiring) }
    private let stopping = Atomic<Bool>(false)
    /// Set once `shutdown` has stopped accepting connections (an event tests wait on instead of sleeping).
    private let quiesced = Atomic<Bool>(false)
    private let requestsTotal: Counter
    private let requestSeconds: Histogram

    /// Failures of `start()`.
    public enum StartError: Error, Sendable, Equatable, CustomStringConvertible {
        case unresolvableHost(String)
        case daemonFailed(host: String, port: UInt16, errno: Int32)
        case alreadyRunning

        public var description: String {
            switch self {
            case .unresolvableHost(let host): return "cannot resolve bind host '\(host)'"
            case .daemonFailed(let host, let port, let code):
                return "cannot listen on \(host):\(port): \(String(cString: strerror(code)))"
            case .alreadyRunning: return "server already running"
            }
        }
    }

    /// - Parameters:
    ///   - configuration: where to listen and the limits.
    ///   - router: the routes (fixed once the server exists).
    ///   - metrics: where HTTP request metrics go; share it with the rest of the application.
    ///   - logger: receives libmicrohttpd's and the server's diagnostics (nil drops them).
    public init(
        configuration: ServerConfiguration, router: Router, metrics: MetricsRegistry = MetricsRegistry(),
        logger: (@Sendable (String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.router = router
        self.metrics = metrics
        self.logger = logger
        self.access = AccessControl(configuration: configuration)
        requestsTotal = metrics.counter(
            "mashup_http_requests_total", help: "HTTP requests by method, route and status.",
            labels: ["method", "route", "status"])
        requestSeconds = metrics.histogram(
            "mashup_http_request_duration_seconds",
            help: "HTTP request duration from head received to response sent, by route.",
            labels: ["route"])
    }

    /// The bound port (the ephemeral one when configured with port 0); 0 when not running.
    public var port: UInt16 { boundPort.load(ordering: .acquiring) }

    /// Requests between head received and response completed.
    public var inFlightRequests: Int { inFlight.load(ordering: .acquiring) }

    /// True between `start()` and `stop()`.
    public var isRunning: Bool { daemon.withLock { $0 != nil } }

    /// True while running and not yet draining for `shutdown` (new connections are then no longer served).
    public var isAccepting: Bool { isRunning && !quiesced.load(ordering: .acquiring) }

    /// Binds and starts serving. Throws `StartError`.
    public func start() throws {
        try daemon.withLock { handle in
            guard handle == nil else { throw StartError.alreadyRunning }
            var storage = try Self.bindAddress(host: configuration.host, port: configuration.port)
            let me = Unmanaged.passRetained(self)
            let flags =
                MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue
                | MHD_USE_POLL.rawValue | MHD_USE_ITC.rawValue | MHD_USE_ERROR_LOG.rawValue
            let started: OpaquePointer? = withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    var options = mhdshim_options(
                        address: address,
                        connection_timeout_s: UInt32(configuration.connectionTimeoutSeconds),
                        connection_limit: UInt32(configuration.maxConnections),
                        per_ip_connection_limit: UInt32(configuration.maxConnectionsPerClient),
                        connection_memory_limit: configuration.connectionMemoryLimitBytes,
                        completed: Self.completedHandler, completed_cls: me.toOpaque(),
                        log: Self.logHandler, log_cls: me.toOpaque())
                    return mhdshim_start(flags, Self.accessHandler, me.toOpaque(), &options)
                }
            }
            guard let started else {
                let code = errno
                me.release()
                throw StartError.daemonFailed(host: configuration.host, port: configuration.port, errno: code)
            }
            handle = DaemonHandle(pointer: started)
            boundPort.store(mhdshim_bound_port(started), ordering: .releasing)
            quiesced.store(false, ordering: .releasing)
        }
    }

    /// Stops at once: closes the listener and every connection (event streams are cancelled). Idempotent.
    public func stop() {
        let handle = daemon.withLock { current -> DaemonHandle? in
            defer { current = nil }
            return current
        }
        guard let handle else { return }
        stopping.store(true, ordering: .releasing)
        let running = handlerTasks.withLock { Array($0.values) }
        for task in running { task.cancel() }
        mhdshim_stop(handle.pointer)
        stopping.store(false, ordering: .releasing)
        boundPort.store(0, ordering: .releasing)
        Unmanaged.passUnretained(self).release()
    }

    /// Stops accepting connections, waits up to `gracePeriod` for requests in flight (including event streams) to
    /// complete, then stops. Returns true when nothing was cut off.
    @discardableResult
    public func shutdown(gracePeriod: Duration) async -> Bool {
        let quiesced = daemon.withLock { handle -> Bool in
            guard let handle else { return false }
            return mhdshim_quiesce(handle.pointer) == 0
        }
        if !quiesced { logger?("server: could not stop accepting before shutdown") }
        self.quiesced.store(true, ordering: .releasing)
        let deadline = ContinuousClock.now + gracePeriod
        while inFlightRequests > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let clean = inFlightRequests == 0
        stop()
        return clean
    }

    /// For `mashup serve`: starts the server if needed, waits for one of `signals` (SIGTERM, SIGINT), calls
    /// `onSignal` (e.g. refuse new jobs, cancel or drain renders), then `shutdown(gracePeriod:)`.
    /// Returns the signal received and whether the shutdown was clean.
    public func runUntilSignal(
        _ signals: [Int32] = [SIGTERM, SIGINT], gracePeriod: Duration = .seconds(30),
        onSignal: (@Sendable (Int32) async -> Void)? = nil
    ) async throws -> (signal: Int32, clean: Bool) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let watcher = ShutdownSignals(signals: signals) { continuation.yield($0) }
        defer { watcher.cancel() }
        if !isRunning { try start() }
        var received: Int32 = 0
        for await sig in stream {
            received = sig
            break
        }
        logger?("server: signal \(received), shutting down (grace \(gracePeriod))")
        await onSignal?(received)
        let clean = await shutdown(gracePeriod: gracePeriod)
        return (received, clean)
    }

    // MARK: - Binding

    static func bindAddress(host: String, port: UInt16) throws -> sockaddr_storage {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = streamSocketType
        var result: UnsafeMutablePointer<addrinfo>?
        let lookup = host == "*" ? "0.0.0.0" : host
        guard getaddrinfo(lookup, String(port), &hints, &result) == 0, let first = result,
            let address = first.pointee.ai_addr
        else {
            throw StartError.unresolvableHost(host)
        }
        defer { freeaddrinfo(first) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
        }
        return storage
    }

    // MARK: - C callbacks

    static let accessHandler: MHD_AccessHandlerCallback = {
        cls, connection, url, method, _, uploadData, uploadSize, conCls in
        guard let cls, let connection, let conCls, let uploadSize else { return .NO }
        let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
        return server.access(
            connection: connection, url: url.map { String(cString: $0) } ?? "/",
            method: method.map { String(cString: $0) } ?? "GET",
            uploadData: uploadData, uploadSize: uploadSize, contextSlot: conCls)
    }

    static let completedHandler: MHD_RequestCompletedCallback = { cls, _, conCls, termination in
        guard let cls, let conCls, let raw = conCls.pointee else { return }
        conCls.pointee = nil
        let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
        server.complete(context, termination: termination)
    }

    static let logHandler: mhdshim_log_fn = { cls, message in
        guard let cls, let message else { return }
        let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
        server.logger?("microhttpd: " + String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static let headerCollector: MHD_KeyValueIterator = { cls, _, key, value in
        guard let cls, let key else { return .YES }
        let sink = Unmanaged<PairSink>.fromOpaque(cls).takeUnretainedValue()
        sink.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
        return .YES
    }

    static let streamReader: MHD_ContentReaderCallback = { cls, _, buffer, capacity in
        guard let cls, let buffer else { return -2 }
        let stream = Unmanaged<EventStream>.fromOpaque(cls).takeUnretainedValue()
        return stream.read(capacity: capacity) { bytes in
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: source.count)
                }
            }
        }
    }

    static let streamReleased: MHD_ContentReaderFreeCallback = { cls in
        guard let cls else { return }
        Unmanaged<EventStream>.fromOpaque(cls).takeRetainedValue().readerReleased()
    }

    // MARK: - Request flow

    private func access(
        connection: OpaquePointer, url: String, method: String, uploadData: UnsafePointer<CChar>?,
        uploadSize: UnsafeMutablePointer<Int>, contextSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let raw = contextSlot.pointee else {
            inFlight.add(1, ordering: .acquiringAndReleasing)
            let context = RequestContext(method: method.uppercased(), path: url)
            contextSlot.pointee = Unmanaged.passRetained(context).toOpaque()
            if let refusal = admit(context, connection: connection) {
                return queue(refusal, context: context, connection: connection)
            }
            return .YES
        }
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()
        if context.responded {
            uploadSize.pointee = 0
            return .YES
        }
        if uploadSize.pointee > 0 {
            let count = uploadSize.pointee
            uploadSize.pointee = 0
            // The chunk is copied out of MHD's buffer only when it is kept (not once the body is over its limit).
            return context.receive(uploadData.map { Data(bytes: $0, count: count) }, count: count) ? .YES : .NO
        }
        if context.overflowed {
            return queue(.error(Self.tooLarge(context.bodyLimitBytes)), context: context, connection: connection)
        }
        guard let route = context.route else {
            return queue(.error(status: 500, "request without route"), context: context, connection: connection)
        }
        let request: HTTPRequest
        do {
            request = try context.makeRequest()
        } catch {
            return queue(
                .error(status: 500, "cannot read the request body: \(error)"), context: context, connection: connection)
        }
        let response = run(route.handler, request)
        return queue(response, context: context, connection: connection)
    }

    /// Checks a request whose head just arrived; a response means refuse at once.
    private func admit(_ context: RequestContext, connection: OpaquePointer) -> HTTPResponse? {
        var address = [CChar](repeating: 0, count: 64)
        if mhdshim_client_address(connection, &address, address.count) == 0 {
            context.remoteAddress = String(
                decoding: address.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let headerSink = PairSink()
        withExtendedLifetime(headerSink) {
            _ = MHD_get_connection_values(
                connection, .HEADER_KIND, Self.headerCollector, Unmanaged.passUnretained(headerSink).toOpaque())
        }
        context.headers = HTTPHeaders(headerSink.pairs)
        let querySink = PairSink()
        withExtendedLifetime(querySink) {
            _ = MHD_get_connection_values(
                connection, .GET_ARGUMENT_KIND, Self.headerCollector, Unmanaged.passUnretained(querySink).toOpaque())
        }
        for (name, value) in querySink.pairs { context.query[name] = value }

        let headByteCount = context.method.utf8.count + context.path.utf8.count + 12 + context.headers.wireByteCount
        if headByteCount > configuration.maxHeaderBytes {
            return .error(
                HTTPError(
                    status: 431,
                    "request head of \(headByteCount) bytes exceeds the limit of \(configuration.maxHeaderBytes)",
                    field: "headers"))
        }
        if let refusal = RequestFraming.refusal(
            for: context.headers, limitBytes: max(configuration.maxJSONBodyBytes, configuration.maxUploadBytes))
        {
            return .error(refusal)
        }
        if context.method == "OPTIONS" {
            var response = HTTPResponse.empty(status: 204)
            response.headers.set("Access-Control-Max-Age", "86400")
            return response
        }
        let segments = context.path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0 == ".." || $0 == "." }) || context.path.contains("\\")
            || !context.path.hasPrefix("/")
        {
            return .error(status: 400, "path must not contain '.' or '..' segments or backslashes", field: "path")
        }
        let match = router.match(method: context.method, path: context.path)
        var requiresAuthorization = true
        if case .found(let route, let parameters) = match {
            requiresAuthorization = route.options.requiresAuthorization
            context.route = route
            context.routeLabel = route.pattern
            context.parameters = parameters
        }
        let queryToken = context.route?.options.acceptsQueryToken == true ? context.query["token"] : nil
        if requiresAuthorization,
            let refusal = access.check(
                headers: context.headers, remoteAddress: context.remoteAddress, queryToken: queryToken)
        {
            return .error(refusal)
        }
        switch match {
        case .notFound:
            return .error(status: 404, "no route for \(context.method) \(context.path)", field: "path")
        case .methodNotAllowed(let allowed):
            return .error(
                HTTPError(
                    status: 405, "method \(context.method) not allowed for \(context.path)", field: "method",
                    headers: ["Allow": allowed.joined(separator: ", ")]))
        case .found:
            break
        }
        let limit: Int
        switch context.route!.options.bodyLimit {
        case .json: limit = configuration.maxJSONBodyBytes
        case .upload: limit = configuration.maxUploadBytes
        case .bytes(let n): limit = n
        }
        context.bodyLimitBytes = limit
        if let declared = context.headers["Content-Length"] {
            guard let length = Int(declared.trimmingCharacters(in: .whitespaces)), length >= 0 else {
                return .error(status: 400, "invalid Content-Length", field: "content-length")
            }
            if length > limit { return .error(Self.tooLarge(limit)) }
        }
        if context.route!.options.bodyLimit == .upload {
            do {
                try context.openSpool()
            } catch {
                return .error(status: 500, "cannot store the upload: \(error)")
            }
        }
        return nil
    }

    static func tooLarge(_ limit: Int) -> HTTPError {
        HTTPError(status: 413, "request body exceeds the limit of \(limit) bytes", field: "body")
    }

    /// Runs a handler to completion on this (connection) thread.
    func run(_ handler: RouteHandler, _ request: HTTPRequest) -> HTTPResponse {
        switch handler {
        case .sync(let body):
            do {
                return try body(request)
            } catch {
                return Self.response(for: error)
            }
        case .async(let body):
            return runAsync(body, request)
        }
    }

    /// The JSON refusal for an error thrown by a handler.
    static func response(for error: any Error) -> HTTPResponse {
        switch error {
        case let error as HTTPError: return .error(error)
        case let refusal as StoragePath.Refusal: return .error(refusal.httpError(field: "storage_path"))
        case let refusal as any HTTPRefusalConvertible: return .error(refusal.httpError)
        default: return .error(status: 500, "internal error: \(error)")
        }
    }

    /// Runs an async handler as a detached task and blocks this (connection) thread until it answers.
    /// The task is registered so `stop()` can cancel it: MHD joins connection threads on stop, and a handler that
    /// never returned would hang it.
    func runAsync(_ handler: @escaping HTTPHandler, _ request: HTTPRequest) -> HTTPResponse {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let id = UUID()
        let task = Task.detached {
            let response: HTTPResponse
            do {
                response = try await handler(request)
            } catch {
                response = Self.response(for: error)
            }
            box.value.withLock { $0 = response }
            done.signal()
        }
        let cancelNow = handlerTasks.withLock { tasks -> Bool in
            guard !handlersCancelled else { return true }
            tasks[id] = task
            return false
        }
        if cancelNow { task.cancel() }
        done.wait()
        handlerTasks.withLock { _ = $0.removeValue(forKey: id) }
        return box.value.withLock { $0 } ?? .error(status: 500, "handler produced no response")
    }

    /// Turns `response` into an MHD response and queues it.
    private func queue(_ response: HTTPResponse, context: RequestContext, connection: OpaquePointer) -> MHD_Result {
        var response = response
        addCORSHeaders(&response.headers)
        var mhdResponse: OpaquePointer?
        switch response.body {
        case .bytes(let data):
            mhdResponse = data.withUnsafeBytes { bytes in
                MHD_create_response_from_buffer(
                    bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
            }
        case .file(let url):
            let prepared = prepareFile(
                url, response: &response, rangeHeader: context.headers["Range"], method: context.method)
            mhdResponse = prepared
        case .eventStream(let stream):
            let socket = mhdshim_connection_fd(connection)
            stream.attach(socket: socket, defaultHeartbeat: configuration.heartbeatInterval)
            // A stream sends at least every heartbeat; allow two missed heartbeats before the idle cut.
            let heartbeat = stream.heartbeatInterval ?? configuration.heartbeatInterval
            let idleSeconds = max(configuration.connectionTimeoutSeconds, Int(EventStream.seconds(heartbeat) * 2) + 1)
            _ = mhdshim_set_connection_timeout(connection, UInt32(idleSeconds))
            let retained = Unmanaged.passRetained(stream).toOpaque()
            mhdResponse = MHD_create_response_from_callback(
                UInt64.max, 16 * 1024, Self.streamReader, retained, Self.streamReleased)
            if mhdResponse == nil { Self.streamReleased(retained) }
        }
        guard let mhdResponse else {
            logger?("server: cannot create a response for \(context.method) \(context.path)")
            return .NO
        }
        for (name, value) in response.headers {
            let lowered = name.lowercased()
            if lowered == "content-length" || lowered == "transfer-encoding" { continue }
            _ = MHD_add_response_header(mhdResponse, name, value)
        }
        context.status = response.status
        context.responded = true
        let result = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        MHD_destroy_response(mhdResponse)
        return result
    }

    /// Opens `url` for sending and applies the `Range` header; on failure rewrites `response` as an error.
    private func prepareFile(_ url: URL, response: inout HTTPResponse, rangeHeader: String?, method: String)
        -> OpaquePointer?
    {
        func fail(_ error: HTTPError) -> OpaquePointer? {
            let headers = response.headers
            response = .error(error)
            for (name, value) in headers where name.lowercased().hasPrefix("access-control-") {
                response.headers.set(name, value)
            }
            if let range = headers["Content-Range"] { response.headers.set("Content-Range", range) }
            let data = (try? error.body.encoded()) ?? Data()
            return data.withUnsafeBytes {
                MHD_create_response_from_buffer(
                    $0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress), .RESPMEM_MUST_COPY)
            }
        }
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return fail(.notFound("file not found", field: "path")) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return fail(.notFound("not a regular file", field: "path"))
        }
        let size = UInt64(info.st_size)
        response.headers.set("Accept-Ranges", "bytes")
        var offset: UInt64 = 0
        var length = size
        if response.status == 200 {
            switch ByteRange.resolve(rangeHeader, size: size) {
            case .whole:
                break
            case .partial(let range):
                response.status = 206
                response.headers.set("Content-Range", "bytes \(range.start)-\(range.end)/\(size)")
                offset = range.start
                length = range.length
            case .unsatisfiable:
                close(fd)
                response.headers.set("Content-Range", "bytes */\(size)")
                return fail(HTTPError(status: 416, "range not satisfiable for \(size) bytes", field: "range"))
            }
        }
        guard length > 0 else {
            close(fd)
            return MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)
        }
        guard let created = MHD_create_response_from_fd_at_offset64(length, fd, offset) else {
            close(fd)
            return nil
        }
        return created
    }

    private func addCORSHeaders(_ headers: inout HTTPHeaders) {
        headers.set("Access-Control-Allow-Origin", configuration.corsAllowOrigin)
        headers.set("Access-Control-Allow-Headers", "authorization, x-client-info, apikey, content-type, range")
        headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
        headers.set("Access-Control-Expose-Headers", "Content-Range, Accept-Ranges, Content-Length, Retry-After")
    }

    private func complete(_ context: RequestContext, termination: MHD_RequestTerminationCode) {
        let status = context.responded ? String(context.status) : "none"
        requestsTotal.increment(labels: [context.method, context.routeLabel, status])
        requestSeconds.observe(EventStream.seconds(ContinuousClock.now - context.started), labels: [context.routeLabel])
        context.discardSpool()
        inFlight.subtract(1, ordering: .acquiringAndReleasing)
        if termination != .REQUEST_TERMINATED_COMPLETED_OK && termination != .REQUEST_TERMINATED_DAEMON_SHUTDOWN {
            logger?("server: \(context.method) \(context.path) ended early (\(termination))")
        }
    }
}

/// The running daemon; only touched under the server's mutex.
struct DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Collects key/value pairs from `MHD_get_connection_values`.
final class PairSink {
    var pairs: [(String, String)] = []
}

/// Carries a handler's response from its task back to the connection thread.
final class ResponseBox: Sendable {
    let value = Mutex<HTTPResponse?>(nil)
}

/// `SOCK_STREAM` as the `Int32` that `addrinfo.ai_socktype` holds.
let streamSocketType = Int32(SOCK_STREAM.rawValue)
