import CSndFile
import Foundation

/// The output formats the engine writes, chosen by the file extension.
public enum AudioFileFormat: String, Sendable, CaseIterable {
    case wav, aiff, flac, oggVorbis, opus, mp3

    /// The format for a path's extension: .wav, .aif/.aiff, .flac, .ogg/.oga, .opus, .mp3.
    /// - Throws: `AudioFileError.unsupportedFormat` for anything else.
    public static func forPath(_ path: String) throws -> AudioFileFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "wav", "wave": return .wav
        case "aif", "aiff": return .aiff
        case "flac": return .flac
        case "ogg", "oga": return .oggVorbis
        case "opus": return .opus
        case "mp3": return .mp3
        case let other:
            throw AudioFileError.unsupportedFormat(
                path: path,
                detail: other.isEmpty
                    ? "no file extension (use .wav, .flac, .ogg, .opus, .mp3 or .aiff)"
                    : "'.\(other)' is not one of .wav, .flac, .ogg, .opus, .mp3, .aiff")
        }
    }

    /// True for formats that store PCM at a chosen bit depth.
    public var hasBitDepth: Bool { self == .wav || self == .aiff || self == .flac }

    /// Sample rates the encoder accepts (nil: any).
    public var allowedSampleRates: [Double]? {
        switch self {
        case .opus: [48000]
        case .mp3: [32000, 44100, 48000, 16000, 22050, 24000, 8000, 11025, 12000]
        default: nil
        }
    }

    /// The libsndfile format code for this container with `sampleFormat`.
    func sndFileFormat(_ sampleFormat: AudioFileWriteOptions.SampleFormat) -> Int32 {
        let pcm: Int
        switch sampleFormat {
        case .pcm16: pcm = SF_FORMAT_PCM_16
        case .pcm24: pcm = SF_FORMAT_PCM_24
        case .float32: pcm = self == .flac ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT
        }
        switch self {
        case .wav: return Int32(SF_FORMAT_WAV | pcm)
        case .aiff: return Int32(SF_FORMAT_AIFF | pcm)
        case .flac: return Int32(SF_FORMAT_FLAC | pcm)
        case .oggVorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        case .opus: return Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
        case .mp3: return Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
        }
    }
}

/// How to write a file.
public struct AudioFileWriteOptions: Sendable, Equatable {
    /// PCM sample format for WAV, AIFF and FLAC (FLAC has no float: `.float32` writes 24-bit).
    public enum SampleFormat: String, Sendable {
        case pcm16, pcm24, float32
    }

    /// Sample format for PCM containers; default 24-bit.
    public var sampleFormat: SampleFormat
    /// Add TPDF dither (±1 LSB triangular) when writing 16-bit PCM. Deterministic (seeded).
    public var dither: Bool
    /// Encoder quality for Vorbis, Opus and MP3, 0 (smallest) ... 1 (best).
    public var encoderQuality: Double
    /// Tags written where the format holds them (WAV INFO, AIFF, FLAC/Vorbis/Opus comments, MP3 ID3).
    public var title: String?
    public var artist: String?
    public var comment: String?

    public init(
        sampleFormat: SampleFormat = .pcm24, dither: Bool = false, encoderQuality: Double = 0.8,
        title: String? = nil, artist: String? = nil, comment: String? = nil
    ) {
        self.sampleFormat = sampleFormat
        self.dither = dither
        self.encoderQuality = encoderQuality
        self.title = title
        self.artist = artist
        self.comment = comment
    }
}
