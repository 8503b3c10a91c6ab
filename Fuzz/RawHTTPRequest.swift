import Foundation
import Server

/// Raw HTTP/1.1 request text into the `HTTPRequest` a handler sees, as libmicrohttpd hands it over: the request
/// line, `Name: value` headers up to an empty line, the query decoded, the rest as the body. Bounded: at most 100
/// headers and 64 KiB of head; nil for text with no request line.
enum RawHTTPRequest {
    static func parse(_ data: Data) -> HTTPRequest? {
        let bytes = [UInt8](data)
        var headEnd = bytes.count
        var bodyStart = bytes.count
        if bytes.count >= 4 {
            for i in 0...(bytes.count - 4)
            where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                headEnd = i
                bodyStart = i + 4
                break
            }
        }
        guard headEnd <= 65_536 else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count >= 2 else { return nil }
        let target = String(requestLine[1])
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&").prefix(100) {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                query[key] = kv.count == 2 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            }
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst().prefix(100) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return HTTPRequest(
            method: String(requestLine[0]).uppercased(), path: path, query: query,
            headers: HTTPHeaders(headers), body: Data(bytes[bodyStart...]))
    }
}
