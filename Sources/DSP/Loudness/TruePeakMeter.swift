import Foundation

// Design note: true peak per ITU-R BS.1770-4 annex 2, with a better interpolator than the annex's 48-tap
// example: 4x polyphase oversampling through a 97-tap Kaiser-windowed sinc (β = 8, cutoff at the original
// Nyquist; PolyphaseOversampler), then the largest |x| of the oversampled signal. Its branch 0 passes the
// original samples exactly, so true peak ≥ sample peak. 4x interpolation can under-read an inter-sample
// peak of a full-band signal by at most about 0.7 dB near Nyquist (BS.1770 annex 2); the limiter in this
// module uses the same interpolator, so "true peak" means the same thing on both sides.
// Cost: 100 multiply-adds per sample per channel.

/// Streams audio and reports the sample peak and the 4x-oversampled true peak, per BS.1770-4 annex 2.
public final class TruePeakMeter {
    /// Half order T of the interpolator: the meter's delay is T/2 frames (flushed by `finish()`).
    static let halfOrder = 24
    private let oversampler: PolyphaseOversampler
    private let scratch: SampleBuffer
    /// T/2 + 1 silent frames for `finish` (at least T/2 + 1 = the interpolator's reach).
    private let silence: SampleBuffer
    private let maximumFrames: Int
    private let channelCount: Int
    /// Largest oversampled |x| so far, per channel (linear).
    public private(set) var truePeaks: [Float]
    /// Largest sample |x| so far, per channel (linear).
    public private(set) var samplePeaks: [Float]

    /// - Parameters:
    ///   - channelCount: channels `append` will see.
    ///   - maximumBlockFrameCount: largest block `append` will see.
    public init(channelCount: Int, maximumBlockFrameCount: Int = 4096) {
        self.channelCount = channelCount
        maximumFrames = maximumBlockFrameCount
        oversampler = PolyphaseOversampler(
            halfOrderFrames: Self.halfOrder, cutoff: 0.125, channelCount: channelCount,
            maximumFrameCount: maximumBlockFrameCount)
        scratch = SampleBuffer(count: max(maximumBlockFrameCount, Self.halfOrder))
        silence = SampleBuffer(count: Self.halfOrder)
        truePeaks = [Float](repeating: 0, count: channelCount)
        samplePeaks = [Float](repeating: 0, count: channelCount)
    }

    /// Clears the peaks and the interpolator history.
    public func reset() {
        oversampler.reset()
        for c in 0..<channelCount { truePeaks[c] = 0; samplePeaks[c] = 0 }
    }

    /// Measures one block (at most the prepared size).
    public func append(_ block: AudioBlock) {
        precondition(
            block.channelCount == channelCount && block.frameCount <= maximumFrames, "TruePeakMeter: block mismatch")
        for c in 0..<channelCount {
            block.withSamples(ofChannel: c) { samples in
                samplePeaks[c] = max(samplePeaks[c], VectorOps.peakMagnitude(samples))
                measure(samples, channel: c)
            }
        }
    }

    /// Measures a buffer of any length (read in place, no copy; in pieces of the prepared block size).
    public func append(_ buffer: AudioBuffer) {
        precondition(buffer.channelCount == channelCount, "TruePeakMeter: channel count mismatch")
        guard buffer.frameCount > 0 else { return }
        for c in 0..<channelCount {
            buffer.withSamples(ofChannel: c) { measureInPieces($0, channel: c) }
        }
    }

    /// Measures channel `channel` of `buffer` (any length, read in place) as this meter's only channel: a
    /// single-channel meter per channel of a programme, each fed on its own core, gives the figures one meter over
    /// all the channels gives for that channel.
    public func append(channel: Int, of buffer: AudioBuffer) {
        precondition(channelCount == 1, "TruePeakMeter: append(channel:of:) feeds a single-channel meter")
        precondition(channel >= 0 && channel < buffer.channelCount, "TruePeakMeter: no such channel in the buffer")
        guard buffer.frameCount > 0 else { return }
        buffer.withSamples(ofChannel: channel) { measureInPieces($0, channel: 0) }
    }

    /// The sample peak of `samples` (any length) and their true peak, in pieces of the prepared block size, as this
    /// meter's channel `c`.
    private func measureInPieces(_ samples: Span<Float>, channel c: Int) {
        samplePeaks[c] = max(samplePeaks[c], VectorOps.peakMagnitude(samples))
        var start = 0
        while start < samples.count {
            let count = min(maximumFrames, samples.count - start)
            measure(samples.extracting(start..<(start + count)), channel: c)
            start += count
        }
    }

    private func measure(_ samples: Span<Float>, channel c: Int) {
        let n = samples.count
        let peak = scratch.withMutableSpan { all in
            var framePeaks = all.extracting(0..<n)
            VectorOps.fill(&framePeaks, with: 0)
            oversampler.upsamplePeaks(samples, channel: c, into: &framePeaks)
            return VectorOps.peakMagnitude(framePeaks.span)
        }
        truePeaks[c] = max(truePeaks[c], peak)
    }

    /// Feeds T/2 + 1 silent frames so that the interpolation around the last samples is included.
    public func finish() {
        silence.withSpan { zeros in
            for c in 0..<channelCount { measure(zeros, channel: c) }
        }
    }

    /// The largest true peak over all channels in dBTP.
    public var truePeakDecibels: Double { Decibels.decibels(Double(truePeaks.max() ?? 0)) }
    /// The largest sample peak over all channels in dBFS.
    public var samplePeakDecibels: Double { Decibels.decibels(Double(samplePeaks.max() ?? 0)) }

    /// True peak (dBTP) and sample peak (dBFS) of a whole buffer.
    public static func measure(_ buffer: AudioBuffer) -> (truePeakDecibels: Double, samplePeakDecibels: Double) {
        let meter = TruePeakMeter(channelCount: buffer.channelCount, maximumBlockFrameCount: 4096)
        meter.append(buffer)
        meter.finish()
        return (meter.truePeakDecibels, meter.samplePeakDecibels)
    }
}
