import Foundation

/// One http exchange over a socket to a checked address.
struct PinnedHTTPFetch: Sendable {
    let url: URL
    let addresses: [IPAddress]
    let maximumBytes: Int
    let idleTimeoutSeconds: Double
    static let maximumHeadBytes = 65_536

    func run(into handle: FileHandle) async throws -> GuardedDownloader.Outcome {
        let cancelled = SharedFlag()
        let box = HandleBox(handle: handle)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<GuardedDownloader.Outcome, any Error>) in
                Thread.detachNewThread {
                    continuation.resume(with: Result { try self.exchange(into: box.handle, cancelled: cancelled) })
                }
            }
        } onCancel: {
            cancelled.set()
        }
    }

    private func exchange(into handle: FileHandle, cancelled: SharedFlag) throws -> GuardedDownloader.Outcome {
        let text = url.absoluteString
        guard let host = url.host, !addresses.isEmpty else {
            throw DownloadError.network(url: text, reason: "no address")
        }
        let port = UInt16(url.port ?? 80)
        var socket: PinnedSocket?
        var lastError: (any Error)?
        for address in addresses {
            do {
                socket = try PinnedSocket(
                    address: address, port: port, idleTimeoutSeconds: idleTimeoutSeconds,
                    cancelled: cancelled)
                break
            } catch {
                lastError = error
            }
        }
        guard let socket else { throw translate(lastError ?? PinnedSocketError.io("no address"), url: text) }
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        let hostHeader =
            url.port.map { "\(host.contains(":") ? "[\(host)]" : host):\($0)" }
            ?? (host.contains(":") ? "[\(host)]" : host)
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: mashup/\(MashupServerVersion.string)\r\n"
            + "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
        do {
            try socket.send(Data(request.utf8))
            return try readResponse(from: socket, into: handle)
        } catch let error as PinnedSocketError {
            throw translate(error, url: text)
        }
    }

    private func translate(_ error: any Error, url text: String) -> any Error {
        switch error as? PinnedSocketError {
        case .idleTimeout(let seconds): return DownloadError.idleTimeout(url: text, seconds: seconds)
        case .cancelled: return CancellationError()
        case .some(let other): return DownloadError.network(url: text, reason: other.description)
        case .none: return error
        }
    }

    private func readResponse(from socket: PinnedSocket, into handle: FileHandle) throws -> GuardedDownloader.Outcome {
        let text = url.absoluteString
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func fill() throws -> Bool {
            let count = try socket.read(into: &buffer)
            if count == 0 { return false }
            pending.append(contentsOf: buffer[0..<count])
            return true
        }
        var headEnd: Range<Data.Index>?
        while headEnd == nil {
            headEnd = pending.range(of: Data("\r\n\r\n".utf8))
            if headEnd != nil { break }
            guard pending.count <= Self.maximumHeadBytes else {
                throw DownloadError.malformedResponse(
                    url: text, reason: "response head over \(Self.maximumHeadBytes) bytes")
            }
            guard try fill() else {
                throw DownloadError.malformedResponse(url: text, reason: "connection closed before the head ended")
            }
        }
        let head = String(decoding: pending[pending.startIndex..<headEnd!.lowerBound], as: UTF8.self)
        pending.removeSubrange(pending.startIndex..<headEnd!.upperBound)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw DownloadError.malformedResponse(url: text, reason: "status line '\(lines[0].prefix(80))'")
        }
        var headers: [String: [String]] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased().trimmingCharacters(in: .whitespaces), default: []]
                .append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if [301, 302, 303, 307, 308].contains(status) {
            guard let location = headers["location"]?.first, !location.isEmpty else {
                throw DownloadError.malformedResponse(url: text, reason: "redirect \(status) without Location")
            }
            return .redirect(location: location)
        }
        guard (200...299).contains(status) else { throw DownloadError.status(url: text, code: status) }

        var written = 0
        func emit(_ bytes: Data) throws {
            written += bytes.count
            guard written <= maximumBytes else { throw DownloadError.tooLarge(url: text, limitBytes: maximumBytes) }
            handle.write(bytes)
        }
        if let encoding = headers["transfer-encoding"]?.joined(separator: ",").lowercased() {
            guard encoding.trimmingCharacters(in: .whitespaces) == "chunked" else {
                throw DownloadError.malformedResponse(url: text, reason: "Transfer-Encoding '\(encoding.prefix(40))'")
            }
            var remaining = 0 // bytes left in the current chunk
            var needsCRLF = false
            while true {
                if remaining > 0 {
                    if pending.isEmpty, try !fill() {
                        throw DownloadError.malformedResponse(url: text, reason: "chunked body cut short")
                    }
                    let take = min(remaining, pending.count)
                    try emit(Data(pending.prefix(take)))
                    pending.removeFirst(take)
                    remaining -= take
                    if remaining == 0 { needsCRLF = true }
                    continue
                }
                guard let lineEnd = pending.range(of: Data("\r\n".utf8)) else {
                    guard pending.count <= 1024 else {
                        throw DownloadError.malformedResponse(url: text, reason: "chunk size line too long")
                    }
                    guard try fill() else {
                        throw DownloadError.malformedResponse(url: text, reason: "chunked body cut short")
                    }
                    continue
                }
                let line = String(decoding: pending[pending.startIndex..<lineEnd.lowerBound], as: UTF8.self)
                pending.removeSubrange(pending.startIndex..<lineEnd.upperBound)
                if needsCRLF {
                    guard line.isEmpty else {
                        throw DownloadError.malformedResponse(url: text, reason: "chunk not followed by CRLF")
                    }
                    needsCRLF = false
                    continue
                }
                let sizeText =
                    line.split(separator: ";", maxSplits: 1).first.map(String.init)?.trimmingCharacters(
                        in: .whitespaces) ?? ""
                guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16) else {
                    throw DownloadError.malformedResponse(url: text, reason: "chunk size '\(sizeText.prefix(20))'")
                }
                if size == 0 { return .complete(bytes: written) }
                guard written + size <= maximumBytes else {
                    throw DownloadError.tooLarge(url: text, limitBytes: maximumBytes)
                }
                remaining = size
            }
        }
        if let lengths = headers["content-length"] {
            guard lengths.count == 1, let length = Int(lengths[0]), length >= 0 else {
                throw DownloadError.malformedResponse(
                    url: text, reason: "Content-Length '\(lengths.joined(separator: ","))'")
            }
            guard length <= maximumBytes else { throw DownloadError.tooLarge(url: text, limitBytes: maximumBytes) }
            while true {
                let take = min(length - written, pending.count)
                if take > 0 { try emit(Data(pending.prefix(take))); pending.removeFirst(take) }
                if written == length { return .complete(bytes: written) }
                guard try fill() else {
                    throw DownloadError.malformedResponse(
                        url: text, reason: "body cut short at \(written) of \(length) bytes")
                }
            }
        }
        // Close-delimited body.
        while true {
            if !pending.isEmpty { try emit(pending); pending.removeAll() }
            guard try fill() else { return .complete(bytes: written) }
        }
    }
}

/// Lets a FileHandle cross to the fetching thread (used by one thread at a time).
struct HandleBox: @unchecked Sendable {
    let handle: FileHandle
}

/// The version sent as User-Agent by the server's own clients.
enum MashupServerVersion {
    static let string = "0.1.0"
}
