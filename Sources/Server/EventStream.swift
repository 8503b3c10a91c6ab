// Server-sent events (text/event-stream) fed by a producer and drained by libmicrohttpd.
//
// Design: a byte queue guarded by an NSCondition. The producer (any thread or task) appends framed events;
// libmicrohttpd's content-reader callback runs on the connection's own thread (thread-per-connection mode, where
// blocking there is allowed) and waits on the condition in slices of `peerCheckInterval`. Between slices it
// polls the socket for a hang-up, so a client that goes away is noticed within about one slice even when
// nothing is being written, and queues a `: keep-alive` comment when nothing was sent for `heartbeatInterval`.
// A disconnect, a server stop or an overfull queue cancels the stream exactly once and runs the cancel handlers.
import CMHDShim
import Foundation
import MashupModel

/// A server-sent event stream: a handler creates one, returns `HTTPResponse.eventStream(stream)`, and a producer
/// calls `send` as things happen, then `finish()`.
///
/// Each event is written as `data: <line>\n` per line of the payload plus a blank line. When the client
/// disconnects before `finish()` has been delivered, `isCancelled` becomes true, further sends return false and
/// the `onCancel` handlers run (once, on the connection thread).
public final class EventStream: @unchecked Sendable {
    /// Idle time after which a `: keep-alive` comment is sent; nil uses `ServerConfiguration.heartbeatInterval`.
    public let heartbeatInterval: Duration?
    /// Bytes queued but not yet taken by the connection above which the client is considered too slow and the
    /// stream is cancelled (bounded memory per stream).
    public let maxBufferedBytes: Int
    /// How often the waiting reader checks the socket for a client hang-up.
    static let peerCheckInterval: Duration = .milliseconds(100)

    private let condition = NSCondition()
    private var queue: [UInt8] = []
    private var queueStart = 0
    private var finished = false
    private var cancelled = false
    private var released = false
    private var cancelHandlers: [@Sendable () -> Void] = []
    private var socket: Int32 = -1
    private var effectiveHeartbeat: Duration = .seconds(15)
    private var lastWrite = ContinuousClock.now

    /// - Parameters:
    ///   - heartbeatInterval: idle time before a keep-alive comment; nil takes the server's configuration.
    ///   - maxBufferedBytes: queue bound in bytes (default 8 MiB).
    public init(heartbeatInterval: Duration? = nil, maxBufferedBytes: Int = 8 << 20) {
        precondition(heartbeatInterval.map { $0 > .zero } ?? true, "heartbeat interval must be positive")
        self.heartbeatInterval = heartbeatInterval
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// True once the client disconnected, the server stopped, or `cancel()` was called.
    public var isCancelled: Bool {
        condition.lock(); defer { condition.unlock() }
        return cancelled
    }

    /// True once `finish()` was called.
    public var isFinished: Bool {
        condition.lock(); defer { condition.unlock() }
        return finished
    }

    /// Sends one event. `data` may span lines (each becomes a `data:` line). Returns false when the stream is
    /// cancelled or finished (the event is dropped).
    @discardableResult
    public func send(data: String, event: String? = nil, id: String? = nil) -> Bool {
        var text = ""
        if let event { text += "event: \(Self.singleLine(event))\n" }
        if let id { text += "id: \(Self.singleLine(id))\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line.hasSuffix("\r") ? line.dropLast() : line)\n"
        }
        text += "\n"
        return enqueue(Array(text.utf8))
    }

    /// Sends `value` as one compact JSON event (`data: {...}`).
    @discardableResult
    public func send(json value: JSONValue) -> Bool {
        guard let data = try? value.encoded() else { return false }
        return send(data: String(decoding: data, as: UTF8.self))
    }

    /// Sends an `Encodable` value as one compact JSON event with sorted keys.
    @discardableResult
    public func send<T: Encodable>(encoding value: T) -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return false }
        return send(data: String(decoding: data, as: UTF8.self))
    }

    /// Sends a comment line (`: text`), which clients ignore.
    @discardableResult
    public func comment(_ text: String) -> Bool {
        enqueue(Array(": \(Self.singleLine(text))\n\n".utf8))
    }

    /// Ends the stream normally once everything queued has been sent.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Registers a handler run once when the stream is cancelled before it was completely delivered
    /// (client disconnect, server stop, overfull queue, `cancel()`). Runs at once if already cancelled.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        condition.lock()
        if cancelled {
            condition.unlock()
            handler()
            return
        }
        cancelHandlers.append(handler)
        condition.unlock()
    }

    /// Cancels the stream: the connection is closed and the cancel handlers run.
    public func cancel() {
        condition.lock()
        let handlers = markCancelledLocked()
        condition.unlock()
        handlers.forEach { $0() }
    }

    // MARK: - Server side

    /// Binds the stream to its connection socket and the server's default heartbeat.
    func attach(socket: Int32, defaultHeartbeat: Duration) {
        condition.lock()
        self.socket = socket
        effectiveHeartbeat = heartbeatInterval ?? defaultHeartbeat
        lastWrite = .now
        condition.unlock()
    }

    /// The content-reader body: hands up to `capacity` bytes to `deliver` (which copies them into MHD's buffer),
    /// blocking until there are some. - Returns: the byte count, -1 at the normal end, -2 to abort the connection.
    func read(capacity: Int, deliver: (ArraySlice<UInt8>) -> Void) -> Int {
        condition.lock()
        while true {
            if cancelled {
                condition.unlock()
                return -2
            }
            let available = queue.count - queueStart
            if available > 0 {
                let count = min(available, capacity)
                deliver(queue[queueStart..<queueStart + count])
                queueStart += count
                if queueStart == queue.count {
                    queue.removeAll(keepingCapacity: true)
                    queueStart = 0
                }
                lastWrite = .now
                condition.unlock()
                return count
            }
            if finished {
                condition.unlock()
                return -1
            }
            let now = ContinuousClock.now
            let heartbeatDue = lastWrite + effectiveHeartbeat
            if now >= heartbeatDue {
                queue.append(contentsOf: Array(": keep-alive\n\n".utf8))
                continue
            }
            let wake = min(heartbeatDue, now + Self.peerCheckInterval)
            _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(wake - now)))
            if queue.count == queueStart, !finished, !cancelled, mhdshim_peer_closed(socket) != 0 {
                let handlers = markCancelledLocked()
                condition.unlock()
                handlers.forEach { $0() }
                return -2
            }
        }
    }

    /// Called when libmicrohttpd frees the response: an undelivered stream counts as cancelled.
    func readerReleased() {
        condition.lock()
        released = true
        let complete = finished && queue.count == queueStart
        let handlers = complete ? [] : markCancelledLocked()
        condition.unlock()
        handlers.forEach { $0() }
    }

    // MARK: - Private

    private func enqueue(_ bytes: [UInt8]) -> Bool {
        condition.lock()
        guard !cancelled, !finished, !released else {
            condition.unlock()
            return false
        }
        if queue.count - queueStart + bytes.count > maxBufferedBytes {
            let handlers = markCancelledLocked()
            condition.unlock()
            handlers.forEach { $0() }
            return false
        }
        queue.append(contentsOf: bytes)
        condition.broadcast()
        condition.unlock()
        return true
    }

    /// Sets the cancelled state (lock held) and returns the handlers to run after unlocking.
    private func markCancelledLocked() -> [@Sendable () -> Void] {
        guard !cancelled else { return [] }
        cancelled = true
        condition.broadcast()
        let handlers = cancelHandlers
        cancelHandlers.removeAll()
        return handlers
    }

    private static func singleLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
