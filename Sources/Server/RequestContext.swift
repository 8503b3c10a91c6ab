import Foundation

/// Per-request state between libmicrohttpd's calls of the access handler. Touched only by the request's
/// connection thread (thread-per-connection mode), created on the first call, released on completion.
final class RequestContext {
    let method: String
    let path: String
    let started = ContinuousClock.now
    var remoteAddress = ""
    var headers = HTTPHeaders()
    var query: [String: String] = [:]
    var route: Route?
    /// The matched pattern, or "unmatched" (bounded label set for metrics).
    var routeLabel = "unmatched"
    var parameters: [String: String] = [:]
    var bodyLimitBytes = 0
    var receivedBytes = 0
    var overflowed = false
    var body = Data()
    var status = 0
    var responded = false
    private var spool: FileHandle?
    private(set) var spoolURL: URL?

    /// Body bytes beyond the limit that are still read (and dropped) so the 413 can be answered on a clean
    /// connection; past this the connection is simply closed.
    static let discardAllowanceBytes = 1 << 20

    init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    /// Creates the temporary file an upload route's body goes to.
    func openSpool() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        spool = try FileHandle(forWritingTo: url)
        spoolURL = url
    }

    /// Takes one chunk of body, `count` bytes (`chunk` is evaluated only while the body is within its limit).
    /// Returns false to make MHD close the connection (far over the limit, or a write failed).
    func receive(_ chunk: @autoclosure () -> Data?, count: Int) -> Bool {
        receivedBytes += count
        if receivedBytes > bodyLimitBytes {
            overflowed = true
            body = Data()
            return receivedBytes <= bodyLimitBytes + Self.discardAllowanceBytes
        }
        guard let chunk = chunk() else { return true }
        if let spool {
            do { try spool.write(contentsOf: chunk) } catch { return false }
        } else {
            body.append(contentsOf: chunk)
        }
        return true
    }

    func makeRequest() throws -> HTTPRequest {
        try spool?.synchronize()
        try spool?.close()
        spool = nil
        return HTTPRequest(
            method: method, path: path, query: query, headers: headers, body: body, bodyFile: spoolURL,
            remoteAddress: remoteAddress, pathParameters: parameters)
    }

    /// Deletes the upload's temporary file if the handler left it there.
    func discardSpool() {
        try? spool?.close()
        spool = nil
        if let spoolURL { try? FileManager.default.removeItem(at: spoolURL) }
        spoolURL = nil
    }
}
