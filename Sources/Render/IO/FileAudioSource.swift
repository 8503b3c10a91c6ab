// Design: a song file read by range. Opening makes one pass over the file in blocks through `AudioFileReader`
// (every `AudioInputLimits` check, channel mapping, NaN repair, rate conversion), measuring on the way what needs
// the whole song: the frame count, the content fingerprint and the integrated loudness (skipped for a stem, whose
// loudness the engine does not ask: then measured on demand by reading the source back); a caller may also feed
// each block to its own consumer (the analyser), so the song is decoded once. Then:
// - a PCM, float or FLAC file already at the engine rate is read in place (libsndfile seeks those exactly);
// - anything else (another rate, MP3, Ogg, Opus) is written during that pass, converted, to a 32-bit float W64
//   file in the scratch folder, which is then read in place (deleted with the source). Converting once, in
//   blocks, keeps the conversion identical to a whole-file decode (the converter runs over the song in order)
//   and costs one sequential write; resampling ranges with context on every read would cost a converter warm-up
//   per layer and differ from the whole-file result at every range edge.
// Memory: one block during the pass; one range per read.
import CSndFile
import DSP
import Foundation
import MashupModel
import Synchronization

/// A song file as an `AudioSource`: stereo at the engine rate, read by range (see the design note).
public final class FileAudioSource: AudioSource {
    /// Header facts of the original file.
    public let info: AudioFileInfo
    public let sampleRate: Double
    public var channelCount: Int { 2 }
    public let frameCount: Int
    public let contentFingerprint: SourceFingerprint.Value
    /// Integrated loudness of the song, LUFS, measured during the opening pass (nil when opened with
    /// `measuresLoudness: false`; `integratedLoudnessLUFS()` then measures it).
    public let loudnessLUFS: Double?
    /// NaN/Inf samples replaced by 0.
    public let nonFiniteSampleCount: Int
    /// Decode errors the decoder reported and survived.
    public let decodeErrorCount: Int
    /// Frames the header declared that were not decoded.
    public let missingFrameCount: Int
    /// True when reads come from a float copy at the engine rate rather than from the file itself.
    public let isConvertedCopy: Bool

    private struct ReadState {
        var file: SndFile
        var scratch: [Float] = []
    }
    private let state: Mutex<ReadState>
    private let gains: [(left: Float, right: Float)]
    private let copyPath: String?

    /// Opens `url` and makes the opening pass.
    /// - Parameters:
    ///   - sampleRate: the engine rate, Hz.
    ///   - scratchDirectory: where a converted copy goes when one is needed (deleted with the source).
    ///   - measuresLoudness: measure the integrated loudness during the opening pass (false for stems: the engine
    ///     asks the loudness of songs only; about a tenth of the pass's time).
    ///   - eachBlock: called with every block of the song, in order, at `sampleRate` (e.g. the analyser's input).
    /// - Throws: `AudioFileError` naming the file (see `AudioFileReader` for the limits); `noFrames` for a file
    ///   without audio; whatever `eachBlock` throws.
    public init(
        url: URL, sampleRate: Double = AudioFile.defaultSampleRate,
        scratchDirectory: URL = FileManager.default.temporaryDirectory, quality: ResampleQuality = .best,
        limits: AudioInputLimits = .standard, measuresLoudness: Bool = true,
        eachBlock: ((AudioBuffer) throws -> Void)? = nil
    ) throws {
        let reader = try AudioFileReader(url: url, sampleRate: sampleRate, quality: quality, limits: limits)
        let info = reader.info
        let readsInPlace = info.sampleRate == sampleRate && Self.seeksExactly(formatName: info.formatName)
        var copy: (file: SndFile, path: String)?
        if !readsInPlace {
            try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
            let path = scratchDirectory.appendingPathComponent("mashup-source-\(UUID().uuidString).w64").path
            var sfInfo = SF_INFO()
            sfInfo.samplerate = Int32(sampleRate.rounded())
            sfInfo.channels = 2
            sfInfo.format = Int32(SF_FORMAT_W64 | SF_FORMAT_FLOAT)
            copy = (try TemporaryFiles.create(path) { try SndFile(writingAt: path, info: sfInfo) }, path)
        }
        var fingerprint = SourceFingerprint()
        let meter = measuresLoudness ? LoudnessMeter(sampleRate: sampleRate, channelCount: 2) : nil
        var frames = 0
        var scratch: [Float] = []
        do {
            while let block = try reader.read() {
                fingerprint.append(block)
                meter?.append(block)
                frames += block.frameCount
                if let copy { try copy.file.writePlanar(block, scratch: &scratch) }
                try eachBlock?(block)
            }
        } catch {
            if let copy { TemporaryFiles.remove(copy.path) }
            throw error
        }
        guard frames > 0 else {
            if let copy { TemporaryFiles.remove(copy.path) }
            throw AudioFileError.noFrames(path: info.path)
        }
        self.info = info
        self.sampleRate = sampleRate
        self.frameCount = frames
        self.contentFingerprint = fingerprint.value(channelCount: 2, sampleRate: sampleRate)
        self.loudnessLUFS = meter?.integratedLUFS
        self.nonFiniteSampleCount = reader.nonFiniteSampleCount
        self.decodeErrorCount = reader.decodeErrorCount
        self.missingFrameCount = reader.missingFrameCount
        self.isConvertedCopy = copy != nil
        self.copyPath = copy?.path
        let readPath = copy?.path ?? info.path
        copy = nil // closes the copy before it is opened for reading
        let file: SndFile
        do { file = try SndFile(readingAt: readPath) } catch {
            if let path = copyPath { TemporaryFiles.remove(path) }
            throw error
        }
        self.gains = ChannelMapping.stereoGains(channelCount: Int(file.info.channels))
        self.state = Mutex(ReadState(file: file))
    }

