import DSP
import Foundation
import Render

/// Songs decoded once per job and shared by the embedded analyser and the renderer (decoding and rate
/// conversion are the costliest part of reading a song).
public actor DecodedSongCache {
    private var entries: [String: DecodedAudio] = [:]
    private var order: [String] = []
    /// Songs kept at most (least recently added dropped first).
    public let capacity: Int

    public init(capacity: Int = 6) {
        self.capacity = max(1, capacity)
    }

    /// The decoded audio of a local file at `sampleRate`, decoded on first use.
    /// - Throws: `AudioFileError` naming the file.
    public func audio(at url: URL, sampleRate: Double = AudioFile.defaultSampleRate) async throws -> DecodedAudio {
        let key = "\(url.standardizedFileURL.path)@\(sampleRate)"
        if let found = entries[key] { return found }
        let decoded = try AudioFile.read(url, sampleRate: sampleRate)
        entries[key] = decoded
        order.append(key)
        if order.count > capacity { entries.removeValue(forKey: order.removeFirst()) }
        return decoded
    }

    /// The audio of a pipeline song source: a local file, bytes (written to `scratch` first) or, for a URL,
    /// `download` gives a local file.
    public func audio(of input: SongAudioInput, scratch: URL,
                      download: (URL) async throws -> URL) async throws -> DecodedAudio {
        switch input.source {
        case .file(let url):
            return try await audio(at: url)
        case .bytes(let data):
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let ext = AudioFileSniffer.fileExtension(of: data) ?? "bin"
            let file = scratch.appendingPathComponent("\(input.songID)-\(data.count).\(ext)")
            if !FileManager.default.fileExists(atPath: file.path) { try data.write(to: file, options: .atomic) }
            return try await audio(at: file)
        case .url(let url):
            return try await audio(at: try await download(url))
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
