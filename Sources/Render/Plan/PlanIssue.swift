import Foundation

/// One problem found in a masterplan, located by its JSON path.
///
/// Errors mean the plan cannot be rendered; warnings mean it is rendered with the stated correction.
public struct PlanIssue: Sendable, Hashable, CustomStringConvertible, Codable {
    /// How serious an issue is.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// Rendered anyway, with the correction given in the message.
        case warning
        /// Cannot render.
        case error

        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    /// Error or warning.
    public var severity: Severity
    /// JSON path from the document root, e.g. `masterplan.timeline[3].layers[1].volume_db`; `$` is the root.
    public var path: String
    /// What is wrong and, for warnings, what was done about it.
    public var message: String

    public init(_ severity: Severity, _ path: String, _ message: String) {
        self.severity = severity
        self.path = path
        self.message = message
    }

    /// `error   masterplan.timeline[3].duration_sec: must be positive (got -4)`.
    public var description: String {
        "\(severity == .error ? "error  " : "warning") \(path): \(message)"
    }

    /// Text of an offending value for a message, cut to `limit` characters so that huge inputs stay readable.
    static func quote(_ text: String, limit: Int = 60) -> String {
        var cut = text.count > limit ? String(text.prefix(limit)) + "…(\(text.utf8.count) bytes)" : text
        cut = cut.replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + cut + "\""
    }

    /// A JSON value shown in a message, cut short.
    static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): return quote(s)
        case .array(let a): return "an array of \(a.count)"
        case .object: return "an object"
        }
    }
}

/// A list of issues with helpers to add to it.
public struct PlanIssueList: Sendable, Hashable {
    /// All issues in the order they were found.
    public private(set) var all: [PlanIssue] = []

    public init() {}

    /// The errors only.
    public var errors: [PlanIssue] { all.filter { $0.severity == .error } }
    /// The warnings only.
    public var warnings: [PlanIssue] { all.filter { $0.severity == .warning } }
    /// True when at least one error is present.
    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    mutating func error(_ path: String, _ message: String) { all.append(PlanIssue(.error, path, message)) }
    mutating func warning(_ path: String, _ message: String) { all.append(PlanIssue(.warning, path, message)) }
    mutating func append(contentsOf other: [PlanIssue]) { all.append(contentsOf: other) }
    mutating func append(_ issue: PlanIssue) { all.append(issue) }
}
