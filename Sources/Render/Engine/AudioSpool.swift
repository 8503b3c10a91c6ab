import DSP
import Foundation
import MashupModel
import Synchronization

/// Audio parked on disk while a render streams: a 32-bit float WAV in a temporary folder (bit-exact, read back in
/// blocks), removed when the spool is released.
///
/// Design note: the master bus of a long render would cost 10 MB per stereo minute in memory, several times over
/// (bus, limiter passes, output). Spooled, a render holds a block; the page cache, not the process, keeps the recent
/// audio, and a pass re-reads it at memory speed. 32-bit float WAV holds 3 hours of stereo at 44.1 kHz, far past the
/// plan's longest output. `AudioSpool` is immutable once written and may be read by several readers in turn.
public final class AudioSpool: RereadableProgramme, @unchecked Sendable {
    /// The temporary file.
    public let url: URL
    public let channelCount: Int
    public let sampleRate: Double
    /// Frames in the spool.
    public let frameCount: Int
    /// Frames per block handed to `forEachBlock`.
    public static let readBlockFrameCount = 16384

    /// The handle `read(frames:)` uses, opened on its first call (one reader at a time).
    private let randomAccess = Mutex<(file: SndFile?, scratch: [Float])>((nil, []))

    fileprivate init(url: URL, channelCount: Int, sampleRate: Double, frameCount: Int) {
        self.url = url
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.frameCount = frameCount
    }

    /// Frames `range` (inside `0..<frameCount`) of a stereo spool, read in place (float WAV seeks exactly), in
    /// pieces of `FileAudioSource.readPieceFrameCount` frames. Safe from several threads (reads take turns).
    /// - Throws: `AudioFileError` when the file cannot be read back or holds fewer frames.
    public func read(frames range: Range<Int>) throws -> AudioBuffer {
        precondition(channelCount == 2, "AudioSpool.read reads stereo spools")
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount, "AudioSpool.read: range outside")
        var output = AudioBuffer(channelCount: 2, frameCount: range.count, sampleRate: sampleRate)
        guard !range.isEmpty else { return output }
        let gains = ChannelMapping.stereoGains(channelCount: 2)
        try randomAccess.withLock { (state: inout (file: SndFile?, scratch: [Float])) throws(AudioFileError) in
            let file: SndFile
            if let open = state.file {
                file = open
            } else {
                file = try SndFile(readingAt: url.path)
                state.file = file
            }
            guard file.seek(toFrame: range.lowerBound) else {
                throw AudioFileError.unreadable(
                    path: url.path, reason: "cannot seek to frame \(range.lowerBound): \(file.lastError)")
            }
            var got = 0
            while got < range.count {
                let piece = file.readStereo(
                    frameCount: min(FileAudioSource.readPieceFrameCount, range.count - got), gains: gains,
                    sampleRate: sampleRate, scratch: &state.scratch
                ).block
                guard piece.frameCount > 0 else {
                    throw AudioFileError.unreadable(
                        path: url.path, reason: "frames \(range) of the spool gave only \(got) frames")
                }
                output.replaceFrames(at: got, with: piece)
                got += piece.frameCount
            }
        }
        return output
    }

    deinit { TemporaryFiles.remove(url.path) }

    /// Length in seconds.
    public var durationSeconds: Double { Double(frameCount) / sampleRate }

    /// Calls `body` with the spooled audio in order, in blocks of `readBlockFrameCount` frames (the last shorter).
    /// - Throws: `AudioFileError` when the file cannot be read back (removed behind the spool's back, disk error).
    public func forEachBlock(_ body: (AudioBuffer) throws -> Void) throws {
        guard frameCount > 0 else { return }
        var limits = AudioInputLimits()
        limits.maximumSongSeconds = .greatestFiniteMagnitude
        limits.maximumDecodedByteCount = .max
        let reader = try AudioFileReader(url: url, sampleRate: nil, limits: limits)
        var delivered = 0
        while delivered < frameCount, let block = try reader.read(maximumFrameCount: Self.readBlockFrameCount) {
            let count = min(block.frameCount, frameCount - delivered)
            try body(count == block.frameCount ? block : block.slice(frames: 0..<count))
            delivered += count
        }
        guard delivered == frameCount else {
            throw AudioFileError.unreadable(
                path: url.path, reason: "the spool holds \(delivered) of its \(frameCount) frames")
        }
    }

    /// The whole spool as one buffer (for tests and short renders).
    public func readAll() throws -> AudioBuffer {
        var output = AudioBuffer(channelCount: channelCount, frameCount: frameCount, sampleRate: sampleRate)
        var written = 0
        try forEachBlock { block in
            output.replaceFrames(at: written, with: block)
            written += block.frameCount
        }
        return output
    }

    /// A temporary folder for spools: `MASHUP_SPOOL_DIR`, else the system's.
    static var directory: URL {
        if let folder = ProcessInfo.processInfo.environment["MASHUP_SPOOL_DIR"], !folder.isEmpty {
            return URL(fileURLWithPath: folder, isDirectory: true)
        }
        return FileManager.default.temporaryDirectory
    }
}

/// Writes an `AudioSpool` block by block; `finish()` hands it over. Released unfinished, it removes its file.
public final class AudioSpoolWriter {
    public let channelCount: Int
    public let sampleRate: Double
    public private(set) var frameCount = 0
    private let url: URL
    private var writer: AudioFileWriter?
    private var finished = false

    /// - Parameter directory: where the file goes (default: `MASHUP_SPOOL_DIR`, else the system's temporary folder).
    /// - Throws: `AudioFileError.writeFailed` (missing folder).
    public init(channelCount: Int, sampleRate: Double, directory: URL? = nil) throws {
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        url = (directory ?? AudioSpool.directory).appendingPathComponent("mashup-spool-\(UUID().uuidString).wav")
        TemporaryFiles.register(url.path)
        writer = try AudioFileWriter(
            url: url, channelCount: channelCount, sampleRate: sampleRate,
            options: AudioFileWriteOptions(sampleFormat: .float32))
    }

    deinit {
        writer?.cancel()
        if !finished { TemporaryFiles.remove(url.path) }
    }

    /// Appends `buffer` (any length).
    /// - Throws: `AudioFileError.writeFailed` (disk full).
    public func write(_ buffer: AudioBuffer) throws {
        guard let writer else { preconditionFailure("AudioSpoolWriter: write after finish") }
        try writer.write(buffer)
        frameCount += buffer.frameCount
    }

    /// Closes the file and returns the spool (an empty spool has no file).
    public func finish() throws -> AudioSpool {
        guard let writer else { preconditionFailure("AudioSpoolWriter: finish called twice") }
        self.writer = nil
        finished = true
        if frameCount > 0 { try writer.finish() } else { writer.cancel() }
        return AudioSpool(url: url, channelCount: channelCount, sampleRate: sampleRate, frameCount: frameCount)
    }
}
