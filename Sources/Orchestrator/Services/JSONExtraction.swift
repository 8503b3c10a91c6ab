// Finding the JSON object in an LLM reply: the reply may wrap it in prose or a ```json fence.
// Method: from each `{` (at most `maximumAttempts` of them), read one strict JSON object with `JSONReader`; the
// first that reads is the answer. A false start (`{not json}`, `{` in prose) fails at its first bad byte, so each
// attempt costs at most the length of the object it tries, and hostile text (a megabyte of `{`) stays linear: the
// earlier brace-matching scan from every `{` was quadratic there.
import Foundation
import Render

/// Extracts the first complete JSON object from free text.
public enum JSONExtraction {
    /// Opening braces tried before giving up (prose rarely has more than a few before the plan).
    public static let maximumAttempts = 256

    /// The first `{...}` in `text` that reads as a strict JSON object, or nil when there is none.
    public static func firstObject(in text: String) -> JSONValue? {
        JSONReader.firstObject(in: text, maximumAttempts: maximumAttempts)
    }
}
