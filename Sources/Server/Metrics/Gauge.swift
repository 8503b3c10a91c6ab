import Foundation
import Synchronization

/// A value that goes up and down per label set (Prometheus `gauge`).
public final class Gauge: MetricFamily {
    public let name: String
    public let help: String
    public let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    public func set(_ value: Double, labels: [String] = []) {
        Exposition.checkLabels(labels, labelNames, name)
        values.withLock { $0[labels] = value }
    }

    /// Adds `amount` (may be negative).
    public func add(_ amount: Double, labels: [String] = []) {
        Exposition.checkLabels(labels, labelNames, name)
        values.withLock { $0[labels, default: 0] += amount }
    }

    public func value(labels: [String] = []) -> Double {
        values.withLock { $0[labels] ?? 0 }
    }

    func render(into text: inout String) {
        Exposition.header(&text, name: name, help: help, type: "gauge")
        Exposition.series(&text, name: name, labelNames: labelNames, values: values.withLock { $0 })
    }
}
