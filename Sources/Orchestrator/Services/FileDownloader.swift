// Downloads of songs and stems by URL: GET with the common headers (tunnel bypass, optional bearer), the
// contract's 30 s timeout, the retry policy (429/5xx/network/timeouts), a size bound, and an atomic write
// (a partial file never appears at the destination). Only http and https URLs are fetched.
// The body is held in memory and its size checked after it arrived, and URLSession resolves and follows redirects
// itself: this is for trusted, configured hosts only. Song URLs from requests go through the server's
// `GuardedDownloader` (checked addresses, pinned http connections, checked redirects, streamed size bound).
import Foundation

/// Fetches files over HTTP into the local file system.
public struct FileDownloader: Sendable {
    public let caller: ServiceCaller
    /// Largest body accepted, in bytes.
    public let maximumBytes: Int

    /// - Parameters:
    ///   - timeoutSeconds: per attempt (contract: 30).
    ///   - maximumBytes: largest file accepted (default 200 MB).
    public init(
        transport: any HTTPTransport, timeoutSeconds: Double = 30, maximumBytes: Int = 200 * 1_048_576,
        retryPolicy: RetryPolicy = .standard, clock: any OrchestratorClock = SystemClock(),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        // The endpoint's base URL is unused: every request names its own URL. Downloads go to many hosts, so no
        // breaker should open on one host's failures: the threshold is out of reach.
        let endpoint = ServiceEndpoint(baseURL: URL(string: "http://127.0.0.1")!, timeoutSeconds: timeoutSeconds)
        let breaker = CircuitBreaker(
            serviceName: "download", failureThreshold: Int.max, openDurationSeconds: 0, clock: clock)
        caller = ServiceCaller(
            service: .download, endpoint: endpoint, transport: transport, retryPolicy: retryPolicy,
            breaker: breaker, clock: clock, unitRandom: unitRandom)
        self.maximumBytes = maximumBytes
    }

    /// Downloads `url` to `destination` (replaced atomically).
    /// - Parameter bearerToken: sent as `Authorization: Bearer` (e.g. a storage service key).
    /// - Returns: the number of bytes written.
    /// - Throws: `ServiceError` for service `.download` (`.invalidData` for a non-http(s) URL or an empty body,
    ///   `.requestTooLarge` above the size bound), file-system errors, `CancellationError`.
    @discardableResult
    public func download(_ url: URL, to destination: URL, bearerToken: String? = nil) async throws -> Int {
        guard let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw ServiceError(
                service: .download, kind: .invalidData(field: "url", reason: "\(url.absoluteString) is not http(s)"),
                attempts: 0)
        }
        var headers = ServiceCaller.commonHeaders(bearerToken: bearerToken)
        headers["Content-Type"] = nil
        headers["Accept"] = "*/*"
        let request = TransportRequest(method: "GET", url: url, headers: headers)
        let limit = maximumBytes
        let body = try await caller.send(request) { response -> Data in
            guard !response.body.isEmpty else { throw ResponseValidationError(field: "body", reason: "is empty") }
            guard response.body.count <= limit else {
                throw ServiceError(
                    service: .download, kind: .requestTooLarge(bytes: response.body.count, limitBytes: limit),
                    attempts: 1)
            }
            return response.body
        }
        try body.write(to: destination, options: .atomic)
        return body.count
    }
}
