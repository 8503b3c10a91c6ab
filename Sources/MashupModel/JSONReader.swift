import Foundation

/// A fast, bounded, strict JSON reader for untrusted input (plans from a language model or an HTTP client, remote
/// service answers).
///
/// Design note: one pass over the bytes with an explicit depth limit (recursion is bounded by `maximumDepth`, so a
/// document nested 100,000 levels deep is rejected at level `maximumDepth + 1` without touching the stack), a size
/// limit checked before reading, a per-string limit checked before the string is built, and no allocation beyond
/// the values built. Several times faster than `JSONDecoder` into `JSONValue` (see the plan benchmarks in the README).
///
/// Syntax is strict RFC 8259: comments, trailing commas, duplicate keys, lone UTF-16 surrogates (`"\uD83D"`),
/// invalid UTF-8, raw control characters in strings, leading zeros and `+` signs are errors, each located by byte
/// offset, line, column and the JSON path of the value being read (`masterplan.timeline[2]`). A half-read document
/// is never taken for a whole one. Two value spellings that Python and language models emit are read, so that the
/// validator can point at them: the bare tokens `NaN`, `Infinity` and `-Infinity` (as non-finite numbers). A
/// leading UTF-8 byte-order mark is skipped. Leniency about values (`"124 BPM"`, `"-6dB"`, numbers as strings)
/// belongs to `PlanDecoder`, not here.
public enum JSONReader {
    /// Why a document could not be read.
    public struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the problem.
        public let offset: Int
        /// 1-based line and column (in bytes) of the problem.
        public let line: Int
        public let column: Int
        /// The JSON path of the value being read when the problem was met (`$` for the document itself,
        /// `masterplan.timeline[2].layers`), in the same form as `PlanIssue.path`.
        public let path: String
        /// What is wrong.
        public let message: String

        public init(offset: Int, line: Int, column: Int, path: String = "$", message: String) {
            self.offset = offset
            self.line = line
            self.column = column
            self.path = path
            self.message = message
        }

