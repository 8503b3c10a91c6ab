import Foundation
import Render

/// Checks fields of a JSON answer and names the first one at fault with its dotted path
/// (`analysis.rhythmic.bpm`, `masterplan.timeline[2].layers`).
public struct ResponseValidator: Sendable {
    public let root: JSONValue

    public init(_ root: JSONValue) { self.root = root }

    /// Parses a response body as JSON.
    /// - Throws: `ResponseValidationError` for field `body` when it is not JSON.
    public static func parse(_ response: TransportResponse) throws -> ResponseValidator {
        do {
            return ResponseValidator(try JSONValue.parse(response.body))
        } catch let error as JSONReader.ReadError {
            // Strict syntax: comments, trailing commas, duplicate keys are located errors, never half-read answers.
            throw ResponseValidationError(
                field: error.path == "$" ? "body" : "body." + error.path,
                reason: "is not valid JSON: \(error.description) (\(response.bodyExcerpt))")
        } catch {
            throw ResponseValidationError(field: "body", reason: "is not valid JSON (\(response.bodyExcerpt))")
        }
    }

    /// The value at `path` (dot-separated keys, `[n]` indices), or nil.
    public func value(at path: String) -> JSONValue? {
        var current: JSONValue? = root
        for component in Self.components(path) {
            switch component {
            case .key(let key): current = current?[key]
            case .index(let index): current = current?[index]
            }
        }
        return current
    }

    /// The value at `path`. - Throws: `ResponseValidationError` "is missing" when absent or null.
    @discardableResult
    public func require(_ path: String) throws -> JSONValue {
        guard let value = value(at: path), !value.isNull else {
            throw ResponseValidationError(field: path, reason: "is missing")
        }
        return value
    }

    /// An object at `path`.
    @discardableResult
    public func requireObject(_ path: String) throws -> [String: JSONValue] {
        guard let object = try require(path).objectValue else {
            throw ResponseValidationError(field: path, reason: "is not an object")
        }
        return object
    }

    /// An array at `path`, with at least `minimumCount` elements.
    @discardableResult
    public func requireArray(_ path: String, minimumCount: Int = 0) throws -> [JSONValue] {
        guard let array = try require(path).arrayValue else {
            throw ResponseValidationError(field: path, reason: "is not an array")
        }
        guard array.count >= minimumCount else {
            throw ResponseValidationError(
                field: path, reason: "has \(array.count) elements, expected at least \(minimumCount)")
        }
        return array
    }

    /// A string at `path`.
    @discardableResult
    public func requireString(_ path: String) throws -> String {
        guard let text = try require(path).stringValue else {
            throw ResponseValidationError(field: path, reason: "is not a string")
        }
        return text
    }

    /// A finite number at `path` (numeric strings accepted), optionally within `range`.
    @discardableResult
    public func requireNumber(_ path: String, in range: ClosedRange<Double>? = nil) throws -> Double {
        guard let number = try require(path).doubleValue, number.isFinite else {
            throw ResponseValidationError(field: path, reason: "is not a number")
        }
        if let range, !range.contains(number) {
            throw ResponseValidationError(
                field: path, reason: "is \(number), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    private enum Component { case key(String), index(Int) }

    private static func components(_ path: String) -> [Component] {
        var result: [Component] = []
        for part in path.split(separator: ".") {
            var text = Substring(part)
            if let bracket = text.firstIndex(of: "[") {
                let key = text[..<bracket]
                if !key.isEmpty { result.append(.key(String(key))) }
                text = text[bracket...]
                while text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                    if let index = Int(text[text.index(after: text.startIndex)..<close]) {
                        result.append(.index(index))
                    }
                    text = text[text.index(after: close)...]
                }
            } else {
                result.append(.key(String(text)))
            }
        }
        return result
    }
}
