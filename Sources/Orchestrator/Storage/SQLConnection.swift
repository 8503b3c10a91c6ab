import Foundation

/// A value bound to or read from a SQL statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value as text (numbers formatted to round-trip), nil for NULL.
    var text: String? {
        switch self {
        case .null: nil
        case .integer(let value): String(value)
        case .real(let value): "\(value)"
        case .text(let value): value
        }
    }

    /// The value as a Double (text is parsed: PostgreSQL answers in text), nil for NULL or unparsable text.
    var double: Double? {
        switch self {
        case .null: nil
        case .integer(let value): Double(value)
        case .real(let value): value
        case .text(let value): Double(value)
        }
    }

    /// The value as an integer, nil for NULL or unparsable text.
    var integer: Int64? {
        switch self {
        case .null: nil
        case .integer(let value): value
        case .real(let value): Int64(exactly: value)
        case .text(let value): Int64(value)
        }
    }

    /// `.real` for a date (seconds since 1970), `.null` for nil.
    static func date(_ date: Date?) -> SQLValue {
        date.map { .real($0.timeIntervalSince1970) } ?? .null
    }

    /// `.text` for a string, `.null` for nil.
    static func optionalText(_ text: String?) -> SQLValue {
        text.map { .text($0) } ?? .null
    }
}

/// A database or driver failure, with the statement that failed.
public struct SQLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// "sqlite" or "postgres".
    public var engine: String
    /// The driver's message.
    public var message: String
    /// The SQL text (parameters are never included).
    public var statement: String

    public var description: String { "\(engine): \(message) [\(statement.prefix(200))]" }
}

/// One open database connection. Not thread-safe: `SQLJobStore` serialises every use on one queue.
/// SQL is written with `?` placeholders; a connection rewrites them to its own form.
protocol SQLConnection: AnyObject {
    /// Runs one statement with bound parameters. - Returns: the rows (empty for statements without results).
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [[SQLValue]]

    /// Runs statements without parameters (schema scripts, BEGIN/COMMIT).
    func execute(_ sql: String) throws
}
