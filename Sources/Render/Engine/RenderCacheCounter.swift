import Foundation
import Synchronization

/// Counts the cache hits of one render by kind ("stretch", and "analysis"/"stems" from cached providers). The engine
/// binds a counter to `current` for the duration of a render; the providers it calls (in child tasks, which inherit
/// the binding) count into it, so concurrent renders sharing one cache still get their own figures.
public final class RenderCacheCounter: Sendable {
    /// The counter of the render running in this task, if any.
    @TaskLocal public static var current: RenderCacheCounter?

    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    /// Counts one hit of `kind`.
    public func hit(_ kind: String) {
        counts.withLock { $0[kind, default: 0] += 1 }
    }

    /// Hits so far by kind.
    public var hits: [String: Int] { counts.withLock { $0 } }
}
