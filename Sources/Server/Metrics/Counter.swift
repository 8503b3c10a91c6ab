import Foundation
import Synchronization

/// A monotonically increasing count per label set (Prometheus `counter`).
public final class Counter: MetricFamily {
    public let name: String
    public let help: String
    public let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    /// Adds `amount` (≥ 0) to the series with `labels` (one value per label name, in order).
    public func increment(by amount: Double = 1, labels: [String] = []) {
        precondition(amount >= 0, "a counter only goes up")
        Exposition.checkLabels(labels, labelNames, name)
        values.withLock { $0[labels, default: 0] += amount }
    }

    /// The current value of the series with `labels` (0 if never incremented).
    public func value(labels: [String] = []) -> Double {
        values.withLock { $0[labels] ?? 0 }
    }

    func render(into text: inout String) {
        Exposition.header(&text, name: name, help: help, type: "counter")
        Exposition.series(&text, name: name, labelNames: labelNames, values: values.withLock { $0 })
    }
}
