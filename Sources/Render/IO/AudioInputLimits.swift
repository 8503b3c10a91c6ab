import Foundation

/// Bounds on audio input, checked from the header before anything is allocated and again while decoding, so a
/// file that declares nothing or lies (a few-KB FLAC that decodes to 24 hours of silence) is stopped at the limit.
///
/// Defaults (environment variables override them for the CLI and the server; see the README, "Robustness"):
/// - longest song: 20 minutes (`MASHUP_MAX_SONG_SECONDS`, 1...86,400 s);
/// - largest decoded size: 512 MiB of planar Float32 at the output rate (`MASHUP_MAX_DECODED_MB`, 1...65,536),
///   which binds before the length for high rates (20 minutes of stereo at 96 kHz is 922 MB);
/// - decode errors (lost sync, bad CRC) tolerated: 4 (`MASHUP_MAX_DECODE_ERRORS`, 0...10,000); up to it a file is read
///   with a warning naming the count, above it refused;
/// - shortest song a render or `create` accepts: 2 s, one bar of 4/4 at 120 BPM (`minimumSongSeconds`; shorter songs
///   cannot place a bar). `info`, `analyze` and `stretch` read shorter files.
public struct AudioInputLimits: Sendable, Hashable {
    /// Longest song, seconds of audio at the file's own rate.
    public var maximumSongSeconds: Double = 1_200
    /// Largest decoded song, bytes (stereo Float32 at the output rate: 8 bytes per frame).
    public var maximumDecodedByteCount: Int = 512 << 20
    /// Decode errors reported by the decoder that are tolerated (with a warning); more refuse the file.
    public var maximumDecodeErrorCount: Int = 4
    /// Shortest song a render accepts, seconds.
    public var minimumSongSeconds: Double = 2

    /// Sample rates accepted in a header, Hz.
    public static let sampleRateRangeHz: ClosedRange<Double> = 8_000...384_000
    /// Most channels accepted in a header.
    public static let maximumChannelCount = 32
    /// Accepted values of `MASHUP_MAX_SONG_SECONDS`.
    public static let songSecondsSettingRange: ClosedRange<Double> = 1...86_400
    /// Accepted values of `MASHUP_MAX_DECODED_MB`.
    public static let decodedMegabytesSettingRange: ClosedRange<Double> = 1...65_536

    public init() {}

    /// The defaults.
    public static let defaults = AudioInputLimits()

    /// The defaults with the environment's overrides (`MASHUP_MAX_SONG_SECONDS`, `MASHUP_MAX_DECODED_MB`,
    /// `MASHUP_MAX_DECODE_ERRORS`). A value that is not a number in range is ignored, and named in `problems`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (limits: AudioInputLimits, problems: [String])
    {
        var limits = AudioInputLimits()
        var problems: [String] = []
        func number(_ name: String, _ range: ClosedRange<Double>) -> Double? {
            guard let text = environment[name] else { return nil }
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value)
            else {
                problems.append(
                    "\(name)=\(text.prefix(40)) is not a number in \(MusicalDuration.trim(range.lowerBound))...\(MusicalDuration.trim(range.upperBound)): ignored"
                )
                return nil
            }
            return value
        }
        if let seconds = number("MASHUP_MAX_SONG_SECONDS", songSecondsSettingRange) {
            limits.maximumSongSeconds = seconds
        }
        if let megabytes = number("MASHUP_MAX_DECODED_MB", decodedMegabytesSettingRange) {
            limits.maximumDecodedByteCount = Int(megabytes * 1_048_576)
        }
        if let errors = number("MASHUP_MAX_DECODE_ERRORS", 0...10_000) { limits.maximumDecodeErrorCount = Int(errors) }
        return (limits, problems)
    }

    /// The limits in force for this process: the defaults with the environment's overrides, read once.
    public static let standard: AudioInputLimits = fromEnvironment().limits

    /// Most source frames (at `sourceRate`) a file may decode to when read at `outputRate`: the lower of the
    /// length limit and the decoded-size limit.
    public func maximumSourceFrameCount(sourceRate: Double, outputRate: Double) -> Int {
        let byLength = maximumSongSeconds * sourceRate
        let bySize = Double(maximumDecodedByteCount / 8) * sourceRate / outputRate
        return Int(saturating: min(byLength, bySize), rounding: .down)
    }

    /// Throws `AudioFileError.tooShort` when `audio` of `seconds` is shorter than `minimumSongSeconds`.
    public func checkSongLength(seconds: Double, path: String) throws(AudioFileError) {
        guard seconds >= minimumSongSeconds else {
            throw AudioFileError.tooShort(path: path, seconds: seconds, minimumSeconds: minimumSongSeconds)
        }
    }
}
