// Result audio in other formats: the rendered WAV decoded and written again by the project's writer (libsndfile:
// FLAC 24-bit; MP3 through libsndfile's LAME/mpg123 support, present in Debian 12's libsndfile 1.2). The transcode
// is kept and reused while it is newer than the WAV (a job id submitted again renders a new WAV).
import Foundation
import Render

/// Writes a result again in another format.
public enum AudioTranscoder {
    /// The download formats.
    public enum Format: String, Sendable, CaseIterable {
        case wav, flac, mp3
    }

    /// Why a transcode failed: the decoder's or the encoder's message.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Writes `source` to `output` (format from its extension) unless an up-to-date copy is there.
    /// Runs off the cooperative pool's caller through a detached task (the encode takes about a second per
    /// minute of stereo audio). - Throws: `Failure` (decode or encode).
    public static func transcode(_ source: URL, to output: URL, title: String?) async throws {
        if isFresh(output, comparedTo: source) { return }
        do {
            try await Task.detached(priority: .utility) {
                let decoded = try AudioFile.read(source, sampleRate: nil)
                var options = AudioFileWriteOptions(sampleFormat: .pcm24, encoderQuality: 0.8)
                options.title = title
                options.comment = "made with mashup"
                try AudioFile.write(decoded.buffer, to: output, options: options)
            }.value
        } catch let error as AudioFileError {
            throw Failure(description: "\(error)")
        }
    }

    /// Whether `file` exists and was written after `source`.
    static func isFresh(_ file: URL, comparedTo source: URL) -> Bool {
        let manager = FileManager.default
        guard let made = (try? manager.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date,
            let rendered = (try? manager.attributesOfItem(atPath: source.path))?[.modificationDate] as? Date
        else {
            return false
        }
        return made >= rendered
    }
}
