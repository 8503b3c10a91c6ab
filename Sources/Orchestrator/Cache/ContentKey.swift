import Foundation

/// What a cache entry holds; each kind has its own folder and counters.
public enum CacheKind: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
    /// Analyses of songs (tempo, key, beats, sections).
    case analysis
    /// Separated stems of a song.
    case stems
    /// Time-stretched / pitch-shifted layers.
    case stretch
}

/// The key of a cache entry: SHA-256 over the kind, the engine version, the parameters and the audio bytes, each
/// framed by its length (so no two different inputs concatenate to the same message). Any change to the audio,
/// a parameter or the engine (any rebuilt executable: `MashupVersion.build`) gives a new key; the old entry ages out
/// by LRU eviction.
public struct ContentKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public let kind: CacheKind
    /// 64 lowercase hex digits.
    public let digest: String

    /// Bytes read at a time when hashing files.
    static let fileChunkBytes = 1 << 20

    /// - Parameters:
    ///   - audio: the input audio bytes (encoded files or raw samples), in a fixed order.
    ///   - parameters: everything else that changes the output; encoded as JSON with sorted keys (canonical).
    ///   - engineVersion: the version of the code that produces the entry (default: this program's build,
    ///     `MashupVersion.build`).
    public init(
        kind: CacheKind, audio: [Data], parameters: some Encodable,
        engineVersion: String = MashupVersion.build
    ) throws {
        var hasher = Self.start(
            kind: kind, parameters: try Self.canonical(parameters), engineVersion: engineVersion,
            audioCount: audio.count)
        for bytes in audio {
            Self.frame(&hasher, length: bytes.count)
            hasher.update(bytes)
        }
        self.kind = kind
        self.digest = SHA256.hex(hasher.finalize())
    }

    /// A key over audio files, read in chunks (large files are not loaded whole).
    public init(
        kind: CacheKind, audioFiles: [URL], parameters: some Encodable,
        engineVersion: String = MashupVersion.build
    ) throws {
        var hasher = Self.start(
            kind: kind, parameters: try Self.canonical(parameters), engineVersion: engineVersion,
            audioCount: audioFiles.count)
        for url in audioFiles {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let length = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            Self.frame(&hasher, length: Int(length))
            try hasher.update(readingToEndOf: handle, chunkBytes: Self.fileChunkBytes)
        }
        self.kind = kind
        self.digest = SHA256.hex(hasher.finalize())
    }

    /// `kind/digest`.
    public var description: String { "\(kind.rawValue)/\(digest)" }

    private static func canonical(_ parameters: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(parameters)
    }

    private static func start(kind: CacheKind, parameters: Data, engineVersion: String, audioCount: Int) -> SHA256 {
        var hasher = SHA256()
        for field in [
            Data("mashup-content-key-v1".utf8), Data(kind.rawValue.utf8), Data(engineVersion.utf8), parameters,
        ] {
            frame(&hasher, length: field.count)
            hasher.update(field)
        }
        frame(&hasher, length: audioCount)
        return hasher
    }

    /// Eight little-endian bytes of a length.
    private static func frame(_ hasher: inout SHA256, length: Int) {
        hasher.update((0..<8).map { UInt8(truncatingIfNeeded: UInt64(length) >> (8 * UInt64($0))) })
    }
}
