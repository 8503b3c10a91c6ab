// URLSession on Linux (FoundationNetworking), as observed (docs/PLATFORM-NOTES §9):
// - `URLRequest.timeoutInterval` acts as an idle timeout, not a total one, so the total deadline is enforced
//   here by racing the exchange against a sleep.
// - A fractional `timeoutInterval` below 1 s made requests time out at once (observed: 0.3 s gave immediate
//   -1001 errors), so the idle timeout given to URLSession is whole seconds, at least 1, and never shorter than
//   the total; the race enforces the exact deadline.
// - Cancelling the Swift task does not cancel a completion-handler data task by itself: the cancellation
//   handler cancels the `URLSessionDataTask`.
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real transport: one `URLSession` (ephemeral: no cookies, no cache) shared by all calls.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    // `URLSession` is thread-safe; it is the only stored state and is never mutated.
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: TransportRequest, timeoutSeconds: Double) async throws -> TransportResponse {
        precondition(timeoutSeconds > 0, "timeout must be positive")
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.timeoutInterval = max(1, timeoutSeconds.rounded(.up))
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let session = self.session
        let sendable = SendableURLRequest(request: urlRequest)
        return try await withThrowingTaskGroup(of: TransportResponse.self) { group in
            group.addTask {
                try await Self.exchange(sendable.request, session: session, timeoutSeconds: timeoutSeconds)
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeoutSeconds * 1e9))
                throw HTTPTransportError.timedOut(seconds: timeoutSeconds)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw HTTPTransportError.network("no result") }
            return first
        }
    }

    private static func exchange(_ request: URLRequest, session: URLSession, timeoutSeconds: Double) async throws
        -> TransportResponse
    {
        let box = DataTaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<TransportResponse, any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: Self.transportError(error, timeoutSeconds: timeoutSeconds))
                        return
                    }
                    guard let http = response as? HTTPURLResponse else {
                        continuation.resume(throwing: HTTPTransportError.network("not an HTTP response"))
                        return
                    }
                    var headers: [String: String] = [:]
                    for (key, value) in http.allHeaderFields {
                        headers[String(describing: key)] = String(describing: value)
                    }
                    continuation.resume(
                        returning: TransportResponse(
                            statusCode: http.statusCode, headers: headers, body: data ?? Data()))
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
    }

    private static func transportError(_ error: any Error, timeoutSeconds: Double) -> any Error {
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return HTTPTransportError.timedOut(seconds: timeoutSeconds)
            case .cancelled: return CancellationError()
            default: return HTTPTransportError.network(urlError.localizedDescription)
            }
        }
        return HTTPTransportError.network(String(describing: error))
    }
}

/// `URLRequest` is a value type but not declared Sendable on Linux; it is copied once and never shared mutably.
private struct SendableURLRequest: @unchecked Sendable { let request: URLRequest }

/// Holds the data task so the cancellation handler can cancel it (possibly before it is set).
private final class DataTaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func set(_ task: URLSessionDataTask) {
        lock.lock()
        self.task = task
        let cancelNow = cancelled
        lock.unlock()
        if cancelNow { task.cancel() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}
