import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGTERM/SIGINT into a callback (DispatchSource), for `mashup serve`'s graceful shutdown.
///
/// The signals' default actions are disabled while a watcher lives; `cancel()` restores them.
public final class ShutdownSignals: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let signals: [Int32]
    private let lock = NSLock()
    private var cancelled = false

    /// Calls `handler(signal)` on `queue` each time one of `signals` arrives. Returns once the sources are
    /// registered, so a signal sent after `init` returns is delivered (not lost to the ignored default action).
    /// `queue` must not be the caller's own serial queue (the registration runs on it).
    public init(
        signals: [Int32] = [SIGTERM, SIGINT], queue: DispatchQueue = DispatchQueue(label: "mashup.signals"),
        handler: @escaping @Sendable (Int32) -> Void
    ) {
        self.signals = signals
        var made: [DispatchSourceSignal] = []
        let registered = DispatchGroup()
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { handler(sig) }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            made.append(source)
        }
        registered.wait()
        sources = made
    }

    /// Stops watching and restores the default signal actions.
    public func cancel() {
        lock.lock()
        defer { lock.unlock() }
        guard !cancelled else { return }
        cancelled = true
        for source in sources { source.cancel() }
        for sig in signals { signal(sig, SIG_DFL) }
    }

    deinit { cancel() }

    /// Waits for the first of `signals` and returns it (the watcher is cancelled afterwards).
    public static func waitForSignal(_ signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let watcher = ShutdownSignals(signals: signals) { continuation.yield($0) }
        defer { watcher.cancel() }
        for await sig in stream { return sig }
        return 0
    }
}
