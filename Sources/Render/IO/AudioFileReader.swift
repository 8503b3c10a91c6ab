import CSndFile
import DSP
import Foundation
import MashupModel

/// What a file's header says.
public struct AudioFileInfo: Sendable, Equatable {
    /// The file's path.
    public let path: String
    /// The file's own sample rate in Hz.
    public let sampleRate: Double
    /// The file's own channel count.
    public let channelCount: Int
    /// Frames the header declares (may be inexact for compressed formats; never trusted for allocation).
    public let declaredFrameCount: Int
    /// Container and encoding, e.g. "WAV PCM_16", "MPEG MP3".
    public let formatName: String
}

/// Reads an audio file block by block as planar stereo at the engine's sample rate.
///
/// Reads any format libsndfile reads (WAV, AIFF, FLAC, OGG Vorbis, Opus, MP3, ...). Mono and multichannel
/// files are mapped to stereo by `ChannelMapping`. Files at another rate are converted with libsamplerate
/// (best quality by default) while streaming, so memory stays bounded for long files.
///
/// Limits (`AudioInputLimits`): the sample rate (8,000-384,000 Hz) and channel count (1-32) are checked from the
/// header; the declared length against the longest song and the largest decoded size before anything is read;
/// and the frames actually decoded are counted block by block, so a file that declares nothing or lies stops at
/// the limit with `AudioFileError.tooLong`. Decode errors the decoder reports (lost sync, bad CRC) are counted:
/// `decodeErrorCount` (a warning), and above `maximumDecodeErrorCount` the file is refused as damaged.
///
/// Non-finite samples (NaN, ±Inf, possible in float files) are replaced by silence and counted in
/// `nonFiniteSampleCount`; the caller reports them as a warning.
public final class AudioFileReader {
    /// Header facts.
    public let info: AudioFileInfo
    /// Sample rate of the blocks returned, in Hz.
    public let outputSampleRate: Double
    /// The limits checked.
    public let limits: AudioInputLimits
    /// NaN/Inf samples replaced by 0 so far.
    public private(set) var nonFiniteSampleCount = 0
    /// Frames returned so far (at the output rate).
    public private(set) var framesRead = 0
    /// Decode errors reported so far (reads after which the decoder signalled an error, or errors in its log,
    /// whichever is more).
    public private(set) var decodeErrorCount = 0
    /// Frames the header declared that were not decoded (a truncated or damaged file), known at the end.
    public private(set) var missingFrameCount = 0

    /// Bounds on header values; outside them a file is refused as implausible.
    public static let sampleRateRange: ClosedRange<Double> = AudioInputLimits.sampleRateRangeHz
    public static let maximumChannelCount = AudioInputLimits.maximumChannelCount

    private let file: SndFile
    private let gains: [(left: Float, right: Float)]
    private let converter: SampleRateConverter?
    private let maximumSourceFrameCount: Int
    private var interleaved: [Float] = []
    private var sourceFramesRead = 0
    private var readsWithError = 0
    private var atEnd = false

