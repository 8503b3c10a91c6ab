import DSP
import Foundation
import Render

/// Songs opened once per job as sources read by range, shared by the embedded analyser and the renderer. Opening
/// decodes a song once in blocks (rate conversion, limits, loudness, fingerprint); what stays in memory is the
/// handle and a few facts, never the song (see `FileAudioSource`).
public actor DecodedSongCache {
    private var entries: [String: FileAudioSource] = [:]
    private var order: [String] = []
    /// Songs kept open at most (least recently added dropped first).
    public let capacity: Int
    /// Where converted copies of songs go (songs not at the engine rate, compressed formats).
    public let scratchDirectory: URL

    public init(capacity: Int = 6, scratchDirectory: URL = FileManager.default.temporaryDirectory) {
        self.capacity = max(1, capacity)
        self.scratchDirectory = scratchDirectory
    }

    /// The source of a local file at `sampleRate`, opened on first use.
    /// - Throws: `AudioFileError` naming the file.
    public func source(at url: URL, sampleRate: Double = AudioFile.defaultSampleRate) async throws -> FileAudioSource {
        let key = "\(url.standardizedFileURL.path)@\(sampleRate)"
        if let found = entries[key] { return found }
        let opened = try FileAudioSource(url: url, sampleRate: sampleRate, scratchDirectory: scratchDirectory)
        entries[key] = opened
        order.append(key)
        if order.count > capacity { entries.removeValue(forKey: order.removeFirst()) }
        return opened
    }

    /// The source of a pipeline song: a local file, bytes (written to `scratch` first) or, for a URL, `download`
    /// gives a local file.
    public func source(
        of input: SongAudioInput, scratch: URL,
        download: (URL) async throws -> URL
    ) async throws -> FileAudioSource {
        switch input.source {
        case .file(let url):
            return try await source(at: url)
        case .bytes(let data):
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let ext = AudioFileSniffer.fileExtension(of: data) ?? "bin"
            let file = scratch.appendingPathComponent("\(input.songID)-\(data.count).\(ext)")
            if !FileManager.default.fileExists(atPath: file.path) { try data.write(to: file, options: .atomic) }
            return try await source(at: file)
        case .url(let url):
            return try await source(at: try await download(url))
        }
    }
}

/// Guesses an audio file's extension from its first bytes (libsndfile reads by content; the name only helps
/// people reading the scratch folder).
enum AudioFileSniffer {
    static func fileExtension(of data: Data) -> String? {
        let head = [UInt8](data.prefix(12))
        func starts(_ text: String) -> Bool { head.starts(with: Array(text.utf8)) }
        if starts("RIFF") { return "wav" }
        if starts("fLaC") { return "flac" }
        if starts("OggS") { return "ogg" }
        if starts("FORM") { return "aiff" }
        if starts("ID3") || (head.count > 1 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) { return "mp3" }
        return nil
    }
}
