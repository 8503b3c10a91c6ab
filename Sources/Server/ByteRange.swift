import Foundation

/// A single byte range of a `Range: bytes=...` request header (RFC 9110 §14), resolved against a file size.
public struct ByteRange: Sendable, Equatable {
    /// First byte offset, inclusive.
    public let start: UInt64
    /// Last byte offset, inclusive.
    public let end: UInt64

    public var length: UInt64 { end - start + 1 }

    /// How a `Range` header applies to a representation of `size` bytes.
    public enum Resolution: Sendable, Equatable {
        /// No (usable) range: send the whole representation with 200. Also for multiple ranges and for syntax
        /// this server does not understand, which RFC 9110 allows a server to ignore.
        case whole
        /// Send this part with 206.
        case partial(ByteRange)
        /// No requested range overlaps the representation: 416 with `Content-Range: bytes */size`.
        case unsatisfiable
    }

    public init(start: UInt64, end: UInt64) {
        precondition(start <= end)
        self.start = start
        self.end = end
    }

    /// Resolves `header` (e.g. "bytes=0-499", "bytes=500-", "bytes=-500") against `size` bytes.
    public static func resolve(_ header: String?, size: UInt64) -> Resolution {
        guard let header else { return .whole }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst(6)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let first = parts[0].trimmingCharacters(in: .whitespaces)
        let last = parts[1].trimmingCharacters(in: .whitespaces)
        guard first.allSatisfy(\.isASCII), last.allSatisfy(\.isASCII) else { return .whole }
        if first.isEmpty {
            // Suffix range: the last N bytes.
            guard let suffix = UInt64(last) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .partial(ByteRange(start: size - min(suffix, size), end: size - 1))
        }
        guard let start = UInt64(first) else { return .whole }
        let end: UInt64
        if last.isEmpty {
            end = size == 0 ? 0 : size - 1
        } else {
            guard let value = UInt64(last) else { return .whole }
            guard value >= start else { return .whole } // invalid range: ignored per RFC 9110
            end = min(value, size == 0 ? 0 : size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .partial(ByteRange(start: start, end: end))
    }
}
