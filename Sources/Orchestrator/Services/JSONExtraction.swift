// Finding the JSON object in an LLM reply: the reply may wrap it in prose or a ```json fence.
// Method: scan for `{`; from there, match braces while skipping string literals (with escapes); when the depth
// returns to zero, parse the candidate; if it is not valid JSON, continue from the next `{`. Linear per candidate,
// O(n²) worst case on pathological text, which is fine for replies of a few hundred KB.
import Foundation
import Render

/// Extracts the first complete JSON object from free text.
public enum JSONExtraction {
    /// The first `{...}` in `text` that parses as a JSON object, or nil when there is none.
    public static func firstObject(in text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            guard let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) else { return nil }
            if let end = matchingBrace(bytes, from: open),
               let value = try? JSONValue.parse(Data(bytes[open...end])), case .object = value {
                return value
            }
            start = open + 1
        }
        return nil
    }

    /// The index of the `}` that closes the `{` at `open`, skipping strings; nil when the text ends first.
    static func matchingBrace(_ bytes: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = open
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { return index }
                default: break
                }
            }
            index += 1
        }
        return nil
    }
}
