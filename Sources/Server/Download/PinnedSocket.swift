// Why this file uses unsafe pointers: the BSD socket calls (connect, poll, send, recv) take `sockaddr` structures
// and raw byte buffers; this type is the only TCP client of the project and hands back Swift `Data`.
//
// A TCP connection to one already-checked IP address (never a host name: nothing is resolved here), with an idle
// timeout on every wait and a cancel flag checked between short polls.
//
// C rules relied on here: the socket is non-blocking from creation (SOCK_NONBLOCK | SOCK_CLOEXEC); connect returns
// EINPROGRESS and completes when poll reports POLLOUT, with the outcome in SO_ERROR; send uses MSG_NOSIGNAL so a
// closed peer gives EPIPE instead of SIGPIPE; poll's timeout is in milliseconds.
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Errors of a pinned connection.
public enum PinnedSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(address: String, reason: String)
    case idleTimeout(seconds: Double)
    case io(String)
    case cancelled

    public var description: String {
        switch self {
        case .connectFailed(let address, let reason): "could not connect to \(address): \(reason)"
        case .idleTimeout(let seconds): "no data for \(String(format: "%g", seconds)) s (idle timeout)"
        case .io(let reason): "network error: \(reason)"
        case .cancelled: "cancelled"
        }
    }
}

/// A flag set from one thread (a cancellation handler, a watchdog) and read from another.
final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

/// One blocking-style connection (use from a dedicated thread).
final class PinnedSocket {
    private let fd: Int32
    let idleTimeoutSeconds: Double
    let cancelled: SharedFlag

    /// Connects to `address`:`port`. - Throws: `PinnedSocketError`.
    init(address: IPAddress, port: UInt16, idleTimeoutSeconds: Double, cancelled: SharedFlag) throws {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.cancelled = cancelled
        let family: Int32
        switch address {
        case .v4: family = AF_INET;
        case .v6: family = AF_INET6
        }
        fd = socket(
            family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw PinnedSocketError.connectFailed(address: "\(address)", reason: String(cString: strerror(errno)))
        }
        var result: Int32
        switch address {
        case .v4(let value):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = value.bigEndian
            result = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let bytes):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in
                for (index, byte) in bytes.prefix(16).enumerated() { raw[index] = byte }
            }
            result = withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        if result != 0 {
            guard errno == EINPROGRESS else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw PinnedSocketError.connectFailed(address: "\(address)", reason: reason)
            }
            do {
                try wait(for: Int16(POLLOUT))
            } catch {
                close(fd)
                throw error
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code != 0 {
                close(fd)
                throw PinnedSocketError.connectFailed(address: "\(address)", reason: String(cString: strerror(code)))
            }
        }
    }

    deinit { close(fd) }

    /// Sends all of `data`.
    func send(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if count > 0 { offset += count; continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { try wait(for: Int16(POLLOUT)); continue }
                if count < 0 && errno == EINTR { continue }
                throw PinnedSocketError.io(String(cString: strerror(errno)))
            }
        }
    }

    /// Reads up to `buffer.count` bytes into `buffer` (waiting for at least one byte).
    /// - Returns: the count, 0 at end of stream.
    func read(into buffer: inout [UInt8]) throws -> Int {
        try buffer.withUnsafeMutableBytes { try read(into: $0) }
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw PinnedSocketError.io(String(cString: strerror(errno)))
            }
            try wait(for: Int16(POLLIN))
        }
    }

    /// Waits until the socket is ready for `events`, in slices of at most 250 ms (checking the cancel flag).
    private func wait(for events: Int16) throws {
        var remainingMilliseconds = Int(idleTimeoutSeconds * 1000)
        while true {
            if cancelled.isSet { throw PinnedSocketError.cancelled }
            guard remainingMilliseconds > 0 else { throw PinnedSocketError.idleTimeout(seconds: idleTimeoutSeconds) }
            let slice = min(250, remainingMilliseconds)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(slice))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw PinnedSocketError.io(String(cString: strerror(errno))) }
            if ready == 0 { remainingMilliseconds -= slice }
        }
    }
}