    deinit {
        if let copyPath { TemporaryFiles.remove(copyPath) }
    }

    /// What was repaired or is missing, each naming the file.
    public var warnings: [String] {
        DecodedAudio.warnings(
            info: info, nonFiniteSampleCount: nonFiniteSampleCount, decodeErrorCount: decodeErrorCount,
            missingFrameCount: missingFrameCount)
    }

    /// The opening pass's figure, or (opened without measuring) the same figure measured now over blocks read back.
    public func integratedLoudnessLUFS() throws -> Double {
        if let loudnessLUFS { return loudnessLUFS }
        let meter = LoudnessMeter(sampleRate: sampleRate, channelCount: 2)
        try forEachBlock { meter.append($0) }
        return meter.integratedLUFS
    }

    /// Longest piece read from the file at once, frames (the scratch is this many frames of the file's channels).
    static let readPieceFrameCount = 65536

    public func read(frames range: Range<Int>) throws -> AudioBuffer {
        let lower = max(range.lowerBound, 0), upper = min(range.upperBound, frameCount)
        guard upper > lower else {
            return AudioBuffer(channelCount: 2, frameCount: max(0, range.count), sampleRate: sampleRate)
        }
        let (block, path) = try state.withLock { (s: inout ReadState) throws(AudioFileError) -> (AudioBuffer, String) in
            guard s.file.seek(toFrame: lower) else {
                throw AudioFileError.unreadable(
                    path: s.file.path, reason: "cannot seek to frame \(lower): \(s.file.lastError)")
            }
            // In pieces of at most `readPieceFrameCount`, so the interleaved scratch every source keeps stays small
            // (a whole layer's range would leave megabytes behind in each source).
            let wanted = upper - lower
            if wanted <= Self.readPieceFrameCount {
                let block = s.file.readStereo(
                    frameCount: wanted, gains: gains, sampleRate: sampleRate, scratch: &s.scratch
                ).block
                return (block, s.file.path)
            }
            var block = AudioBuffer(channelCount: 2, frameCount: wanted, sampleRate: sampleRate)
            var got = 0
            while got < wanted {
                let piece = s.file.readStereo(
                    frameCount: min(Self.readPieceFrameCount, wanted - got), gains: gains, sampleRate: sampleRate,
                    scratch: &s.scratch
                ).block
                guard piece.frameCount > 0 else { break }
                block.replaceFrames(at: got, with: piece)
                got += piece.frameCount
            }
            if got < wanted { block = block.slice(frames: 0..<got) }
            return (block, s.file.path)
        }
        guard block.frameCount == upper - lower else {
            throw AudioFileError.unreadable(
                path: path,
                reason:
                    "frames \(lower)..<\(upper) gave \(block.frameCount) frames (the file changed since it was opened?)"
            )
        }
        if lower == range.lowerBound && upper == range.upperBound { return block }
        // Silence before and after the song: a slice past the block's ends pads.
        let offset = range.lowerBound - lower
        return block.slice(frames: offset..<offset + range.count)
    }

    /// Opens `files` concurrently (one opening pass per task, so several files use several cores), in the given
    /// order; the first error thrown is rethrown. `measuresLoudness` as for `init` (false for stems).
    public static func open(
        _ files: [(url: URL, measuresLoudness: Bool)], sampleRate: Double = AudioFile.defaultSampleRate,
        scratchDirectory: URL = FileManager.default.temporaryDirectory
    ) async throws -> [FileAudioSource] {
        try await withThrowingTaskGroup(of: (Int, FileAudioSource).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask {
                    let source = try FileAudioSource(
                        url: file.url, sampleRate: sampleRate, scratchDirectory: scratchDirectory,
                        measuresLoudness: file.measuresLoudness)
                    return (index, source)
                }
            }
            var opened = [FileAudioSource?](repeating: nil, count: files.count)
            for try await (index, source) in group { opened[index] = source }
            return opened.compactMap { $0 }
        }
    }

    /// Containers and encodings libsndfile seeks to the exact frame (everything else is read through a copy).
    static func seeksExactly(formatName: String) -> Bool {
        let parts = formatName.split(separator: " ")
        guard parts.count == 2 else { return false }
        let containers: Set<Substring> = ["WAV", "WAVEX", "AIFF", "W64", "RF64", "CAF", "AU", "FLAC"]
        let encodings: Set<Substring> = ["PCM_16", "PCM_24", "PCM_32", "PCM_U8", "PCM_S8", "FLOAT", "DOUBLE"]
        return containers.contains(parts[0]) && encodings.contains(parts[1])
    }
}