        public var description: String {
            path == "$"
                ? "line \(line), column \(column): \(message)"
                : "line \(line), column \(column), at \(path): \(message)"
        }
    }

    /// Default nesting limit: a masterplan needs 6 levels; 64 leaves room for any sane extra fields.
    public static let defaultMaximumDepth = 64
    /// Default size limit, bytes (16 MiB: a plan of 256 sections of 16 layers is under 1 MiB; the rest is room
    /// for requests that carry song analyses alongside the plan).
    public static let defaultMaximumByteCount = 16 << 20
    /// Default limit on one string (a key or a value), bytes as written (1 MiB: the longest free text a plan
    /// keeps is 10,000 characters).
    public static let defaultMaximumStringByteCount = 1 << 20

    /// Reads one JSON value from `data`; only whitespace may follow it.
    ///
    /// A document over `maximumByteCount` is still scanned (without building values) so that the error can name
    /// the string that makes it too large: `creative_vision is 52,428,800 bytes, over the limit of 1,048,576`.
    /// - Throws: `ReadError` located by offset, line, column and path.
    public static func read(
        _ data: Data, maximumDepth: Int = defaultMaximumDepth,
        maximumByteCount: Int = defaultMaximumByteCount,
        maximumStringByteCount: Int = defaultMaximumStringByteCount
    ) throws(ReadError) -> JSONValue {
        let result: Result<JSONValue, ReadError> = {
            let bytes = data.span
            let oversized = bytes.count > maximumByteCount
            var reader = Reader(
                maximumDepth: maximumDepth, maximumStringByteCount: maximumStringByteCount,
                buildsValues: !oversized)
            do throws(ReadError) {
                reader.skipByteOrderMark(bytes)
                reader.skipSpace(bytes)
                let value = try reader.value(bytes, depth: 1)
                reader.skipSpace(bytes)
                if reader.position < bytes.count {
                    throw reader.error(
                        bytes, at: reader.position,
                        "unexpected text after the JSON value"
                            + (bytes[reader.position] == UInt8(ascii: "/") ? " (comments are not JSON)" : ""))
                }
                if oversized {
                    throw reader.error(
                        bytes, at: 0,
                        "the document is \(JSONReader.grouped(bytes.count)) bytes, over the limit of \(JSONReader.grouped(maximumByteCount))"
                    )
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }()
        return try result.get()
    }

    /// Reads one JSON value from text.
    public static func read(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(ReadError) -> JSONValue {
        try read(Data(text.utf8), maximumDepth: maximumDepth)
    }

    /// The first complete JSON object in text that may wrap it in prose or a code fence (a language model's reply:
    /// "Here is the plan: ```json {...} ```"). Tries at most `maximumAttempts` opening braces, so hostile text stays
    /// cheap; nil when none of them starts a readable object. The object itself must be strict JSON.
    public static func firstObject(
        in text: String, maximumDepth: Int = defaultMaximumDepth,
        maximumByteCount: Int = defaultMaximumByteCount, maximumAttempts: Int = 32
    ) -> JSONValue? {
        let data = Data(text.utf8)
        guard data.count <= maximumByteCount else { return nil }
        do {
            let bytes = data.span
            var attempts = 0
            var start = 0
            while start < bytes.count, attempts < maximumAttempts {
                guard bytes[start] == UInt8(ascii: "{") else { start += 1; continue }
                attempts += 1
                var reader = Reader(
                    maximumDepth: maximumDepth,
                    maximumStringByteCount: defaultMaximumStringByteCount, buildsValues: true)
                reader.position = start
                reader.locatesErrors = false
                if let value = try? reader.value(bytes, depth: 1) { return value }
                start += 1
            }
            return nil
        }
    }

    /// `52428800` as `"52,428,800"`, for limits in messages.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// One step of a JSON path.
    private enum PathItem {
        case key(String)
        case index(Int)
    }

    private struct Reader {
        let maximumDepth: Int
        let maximumStringByteCount: Int
        /// False for the scan of an oversized document: strings and containers are checked but not built.
        let buildsValues: Bool
        var position = 0
        var path: [PathItem] = []

        init(maximumDepth: Int, maximumStringByteCount: Int, buildsValues: Bool) {
            self.maximumDepth = maximumDepth
            self.maximumStringByteCount = maximumStringByteCount
            self.buildsValues = buildsValues
        }

        /// The current path in `PlanIssue` form: `masterplan.timeline[2].layers`, `$` at the root.
        var pathText: String {
            var text = ""
            for item in path {
                switch item {
                case .key(let key):
                    let shown = key.utf8.count > 64 ? String(key.prefix(64)) + "…" : key
                    text += text.isEmpty ? shown : "." + shown
                case .index(let i): text += "[\(i)]"
                }
            }
            return text.isEmpty ? "$" : text
        }

        /// False where errors are only tried and dropped (`firstObject`): the line scan is skipped, so a failed
        /// attempt costs only the bytes it read.
        var locatesErrors = true

        func error(_ bytes: Span<UInt8>, at offset: Int, _ message: String) -> ReadError {
            guard locatesErrors else { return ReadError(offset: offset, line: 0, column: 0, message: message) }
            var line = 1, lineStart = 0
            for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            return ReadError(
                offset: offset, line: line, column: offset - lineStart + 1, path: pathText, message: message)
        }

        mutating func skipByteOrderMark(_ bytes: Span<UInt8>) {
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        }

        mutating func skipSpace(_ bytes: Span<UInt8>) {
            while position < bytes.count {
                let c = bytes[position]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1; continue }
                break
            }
        }

        /// A description of the byte at `offset` for messages.
        func shown(_ bytes: Span<UInt8>, _ offset: Int) -> String {
            let c = bytes[offset]
            if c == UInt8(ascii: "/") { return "'/' (comments are not JSON)" }
            if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
            return "byte 0x" + String(c, radix: 16, uppercase: true)
        }

        mutating func value(_ bytes: Span<UInt8>, depth: Int) throws(ReadError) -> JSONValue {
            guard position < bytes.count else { throw error(bytes, at: position, "unexpected end of the document") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(bytes, depth: depth)
            case UInt8(ascii: "["): return try array(bytes, depth: depth)
            case UInt8(ascii: "\""): return .string(try string(bytes, isKey: false))
            case UInt8(ascii: "t"): try literal(bytes, "true"); return .bool(true)
            case UInt8(ascii: "f"): try literal(bytes, "false"); return .bool(false)
            case UInt8(ascii: "n"): try literal(bytes, "null"); return .null
            case UInt8(ascii: "N"): try literal(bytes, "NaN"); return .number(.nan)
            case UInt8(ascii: "I"): try literal(bytes, "Infinity"); return .number(.infinity)
            case UInt8(ascii: "-") where position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "I"):
                position += 1
                try literal(bytes, "Infinity")
                return .number(-.infinity)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number(bytes))
            default: throw error(bytes, at: position, "unexpected \(shown(bytes, position)), expected a value")
            }
        }

        mutating func literal(_ bytes: Span<UInt8>, _ word: StaticString) throws(ReadError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else {
                throw error(bytes, at: position, "unexpected end of the document")
            }
            var i = 0
            for expected in word.description.utf8 {
                if bytes[position + i] != expected {
                    throw error(bytes, at: position, "invalid literal (expected \(word))")
                }
                i += 1
            }
            position += count
        }

        mutating func object(_ bytes: Span<UInt8>, depth: Int) throws(ReadError) -> JSONValue {
            guard depth <= maximumDepth else {
                throw error(bytes, at: position, "nesting deeper than \(maximumDepth) levels")
            }
            position += 1
            var members: [String: JSONValue] = [:]
            var seenKeys: Set<String> = []
            skipSpace(bytes)
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace(bytes)
                guard position < bytes.count else { throw error(bytes, at: position, "unterminated object") }
                if bytes[position] == UInt8(ascii: "}") {
                    throw error(bytes, at: position, "trailing comma before '}'")
                }
                guard bytes[position] == UInt8(ascii: "\"") else {
                    throw error(bytes, at: position, "unexpected \(shown(bytes, position)), expected a quoted key")
                }
                let keyOffset = position
                let key = try string(bytes, isKey: true)
                if !seenKeys.insert(key).inserted {
                    path.append(.key(key))
                    let failure = error(bytes, at: keyOffset, "duplicate key \"\(key.prefix(64))\"")
                    path.removeLast()
                    throw failure
                }
                skipSpace(bytes)
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw error(bytes, at: position, "expected ':' after the key \"\(key.prefix(64))\"")
                }
                position += 1
                skipSpace(bytes)
                path.append(.key(key))
                let member = try value(bytes, depth: depth + 1)
                path.removeLast()
                if buildsValues { members[key] = member }
                skipSpace(bytes)
                guard position < bytes.count else { throw error(bytes, at: position, "unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error(
                    bytes, at: position, "unexpected \(shown(bytes, position)), expected ',' or '}' in an object")
            }
        }

        mutating func array(_ bytes: Span<UInt8>, depth: Int) throws(ReadError) -> JSONValue {
            guard depth <= maximumDepth else {
                throw error(bytes, at: position, "nesting deeper than \(maximumDepth) levels")
            }
            position += 1
            var items: [JSONValue] = []
            skipSpace(bytes)
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            var index = 0
            while true {
                skipSpace(bytes)
                guard position < bytes.count else { throw error(bytes, at: position, "unterminated array") }
                if bytes[position] == UInt8(ascii: "]") {
                    throw error(bytes, at: position, "trailing comma before ']'")
                }
                path.append(.index(index))
                let item = try value(bytes, depth: depth + 1)
                path.removeLast()
                if buildsValues { items.append(item) }
                index += 1
                skipSpace(bytes)
                guard position < bytes.count else { throw error(bytes, at: position, "unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error(
                    bytes, at: position, "unexpected \(shown(bytes, position)), expected ',' or ']' in an array")
            }
        }

        func isDigit(_ bytes: Span<UInt8>, _ offset: Int) -> Bool {
            offset < bytes.count && bytes[offset] >= UInt8(ascii: "0") && bytes[offset] <= UInt8(ascii: "9")
        }

        /// A number in RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, at most 64 bytes.
        mutating func number(_ bytes: Span<UInt8>) throws(ReadError) -> Double {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit(bytes, position) else {
                throw error(bytes, at: start, "invalid number: a digit must follow '-'")
            }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if isDigit(bytes, position) {
                    throw error(bytes, at: start, "invalid number: leading zeros are not JSON")
                }
            } else {
                while isDigit(bytes, position) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard isDigit(bytes, position) else {
                    throw error(bytes, at: start, "invalid number: a digit must follow '.'")
                }
                while isDigit(bytes, position) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    position += 1
                }
                guard isDigit(bytes, position) else {
                    throw error(bytes, at: start, "invalid number: a digit must follow the exponent")
                }
                while isDigit(bytes, position) { position += 1 }
            }
            guard position - start <= 64 else {
                throw error(bytes, at: start, "number of \(position - start) characters: at most 64")
            }
            let text = Self.text(bytes.extracting(start..<position))
            guard let value = Double(text) else { throw error(bytes, at: start, "invalid number") }
            return value
        }

        /// A string: its closing quote is found first (so the length limit is checked before anything is built),
        /// then UTF-8 is validated and escapes are decoded.
        mutating func string(_ bytes: Span<UInt8>, isKey: Bool) throws(ReadError) -> String {
            let quote = position
            let start = position + 1
            var end = start
            var hasEscape = false, hasNonASCII = false
            while end < bytes.count {
                let c = bytes[end]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") { hasEscape = true; end += 2; continue }
                if c < 0x20 {
                    throw error(
                        bytes, at: end,
                        "raw control character U+\(String(format: "%04X", c)) in a string (write it as an escape such as \\n)"
                    )
                }
                if c >= 0x80 { hasNonASCII = true }
                end += 1
            }
            guard end < bytes.count else { throw error(bytes, at: quote, "unterminated string") }
            let length = end - start
            if length > maximumStringByteCount {
                let what = isKey ? "a key" : pathText
                throw error(
                    bytes, at: quote,
                    "\(what) is \(JSONReader.grouped(length)) bytes, over the limit of \(JSONReader.grouped(maximumStringByteCount))"
                )
            }
            if hasNonASCII, let bad = Self.firstInvalidUTF8(bytes, from: start, to: end) {
                throw error(bytes, at: bad, "invalid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)))")
            }
            position = end + 1
            if !buildsValues && !isKey { return "" }
            if !hasEscape { return Self.text(bytes.extracting(start..<end)) }
            var utf8: [UInt8] = []
            utf8.reserveCapacity(length)
            var i = start
            while i < end {
                let c = bytes[i]
                if c != UInt8(ascii: "\\") { utf8.append(c); i += 1; continue }
                let e = bytes[i + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(bytes, at: i + 2, end: end)
                    var consumed = 6
                    if (0xDC00..<0xE000).contains(scalar) {
                        throw error(
                            bytes, at: i,
                            "lone low surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                    }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 7 < end, bytes[i + 6] == UInt8(ascii: "\\"), bytes[i + 7] == UInt8(ascii: "u") else {
                            throw error(
                                bytes, at: i,
                                "lone high surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in a string")
                        }
                        let low = try hex4(bytes, at: i + 8, end: end)
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw error(
                                bytes, at: i,
                                "high surrogate \\u\(String(scalar, radix: 16, uppercase: true)) not followed by a low surrogate"
                            )
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        consumed = 12
                    }
                    if let u = Unicode.Scalar(scalar) { utf8.append(contentsOf: Array(String(Character(u)).utf8)) }
                    i += consumed
                    continue
                default:
                    throw error(
                        bytes, at: i,
                        "invalid escape \\\(Character(Unicode.Scalar(e < 0x80 ? e : UInt8(ascii: "?")))) in a string")
                }
                i += 2
            }
            return String(decoding: utf8, as: UTF8.self)
        }

        /// The text of bytes already checked to be well-formed UTF-8 (so the fallback is never taken).
        static func text(_ utf8: Span<UInt8>) -> String {
            do { return String(copying: try UTF8Span(validating: utf8)) } catch { return "" }
        }

        /// Four hex digits at `offset` (before `end`).
        func hex4(_ bytes: Span<UInt8>, at offset: Int, end: Int) throws(ReadError) -> UInt32 {
            guard offset + 4 <= end else { throw error(bytes, at: max(offset - 2, 0), "truncated \\u escape") }
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = bytes[offset + k]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error(bytes, at: offset + k, "invalid \\u escape")
                }
                value = value * 16 + digit
            }
            return value
        }

        /// The offset of the first byte in `start..<end` that is not well-formed UTF-8 (Unicode 15, table 3-7:
        /// no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
        static func firstInvalidUTF8(_ bytes: Span<UInt8>, from start: Int, to end: Int) -> Int? {
            var i = start
            func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
                k < end && range.contains(bytes[k])
            }
            while i < end {
                let b = bytes[i]
                switch b {
                case 0x00...0x7F: i += 1
                case 0xC2...0xDF:
                    guard continuation(i + 1) else { return i }
                    i += 2
                case 0xE0:
                    guard continuation(i + 1, 0xA0...0xBF), continuation(i + 2) else { return i }
                    i += 3
                case 0xE1...0xEC, 0xEE...0xEF:
                    guard continuation(i + 1), continuation(i + 2) else { return i }
                    i += 3
                case 0xED:
                    guard continuation(i + 1, 0x80...0x9F), continuation(i + 2) else { return i }
                    i += 3
                case 0xF0:
                    guard continuation(i + 1, 0x90...0xBF), continuation(i + 2), continuation(i + 3) else { return i }
                    i += 4
                case 0xF1...0xF3:
                    guard continuation(i + 1), continuation(i + 2), continuation(i + 3) else { return i }
                    i += 4
                case 0xF4:
                    guard continuation(i + 1, 0x80...0x8F), continuation(i + 2), continuation(i + 3) else { return i }
                    i += 4
                default: return i
                }
            }
            return nil
        }
    }
}
