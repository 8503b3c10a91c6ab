// What a face (the server's upload check, the ETA) needs to know of an audio file without decoding it: the
// decoder's own header reading, behind a value that carries no Render type.
import Foundation
import Render

/// An audio file's header as the decoder reads it.
public struct AudioFileFacts: Sendable, Equatable {
    /// The file's own sample rate, Hz.
    public let sampleRate: Double
    /// The file's own channel count.
    public let channelCount: Int
    /// Frames the header declares (may be inexact for compressed formats).
    public let declaredFrameCount: Int
    /// Container and encoding, e.g. "WAV PCM_16", "MPEG MP3".
    public let formatName: String

    public init(sampleRate: Double, channelCount: Int, declaredFrameCount: Int, formatName: String) {
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.declaredFrameCount = declaredFrameCount
        self.formatName = formatName
    }

    /// The declared length, seconds (nil when the header gives no rate).
    public var declaredSeconds: Double? {
        sampleRate > 0 ? Double(declaredFrameCount) / sampleRate : nil
    }

    /// Opens `file` with the decoder (under its input limits) and reads its header.
    /// - Throws: `AudioFileError` (not audio, over a limit, unreadable), described by its message.
    public static func read(_ file: URL) throws -> AudioFileFacts {
        let info = try AudioFileReader(url: file, sampleRate: nil).info
        return AudioFileFacts(
            sampleRate: info.sampleRate, channelCount: info.channelCount,
            declaredFrameCount: info.declaredFrameCount, formatName: info.formatName)
    }
}