    /// Opens `url` for reading.
    /// - Parameters:
    ///   - sampleRate: the output rate in Hz, or nil to keep the file's rate.
    ///   - quality: the converter used when the rates differ.
    ///   - limits: the bounds checked from the header and while decoding.
    /// - Throws: `AudioFileError` naming the file: notFound, unreadable, notAudio, absurdHeader (sample rate,
    ///   channels), tooLong (declared length or size over the limits).
    public init(
        url: URL, sampleRate: Double? = 44100, quality: ResampleQuality = .best,
        limits: AudioInputLimits = .standard
    ) throws {
        let path = url.path
        guard let isDirectory = SystemCalls.isDirectory(path) else { throw AudioFileError.notFound(path: path) }
        if isDirectory { throw AudioFileError.unreadable(path: path, reason: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AudioFileError.unreadable(path: path, reason: "permission denied")
        }
        let file: SndFile
        do {
            file = try SndFile(readingAt: path)
        } catch {
            // libsndfile's message for a 0 Hz or 0-channel header does not say so: read the header ourselves.
            if let header = AudioHeaderSniffer.header(atPath: path) {
                try Self.checkHeader(rate: header.sampleRateHz, channels: header.channelCount, path: path)
            }
            throw error
        }
        let rate = Double(file.info.samplerate)
        let channels = Int(file.info.channels)
        try Self.checkHeader(rate: rate, channels: channels, path: path)
        if let outputRate = sampleRate {
            guard outputRate.isFinite, Self.sampleRateRange.contains(outputRate) else {
                throw AudioFileError.absurdHeader(
                    path: path,
                    detail:
                        "output sample rate \(MusicalDuration.trim(outputRate)) Hz is not a valid sample rate (8,000-384,000 Hz)"
                )
            }
        }
        self.file = file
        self.limits = limits
        // libsndfile reports SF_COUNT_MAX when a header does not declare the length (a FLAC whose total is 0).
        let declared = file.info.frames >= Int64.max / 2 ? 0 : Int(clamping: max(0, file.info.frames))
        self.info = AudioFileInfo(
            path: path, sampleRate: rate, channelCount: channels,
            declaredFrameCount: declared, formatName: SndFile.formatName(file.info.format))
        self.outputSampleRate = sampleRate ?? rate
        self.maximumSourceFrameCount = limits.maximumSourceFrameCount(sourceRate: rate, outputRate: outputSampleRate)
        if declared > maximumSourceFrameCount {
            throw AudioFileError.tooLong(
                path: path,
                detail: Self.overLimit(
                    frames: declared, rate: rate,
                    outputRate: outputSampleRate, limits: limits, declared: true))
        }
        if declared == 0 {
            // No length declared (a streamed FLAC, or one whose header was zeroed): count the frames in a first
            // pass through a second handle, in blocks, without converting or keeping them, and stop at the limit.
            // Cheap next to the conversion the real pass does, and the refusal comes before any of it.
            try Self.countFrames(path: path, channels: channels, limit: maximumSourceFrameCount) { counted in
                AudioFileError.tooLong(
                    path: path,
                    detail: Self.overLimit(
                        frames: counted, rate: rate, outputRate: sampleRate ?? rate,
                        limits: limits, declared: false)
                        + " (the header declared no length)")
            }
        }
        self.gains = ChannelMapping.stereoGains(channelCount: channels)
        self.converter =
            outputSampleRate == rate
            ? nil
            : try SampleRateConverter(inputRate: rate, outputRate: outputSampleRate, channelCount: 2, quality: quality)
    }

    /// Decodes `path` block by block through its own handle, keeping nothing, and throws `overLimit(count)` as soon
    /// as more than `limit` frames came out.
    static func countFrames(path: String, channels: Int, limit: Int, overLimit: (Int) -> AudioFileError)
        throws(AudioFileError)
    {
        let counter = try SndFile(readingAt: path)
        let blockFrames = 16_384
        var scratch = [Float](repeating: 0, count: blockFrames * channels)
        var counted = 0
        while true {
            let got = counter.readFrames(into: &scratch, frameCount: blockFrames)
            if got <= 0 { return }
            counted += got
            if counted > limit { throw overLimit(counted) }
        }
    }

    /// Refuses a sample rate or channel count outside the accepted ranges, naming it.
    static func checkHeader(rate: Double, channels: Int, path: String) throws(AudioFileError) {
        guard rate.isFinite, sampleRateRange.contains(rate) else {
            throw AudioFileError.absurdHeader(
                path: path,
                detail: "sample rate \(MusicalDuration.trim(rate)) Hz is not a valid sample rate (8,000-384,000 Hz)")
        }
        guard channels >= 1 && channels <= maximumChannelCount else {
            throw AudioFileError.absurdHeader(
                path: path, detail: "\(channels) channels is not a valid channel count (1-\(maximumChannelCount))")
        }
    }

    /// The message for a song over the length or size limit.
    static func overLimit(frames: Int, rate: Double, outputRate: Double, limits: AudioInputLimits, declared: Bool)
        -> String
    {
        let seconds = Double(frames) / rate
        let bytes = Double(frames) * outputRate / rate * 8
        let what = declared ? "the header declares" : "it decodes to more than"
        if seconds > limits.maximumSongSeconds {
            return
                "\(what) \(Self.clock(seconds)) of audio, over the limit of \(Self.clock(limits.maximumSongSeconds)) (MASHUP_MAX_SONG_SECONDS)"
        }
        return
            "\(what) \(JSONReader.grouped(Int(saturating: bytes))) bytes decoded at \(MusicalDuration.trim(outputRate)) Hz, over the limit of \(JSONReader.grouped(limits.maximumDecodedByteCount)) (MASHUP_MAX_DECODED_MB)"
    }

    /// `1:20:00` / `20:00` / `12.5 s`.
    static func clock(_ seconds: Double) -> String {
        guard seconds >= 60 else { return "\(MusicalDuration.trim(seconds)) s" }
        let total = Int(saturating: seconds, rounding: .toNearestOrAwayFromZero)
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
    }

    /// Reads the next block of about `maximumFrameCount` source frames, as stereo at the output rate.
    /// Returns nil at the end of the file.
    /// - Throws: `AudioFileError.noFrames` when the file holds no audio at all; `.tooLong` when the frames decoded
    ///   pass the limits; `.damaged` when the decoder reported more errors than the limit.
    public func read(maximumFrameCount: Int = 65536) throws -> AudioBuffer? {
        precondition(maximumFrameCount > 0, "block size must be positive")
        guard !atEnd else { return nil }
        let channels = info.channelCount
        if interleaved.count < maximumFrameCount * channels {
            interleaved = [Float](repeating: 0, count: maximumFrameCount * channels)
        }
        let got = file.readFrames(into: &interleaved, frameCount: maximumFrameCount)
        if file.errorCode != 0 { readsWithError += 1 }
        if got <= 0 {
            atEnd = true
            try finishDecodeChecks()
            if sourceFramesRead == 0 { throw AudioFileError.noFrames(path: info.path) }
            guard let converter else { return nil }
            let tail = try converter.finish()
            framesRead += tail.frameCount
            return tail.frameCount > 0 ? tail : nil
        }
        sourceFramesRead += got
        if sourceFramesRead > maximumSourceFrameCount {
            atEnd = true
            throw AudioFileError.tooLong(
                path: info.path,
                detail: Self.overLimit(
                    frames: sourceFramesRead, rate: info.sampleRate, outputRate: outputSampleRate, limits: limits,
                    declared: false)
                    + (info.declaredFrameCount > 0
                        ? " (the header declared \(Self.clock(Double(info.declaredFrameCount) / info.sampleRate)))"
                        : " (the header declared no length)"))
        }
        if readsWithError > limits.maximumDecodeErrorCount {
            atEnd = true
            throw AudioFileError.damaged(
                path: info.path, decodeErrorCount: readsWithError, limit: limits.maximumDecodeErrorCount)
        }
        var block = AudioBuffer(channelCount: 2, frameCount: got, sampleRate: info.sampleRate)
        nonFiniteSampleCount += ChannelMapping.mapReadFrames(
            &interleaved, channelCount: channels, frameCount: got, gains: gains, into: &block)
        if let converter { block = try converter.process(block) }
        framesRead += block.frameCount
        return block
    }

    /// At the end: the decoder's error count (from its log and the reads that signalled one) and the frames the
    /// header declared that never came.
    private func finishDecodeChecks() throws {
        let logged = file.logText.components(separatedBy: "\n").filter { $0.hasPrefix("ERROR") }.count
        decodeErrorCount = max(readsWithError, logged)
        if info.declaredFrameCount > sourceFramesRead, decodeErrorCount > 0 || info.formatName.hasPrefix("FLAC") {
            missingFrameCount = info.declaredFrameCount - sourceFramesRead
        }
        if decodeErrorCount > limits.maximumDecodeErrorCount {
            throw AudioFileError.damaged(
                path: info.path, decodeErrorCount: decodeErrorCount, limit: limits.maximumDecodeErrorCount)
        }
    }

    /// Reads the rest of the file into one buffer. Capacity is reserved from the declared length (bounded by the
    /// limits), so a well-formed file is stored without regrowth.
    public func readAll() throws -> AudioBuffer {
        var planar: [[Float]] = [[], []]
        let ratio = outputSampleRate / info.sampleRate
        let expected =
            Int(saturating: Double(min(info.declaredFrameCount, maximumSourceFrameCount)) * ratio, rounding: .up) + 16
        if info.declaredFrameCount > 0 {
            planar[0].reserveCapacity(expected)
            planar[1].reserveCapacity(expected)
        }
        while let block = try read() {
            planar[0].append(contentsOf: block.channel(0))
            planar[1].append(contentsOf: block.channel(1))
        }
        return AudioBuffer(channels: planar, sampleRate: outputSampleRate)
    }
}
