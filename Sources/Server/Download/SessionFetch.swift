// One https exchange through URLSession (FoundationNetworking: the only TLS client this build may use). The
// delegate refuses every redirect (the hop goes back to `GuardedDownloader`, which checks its target), streams the
// body to the file as it arrives, enforces the size bound while reading, and cancels on the first byte too many.
// `timeoutInterval` acts as an idle timeout here (PLATFORM-NOTES §9).
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct SessionFetch: Sendable {
    let url: URL
    let maximumBytes: Int
    let idleTimeoutSeconds: Double

    func run(into handle: FileHandle) async throws -> GuardedDownloader.Outcome {
        let delegate = SessionFetchDelegate(
            url: url, handle: handle, maximumBytes: maximumBytes,
            idleTimeoutSeconds: idleTimeoutSeconds)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        request.timeoutInterval = max(1, idleTimeoutSeconds.rounded(.up))
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("mashup/\(MashupServerVersion.string)", forHTTPHeaderField: "User-Agent")
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                delegate.start(task, continuation: continuation)
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// The delegate of one fetch; its mutable state is guarded by `lock` (URLSession calls it on its own queue).
final class SessionFetchDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let url: URL
    private let handle: FileHandle
    private let maximumBytes: Int
    private let idleTimeoutSeconds: Double
    private let lock = NSLock()
    private var written = 0
    private var redirect: String?
    private var failure: (any Error)?
    private var continuation: CheckedContinuation<GuardedDownloader.Outcome, any Error>?

    init(url: URL, handle: FileHandle, maximumBytes: Int, idleTimeoutSeconds: Double) {
        self.url = url
        self.handle = handle
        self.maximumBytes = maximumBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }

    func start(_ task: URLSessionDataTask, continuation: CheckedContinuation<GuardedDownloader.Outcome, any Error>) {
        lock.withLock { self.continuation = continuation }
        task.resume()
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        lock.withLock { redirect = request.url?.absoluteString ?? response.value(forHTTPHeaderField: "Location") }
        completionHandler(nil)
        task.cancel()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let text = url.absoluteString
        guard let http = response as? HTTPURLResponse else {
            fail(DownloadError.malformedResponse(url: text, reason: "not an HTTP response"))
            completionHandler(.cancel)
            return
        }
        if [301, 302, 303, 307, 308].contains(http.statusCode) {
            lock.withLock { redirect = redirect ?? http.value(forHTTPHeaderField: "Location") }
            completionHandler(.cancel)
            return
        }
        guard (200...299).contains(http.statusCode) else {
            fail(DownloadError.status(url: text, code: http.statusCode))
            completionHandler(.cancel)
            return
        }
        if http.expectedContentLength > Int64(maximumBytes) {
            fail(DownloadError.tooLarge(url: text, limitBytes: maximumBytes))
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = lock.withLock { () -> Bool in
            guard failure == nil else { return false }
            written += data.count
            if written > maximumBytes { return true }
            handle.write(data)
            return false
        }
        if over {
            fail(DownloadError.tooLarge(url: url.absoluteString, limitBytes: maximumBytes))
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let text = url.absoluteString
        let (continuation, outcome) = lock.withLock {
            () -> (
                CheckedContinuation<GuardedDownloader.Outcome, any Error>?, Result<GuardedDownloader.Outcome, any Error>
            ) in
            let continuation = self.continuation
            self.continuation = nil
            if let failure { return (continuation, .failure(failure)) }
            if let redirect { return (continuation, .success(.redirect(location: redirect))) }
            if let error {
                if let urlError = error as? URLError {
                    switch urlError.code {
                    case .timedOut:
                        return (
                            continuation, .failure(DownloadError.idleTimeout(url: text, seconds: idleTimeoutSeconds))
                        )
                    case .cancelled: return (continuation, .failure(CancellationError()))
                    default: break
                    }
                }
                return (continuation, .failure(DownloadError.network(url: text, reason: error.localizedDescription)))
            }
            return (continuation, .success(.complete(bytes: written)))
        }
        continuation?.resume(with: outcome)
    }

    private func fail(_ error: DownloadError) {
        lock.withLock { if failure == nil { failure = error } }
    }
}
