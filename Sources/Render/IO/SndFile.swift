// Why this file uses unsafe pointers: it is the only place that calls libsndfile, whose handles are opaque C
// pointers and whose read/write calls take C arrays. The rest of Render passes Swift arrays and spans.
//
// C library rules relied on here (libsndfile 1.2):
// - The anonymous-enum constants (SF_FORMAT_*, SFM_*, SFC_*, SF_STR_*) import as Int: convert to Int32.
// - `sf_readf_float`/`sf_writef_float` count frames (one sample per channel), data interleaved; `sf_read_*`
//   (not used) counts items.
// - `info.frames` may be wrong for compressed formats and for truncated or lying headers: read in chunks until
//   0 frames come back, and never allocate from the header's claim.
// - Float data is normalised to -1...1 (SFC_SET_NORM_FLOAT is on by default); float -> integer conversion wraps
//   unless SFC_SET_CLIPPING is on, so writers turn it on.
// - A SNDFILE handle is used by one thread at a time; each reader/writer owns its handle.
// - `sf_seek(handle, frames, SEEK_SET)` positions the read pointer in frames from the start and returns the new
//   position, or -1 when the handle cannot seek there; PCM, float and FLAC seek exactly (range reads use only
//   those: other formats are converted to a float file first).
import CSndFile
import DSP
import Foundation

/// An open libsndfile handle: the only place the project calls libsndfile.
final class SndFile {
    let handle: OpaquePointer
    var info: SF_INFO
    let path: String

