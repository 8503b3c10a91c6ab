import DSP
import Foundation

/// A song (or a stem) that the engine reads by range: any frames, at the engine rate, stereo, without holding
/// the whole song in memory.
///
/// Frames outside `0 ..< frameCount` read as silence, so a layer that starts before the song or runs past its
/// end needs no special case. Implementations are safe to read from several tasks at once.
public protocol AudioSource: Sendable {
    /// Sample rate of what `read` returns, Hz.
    var sampleRate: Double { get }
    /// Channels of what `read` returns (2 for files: every file is mapped to stereo).
    var channelCount: Int { get }
    /// Frames of audio, at `sampleRate`.
    var frameCount: Int { get }
    /// A 128-bit fingerprint of the samples (`SourceFingerprint`): equal audio, equal fingerprint. Keys caches.
    var contentFingerprint: SourceFingerprint.Value { get }
    /// Frames `range` (silence outside the audio), `range.count` frames long.
    /// - Throws: `AudioFileError` when the backing file cannot be read.
    func read(frames range: Range<Int>) throws -> AudioBuffer
    /// Integrated loudness (BS.1770) of the whole source, LUFS (-inf for silence).
    func integratedLoudnessLUFS() throws -> Double
}

extension AudioSource {
    /// Duration, seconds.
    public var durationSeconds: Double { Double(frameCount) / sampleRate }

    /// Visits the whole source in blocks of at most `blockFrameCount` frames, in order.
    public func forEachBlock(blockFrameCount: Int = 65536, _ body: (AudioBuffer) throws -> Void) throws {
        precondition(blockFrameCount > 0, "block size must be positive")
        var start = 0
        while start < frameCount {
            let end = min(frameCount, start + blockFrameCount)
            try body(try read(frames: start..<end))
            start = end
        }
    }

    /// Measures the integrated loudness over blocks (memory: one block).
    public func integratedLoudnessLUFS() throws -> Double {
        let meter = LoudnessMeter(sampleRate: sampleRate, channelCount: channelCount)
        try forEachBlock { meter.append($0) }
        return meter.integratedLUFS
    }
}
