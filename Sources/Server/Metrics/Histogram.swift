import Foundation
import Synchronization

/// Observations counted into cumulative buckets per label set (Prometheus `histogram`: `_bucket{le=...}`,
/// `_sum`, `_count`).
public final class Histogram: MetricFamily {
    /// Default bounds in seconds, for request and render durations (5 ms ... 10 min).
    public static let defaultBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
    ]

    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Upper bounds, ascending, without `+Inf`.
    public let buckets: [Double]

    private struct Series {
        var counts: [UInt64] // per bucket, not cumulative; last is +Inf
        var sum: Double = 0
        var count: UInt64 = 0
    }

    private let series = Mutex<[[String]: Series]>([:])

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        precondition(
            !buckets.isEmpty && zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "buckets must ascend")
        precondition(!labelNames.contains("le"), "'le' is reserved for histogram buckets")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
    }

    /// Records one observation `value` for the series with `labels`.
    public func observe(_ value: Double, labels: [String] = []) {
        Exposition.checkLabels(labels, labelNames, name)
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        series.withLock { table in
            var s = table[labels] ?? Series(counts: Array(repeating: 0, count: buckets.count + 1))
            s.counts[index] += 1
            s.sum += value
            s.count += 1
            table[labels] = s
        }
    }

    /// Number of observations of the series with `labels`.
    public func count(labels: [String] = []) -> UInt64 {
        series.withLock { $0[labels]?.count ?? 0 }
    }

    func render(into text: inout String) {
        Exposition.header(&text, name: name, help: help, type: "histogram")
        let snapshot = series.withLock { $0 }
        for key in snapshot.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let s = snapshot[key]!
            var cumulative: UInt64 = 0
            for (i, bound) in (buckets + [.infinity]).enumerated() {
                cumulative += s.counts[i]
                let le = Exposition.number(bound)
                text += "\(name)_bucket\(Exposition.labels(labelNames, key, extra: ("le", le))) \(cumulative)\n"
            }
            text += "\(name)_sum\(Exposition.labels(labelNames, key)) \(Exposition.number(s.sum))\n"
            text += "\(name)_count\(Exposition.labels(labelNames, key)) \(s.count)\n"
        }
    }
}
