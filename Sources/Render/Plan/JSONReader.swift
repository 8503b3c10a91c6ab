import Foundation

/// A fast, bounded JSON reader for untrusted input (plans from a language model or an HTTP client).
///
/// Design note: one pass over the bytes with an explicit depth limit (recursion is bounded by `maximumDepth`, so a
/// document nested 100,000 levels deep is rejected at level `maximumDepth + 1` without touching the stack), a size
/// limit checked before reading, and no allocation beyond the values built. Several times faster than
/// `JSONDecoder` into `JSONValue` (see the plan benchmarks in the README).
/// Strict JSON plus the sloppiness language models and Python emit: `NaN`, `Infinity`, `-Infinity` (read as
/// non-finite numbers so the validator can point at them), trailing commas, `//` and `/* */` comments, raw control
/// characters inside strings. Duplicate keys: the last one wins. Errors carry the byte offset, line and column.
public enum JSONReader {
    /// Why a document could not be read.
    public struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the problem.
        public let offset: Int
        /// 1-based line and column of the problem.
        public let line: Int
        public let column: Int
        /// What is wrong.
        public let message: String

        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Default nesting limit: a masterplan needs 6 levels; 64 leaves room for any sane extra fields.
    public static let defaultMaximumDepth = 64
    /// Default size limit, bytes (16 MiB: a plan of 256 sections of 16 layers is under 1 MiB; the rest is room
    /// for requests that carry song analyses alongside the plan).
    public static let defaultMaximumByteCount = 16 << 20

    /// Reads one JSON value from `data`; only whitespace and comments may follow it.
    public static func read(_ data: Data, maximumDepth: Int = defaultMaximumDepth,
                            maximumByteCount: Int = defaultMaximumByteCount) throws(ReadError) -> JSONValue {
        let result: Result<JSONValue, ReadError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var reader = Reader(bytes: bytes, maximumDepth: maximumDepth)
            if bytes.count > maximumByteCount {
                return .failure(reader.error(at: 0, "document of \(bytes.count) bytes is over the limit of \(maximumByteCount)"))
            }
            do throws(ReadError) {
                reader.skipSpace()
                let value = try reader.value(depth: 1)
                reader.skipSpace()
                if reader.position < bytes.count { throw reader.error(at: reader.position, "unexpected text after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Reads one JSON value from text.
    public static func read(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(ReadError) -> JSONValue {
        try read(Data(text.utf8), maximumDepth: maximumDepth)
    }

    /// The first complete JSON object in text that may wrap it in prose or a code fence (a language model's reply:
    /// "Here is the plan: ```json {...} ```"). Tries at most `maximumAttempts` opening braces, so hostile text stays
    /// cheap; nil when none of them starts a readable object.
    public static func firstObject(in text: String, maximumDepth: Int = defaultMaximumDepth,
                                   maximumByteCount: Int = defaultMaximumByteCount, maximumAttempts: Int = 32) -> JSONValue? {
        let data = Data(text.utf8)
        guard data.count <= maximumByteCount else { return nil }
        return data.withUnsafeBytes { raw -> JSONValue? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var attempts = 0
            var start = 0
            while start < bytes.count, attempts < maximumAttempts {
                guard bytes[start] == UInt8(ascii: "{") else { start += 1; continue }
                attempts += 1
                var reader = Reader(bytes: bytes, maximumDepth: maximumDepth)
                reader.position = start
                if let value = try? reader.value(depth: 1) { return value }
                start += 1
            }
            return nil
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maximumDepth: Int
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        func error(at offset: Int, _ message: String) -> ReadError {
            var line = 1, lineStart = 0
            for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            return ReadError(offset: offset, line: line, column: offset - lineStart + 1, message: message)
        }

        mutating func skipSpace() {
            while position < bytes.count {
                let c = bytes[position]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1; continue }
                if c == UInt8(ascii: "/"), position + 1 < bytes.count {
                    if bytes[position + 1] == UInt8(ascii: "/") {
                        position += 2
                        while position < bytes.count, bytes[position] != 0x0A { position += 1 }
                        continue
                    }
                    if bytes[position + 1] == UInt8(ascii: "*") {
                        position += 2
                        while position + 1 < bytes.count, !(bytes[position] == UInt8(ascii: "*") && bytes[position + 1] == UInt8(ascii: "/")) {
                            position += 1
                        }
                        position = min(bytes.count, position + 2)
                        continue
                    }
                }
                break
            }
        }

        mutating func value(depth: Int) throws(ReadError) -> JSONValue {
            guard position < bytes.count else { throw error(at: position, "unexpected end of the document") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "N"): try literal("NaN"); return .number(.nan)
            case UInt8(ascii: "I"): try literal("Infinity"); return .number(.infinity)
            case UInt8(ascii: "-") where position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "I"):
                position += 1
                try literal("Infinity")
                return .number(-.infinity)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error(at: position, "unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
            }
        }

        mutating func literal(_ word: StaticString) throws(ReadError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error(at: position, "unexpected end of the document") }
            let start = word.utf8Start
            for i in 0..<count where bytes[position + i] != start[i] {
                throw error(at: position, "invalid literal (expected \(word))")
            }
            position += count
        }

        mutating func object(depth: Int) throws(ReadError) -> JSONValue {
            guard depth <= maximumDepth else { throw error(at: position, "nesting deeper than \(maximumDepth) levels") }
            position += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard position < bytes.count else { throw error(at: position, "unterminated object") }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) } // trailing comma
                guard bytes[position] == UInt8(ascii: "\"") else { throw error(at: position, "expected a quoted key") }
                let key = try string()
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw error(at: position, "expected ':' after a key")
                }
                position += 1
                skipSpace()
                members[key] = try value(depth: depth + 1)
                skipSpace()
                guard position < bytes.count else { throw error(at: position, "unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error(at: position, "expected ',' or '}' in an object")
            }
        }

        mutating func array(depth: Int) throws(ReadError) -> JSONValue {
            guard depth <= maximumDepth else { throw error(at: position, "nesting deeper than \(maximumDepth) levels") }
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                skipSpace()
                guard position < bytes.count else { throw error(at: position, "unterminated array") }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) } // trailing comma
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw error(at: position, "unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error(at: position, "expected ',' or ']' in an array")
            }
        }

        mutating func number() throws(ReadError) -> Double {
            let start = position
            while position < bytes.count {
                let c = bytes[position]
                let isNumberByte = (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                    || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                if !isNumberByte { break }
                position += 1
            }
            guard position - start <= 64 else { throw error(at: start, "number too long") }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text) else { throw error(at: start, "invalid number") }
            return value
        }

        mutating func string() throws(ReadError) -> String {
            let quote = position
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let c = bytes[position]
                if c == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return s
                }
                if c == UInt8(ascii: "\\") { break }
                position += 1
            }
            guard position < bytes.count else { throw error(at: quote, "unterminated string") }
            var utf8: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while position < bytes.count {
                let c = bytes[position]
                if c == UInt8(ascii: "\"") {
                    position += 1
                    return String(decoding: utf8, as: UTF8.self)
                }
                if c != UInt8(ascii: "\\") { utf8.append(c); position += 1; continue }
                guard position + 1 < bytes.count else { break }
                let e = bytes[position + 1]
                position += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count,
                       bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                        position += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    utf8.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw error(at: position - 2, "invalid escape in a string")
                }
            }
            throw error(at: quote, "unterminated string")
        }

        mutating func hex4() throws(ReadError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error(at: position, "truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[position]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error(at: position, "invalid \\u escape")
                }
                value = value * 16 + digit
                position += 1
            }
            return value
        }
    }
}