    /// Opens `path` for reading.
    init(readingAt path: String) throws(AudioFileError) {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioFileError.notAudio(path: path, reason: String(cString: sf_strerror(nil)))
        }
        self.handle = handle
        self.info = info
        self.path = path
    }

    /// Opens `path` for writing with `info` (format, channels, sample rate).
    init(writingAt path: String, info: SF_INFO) throws(AudioFileError) {
        var info = info
        guard sf_format_check(&info) == Int32(SF_TRUE) else {
            throw AudioFileError.unsupportedFormat(
                path: path,
                detail: "libsndfile rejects format 0x"
                    + String(info.format, radix: 16) + " at \(info.samplerate) Hz, \(info.channels) channels")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioFileError.writeFailed(path: path, reason: String(cString: sf_strerror(nil)))
        }
        self.handle = handle
        self.info = info
        self.path = path
    }

    deinit { sf_close(handle) }

    /// Reads up to `frameCount` interleaved frames into the start of `destination` (which must hold
    /// `frameCount` frames); returns the frames read (0 at the end).
    func readFrames(into destination: inout [Float], frameCount: Int) -> Int {
        precondition(destination.count >= frameCount * Int(info.channels), "SndFile.readFrames: buffer too short")
        return destination.withUnsafeMutableBufferPointer {
            Int(sf_readf_float(handle, $0.baseAddress, Int64(frameCount)))
        }
    }

    /// Writes the first `frameCount` interleaved frames of `source`; throws when fewer were written.
    func writeFrames(_ source: [Float], frameCount: Int) throws(AudioFileError) {
        precondition(source.count >= frameCount * Int(info.channels), "SndFile.writeFrames: buffer too short")
        let written = source.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, Int64(frameCount)) }
        if written != Int64(frameCount) {
            throw AudioFileError.writeFailed(path: path, reason: String(cString: sf_strerror(handle)))
        }
    }

    /// Moves the read position to `frame` frames from the start; false when the handle cannot seek there.
    func seek(toFrame frame: Int) -> Bool {
        sf_seek(handle, Int64(frame), SEEK_SET) == Int64(frame)
    }

    /// Reads up to `frameCount` frames from the current position as planar stereo (channels mapped by `gains`,
    /// see `ChannelMapping`), NaN/Inf replaced by 0. `scratch` is the interleaved read buffer, grown as needed.
    /// - Returns: the block (shorter at the end of the file, empty after it) and the non-finite samples replaced.
    func readStereo(
        frameCount: Int, gains: [(left: Float, right: Float)], sampleRate: Double,
        scratch: inout [Float]
    ) -> (block: AudioBuffer, nonFiniteCount: Int) {
        let channels = Int(info.channels)
        if scratch.count < frameCount * channels { scratch = [Float](repeating: 0, count: frameCount * channels) }
        let got = max(0, readFrames(into: &scratch, frameCount: frameCount))
        var block = AudioBuffer(channelCount: 2, frameCount: got, sampleRate: sampleRate)
        guard got > 0 else { return (block, 0) }
        let replaced = ChannelMapping.mapReadFrames(
            &scratch, channelCount: channels, frameCount: got, gains: gains, into: &block)
        return (block, replaced)
    }

    /// Writes a planar block (its channel count must be the file's), interleaving through `scratch`.
    func writePlanar(_ block: AudioBuffer, scratch: inout [Float]) throws(AudioFileError) {
        let count = block.frameCount * block.channelCount
        guard count > 0 else { return }
        if scratch.count < count { scratch = [Float](repeating: 0, count: count) }
        do {
            var out = scratch.mutableSpan
            block.withPlanarSamples { planar in
                VectorOps.interleave(
                    planar, channelCount: block.channelCount, frameCount: block.frameCount, into: &out)
            }
        }
        try writeFrames(scratch, frameCount: block.frameCount)
    }

    /// The handle's error code (0 when the last operation succeeded; decoders set it on lost sync or a bad CRC).
    var errorCode: Int32 { sf_error(handle) }

    /// The handle's parse and decode log (libsndfile keeps the first few KB): headers read, decoder errors.
    var logText: String {
        var buffer = [CChar](repeating: 0, count: 16_384)
        let count = buffer.withUnsafeMutableBufferPointer {
            sf_command(handle, Int32(SFC_GET_LOG_INFO), $0.baseAddress, Int32($0.count - 1))
        }
        guard count > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The handle's last error message.
    var lastError: String { String(cString: sf_strerror(handle)) }

    /// Sends a command with a Double argument (compression level, VBR quality: 0...1).
    func command(_ command: Int, double value: Double) {
        var v = value
        _ = sf_command(handle, Int32(command), &v, Int32(MemoryLayout<Double>.size))
    }

    /// Sends a command with an Int32 argument (bitrate mode) .
    func command(_ command: Int, int32 value: Int32) {
        var v = value
        _ = sf_command(handle, Int32(command), &v, Int32(MemoryLayout<Int32>.size))
    }

    /// Sends a boolean command such as SFC_SET_CLIPPING.
    func command(_ command: Int, flag: Bool) {
        _ = sf_command(handle, Int32(command), nil, flag ? Int32(SF_TRUE) : Int32(SF_FALSE))
    }

    /// Sets a text tag (title, artist, comment, software) where the format holds it.
    func setString(_ type: Int, _ value: String) {
        _ = sf_set_string(handle, Int32(type), value)
    }

    /// A short name of the container and encoding, e.g. "WAV PCM_16".
    static func formatName(_ format: Int32) -> String {
        let major = Int(format) & SF_FORMAT_TYPEMASK
        let minor = Int(format) & SF_FORMAT_SUBMASK
        let majors: [Int: String] = [
            SF_FORMAT_WAV: "WAV", SF_FORMAT_AIFF: "AIFF", SF_FORMAT_FLAC: "FLAC",
            SF_FORMAT_OGG: "OGG", SF_FORMAT_MPEG: "MPEG", SF_FORMAT_WAVEX: "WAVEX",
            SF_FORMAT_RF64: "RF64", SF_FORMAT_W64: "W64", SF_FORMAT_CAF: "CAF",
            SF_FORMAT_AU: "AU",
        ]
        let minors: [Int: String] = [
            SF_FORMAT_PCM_16: "PCM_16", SF_FORMAT_PCM_24: "PCM_24", SF_FORMAT_PCM_32: "PCM_32",
            SF_FORMAT_PCM_U8: "PCM_U8", SF_FORMAT_PCM_S8: "PCM_S8", SF_FORMAT_FLOAT: "FLOAT",
            SF_FORMAT_DOUBLE: "DOUBLE", SF_FORMAT_VORBIS: "VORBIS", SF_FORMAT_OPUS: "OPUS",
            SF_FORMAT_MPEG_LAYER_III: "MP3", SF_FORMAT_MPEG_LAYER_II: "MP2",
            SF_FORMAT_ULAW: "ULAW", SF_FORMAT_ALAW: "ALAW",
        ]
        return (majors[major] ?? "format-\(major >> 16)") + " " + (minors[minor] ?? "encoding-\(minor)")
    }
}
