import Foundation
import Render

/// A cache whose hits and misses since start a face can export (the server's metrics), without naming its type.
public protocol HitMissCounting: Sendable {
    /// Hits and misses since the cache was made.
    var hitMissCounts: (hits: Int, misses: Int) { get }
}

extension StretchCache: HitMissCounting {
    public var hitMissCounts: (hits: Int, misses: Int) {
        let stats = statistics
        return (stats.hits, stats.misses)
    }
}
