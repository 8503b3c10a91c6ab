import CSndFile
import DSP
import Foundation

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
/// Non-finite samples (NaN, ±Inf, possible in float files) are replaced by silence and counted in
/// `nonFiniteSampleCount`; the caller reports them as a warning.
public final class AudioFileReader {
    /// Header facts.
    public let info: AudioFileInfo
    /// Sample rate of the blocks returned, in Hz.
    public let outputSampleRate: Double
    /// NaN/Inf samples replaced by 0 so far.
    public private(set) var nonFiniteSampleCount = 0
    /// Frames returned so far (at the output rate).
    public private(set) var framesRead = 0

    /// Bounds on header values; outside them a file is refused as implausible.
    public static let sampleRateRange: ClosedRange<Double> = 8000...384_000
    public static let maximumChannelCount = 32

    private let file: SndFile
    private let gains: [(left: Float, right: Float)]
    private let converter: SampleRateConverter?
    private var interleaved: [Float] = []
    private var sourceFramesRead = 0
    private var atEnd = false

    /// Opens `url` for reading.
    /// - Parameters:
    ///   - sampleRate: the output rate in Hz, or nil to keep the file's rate.
    ///   - quality: the converter used when the rates differ.
    /// - Throws: `AudioFileError` naming the file: notFound, unreadable, notAudio, absurdHeader.
    public init(url: URL, sampleRate: Double? = 44100, quality: ResampleQuality = .best) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AudioFileError.notFound(path: path)
        }
        if isDirectory.boolValue { throw AudioFileError.unreadable(path: path, reason: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AudioFileError.unreadable(path: path, reason: "permission denied")
        }
        let file = try SndFile(readingAt: path)
        let rate = Double(file.info.samplerate)
        let channels = Int(file.info.channels)
        guard Self.sampleRateRange.contains(rate) else {
            throw AudioFileError.absurdHeader(path: path, detail: "sample rate \(Int(rate)) Hz is outside 8000...384000 Hz")
        }
        guard channels >= 1 && channels <= Self.maximumChannelCount else {
            throw AudioFileError.absurdHeader(path: path, detail: "\(channels) channels (at most \(Self.maximumChannelCount))")
        }
        self.file = file
        self.info = AudioFileInfo(path: path, sampleRate: rate, channelCount: channels,
                                  declaredFrameCount: Int(max(0, file.info.frames)),
                                  formatName: SndFile.formatName(file.info.format))
        self.outputSampleRate = sampleRate ?? rate
        self.gains = ChannelMapping.stereoGains(channelCount: channels)
        self.converter = outputSampleRate == rate ? nil
            : try SampleRateConverter(inputRate: rate, outputRate: outputSampleRate, channelCount: 2, quality: quality)
    }

    /// Reads the next block of about `maximumFrameCount` source frames, as stereo at the output rate.
    /// Returns nil at the end of the file.
    /// - Throws: `AudioFileError.noFrames` when the file holds no audio at all.
    public func read(maximumFrameCount: Int = 65536) throws -> AudioBuffer? {
        precondition(maximumFrameCount > 0, "block size must be positive")
        guard !atEnd else { return nil }
        let channels = info.channelCount
        if interleaved.count < maximumFrameCount * channels {
            interleaved = [Float](repeating: 0, count: maximumFrameCount * channels)
        }
        let got = interleaved.withUnsafeMutableBufferPointer { file.readFrames(into: $0.baseAddress!, frameCount: maximumFrameCount) }
        if got <= 0 {
            atEnd = true
            if sourceFramesRead == 0 { throw AudioFileError.noFrames(path: info.path) }
            guard let converter else { return nil }
            let tail = try converter.finish()
            framesRead += tail.frameCount
            return tail.frameCount > 0 ? tail : nil
        }
        sourceFramesRead += got
        var block = AudioBuffer(channelCount: 2, frameCount: got, sampleRate: info.sampleRate)
        interleaved.withUnsafeMutableBufferPointer { source in
            nonFiniteSampleCount += VectorOps.replaceNonFinite(UnsafeMutableBufferPointer(rebasing: source[0 ..< got * channels]))
            block.withMutableBlock { out in
                ChannelMapping.mapToStereo(source.baseAddress!, channelCount: channels, frameCount: got, gains: gains,
                                           into: out.pointer(0), stride: got)
            }
        }
        if let converter { block = try converter.process(block) }
        framesRead += block.frameCount
        return block
    }

    /// Reads the rest of the file into one buffer.
    public func readAll() throws -> AudioBuffer {
        var planar: [[Float]] = [[], []]
        while let block = try read() {
            planar[0].append(contentsOf: block.channel(0))
            planar[1].append(contentsOf: block.channel(1))
        }
        return AudioBuffer(channels: planar, sampleRate: outputSampleRate)
    }
}
