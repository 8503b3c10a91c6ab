// A small Prometheus registry: counters, gauges (set or sampled by a closure) and histograms, each a family with
// label names; `render()` writes the text exposition format 0.0.4 (HELP, TYPE, one sample per line, label values
// escaped, families and series in a stable order). All metric types are thread-safe (one Mutex per family).
import Foundation
import Synchronization

/// A set of metric families rendered together by `GET /metrics`.
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[String: any MetricFamily]>([:])

    public init() {}

    /// The counter family `name`, created on first use (a second call with the same name returns the same family).
    public func counter(_ name: String, help: String, labels: [String] = []) -> Counter {
        register(name) { Counter(name: name, help: help, labelNames: labels) }
    }

    /// The gauge family `name`, created on first use.
    public func gauge(_ name: String, help: String, labels: [String] = []) -> Gauge {
        register(name) { Gauge(name: name, help: help, labelNames: labels) }
    }

    /// The histogram family `name` with upper bounds `buckets` (ascending; `+Inf` is implied), created on first use.
    public func histogram(
        _ name: String, help: String, labels: [String] = [],
        buckets: [Double] = Histogram.defaultBuckets
    ) -> Histogram {
        register(name) { Histogram(name: name, help: help, labelNames: labels, buckets: buckets) }
    }

    /// A gauge whose samples are read from `sample` at each scrape: one (label values, value) pair per series.
    public func sampledGauge(
        _ name: String, help: String, labels: [String] = [],
        sample: @escaping @Sendable () -> [([String], Double)]
    ) {
        let _: SampledGauge = register(name) {
            SampledGauge(name: name, help: help, labelNames: labels, sample: sample)
        }
    }

    /// The text exposition of every family, sorted by name.
    public func render() -> String {
        let snapshot = families.withLock { $0 }
        var text = ""
        for name in snapshot.keys.sorted() { snapshot[name]!.render(into: &text) }
        return text
    }

    private func register<T: MetricFamily>(_ name: String, _ make: () -> T) -> T {
        precondition(Self.isValidName(name), "invalid metric name '\(name)'")
        return families.withLock { table in
            if let existing = table[name] {
                guard let typed = existing as? T else {
                    preconditionFailure("metric '\(name)' registered with another type")
                }
                return typed
            }
            let family = make()
            table[name] = family
            return family
        }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first,
            first == "_" || first == ":" || (first.isASCII && first.properties.isAlphabetic)
        else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0 == ":" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }
}

/// What the registry needs from a family.
protocol MetricFamily: Sendable {
    func render(into text: inout String)
}

/// Shared text helpers.
enum Exposition {
    /// One line per labelled value, in a stable (sorted) order.
    static func series(_ text: inout String, name: String, labelNames: [String], values: [[String]: Double]) {
        for key in values.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            text += "\(name)\(labels(labelNames, key)) \(number(values[key]!))\n"
        }
    }

    static func header(_ text: inout String, name: String, help: String, type: String) {
        let escapedHelp = help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
        text += "# HELP \(name) \(escapedHelp)\n# TYPE \(name) \(type)\n"
    }

    static func labels(_ names: [String], _ values: [String], extra: (String, String)? = nil) -> String {
        var pairs = zip(names, values).map { ($0, $1) }
        if let extra { pairs.append(extra) }
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0)=\"\(escape($1))\"" }.joined(separator: ",") + "}"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func checkLabels(_ values: [String], _ names: [String], _ metric: String) {
        precondition(
            values.count == names.count, "metric '\(metric)' takes labels \(names), got \(values.count) values")
    }
}
