import Foundation

/// A gauge read from a closure at scrape time (queue lengths, jobs by state owned elsewhere).
final class SampledGauge: MetricFamily {
    let name: String
    let help: String
    let labelNames: [String]
    let sample: @Sendable () -> [([String], Double)]

    init(name: String, help: String, labelNames: [String], sample: @escaping @Sendable () -> [([String], Double)]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.sample = sample
    }

    func render(into text: inout String) {
        Exposition.header(&text, name: name, help: help, type: "gauge")
        for (labels, value) in sample().sorted(by: { $0.0.lexicographicallyPrecedes($1.0) })
        where labels.count == labelNames.count {
            text += "\(name)\(Exposition.labels(labelNames, labels)) \(Exposition.number(value))\n"
        }
    }
}
