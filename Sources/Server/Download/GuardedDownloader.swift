// Downloads of song URLs that cannot be steered to internal addresses (server-side request forgery):
// - The host is resolved ONCE per hop (getaddrinfo) and every address it resolves to is checked by `URLPolicy`
//   (loopback, link-local incl. 169.254.169.254, private, unspecified, multicast, reserved, IPv4-mapped forms).
// - http: the request goes over a socket to the checked address itself (`PinnedSocket`, Host header = the name),
//   so a second, different DNS answer cannot be used.
// - https: FoundationNetworking's URLSession is the only TLS client available; it resolves the name again itself.
//   The same check runs just before, and redirects are never followed by URLSession: each hop comes back here and
//   is checked. Residual risk (a DNS answer that changes between the check and URLSession's own lookup) is
//   documented in docs/README-server.md.
// - Redirects: followed by hand, at most `maximumRedirects`, every target checked like the first URL.
// - The body streams to a temporary file beside the destination, renamed into place only when complete; the size
//   bound is enforced while reading (and from Content-Length before), and every wait has an idle timeout.
import Foundation
import Orchestrator
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Fetches song URLs under a `URLPolicy`.
public struct GuardedDownloader: Sendable {
    public var policy: URLPolicy
    /// Largest body accepted, in bytes (default: the upload limit, 200 MiB).
    public var maximumBytes: Int = 200 * 1_048_576
    /// Longest wait for any progress (connect, head, each read), in seconds.
    public var idleTimeoutSeconds: Double = 30
    /// Redirects followed at most.
    public var maximumRedirects: Int = 5
    /// Attempts per hop for transient failures (network, idle timeout, 5xx, 429).
    public var attempts: Int = 3

    public init(policy: URLPolicy, maximumBytes: Int = 200 * 1_048_576) {
        self.policy = policy
        self.maximumBytes = maximumBytes
    }

    /// Downloads `text` to `destination` (which appears only when the whole body arrived).
    /// - Parameter field: the request field named in refusals (`songs[0].url`).
    /// - Returns: the number of bytes written.
    /// - Throws: `DownloadError`, `HTTPError` 400 for a URL the policy refuses, `CancellationError`.
    @discardableResult
    public func download(_ text: String, field: String, to destination: URL) async throws -> Int {
        var current = text
        var redirects = 0
        while true {
            let (url, addresses) = try policy.check(current, field: field)
            let outcome = try await fetchWithRetries(url, addresses: addresses, destination: destination)
            switch outcome {
            case .complete(let bytes):
                return bytes
            case .redirect(let location):
                redirects += 1
                guard redirects <= maximumRedirects else {
                    throw DownloadError.tooManyRedirects(url: text, limit: maximumRedirects)
                }
                guard let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                    throw DownloadError.malformedResponse(
                        url: url.absoluteString, reason: "redirect to an unreadable Location")
                }
                do {
                    _ = try policy.check(next.absoluteString, field: field)
                } catch let refusal as HTTPError {
                    throw DownloadError.refused(
                        url: next.absoluteString, reason: "redirect target: \(refusal.message)",
                        field: field)
                }
                current = next.absoluteString
            }
        }
    }

    enum Outcome: Sendable {
        case complete(bytes: Int)
        case redirect(location: String)
    }

    private func fetchWithRetries(_ url: URL, addresses: [IPAddress], destination: URL) async throws -> Outcome {
        var attempt = 1
        while true {
            do {
                return try await fetch(url, addresses: addresses, destination: destination)
            } catch let error as DownloadError where error.isTransient && attempt < attempts {
                try await Task.sleep(for: .seconds(Double(attempt)))
                attempt += 1
            }
        }
    }

    private func fetch(_ url: URL, addresses: [IPAddress], destination: URL) async throws -> Outcome {
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).part-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary.path)
        else {
            throw DownloadError.network(url: url.absoluteString, reason: "cannot write \(temporary.path)")
        }
        let outcome: Outcome
        do {
            if url.scheme?.lowercased() == "http" {
                outcome = try await PinnedHTTPFetch(
                    url: url, addresses: addresses, maximumBytes: maximumBytes,
                    idleTimeoutSeconds: idleTimeoutSeconds
                ).run(into: handle)
            } else {
                outcome = try await SessionFetch(
                    url: url, maximumBytes: maximumBytes,
                    idleTimeoutSeconds: idleTimeoutSeconds
                ).run(into: handle)
            }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        if case .complete(let bytes) = outcome {
            guard bytes > 0 else {
                throw DownloadError.malformedResponse(url: url.absoluteString, reason: "empty body")
            }
            _ = try? FileManager.default.removeItem(at: destination)
            try FileManager.default.moveItem(at: temporary, to: destination)
        }
        return outcome
    }
}
