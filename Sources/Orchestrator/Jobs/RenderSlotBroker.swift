import Foundation

/// A source of render slots other than the node's `RenderLimiter`: a worker process of `mashup serve` asks its
/// parent, which holds the node's limiter, so the render limit counts renders across every worker.
public protocol RenderSlotBroker: Sendable {
    /// Waits until a slot is held. - Throws: `CancellationError` (no slot is then held), transport errors.
    func acquire() async throws
    /// Gives the slot back.
    func release() async
}
