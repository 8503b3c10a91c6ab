import DSP
import Foundation

/// An `AudioSource` over a buffer held in memory (tests, generated songs, stems given as buffers).
public struct MemoryAudioSource: AudioSource {
    /// The audio.
    public let buffer: AudioBuffer
    public let contentFingerprint: SourceFingerprint.Value

    public init(_ buffer: AudioBuffer) {
        self.buffer = buffer
        self.contentFingerprint = SourceFingerprint.of(buffer)
    }

    public var sampleRate: Double { buffer.sampleRate }
    public var channelCount: Int { buffer.channelCount }
    public var frameCount: Int { buffer.frameCount }

    public func read(frames range: Range<Int>) throws -> AudioBuffer {
        buffer.slice(frames: range)
    }

    /// The same audio at another rate (libsamplerate, best quality).
    /// - Throws: `ResampleError` when the rate cannot be converted.
    public func resampled(to rate: Double) throws -> MemoryAudioSource {
        rate == sampleRate ? self : MemoryAudioSource(try SampleRateConverter.resample(buffer, to: rate))
    }
}
